package dev.portal.platform;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import dev.portal.account.AccountService;
import dev.portal.support.FaultFigures;
import dev.portal.support.Nodes;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SECURITY 24: PostgreSQL stopped for 30 s under steady writes from several clients. Every request
 * answers within 5 s, 503 with Retry-After while the database is away — never a 500, never a hang, never
 * an answer from a cache that can no longer be told of changes; once it is back (same files, same port)
 * writes succeed again within 10 s, every write that was acknowledged is there, and the cache
 * invalidation feed is listening again. Runs its own Portal and database, since it stops the database.
 */
@Tag("own-database")
class DatabaseOutageTest {
    private static final String TOKEN = "outage-test-token-0123456789abcdef012345";
    private static final Duration OUTAGE = Duration.ofSeconds(30);
    private static final int WRITERS = 4;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dataDir;

    // Longer than the limits asserted, so that a hang shows as a long duration rather than a client timeout.
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** One request a writer made: when it was sent and answered (System.nanoTime), and what came back. */
    record Attempt(long sent, long answered, int status, Optional<String> retryAfter, String body, Long tokenId) {
        Duration took() {
            return Duration.ofNanos(answered - sent);
        }
    }

    @Test
    void steadyWritesThroughA30SecondOutageGet503FastAndEveryAcknowledgedWriteIsThereAfter() throws Exception {
        EmbeddedPostgres restarted = null;
        try (Nodes.Node portal = Nodes.start(dataDir, "--portal.database-url=", "--portal.bootstrap-token=" + TOKEN)) {
            assertThat(send(portal, "GET", "/v1/users/me", null).statusCode()).isEqualTo(200);
            EmbeddedPostgres postgres = portal.context().getBean(DatabaseConfig.EmbeddedDatabase.class).server().orElseThrow();
            int postgresPort = postgres.getPort();

            ConcurrentLinkedQueue<Attempt> attempts = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            AtomicBoolean writing = new AtomicBoolean(true);
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                Thread t = new Thread(() -> {
                    for (int n = 0; writing.get(); n++) {
                        try {
                            attempts.add(createToken(portal, "writer-" + writer + "-" + n));
                            Thread.sleep(50);
                        } catch (InterruptedException e) {
                            return;
                        } catch (Exception e) {
                            // A client timeout or a dropped connection: Portal hung or crashed the request.
                            failures.add(e);
                        }
                    }
                }, "outage-writer-" + w);
                t.start();
                writers.add(t);
            }
            Thread.sleep(2_000);

            long stopping = System.nanoTime();
            postgres.close();
            long stopped = System.nanoTime();

            // Meanwhile, what the original check saw: problem details that name nothing inside, and a sign-in
            // rate limit that refuses rather than let a burst through since it cannot count.
            HttpResponse<String> me = awaitStatus(portal, "/v1/users/me", 503);
            assertThat(me.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(me.headers().firstValue("Content-Type")).hasValueSatisfying(
                    t -> assertThat(t).startsWith("application/problem+json"));
            assertThat(me.body()).contains("\"code\":\"unavailable\"").doesNotContain("Exception", "SQL");
            HttpResponse<String> signIn = send(portal, "GET", "/v1/auth/discord/login", null);
            assertThat(signIn.statusCode()).as(signIn.body()).isEqualTo(503);
            assertThat(signIn.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(signIn.body()).contains("\"code\":\"unavailable\"").doesNotContain("Exception", "SQL");

            Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(stopping + OUTAGE.toNanos() - System.nanoTime())));
            restarted = EmbeddedPostgres.builder().setDataDirectory(dataDir.resolve("postgres"))
                    .setCleanDataDirectory(false).setPort(postgresPort).setPGStartupWait(Duration.ofSeconds(60)).start();
            long back = System.nanoTime();

            long waitUntil = back + Duration.ofSeconds(20).toNanos();
            while (attempts.stream().noneMatch(a -> a.status() == 201 && a.answered() > back) && System.nanoTime() < waitUntil) {
                Thread.sleep(100);
            }
            Thread.sleep(2_000);
            writing.set(false);
            for (Thread t : writers) {
                t.join(30_000);
            }

            List<Attempt> all = List.copyOf(attempts);
            Attempt longest = all.stream().max((a, b) -> a.took().compareTo(b.took())).orElseThrow();
            Optional<Attempt> first503 = all.stream().filter(a -> a.status() == 503)
                    .min((a, b) -> Long.compare(a.answered(), b.answered()));
            Optional<Attempt> firstSuccess = all.stream().filter(a -> a.status() == 201 && a.answered() > back)
                    .min((a, b) -> Long.compare(a.answered(), b.answered()));
            Set<Long> acknowledged = all.stream().filter(a -> a.status() == 201).map(Attempt::tokenId).collect(Collectors.toSet());

            HttpResponse<String> list = send(portal, "GET", "/v1/users/me/tokens", null);
            assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
            Set<Long> found = JSON.readTree(list.body()).valueStream().map(t -> t.get("id").asLong()).collect(Collectors.toSet());
            long foundOfAcknowledged = acknowledged.stream().filter(found::contains).count();

            FaultFigures.report("DatabaseOutageTest", String.format(java.util.Locale.ROOT,
                    "PostgreSQL away %.1f s (its stop took %.1f s); first 503 %s after the stop began; longest request %.1f s;"
                            + " first success %s after PostgreSQL's return; writes acknowledged %d, found %d; requests %d"
                            + " (%d x 201, %d x 503, %d other, %d without an answer)",
                    seconds(back - stopping), seconds(stopped - stopping),
                    first503.map(a -> String.format(java.util.Locale.ROOT, "%.1f s", seconds(a.answered() - stopping))).orElse("never"),
                    seconds(longest.took().toNanos()),
                    firstSuccess.map(a -> String.format(java.util.Locale.ROOT, "%.1f s", seconds(a.answered() - back))).orElse("never"),
                    acknowledged.size(), foundOfAcknowledged, all.size(), acknowledged.size(),
                    all.stream().filter(a -> a.status() == 503).count(),
                    all.stream().filter(a -> a.status() != 201 && a.status() != 503).count(), failures.size()));

            assertThat(failures).as("requests that failed without an answer").isEmpty();
            assertThat(all.stream().filter(a -> a.status() != 201 && a.status() != 503).map(a -> a.status() + " " + a.body()))
                    .as("answers other than 201 and 503").isEmpty();
            assertThat(all.stream().filter(a -> a.status() == 503 && !a.retryAfter().equals(Optional.of("5"))).map(Attempt::body))
                    .as("503s without Retry-After: 5").isEmpty();
            assertThat(first503).as("a 503 while PostgreSQL was away").isPresent();
            assertThat(Duration.ofNanos(first503.get().answered() - stopping)).as("first 503 after the stop").isLessThan(Duration.ofSeconds(5));
            assertThat(all.stream().filter(a -> a.took().compareTo(Duration.ofSeconds(5)) >= 0)
                    .map(a -> String.format(java.util.Locale.ROOT, "%d after %.1f s, sent %.1f s after the stop began, %.1f s"
                            + " after the return", a.status(), seconds(a.took().toNanos()), seconds(a.sent() - stopping),
                            seconds(a.sent() - back))))
                    .as("requests taking 5 s or more").isEmpty();
            assertThat(firstSuccess).as("a write succeeding after PostgreSQL's return").isPresent();
            assertThat(Duration.ofNanos(firstSuccess.get().answered() - back)).as("first success after the return")
                    .isLessThan(Duration.ofSeconds(10));
            assertThat(found).as("tokens found afterwards").containsAll(acknowledged);

            assertTheCacheIsToldOfChangesAgain(portal);
        } finally {
            if (restarted != null) {
                restarted.close();
            }
        }
    }

    /**
     * The LISTEN connection is back: caching is on again, and a change made in SQL behind Portal's back is
     * announced and seen by the next request although the account was cached.
     */
    private void assertTheCacheIsToldOfChangesAgain(Nodes.Node portal) throws Exception {
        CacheInvalidation invalidation = portal.context().getBean(CacheInvalidation.class);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!invalidation.cachingAllowed() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(invalidation.cachingAllowed()).as("cache invalidation feed listening again").isTrue();

        JsonNode me = JSON.readTree(send(portal, "GET", "/v1/users/me", null).body());
        long id = me.get("id").asLong();
        assertThat(JSON.readTree(send(portal, "GET", "/v1/users/me", null).body()).get("username").stringValue())
                .isEqualTo(me.get("username").stringValue());
        assertThat(portal.context().getBean(AccountService.class).isCached(id)).as("the account is served from the cache").isTrue();

        long before = invalidation.notificationsReceived();
        portal.context().getBean(JdbcClient.class).sql("update users set username = 'renamed_after_outage' where id = :id")
                .param("id", id).update();
        long changed = System.nanoTime();
        while (invalidation.notificationsReceived() == before) {
            assertThat(Duration.ofNanos(System.nanoTime() - changed)).as("notification delivery").isLessThan(Duration.ofSeconds(2));
            Thread.sleep(10);
        }
        assertThat(JSON.readTree(send(portal, "GET", "/v1/users/me", null).body()).get("username").stringValue())
                .isEqualTo("renamed_after_outage");
    }

    private Attempt createToken(Nodes.Node portal, String name) throws Exception {
        long sent = System.nanoTime();
        HttpResponse<String> response = send(portal, "POST", "/v1/users/me/tokens", "{\"name\": \"" + name + "\"}");
        long answered = System.nanoTime();
        Long id = response.statusCode() == 201 ? JSON.readTree(response.body()).get("id").asLong() : null;
        return new Attempt(sent, answered, response.statusCode(), response.headers().firstValue("Retry-After"),
                response.body(), id);
    }

    /** Asks until {@code status} comes (at most 5 s); any other answer than 200 or it fails the test. */
    private HttpResponse<String> awaitStatus(Nodes.Node portal, String path, int status) throws Exception {
        long started = System.nanoTime();
        HttpResponse<String> response;
        do {
            response = send(portal, "GET", path, null);
            assertThat(response.statusCode()).as(response.body()).isIn(200, status);
        } while (response.statusCode() != status && System.nanoTime() - started < Duration.ofSeconds(5).toNanos());
        assertThat(response.statusCode()).isEqualTo(status);
        return response;
    }

    private HttpResponse<String> send(Nodes.Node portal, String method, String path, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(portal.url(path))).timeout(Duration.ofSeconds(15))
                .header("Authorization", "Bearer " + TOKEN);
        if (json == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
