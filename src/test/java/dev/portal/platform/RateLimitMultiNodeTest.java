package dev.portal.platform;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.portal.support.Nodes;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SPEC: "Rate-limit buckets live in PostgreSQL so that every node shares them." Two nodes on one
 * database: sign-in starts from one address count against one bucket, whichever node they reach.
 */
@Tag("own-database")
class RateLimitMultiNodeTest {
    private static final String CLIENT = "203.0.113.200";
    @TempDir
    Path dataDir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void nodesCountAgainstTheSameBuckets() throws Exception {
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            String url = postgres.getJdbcUrl("postgres", "postgres");
            List<Nodes.Node> nodes = Nodes.startTwo(dataDir, "--portal.database-url=" + url,
                    "--portal.trusted-proxies=127.0.0.1",
                    // Offered, so a start answers 302; nothing is sent to Discord before the browser goes there.
                    "--portal.signin.discord.client-id=multi-node", "--portal.signin.discord.client-secret=multi-node");
            try (Nodes.Node a = nodes.get(0); Nodes.Node b = nodes.get(1)) {
                int portA = a.port();
                int portB = b.port();
                for (int i = 0; i < 5; i++) {
                    assertThat(start(portA, CLIENT).statusCode()).as("start %d on node A", i + 1).isEqualTo(302);
                    assertThat(start(portB, CLIENT).statusCode()).as("start %d on node B", i + 1).isEqualTo(302);
                }

                HttpResponse<String> onA = start(portA, CLIENT);
                HttpResponse<String> onB = start(portB, CLIENT);

                assertThat(onA.statusCode()).as(onA.body()).isEqualTo(429);
                assertThat(onB.statusCode()).as(onB.body()).isEqualTo(429);
                assertThat(onB.headers().firstValue("Retry-After")).isPresent();
                assertThat(onB.body()).contains("\"code\":\"rate_limited\"");
                assertThat(start(portB, "203.0.113.201").statusCode()).as("another address").isEqualTo(302);
            }
        }
    }

    private HttpResponse<String> start(int port, String client) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/auth/discord/login"))
                .header("X-Forwarded-For", client).timeout(Duration.ofSeconds(5)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

}
