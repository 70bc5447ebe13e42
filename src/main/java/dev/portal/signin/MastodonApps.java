package dev.portal.signin;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.portal.outbound.GuardedHttp;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.Db;
import dev.portal.platform.RateLimiter;
import dev.portal.platform.SecretCipher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Portal's application on each Mastodon instance, registered there on first use
 * ({@code POST /api/v1/apps}) and kept in {@code mastodon_apps}, its secret sealed. Sign-ins racing on a
 * new instance, on one node or many, register it once: the registration runs under a transaction-scoped
 * advisory lock on the instance, and whoever waited finds the app the first one stored. Attempts to
 * register are limited per instance, so a server that keeps failing is not asked again and again.
 */
@Component
class MastodonApps {
    private static final Logger log = LoggerFactory.getLogger(MastodonApps.class);
    /** Registration attempts per instance; one succeeds and is kept, so these bound only failures. */
    static final RateLimiter.Limit REGISTRATIONS = new RateLimiter.Limit("mastodon-app-registration",
            RateLimiter.Rate.perMinute(3), RateLimiter.Rate.perHour(10));

    record App(String instance, String clientId, String clientSecret) {
        @Override
        public String toString() {
            return "App[" + instance + ", " + clientId + "]";
        }
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate transaction;
    private final SecretCipher cipher;
    private final GuardedHttp http;
    private final RateLimiter rateLimiter;
    private final JsonMapper json;
    private final Clock clock;

    MastodonApps(JdbcClient jdbc, TransactionTemplate transaction, SecretCipher cipher, GuardedHttp http,
            RateLimiter rateLimiter, JsonMapper json, Clock clock) {
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.cipher = cipher;
        this.http = http;
        this.rateLimiter = rateLimiter;
        this.json = json;
        this.clock = clock;
    }

    /** The app registered at the instance for this callback and these scopes, registering it if there is none. */
    App at(MastodonInstance instance, URI redirectUri, String scopes, String clientName, String website) {
        Optional<App> known = find(instance.key(), redirectUri, scopes);
        if (known.isPresent()) {
            return known.get();
        }
        rateLimiter.consume(REGISTRATIONS, instance.key());
        return transaction.execute(status -> {
            jdbc.sql("select pg_advisory_xact_lock(hashtextextended(:key, 0))")
                    .param("key", "mastodon-app:" + instance.key()).query(Object.class).single();
            Optional<App> meanwhile = find(instance.key(), redirectUri, scopes);
            if (meanwhile.isPresent()) {
                return meanwhile.get();
            }
            App app = register(instance, redirectUri, scopes, clientName, website);
            jdbc.sql("""
                    insert into mastodon_apps (instance, redirect_uri, scopes, client_id, client_secret, registered_at)
                    values (:instance, :redirectUri, :scopes, :clientId, :secret, :now)
                    on conflict (instance) do update set redirect_uri = excluded.redirect_uri, scopes = excluded.scopes,
                        client_id = excluded.client_id, client_secret = excluded.client_secret,
                        registered_at = excluded.registered_at
                    """).param("instance", instance.key()).param("redirectUri", redirectUri.toString())
                    .param("scopes", scopes).param("clientId", app.clientId())
                    .param("secret", cipher.seal(app.clientSecret(), context(instance.key())))
                    .param("now", Db.ts(clock.instant())).update();
            log.info("Registered Portal's application at the Mastodon instance {}", instance.key());
            return app;
        });
    }

    /** The app a started sign-in used; gone only if the row was removed meanwhile. */
    Optional<App> find(String instance, URI redirectUri, String scopes) {
        List<App> apps = jdbc.sql("""
                select instance, client_id, client_secret from mastodon_apps
                where instance = :instance and redirect_uri = :redirectUri and scopes = :scopes
                """).param("instance", instance).param("redirectUri", redirectUri.toString()).param("scopes", scopes)
                .query((rs, row) -> {
                    String clientId = rs.getString("client_id");
                    return cipher.open(rs.getBytes("client_secret"), context(rs.getString("instance")))
                            .map(secret -> new App(instance, clientId, secret)).orElse(null);
                })
                .list();
        // A secret sealed with another key cannot be used; registering anew replaces it.
        return apps.stream().filter(java.util.Objects::nonNull).findFirst();
    }

    private App register(MastodonInstance instance, URI redirectUri, String scopes, String clientName, String website) {
        String party = "The Mastodon server " + instance.key();
        String form = "client_name=" + encode(clientName) + "&redirect_uris=" + encode(redirectUri.toString())
                + "&scopes=" + encode(scopes) + "&website=" + encode(website);
        GuardedHttp.Response response = http.send(new GuardedHttp.Request("POST", instance.endpoint("/api/v1/apps"),
                List.of("Accept", "application/json"), form.getBytes(StandardCharsets.UTF_8),
                "application/x-www-form-urlencoded"), party);
        if (response.status() != 200) {
            log.info("{} refused to register Portal's application (status {})", party, response.status());
            throw GuardedHttp.unavailable(party + " did not register Portal (status " + response.status() + ").");
        }
        JsonNode body;
        try {
            body = json.readTree(response.body());
        } catch (RuntimeException e) {
            throw GuardedHttp.unavailable(party + " answered the registration with something that is not JSON.");
        }
        String clientId = OAuthProvider.text(body, "client_id");
        String clientSecret = OAuthProvider.text(body, "client_secret");
        if (clientId == null || clientSecret == null || clientId.length() > 512 || clientSecret.length() > 512) {
            throw GuardedHttp.unavailable(party + " registered Portal but gave no client id and secret.");
        }
        return new App(instance.key(), clientId, clientSecret);
    }

    private static String context(String instance) {
        return "mastodon-app:" + instance;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    static ApiProblem unknownApp(String instance) {
        return ApiProblem.badRequest("invalid_state", "Portal's application at " + instance + " is gone; start again.");
    }
}
