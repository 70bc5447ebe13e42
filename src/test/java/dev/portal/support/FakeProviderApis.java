package dev.portal.support;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The providers' own APIs, in their real shapes, beside the mock OAuth 2 server that issues their
 * tokens: Discord's {@code /users/@me}, GitHub's token endpoint (which answers refusals with 200) and
 * {@code /user}, and X's {@code /2/users/me}. A token is checked by asking the mock server's userinfo
 * endpoint of the same issuer, whose claims become the user. Each platform can be made slow or down, or
 * stop listening (it has a port of its own).
 */
public final class FakeProviderApis {
    /** How a platform's API answers. */
    public enum Behaviour {
        NORMAL,
        /** Answers only after {@link #SLOW_DELAY_MS}: past Portal's provider timeout in tests. */
        SLOW,
        /** Drops the connection without an answer. */
        DOWN,
        /** Not listening at all: connections are refused, as to a host whose service is stopped. */
        REFUSED
    }

    static final long SLOW_DELAY_MS = 6_000;
    /** A server per platform, so that one can stop listening while the others go on. */
    private final Map<String, PlatformServer> servers = new ConcurrentHashMap<>();
    // One slow platform must not hold up the others.
    private final java.util.concurrent.ExecutorService executor = Executors.newCachedThreadPool();
    private final MockOAuth2Server oauth;
    private final HttpClient http = HttpClient.newHttpClient();
    private final JsonMapper json = JsonMapper.builder().build();
    private final Map<String, Behaviour> behaviours = new ConcurrentHashMap<>();
    private final java.util.Set<String> revoked = ConcurrentHashMap.newKeySet();
    /** Discord's refresh tokens as Portal holds them, to the mock server's: each is used once, as Discord's are. */
    private final Map<String, String> discordRefreshTokens = new ConcurrentHashMap<>();
    /** How often each refresh token was sent to Discord's token endpoint (spent or refused). */
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> discordRefreshesSent = new ConcurrentHashMap<>();
    /** While set, Discord's refreshes wait for it to open (at most {@link #HOLD_MAX_MS}) before answering. */
    private volatile java.util.concurrent.CountDownLatch discordRefreshGate;
    private volatile java.util.concurrent.CountDownLatch discordRefreshArrived = new java.util.concurrent.CountDownLatch(0);
    /** Under Portal's 5 s provider deadline: a held refresh still answers in time once released. */
    static final long HOLD_MAX_MS = 4_000;

    public FakeProviderApis(MockOAuth2Server oauth) throws IOException {
        this.oauth = oauth;
        servers.put("discord", new PlatformServer(Map.of(
                "/discord/api/users/@me", e -> guarded("discord", e, this::discordMe),
                // Not guarded: a Discord that is down or slow is its user API, as before this endpoint existed.
                "/discord/oauth2/token", this::discordToken)));
        servers.put("github", new PlatformServer(Map.of(
                "/github/login/oauth/access_token", e -> guarded("github", e, this::githubToken),
                "/github/api/user", e -> guarded("github", e, this::githubUser))));
        servers.put("x", new PlatformServer(Map.of("/x/api/2/users/me", e -> guarded("x", e, this::xMe))));
    }

    public String baseUrl(String platform) {
        return "http://127.0.0.1:" + servers.get(platform).port + "/" + platform;
    }

    public void behave(String platform, Behaviour behaviour) {
        behaviours.put(platform, behaviour);
        if (behaviour == Behaviour.REFUSED) {
            servers.get(platform).down();
        } else {
            servers.get(platform).up();
        }
    }

    public void reset() {
        behaviours.clear();
        servers.values().forEach(PlatformServer::up);
        java.util.concurrent.CountDownLatch gate = discordRefreshGate;
        discordRefreshGate = null;
        if (gate != null) {
            gate.countDown();
        }
    }

    /**
     * Discord's refreshes wait (at most {@link #HOLD_MAX_MS}) until {@link #releaseDiscordRefreshes}, as a slow
     * token endpoint would; {@link #awaitDiscordRefresh} says when one has arrived.
     */
    public void holdDiscordRefreshes() {
        discordRefreshArrived = new java.util.concurrent.CountDownLatch(1);
        discordRefreshGate = new java.util.concurrent.CountDownLatch(1);
    }

    public void releaseDiscordRefreshes() {
        reset();
    }

    /** Whether a refresh reached Discord's token endpoint within the time given. */
    public boolean awaitDiscordRefresh(long millis) throws InterruptedException {
        return discordRefreshArrived.await(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** How many times this refresh token was sent to Discord's token endpoint. */
    public int discordRefreshesOf(String refreshToken) {
        var sent = discordRefreshesSent.get(refreshToken);
        return sent == null ? 0 : sent.get();
    }

    /**
     * The provider no longer accepts this access or refresh token (the person revoked Portal's access):
     * user APIs answer 401 to it, Discord's token endpoint {@code invalid_grant}.
     */
    public void revoke(String token) {
        revoked.add(token);
    }

    /** One platform's endpoints on a port of their own, which can stop listening and listen again. */
    private final class PlatformServer {
        private final Map<String, com.sun.net.httpserver.HttpHandler> contexts;
        private final int port;
        private HttpServer server;

        PlatformServer(Map<String, com.sun.net.httpserver.HttpHandler> contexts) throws IOException {
            this.contexts = contexts;
            this.server = listen(0);
            this.port = server.getAddress().getPort();
        }

        private HttpServer listen(int on) throws IOException {
            HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", on), 0);
            s.setExecutor(executor);
            contexts.forEach(s::createContext);
            s.start();
            return s;
        }

        synchronized void down() {
            if (server != null) {
                server.stop(0);
                server = null;
            }
        }

        /** Listens again on the same port, which Portal's settings name. */
        synchronized void up() {
            if (server != null) {
                return;
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (true) {
                try {
                    server = listen(port);
                    return;
                } catch (java.net.BindException e) {
                    if (System.nanoTime() > deadline) {
                        throw new java.io.UncheckedIOException("port " + port + " stayed taken", e);
                    }
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(interrupted);
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
    }

    private interface Handler {
        void handle(HttpExchange exchange) throws IOException, InterruptedException;
    }

    private void guarded(String platform, HttpExchange exchange, Handler handler) throws IOException {
        try {
            switch (behaviours.getOrDefault(platform, Behaviour.NORMAL)) {
                case DOWN -> {
                    exchange.close();
                    return;
                }
                case SLOW -> {
                    // Portal has given up by then; answering late would only spend a token queued for a later test.
                    Thread.sleep(SLOW_DELAY_MS);
                    exchange.close();
                    return;
                }
                case NORMAL, REFUSED -> {
                }
            }
            handler.handle(exchange);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.close();
        }
    }

    /** The claims the mock server holds for this request's bearer token at {@code issuer}, or null. */
    private JsonNode claims(HttpExchange exchange, String issuer) throws IOException, InterruptedException {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization != null && revoked.contains(authorization.replaceFirst("(?i)^bearer ", ""))) {
            return null;
        }
        HttpResponse<String> userinfo = http.send(HttpRequest.newBuilder(URI.create(oauth.userInfoUrl(issuer).toString()))
                .header("Authorization", authorization == null ? "" : authorization).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return userinfo.statusCode() == 200 ? json.readTree(userinfo.body()) : null;
    }

    private static String text(JsonNode claims, String name) {
        JsonNode value = claims.get(name);
        return value == null || value.isNull() ? null : value.asString();
    }

    private void discordMe(HttpExchange exchange) throws IOException, InterruptedException {
        JsonNode claims = claims(exchange, "discord");
        if (claims == null) {
            respond(exchange, 401, "{\"message\": \"401: Unauthorized\", \"code\": 0}");
            return;
        }
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("id", claims.get("sub").stringValue());
        user.put("username", text(claims, "username"));
        user.put("global_name", text(claims, "global_name"));
        user.put("avatar", text(claims, "avatar"));
        user.put("discriminator", "0");
        user.put("public_flags", 0);
        respond(exchange, 200, json.writeValueAsString(user));
    }

    /**
     * GitHub's token endpoint: the exchange is made at the mock server, but the answer is GitHub's —
     * {@code token_type} in lower case, and a refused code as 200 with {@code error}. Without
     * {@code Accept: application/json} GitHub answers form-encoded, and so does this.
     */
    private void githubToken(HttpExchange exchange) throws IOException, InterruptedException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(oauth.tokenEndpointUrl("github").toString()))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body));
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization != null) {
            forward.header("Authorization", authorization);
        }
        HttpResponse<String> answer = http.send(forward.build(), HttpResponse.BodyHandlers.ofString());
        boolean wantsJson = String.valueOf(exchange.getRequestHeaders().getFirst("Accept")).contains("application/json");
        if (answer.statusCode() != 200) {
            respond(exchange, 200, wantsJson
                    ? "{\"error\": \"bad_verification_code\", \"error_description\": \"The code passed is incorrect or expired.\"}"
                    : "error=bad_verification_code");
            return;
        }
        String accessToken = json.readTree(answer.body()).get("access_token").stringValue();
        if (!wantsJson) {
            respond(exchange, 200, "access_token=" + accessToken + "&scope=read%3Auser&token_type=bearer",
                    "application/x-www-form-urlencoded");
            return;
        }
        respond(exchange, 200, json.writeValueAsString(Map.of("access_token", accessToken, "token_type", "bearer",
                "scope", "read:user")));
    }

    /**
     * Discord's token endpoint: the exchange is made at the mock server, but refresh tokens behave as
     * Discord's do — a refresh answers a new one and the one used is refused from then on (400
     * {@code invalid_grant}), as is a revoked one.
     */
    private void discordToken(HttpExchange exchange) throws IOException {
        try {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> form = new LinkedHashMap<>();
            for (String pair : body.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    form.put(java.net.URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
            if ("refresh_token".equals(form.get("grant_type"))) {
                String given = form.get("refresh_token");
                if (given != null) {
                    discordRefreshesSent.computeIfAbsent(given, k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
                }
                java.util.concurrent.CountDownLatch gate = discordRefreshGate;
                if (gate != null) {
                    discordRefreshArrived.countDown();
                    gate.await(HOLD_MAX_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
                }
                String theirs = given == null ? null : discordRefreshTokens.remove(given);
                if (theirs == null || revoked.contains(given)) {
                    respond(exchange, 400, "{\"error\": \"invalid_grant\", \"error_description\": \"Invalid \\\"refresh_token\\\" in request.\"}");
                    return;
                }
                form.put("refresh_token", theirs);
            }
            StringBuilder forwarded = new StringBuilder();
            form.forEach((k, v) -> forwarded.append(forwarded.isEmpty() ? "" : "&")
                    .append(java.net.URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
                    .append(java.net.URLEncoder.encode(v, StandardCharsets.UTF_8)));
            HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(oauth.tokenEndpointUrl("discord").toString()))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(forwarded.toString()));
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization != null) {
                forward.header("Authorization", authorization);
            }
            HttpResponse<String> answer = http.send(forward.build(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200) {
                respond(exchange, answer.statusCode(), answer.body());
                return;
            }
            tools.jackson.databind.node.ObjectNode tokens = (tools.jackson.databind.node.ObjectNode) json.readTree(answer.body());
            JsonNode mockRefresh = tokens.get("refresh_token");
            String theirs = mockRefresh != null && mockRefresh.isString() ? mockRefresh.stringValue() : form.get("refresh_token");
            if (theirs != null) {
                String ours = "discord-refresh-" + java.util.UUID.randomUUID();
                discordRefreshTokens.put(ours, theirs);
                tokens.put("refresh_token", ours);
            }
            respond(exchange, 200, json.writeValueAsString(tokens));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.close();
        }
    }

    /** Discord's token endpoint here (refresh tokens used once). */
    public String discordTokenUrl() {
        return baseUrl("discord") + "/oauth2/token";
    }

    private void githubUser(HttpExchange exchange) throws IOException, InterruptedException {
        if (exchange.getRequestHeaders().getFirst("User-Agent") == null) {
            respond(exchange, 403, "{\"message\": \"Request forbidden by administrative rules.\"}");
            return;
        }
        JsonNode claims = claims(exchange, "github");
        if (claims == null) {
            respond(exchange, 401, "{\"message\": \"Bad credentials\", \"status\": \"401\"}");
            return;
        }
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("login", text(claims, "login"));
        user.put("id", Long.parseLong(claims.get("sub").stringValue()));
        user.put("node_id", "MDQ6VXNlcjE=");
        user.put("avatar_url", "https://avatars.githubusercontent.com/u/" + claims.get("sub").stringValue() + "?v=4");
        user.put("type", "User");
        user.put("name", text(claims, "name"));
        user.put("email", text(claims, "email"));
        respond(exchange, 200, json.writeValueAsString(user));
    }

    /** X wraps the user in {@code data}, and names the avatar only when {@code user.fields} asks for it. */
    private void xMe(HttpExchange exchange) throws IOException, InterruptedException {
        JsonNode claims = claims(exchange, "x");
        if (claims == null) {
            respond(exchange, 401, "{\"title\": \"Unauthorized\", \"type\": \"about:blank\", \"status\": 401}");
            return;
        }
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("id", claims.get("sub").stringValue());
        user.put("name", text(claims, "name"));
        user.put("username", text(claims, "username"));
        String query = exchange.getRequestURI().getRawQuery();
        if (query != null && query.contains("user.fields=profile_image_url")) {
            user.put("profile_image_url", "https://pbs.twimg.com/profile_images/" + claims.get("sub").stringValue()
                    + "/normal.jpg");
        }
        respond(exchange, 200, json.writeValueAsString(Map.of("data", user)));
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        respond(exchange, status, body, "application/json");
    }

    private static void respond(HttpExchange exchange, int status, String body, String contentType) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
