package dev.portal.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Mastodon stand-in against the JDK client, as Portal will meet it. The JDK client will not set
 * {@code Host}, so two instances here are {@code 127.0.0.1} and {@code localhost}; a made-up name is
 * reached over a bare socket.
 */
class FakeMastodonSelfTest {
    private static final String REDIRECT = "http://portal.test/signin/mastodon/callback";
    private final FakeMastodon mastodon = new FakeMastodon();
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private final JsonMapper json = JsonMapper.builder().build();

    @AfterEach
    void close() {
        mastodon.close();
    }

    @Test
    void aSignInRegistersAuthorizesExchangesWithPkceAndReadsTheAccount() throws Exception {
        JsonNode app = register("127.0.0.1");
        assertThat(app.get("redirect_uris").size()).isEqualTo(2);
        FakeMastodon.Account person = FakeMastodon.Account.random();
        mastodon.nextAccount("127.0.0.1", person);
        String verifier = "v".repeat(43);
        String challenge = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));

        HttpResponse<String> authorize = send(HttpRequest.newBuilder(URI.create(mastodon.url("127.0.0.1")
                + "/oauth/authorize?" + form(Map.of("response_type", "code", "client_id", text(app, "client_id"),
                        "redirect_uri", REDIRECT, "scope", "profile", "state", "a b&c", "code_challenge", challenge,
                        "code_challenge_method", "S256")))).GET());
        assertThat(authorize.statusCode()).isEqualTo(302);
        Map<String, String> back = query(authorize.headers().firstValue("Location").orElseThrow());
        assertThat(back.get("state")).isEqualTo("a b&c");
        assertThat(mastodon.lastAuthorize("127.0.0.1").field("scope")).isEqualTo("profile");

        String basic = Base64.getEncoder().encodeToString(
                (text(app, "client_id") + ":" + text(app, "client_secret")).getBytes(StandardCharsets.UTF_8));
        Map<String, String> exchange = Map.of("grant_type", "authorization_code", "code", back.get("code"),
                "redirect_uri", REDIRECT, "code_verifier", verifier);
        HttpResponse<String> token = post("127.0.0.1", "/oauth/token", exchange, "Authorization", "Basic " + basic);
        assertThat(token.statusCode()).isEqualTo(200);
        assertThat(text(json.readTree(token.body()), "scope")).isEqualTo("profile");

        HttpResponse<String> me = send(HttpRequest.newBuilder(URI.create(mastodon.url("127.0.0.1")
                + "/api/v1/accounts/verify_credentials"))
                .header("Authorization", "Bearer " + text(json.readTree(token.body()), "access_token")).GET());
        JsonNode account = json.readTree(me.body());
        assertThat(text(account, "id")).isEqualTo(person.id());
        assertThat(text(account, "acct")).isEqualTo(person.username());
        assertThat(text(account, "url")).isEqualTo("https://127.0.0.1/@" + person.username());

        HttpResponse<String> again = post("127.0.0.1", "/oauth/token", exchange, "Authorization", "Basic " + basic);
        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(text(json.readTree(again.body()), "error")).isEqualTo("invalid_grant");
        HttpResponse<String> badToken = send(HttpRequest.newBuilder(URI.create(mastodon.url("127.0.0.1")
                + "/api/v1/accounts/verify_credentials")).header("Authorization", "Bearer nope").GET());
        assertThat(badToken.statusCode()).isEqualTo(401);
    }

    @Test
    void concurrentRegistrationsAreEachCountedAtTheirOwnInstance() throws Exception {
        mastodon.registrationDelay(Duration.ofMillis(300));
        CompletableFuture<JsonNode> first = CompletableFuture.supplyAsync(() -> registerUnchecked("localhost"));
        CompletableFuture<JsonNode> second = CompletableFuture.supplyAsync(() -> registerUnchecked("localhost"));

        assertThat(text(first.get(), "client_id")).isNotEqualTo(text(second.get(), "client_id"));
        assertThat(mastodon.registrations("localhost")).isEqualTo(2);
        assertThat(mastodon.registrations("127.0.0.1")).isZero();
        assertThat(mastodon.apps("localhost")).extracting(FakeMastodon.App::scopes)
                .containsOnly(List.of("read:accounts", "profile"));
    }

    @Test
    void statusesNeedTheWriteScopeAndHonourTheIdempotencyKey() throws Exception {
        String reader = signIn(register("127.0.0.1", "profile"), "profile");
        assertThat(post("127.0.0.1", "/api/v1/statuses", Map.of("status", "hi"), "Authorization", "Bearer " + reader)
                .statusCode()).isEqualTo(403);

        String writer = signIn(register("127.0.0.1", "profile write:statuses"), "write:statuses");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> posted = post("127.0.0.1", "/api/v1/statuses", Map.of("status", "hello <world>"),
                    "Authorization", "Bearer " + writer, "Idempotency-Key", "k1");
            assertThat(posted.statusCode()).isEqualTo(200);
            assertThat(text(json.readTree(posted.body()), "content")).isEqualTo("<p>hello &lt;world&gt;</p>");
            ids.add(text(json.readTree(posted.body()), "id"));
        }
        assertThat(ids.get(1)).isEqualTo(ids.get(0));
        assertThat(mastodon.statuses("127.0.0.1")).extracting(FakeMastodon.Status::text).containsExactly("hello <world>");
    }

    @Test
    void instancesMisbehaveOneAtATime() throws Exception {
        mastodon.down("localhost");
        mastodon.redirectTo("127.0.0.1", "http://169.254.169.254/");
        assertThatThrownBy(() -> send(HttpRequest.newBuilder(URI.create(mastodon.url("localhost")
                + "/api/v1/apps")).GET())).isInstanceOf(IOException.class);
        // Reached, though unanswered; the JDK client even tries a dropped GET a second time.
        assertThat(mastodon.requests("localhost")).isPositive();
        assertThat(mastodon.requests("unaddressed.mastodon.test")).isZero();
        assertThat(send(HttpRequest.newBuilder(URI.create(mastodon.url("127.0.0.1") + "/x")).GET())
                .headers().firstValue("Location")).contains("http://169.254.169.254/");

        mastodon.slow("localhost");
        assertThatThrownBy(() -> send(HttpRequest.newBuilder(URI.create(mastodon.url("localhost") + "/"))
                .timeout(Duration.ofMillis(300)).GET())).isInstanceOf(HttpTimeoutException.class);

        mastodon.endless("localhost");
        HttpResponse<InputStream> endless = http.send(HttpRequest.newBuilder(URI.create(mastodon.url("localhost")
                + "/")).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = endless.body()) {
            assertThat(body.readNBytes(1 << 20)).hasSize(1 << 20);
        }

        // The Host header picks the instance, port or not, in any case.
        try (Socket socket = new Socket("127.0.0.1", mastodon.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET /api/v1/accounts/verify_credentials HTTP/1.1\r\nHost: One.Mastodon.Test:" + mastodon.port()
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .startsWith("HTTP/1.1 401").contains("The access token is invalid");
        }
        assertThat(mastodon.requests("one.mastodon.test")).isEqualTo(1);
        mastodon.reset();
        assertThat(send(HttpRequest.newBuilder(URI.create(mastodon.url("localhost") + "/")).GET())
                .statusCode()).isEqualTo(404);
    }

    /** Straight to a token; the steps themselves are the first test's business. */
    private String signIn(JsonNode app, String scope) throws Exception {
        String verifier = "w".repeat(64);
        String challenge = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        HttpResponse<String> authorize = send(HttpRequest.newBuilder(URI.create(mastodon.url("127.0.0.1")
                + "/oauth/authorize?" + form(Map.of("response_type", "code", "client_id", text(app, "client_id"),
                        "redirect_uri", REDIRECT, "scope", scope, "code_challenge", challenge,
                        "code_challenge_method", "S256")))).GET());
        String code = query(authorize.headers().firstValue("Location").orElseThrow()).get("code");
        HttpResponse<String> token = post("127.0.0.1", "/oauth/token", Map.of("grant_type", "authorization_code",
                "code", code, "redirect_uri", REDIRECT, "code_verifier", verifier,
                "client_id", text(app, "client_id"), "client_secret", text(app, "client_secret")));
        return text(json.readTree(token.body()), "access_token");
    }

    private JsonNode register(String host) throws Exception {
        return register(host, "read:accounts profile");
    }

    private JsonNode register(String host, String scopes) throws Exception {
        HttpResponse<String> answer = post(host, "/api/v1/apps", Map.of("client_name", "Portal",
                "redirect_uris", REDIRECT + "\n" + REDIRECT + "/other", "scopes", scopes));
        assertThat(answer.statusCode()).isEqualTo(200);
        return json.readTree(answer.body());
    }

    private JsonNode registerUnchecked(String host) {
        try {
            return register(host);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> post(String host, String path, Map<String, String> fields, String... headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(mastodon.url(host) + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(fields)));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String form(Map<String, String> fields) {
        StringBuilder form = new StringBuilder();
        fields.forEach((name, value) -> form.append(form.length() == 0 ? "" : "&")
                .append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
        return form.toString();
    }

    private static Map<String, String> query(String location) {
        Map<String, String> query = new LinkedHashMap<>();
        for (String pair : URI.create(location).getRawQuery().split("&")) {
            int equals = pair.indexOf('=');
            query.put(pair.substring(0, equals), URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
        }
        return query;
    }

    private static String text(JsonNode node, String name) {
        return node.get(name).asString();
    }
}
