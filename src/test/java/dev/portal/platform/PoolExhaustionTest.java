package dev.portal.platform;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.zaxxer.hikari.HikariDataSource;
import dev.portal.support.FaultFigures;
import dev.portal.support.Nodes;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * SECURITY 25: with every connection of the pool taken, requests that need the database fail fast with
 * 503 and Retry-After instead of queueing, while liveness still answers at once (the process is fine;
 * restarting it would not help), and one request's waits for connections stay within 3 s in all. Once
 * the connections are back, the same requests succeed. Runs its own
 * Portal with a pool of three, since it holds the pool.
 */
@Tag("own-database")
class PoolExhaustionTest {
    private static final String TOKEN = "pool-test-token-0123456789abcdef0123456789";
    private static final int POOL = 3;

    @TempDir
    Path dataDir;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** An answer and how long it took. */
    record Timed(HttpResponse<String> response, Duration took) {
    }

    @Test
    void anExhaustedPoolAnswers503FastWhileLivenessStillAnswers200() throws Exception {
        try (Nodes.Node portal = Nodes.start(dataDir, "--portal.database-url=", "--portal.bootstrap-token=" + TOKEN,
                "--portal.database-pool-size=" + POOL)) {
            // The bootstrap token and its account are cached from here on: only what needs the database waits.
            assertThat(send(portal, "GET", "/v1/users/me", TOKEN, null).response().statusCode()).isEqualTo(200);

            List<Connection> held = holdEveryConnection(portal.context().getBean(HikariDataSource.class));
            // Threads of their own: the common pool may have a single thread on a small machine.
            ExecutorService clients = Executors.newFixedThreadPool(2);
            Timed write;
            Timed unknownToken;
            Timed liveness;
            try {
                // A write needs a connection for its transaction; a token never seen must be looked up.
                CompletableFuture<Timed> pendingWrite = CompletableFuture.supplyAsync(
                        () -> send(portal, "POST", "/v1/users/me/tokens", TOKEN, "{\"name\": \"while exhausted\"}"), clients);
                CompletableFuture<Timed> pendingLookup = CompletableFuture.supplyAsync(
                        () -> send(portal, "GET", "/v1/users/me", "ptl_never-seen-0123456789abcdef0123456789ab", null), clients);
                Thread.sleep(200);
                // Asked while both are still waiting for a connection.
                liveness = send(portal, "GET", "/actuator/health/liveness", null, null);
                boolean bothPending = !pendingWrite.isDone() && !pendingLookup.isDone();
                write = pendingWrite.get();
                unknownToken = pendingLookup.get();

                FaultFigures.report("PoolExhaustionTest", String.format(Locale.ROOT,
                        "pool of %d held; write answered %d in %.2f s, unknown token answered %d in %.2f s;"
                                + " liveness answered %d in %.3f s (while both were pending: %s)",
                        POOL, write.response().statusCode(), seconds(write.took()), unknownToken.response().statusCode(),
                        seconds(unknownToken.took()), liveness.response().statusCode(), seconds(liveness.took()), bothPending));
                assertThat(bothPending).as("liveness answered while the other requests waited for a connection").isTrue();

                assertARequestWaitsForConnectionsThreeSecondsInAll(portal);
            } finally {
                clients.shutdown();
                for (Connection c : held) {
                    c.close();
                }
            }

            for (Timed refused : List.of(write, unknownToken)) {
                HttpResponse<String> response = refused.response();
                assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
                assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
                assertThat(response.body()).contains("\"code\":\"unavailable\"").doesNotContain("Exception", "SQL");
                // Hikari gives up after its 2 s connection timeout: failing fast, not queueing.
                assertThat(refused.took()).isLessThan(Duration.ofSeconds(3));
            }
            assertThat(liveness.response().statusCode()).isEqualTo(200);
            assertThat(liveness.response().body()).contains("\"UP\"");
            assertThat(liveness.took()).as("liveness does not wait for the database").isLessThan(Duration.ofSeconds(1));

            // Connections back: the same requests are served again.
            Timed again = send(portal, "POST", "/v1/users/me/tokens", TOKEN, "{\"name\": \"after release\"}");
            assertThat(again.response().statusCode()).as(again.response().body()).isEqualTo(201);
            assertThat(send(portal, "GET", "/v1/users/me", "ptl_never-seen-0123456789abcdef0123456789ab", null)
                    .response().statusCode()).isEqualTo(401);
        }
    }

    /**
     * A request asking for connection after connection (as one does for its token, its account, its
     * transaction) waits the pool's 2 s for the first, only what is left of 3 s for the second, and not at
     * all for the third: the waits do not add up past what a client can be kept waiting.
     */
    private static void assertARequestWaitsForConnectionsThreeSecondsInAll(Nodes.Node portal) throws Exception {
        HikariDataSource pool = portal.context().getBean(HikariDataSource.class);
        List<Duration> waits = new ArrayList<>();
        portal.context().getBean(RequestIdFilter.class).doFilter(new MockHttpServletRequest("GET", "/v1/users/me"),
                new MockHttpServletResponse(), (request, response) -> {
                    for (int i = 0; i < 3; i++) {
                        long started = System.nanoTime();
                        assertThatThrownBy(pool::getConnection).isInstanceOf(SQLTransientConnectionException.class);
                        waits.add(Duration.ofNanos(System.nanoTime() - started));
                    }
                });
        FaultFigures.report("PoolExhaustionTest", String.format(Locale.ROOT,
                "one request's three waits for a connection: %.2f s, %.2f s, %.2f s", seconds(waits.get(0)),
                seconds(waits.get(1)), seconds(waits.get(2))));
        assertThat(waits.get(0)).isGreaterThanOrEqualTo(Duration.ofMillis(1_900));
        assertThat(waits.get(1)).isLessThan(Duration.ofMillis(1_900));
        assertThat(waits.get(2)).isLessThan(Duration.ofMillis(500));
        // Outside a request, each wait has the pool's timeout alone.
        long started = System.nanoTime();
        assertThatThrownBy(pool::getConnection).isInstanceOf(SQLTransientConnectionException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(1_900));
    }

    /** Takes every connection the pool has (waiting for any a background task holds a moment). */
    private static List<Connection> holdEveryConnection(HikariDataSource pool) throws SQLException {
        assertThat(pool.getMaximumPoolSize()).isEqualTo(POOL);
        List<Connection> held = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (held.size() < POOL) {
            try {
                held.add(pool.getConnection());
            } catch (SQLException e) {
                if (System.nanoTime() > deadline) {
                    for (Connection c : held) {
                        c.close();
                    }
                    throw e;
                }
            }
        }
        assertThat(pool.getHikariPoolMXBean().getIdleConnections()).isZero();
        return held;
    }

    private Timed send(Nodes.Node portal, String method, String path, String token, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(portal.url(path))).timeout(Duration.ofSeconds(15));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (json == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        }
        long started = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Timed(response, Duration.ofNanos(System.nanoTime() - started));
        } catch (Exception e) {
            throw new AssertionError(method + " " + path + " got no answer", e);
        }
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
