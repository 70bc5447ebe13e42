package dev.portal.platform;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.portal.support.FakeProviderApis;
import dev.portal.support.Nodes;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10: {@code PORTAL_LOG_FORMAT=json} writes Spring Boot's structured logs (ECS), each line a request
 * causes carrying its request id, route and (once known) user id; and the log of a whole sign-in, token and
 * e-mail-link round, at DEBUG for Portal's own code, holds none of the secrets that passed through it.
 * A JVM of its own: the log format is chosen once, when logging starts.
 */
@Tag("own-database")
@ExtendWith(OutputCaptureExtension.class)
class StructuredLogTest {
    private static final String CLIENT_SECRET = "log-test-client-secret-8c1f0e";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dataDir;

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> send(String method, String url, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String cookie(HttpResponse<?> response, String name) {
        return response.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(name + "="))
                .map(c -> c.substring(name.length() + 1, c.indexOf(';'))).findFirst().orElseThrow();
    }

    private static String query(String url, String name) {
        Matcher m = Pattern.compile("[?&]" + name + "=([^&\\s]+)").matcher(url);
        assertThat(m.find()).as("%s in %s", name, url).isTrue();
        return m.group(1);
    }

    @Test
    void jsonLinesCarryTheRequestAndNoSecretIsLogged(CapturedOutput output) throws Exception {
        MockOAuth2Server oauth = new MockOAuth2Server();
        oauth.start();
        FakeProviderApis apis = new FakeProviderApis(oauth);
        int port = Nodes.freePort();
        String portal = "http://127.0.0.1:" + port;
        List<String> secrets = new ArrayList<>(List.of(CLIENT_SECRET));
        try (Nodes.Node node = Nodes.start(port, dataDir, new Class<?>[0], "--portal.database-url=",
                "--portal.public-url=" + portal, "--portal.log-format=json", "--logging.level.dev.portal=DEBUG",
                "--portal.signin.discord.client-id=log-test", "--portal.signin.discord.client-secret=" + CLIENT_SECRET,
                "--portal.signin.discord.authorize-url=" + oauth.authorizationEndpointUrl("discord"),
                "--portal.signin.discord.token-url=" + apis.discordTokenUrl(),
                "--portal.signin.discord.api-url=" + apis.baseUrl("discord") + "/api",
                "--portal.signin.discord.scope=identify openid")) {
            // Sign in as a browser does: login, the provider's authorize, the callback with code and state.
            HttpResponse<String> login = send("GET", portal + "/v1/auth/discord/login?redirect=/", null);
            String flow = cookie(login, "psignin");
            HttpResponse<String> authorize = send("GET", login.headers().firstValue("Location").orElseThrow(), null);
            String callback = authorize.headers().firstValue("Location").orElseThrow();
            secrets.addAll(List.of(flow, query(callback, "code"), query(callback, "state")));
            oauth.enqueueCallback(new DefaultOAuth2TokenCallback("discord", "7700112233", "JWT", List.of("log-test"),
                    Map.of("username", "logtester"), 3600));
            HttpResponse<String> signedIn = send("GET", callback, null, "Cookie", "psignin=" + flow);
            assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(302);
            String session = cookie(signedIn, "psession");
            secrets.add(session);

            // A personal access token: created, used, revoked.
            HttpResponse<String> created = send("POST", portal + "/v1/users/me/tokens", "{\"name\":\"log test\"}",
                    "Cookie", "psession=" + session);
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            JsonNode token = JSON.readTree(created.body());
            secrets.add(token.get("token").stringValue());
            assertThat(send("GET", portal + "/v1/users/me", null, "Authorization", "Bearer " + token.get("token").stringValue())
                    .statusCode()).isEqualTo(200);
            assertThat(send("DELETE", portal + "/v1/users/me/tokens/" + token.get("id").longValue(), null,
                    "Cookie", "psession=" + session).statusCode()).isEqualTo(204);

            // An e-mail change: the link is mailed (to the outbox here) and followed.
            HttpResponse<String> requested = send("POST", portal + "/api/user/change-email/request",
                    "{\"email\":\"log-test@example.com\"}", "Cookie", "psession=" + session);
            assertThat(requested.statusCode()).as(requested.body()).isEqualTo(202);
            String mail;
            try (Stream<Path> mails = Files.list(dataDir.resolve("outbox"))) {
                // Quoted-printable: soft line breaks and '=' as =3D.
                mail = mails.map(StructuredLogTest::read).map(m -> m.replace("=\r\n", "").replace("=3D", "="))
                        .filter(m -> m.contains("token=")).findFirst().orElseThrow();
            }
            String link = query(mail, "token");
            secrets.add(link);
            assertThat(send("GET", portal + "/api/user/change-email/confirm?token=" + link, null).statusCode()).isEqualTo(200);
            long userId = JSON.readTree(send("GET", portal + "/v1/users/me", null, "Cookie", "psession=" + session).body())
                    .get("id").longValue();

            List<JsonNode> lines = new ArrayList<>();
            for (String line : output.getOut().split("\\R")) {
                if (line.startsWith("{")) {
                    lines.add(JSON.readTree(line));
                }
            }
            assertThat(lines).as("JSON lines").hasSizeGreaterThan(10);
            assertThat(lines).allSatisfy(line -> assertThat(line.has("@timestamp") && line.has("message")).isTrue());
            JsonNode signin = only(lines, "Sign-in with discord: success");
            assertThat(signin.path("requestId").stringValue()).matches("[0-9a-f]{16}");
            assertThat(signin.path("route").stringValue()).isEqualTo("GET /v1/auth/{platform}/callback");
            assertThat(signin.path("userId").stringValue()).isEqualTo(Long.toString(userId));
            JsonNode tokenCreated = only(lines, "Created API token " + token.get("id").longValue() + " of user " + userId);
            assertThat(tokenCreated.path("route").stringValue()).isEqualTo("POST /v1/users/me/tokens");
            assertThat(tokenCreated.path("userId").stringValue()).isEqualTo(Long.toString(userId));
            assertThat(tokenCreated.path("requestId").stringValue()).isNotEqualTo(signin.path("requestId").stringValue());
            assertThat(lines.stream().filter(l -> l.has("requestId")))
                    .as("every line a request causes names its route").allSatisfy(l -> assertThat(l.has("route")).isTrue());
        } finally {
            oauth.shutdown();
        }
        String log = output.getAll();
        assertThat(secrets).allSatisfy(secret -> assertThat(log).as("the log").doesNotContain(secret));
        assertThat(log).doesNotContain("Bearer pat_", "psession=");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static JsonNode only(List<JsonNode> lines, String message) {
        List<JsonNode> found = lines.stream().filter(l -> message.equals(l.path("message").stringValue())).toList();
        assertThat(found).as("lines saying '%s'", message).hasSize(1);
        return found.get(0);
    }
}
