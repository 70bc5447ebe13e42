package dev.portal.platform;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import dev.portal.PortalApplication;
import dev.portal.support.Nodes;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SECURITY 24: with PostgreSQL gone, authenticated requests answer 503 with Retry-After within 5 s —
 * never a 500, never a hang, and never an answer from a cache that can no longer be told of changes.
 * Runs its own Portal and database, since it stops the database.
 */
@Tag("own-database")
class DatabaseOutageTest {
    private static final String TOKEN = "outage-test-token-0123456789abcdef012345";

    @TempDir
    Path dataDir;

    @Test
    void requestsAnswer503WithRetryAfterWhileTheDatabaseIsAway() throws Exception {
        int port = Nodes.freePort();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest me = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/users/me"))
                .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(10)).build();
        try (ConfigurableApplicationContext portal = new SpringApplicationBuilder(PortalApplication.class).run(
                "--portal.data-dir=" + dataDir, "--server.port=" + port, "--portal.database-url=",
                "--portal.bootstrap-token=" + TOKEN)) {
            assertThat(http.send(me, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

            portal.getBean(DatabaseConfig.EmbeddedDatabase.class).close();

            long started = System.nanoTime();
            HttpResponse<String> response;
            do {
                response = http.send(me, HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(response.body()).isIn(200, 503);
            } while (response.statusCode() != 503 && System.nanoTime() - started < Duration.ofSeconds(5).toNanos());
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                    t -> assertThat(t).startsWith("application/problem+json"));
            assertThat(response.body()).contains("\"code\":\"unavailable\"").doesNotContain("Exception", "SQL");

            // The sign-in rate limit cannot count either: it refuses the same way rather than let a burst through.
            HttpResponse<String> start = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/v1/auth/discord/login")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(start.statusCode()).as(start.body()).isEqualTo(503);
            assertThat(start.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(start.body()).contains("\"code\":\"unavailable\"").doesNotContain("Exception", "SQL");
        }
    }

}
