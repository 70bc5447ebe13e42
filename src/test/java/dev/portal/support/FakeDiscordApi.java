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

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Discord's {@code GET /users/@me}, in Discord's shape, for tokens issued by the mock OAuth 2 server:
 * the token is checked by asking that server's userinfo endpoint, whose claims become the user.
 */
final class FakeDiscordApi {
    private final HttpServer server;
    private final MockOAuth2Server oauth;
    private final HttpClient http = HttpClient.newHttpClient();
    private final JsonMapper json = JsonMapper.builder().build();

    FakeDiscordApi(MockOAuth2Server oauth) throws IOException {
        this.oauth = oauth;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/users/@me", this::me);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/api";
    }

    private void me(HttpExchange exchange) throws IOException {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        try {
            HttpResponse<String> userinfo = http.send(HttpRequest.newBuilder(URI.create(oauth.userInfoUrl("discord").toString()))
                    .header("Authorization", authorization == null ? "" : authorization).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (userinfo.statusCode() != 200) {
                respond(exchange, 401, "{\"message\": \"401: Unauthorized\", \"code\": 0}");
                return;
            }
            JsonNode claims = json.readTree(userinfo.body());
            Map<String, Object> user = new LinkedHashMap<>();
            user.put("id", claims.get("sub").stringValue());
            user.put("username", claims.get("username").stringValue());
            user.put("global_name", claims.has("global_name") ? claims.get("global_name").stringValue() : null);
            user.put("avatar", claims.has("avatar") ? claims.get("avatar").stringValue() : null);
            user.put("discriminator", "0");
            user.put("public_flags", 0);
            respond(exchange, 200, json.writeValueAsString(user));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            respond(exchange, 500, "{}");
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
