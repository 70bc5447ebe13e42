package dev.portal.signin;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import dev.portal.outbound.GuardedHttp;
import dev.portal.outbound.OutboundProperties;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.Db;
import dev.portal.platform.RateLimiter;
import dev.portal.platform.SecretCipher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Portal's application on each Mastodon instance, registered there on first use
 * ({@code POST /api/v1/apps}) and kept in {@code mastodon_apps}, its secret sealed. Sign-ins racing on a
 * new instance, on one node or many, register it once: one claims the registration in the database, the
 * others wait for the app it stores. No connection is held while the instance answers, so slow instances
 * cannot take the pool from everyone else. Attempts to register are limited per instance, so a server that
 * keeps failing is not asked again and again.
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

    /** How often a sign-in waiting for another's registration looks whether the app has appeared. */
    private static final long WAIT_STEP_MS = 100;

    private final JdbcClient jdbc;
    /** A claim outlives the registration's deadline, so it is never taken over while still being served. */
    private final Duration claimFor;
    /** How long a sign-in waits for another's registration: that registration's deadline, and a little. */
    private final Duration waitForOthers;
    private final SecretCipher cipher;
    private final GuardedHttp http;
    private final RateLimiter rateLimiter;
    private final JsonMapper json;
    private final Clock clock;

    MastodonApps(JdbcClient jdbc, OutboundProperties outbound, SecretCipher cipher, GuardedHttp http,
            RateLimiter rateLimiter, JsonMapper json, Clock clock) {
        this.jdbc = jdbc;
        this.claimFor = outbound.timeout().plusSeconds(5);
        this.waitForOthers = outbound.timeout().plusSeconds(2);
        this.cipher = cipher;
        this.http = http;
        this.rateLimiter = rateLimiter;
        this.json = json;
        this.clock = clock;
    }

    /**
     * The app registered at the instance for this callback and these scopes, registering it if there is
     * none. One sign-in claims the registration (a row in {@code mastodon_app_claims}) and asks the instance
     * with no database connection held; the others wait for its app to appear, and take over only if the
     * claim ends without one (the instance refused, or that node died).
     */
    App at(MastodonInstance instance, URI redirectUri, String scopes, String clientName, String website) {
        long deadline = System.nanoTime() + waitForOthers.toNanos();
        while (true) {
            Optional<App> known = find(instance.key(), redirectUri, scopes);
            if (known.isPresent()) {
                return known.get();
            }
            String claim = dev.portal.platform.Secrets.randomToken();
            if (claim(instance.key(), claim)) {
                try {
                    // Only the claimant counts: those waiting ask the instance nothing.
                    rateLimiter.consume(REGISTRATIONS, instance.key());
                    App app = register(instance, redirectUri, scopes, clientName, website);
                    store(app, redirectUri, scopes);
                    log.info("Registered Portal's application at the Mastodon instance {}", instance.key());
                    return app;
                } finally {
                    jdbc.sql("delete from mastodon_app_claims where instance = :instance and claim_token = :claim")
                            .param("instance", instance.key()).param("claim", claim).update();
                }
            }
            if (System.nanoTime() > deadline) {
                throw GuardedHttp.timedOut("The Mastodon server " + instance.key());
            }
            pause();
        }
    }

    /** True if this sign-in now holds the instance's registration: nobody held it, or the claim had run out. */
    private boolean claim(String instance, String claim) {
        return jdbc.sql("""
                insert into mastodon_app_claims (instance, claim_token, claimed_until)
                values (:instance, :claim, now() + make_interval(secs => :seconds))
                on conflict (instance) do update set claim_token = excluded.claim_token, claimed_until = excluded.claimed_until
                    where mastodon_app_claims.claimed_until < now()
                """).param("instance", instance).param("claim", claim).param("seconds", claimFor.toSeconds()).update() == 1;
    }

    private void store(App app, URI redirectUri, String scopes) {
        jdbc.sql("""
                insert into mastodon_apps (instance, redirect_uri, scopes, client_id, client_secret, registered_at)
                values (:instance, :redirectUri, :scopes, :clientId, :secret, :now)
                on conflict (instance) do update set redirect_uri = excluded.redirect_uri, scopes = excluded.scopes,
                    client_id = excluded.client_id, client_secret = excluded.client_secret,
                    registered_at = excluded.registered_at
                """).param("instance", app.instance()).param("redirectUri", redirectUri.toString())
                .param("scopes", scopes).param("clientId", app.clientId())
                .param("secret", cipher.seal(app.clientSecret(), context(app.instance())))
                .param("now", Db.ts(clock.instant())).update();
    }

    private static void pause() {
        try {
            Thread.sleep(WAIT_STEP_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw GuardedHttp.unavailable("The sign-in was interrupted.");
        }
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
        JsonNode body = response.json(json, party + " answered the registration with something that is not JSON.");
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
