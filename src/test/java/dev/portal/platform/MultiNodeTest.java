package dev.portal.platform;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.portal.session.SessionService;
import dev.portal.support.Nodes;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SPEC §3 and §6, SECURITY 4: two Portal nodes on one PostgreSQL. Started together with the same
 * bootstrap token, exactly one creates the first Owner; a session ended on one node stops working on
 * the other within a second, although both had it cached. Sharing a data directory, they also generate
 * one secret key between them, so either opens what the other sealed.
 */
@Tag("own-database")
class MultiNodeTest {
    private static final String TOKEN = "multi-node-token-0123456789abcdef01234567";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    @TempDir
    Path dataDir;

    @Test
    void nodesShareOneOwnerAndOneSecretKeyAndRevocationReachesEveryNode() throws Exception {
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            String url = postgres.getJdbcUrl("postgres", "postgres");
            List<Nodes.Node> nodes = Nodes.startTwo(dataDir, "--portal.database-url=" + url, "--portal.bootstrap-token=" + TOKEN);
            try (Nodes.Node a = nodes.get(0); Nodes.Node b = nodes.get(1)) {
                ConfigurableApplicationContext nodeA = a.context();
                ConfigurableApplicationContext nodeB = b.context();
                int portA = a.port();
                int portB = b.port();
                JdbcClient jdbc = nodeA.getBean(JdbcClient.class);
                assertThat(jdbc.sql("select count(*) from users where permission_level = 3").query(Long.class).single())
                        .isEqualTo(1);
                assertThat(jdbc.sql("select count(*) from api_tokens").query(Long.class).single()).isEqualTo(1);

                long owner = jdbc.sql("select id from users where permission_level = 3").query(Long.class).single();
                String session = nodeA.getBean(SessionService.class).create(owner, "discord", "127.0.0.1", "test").token();
                assertThat(status(portA, "GET", "/v1/users/me", session)).isEqualTo(200);
                assertThat(status(portB, "GET", "/v1/users/me", session)).isEqualTo(200);

                assertThat(status(portB, "POST", "/v1/auth/logout", session)).isEqualTo(204);

                long started = System.nanoTime();
                while (status(portA, "GET", "/v1/users/me", session) != 401) {
                    assertThat(Duration.ofNanos(System.nanoTime() - started)).as("revocation reaching node A")
                            .isLessThan(Duration.ofSeconds(1));
                }

                byte[] sealed = nodeA.getBean(SecretCipher.class).seal("provider-token", "identity:github:1");
                assertThat(nodeB.getBean(SecretCipher.class).open(sealed, "identity:github:1")).contains("provider-token");
            }
        }
    }

    private int status(int port, String method, String path, String session) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).header("Cookie", "psession=" + session)
                .timeout(Duration.ofSeconds(5)).build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

}
