package dev.portal.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import dev.portal.session.ApiTokenService;
import dev.portal.session.SessionService;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Base of every test: one running Portal (real HTTP on a real port) over the JVM's one embedded
 * PostgreSQL, with Discord played by a local OAuth 2 server. All test classes share this context, so
 * fixtures make unique names instead of cleaning up.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
@Import(PortalTest.TestClock.class)
public abstract class PortalTest {
    public static final String BOOTSTRAP_TOKEN = "test-bootstrap-0123456789abcdef0123456789abcdef";
    public static final String DISCORD_CLIENT_ID = "portal-test-client";
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    @DynamicPropertySource
    static void portalSettings(DynamicPropertyRegistry registry) {
        registry.add("portal.database-url", () -> TestInfrastructure.POSTGRES.getJdbcUrl("postgres", "postgres"));
        registry.add("server.port", () -> TestInfrastructure.PORTAL_PORT);
        registry.add("portal.public-url", () -> "http://127.0.0.1:" + TestInfrastructure.PORTAL_PORT);
        registry.add("portal.bootstrap-token", () -> BOOTSTRAP_TOKEN);
        registry.add("portal.signin.discord.client-id", () -> DISCORD_CLIENT_ID);
        registry.add("portal.signin.discord.client-secret", () -> "portal-test-secret");
        registry.add("portal.signin.discord.authorize-url",
                () -> TestInfrastructure.OAUTH.authorizationEndpointUrl("discord").toString());
        registry.add("portal.signin.discord.token-url", () -> TestInfrastructure.OAUTH.tokenEndpointUrl("discord").toString());
        registry.add("portal.signin.discord.api-url", TestInfrastructure.DISCORD_API::baseUrl);
        // The stand-in server insists on OpenID Connect's scope; Discord accepts it beside identify.
        registry.add("portal.signin.discord.scope", () -> "identify openid");
        registry.add("portal.trusted-proxies", () -> "127.0.0.1");
        // Most tests sign in from 127.0.0.1, many times over; rate-limit tests come from addresses sent in
        // X-Forwarded-For (believed from the trusted 127.0.0.1) and get the default limits.
        registry.add("portal.rate-limit.exempt", () -> "127.0.0.1");
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class TestClock {
        @Bean
        @Primary
        MutableClock mutableClock() {
            return new MutableClock();
        }
    }

    @Autowired
    protected MutableClock clock;
    @Autowired
    protected JdbcClient jdbc;
    @Autowired
    protected SessionService sessionService;
    @Autowired
    protected ApiTokenService apiTokenService;
    @Autowired
    protected dev.portal.platform.CacheInvalidation cacheInvalidation;

    protected final JsonMapper json = JsonMapper.builder().build();
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void awaitCacheInvalidationFeed() {
        // The LISTEN connection opens just after start; tests about caching need it up.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!cacheInvalidation.cachingAllowed() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(cacheInvalidation.cachingAllowed()).as("cache invalidation feed is up").isTrue();
    }

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    // ---- HTTP ----

    /** How a request authenticates: a psession cookie, a Bearer token, or nothing. */
    public record Credential(String cookie, String bearer) {
        public static final Credential NONE = new Credential(null, null);

        public static Credential session(String token) {
            return new Credential(token, null);
        }

        public static Credential bearer(String token) {
            return new Credential(null, token);
        }
    }

    public record Response(int status, java.net.http.HttpHeaders headers, String body) {
        public JsonNode json() {
            return JsonMapper.builder().build().readTree(body);
        }

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        public List<String> setCookies() {
            return headers.allValues("Set-Cookie");
        }

        /** The value this response sets for a cookie, or null. */
        public String cookie(String name) {
            for (String header : setCookies()) {
                if (header.startsWith(name + "=")) {
                    return header.substring(name.length() + 1, header.indexOf(';') < 0 ? header.length() : header.indexOf(';'));
                }
            }
            return null;
        }
    }

    protected static String url(String path) {
        return path.startsWith("http") ? path : "http://127.0.0.1:" + TestInfrastructure.PORTAL_PORT + path;
    }

    protected Response get(String path, Credential credential, String... headers) {
        return send("GET", path, null, credential, headers);
    }

    protected Response post(String path, String body, Credential credential, String... headers) {
        return send("POST", path, body, credential, headers);
    }

    /** {@code headers} are name, value pairs; a JSON body gets {@code Content-Type: application/json} unless given. */
    protected Response send(String method, String path, String body, Credential credential, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20));
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        List<String> cookies = new ArrayList<>();
        boolean contentType = false;
        for (int i = 0; i < headers.length; i += 2) {
            if (headers[i].equalsIgnoreCase("Cookie")) {
                cookies.add(headers[i + 1]);
                continue;
            }
            contentType |= headers[i].equalsIgnoreCase("Content-Type");
            request.header(headers[i], headers[i + 1]);
        }
        if (body != null && !contentType) {
            request.header("Content-Type", "application/json");
        }
        if (credential.cookie() != null) {
            cookies.add("psession=" + credential.cookie());
        }
        if (!cookies.isEmpty()) {
            request.header("Cookie", String.join("; ", cookies));
        }
        if (credential.bearer() != null) {
            request.header("Authorization", "Bearer " + credential.bearer());
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Asserts a problem response: status, media type and stable code. */
    protected static JsonNode assertProblem(Response response, int status, String code) {
        assertThat(response.status()).as("status of %s", response.body()).isEqualTo(status);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        JsonNode problem = response.json();
        assertThat(problem.get("code").stringValue()).isEqualTo(code);
        assertThat(problem.get("status").intValue()).isEqualTo(status);
        assertThat(response.body()).doesNotContain("Exception", "at dev.portal", "SQL");
        return problem;
    }

    // ---- fixtures ----

    /** A name no other test uses, valid as a username. */
    protected static String unique(String stem) {
        return stem + "_" + SEQUENCE.incrementAndGet() + "_" + Long.toString(System.nanoTime() % 100_000, 36);
    }

    protected static String uniqueDiscordId() {
        return Long.toString(100_000_000_000_000_000L + Math.abs(System.nanoTime() % 800_000_000_000_000_000L)
                + SEQUENCE.incrementAndGet());
    }

    /** A user made directly in the database, as an operator's import or another node would. */
    protected long createUser(String username, int permissionLevel) {
        OffsetDateTime now = OffsetDateTime.now(Clock.systemUTC());
        return jdbc.sql("""
                insert into users (username, permission_level, last_activity_at, created_at, updated_at)
                values (:username, :level, :now, :now, :now) returning id
                """).param("username", username).param("level", permissionLevel).param("now", now)
                .query(Long.class).single();
    }

    protected long createUser(int permissionLevel) {
        return createUser(unique("user"), permissionLevel);
    }

    protected void linkDiscord(long userId, String discordId, String discordUsername) {
        jdbc.sql("""
                insert into linked_identities (user_id, platform, platform_user_id, platform_username, platform_avatar_url,
                                               linked_at, last_authenticated_at)
                values (:userId, 'discord', :id, :name, :avatar, now(), now())
                """).param("userId", userId).param("id", discordId).param("name", discordUsername)
                .param("avatar", "https://cdn.discordapp.com/avatars/" + discordId + "/0123456789abcdef0123456789abcdef.png")
                .update();
    }

    /** A fresh psession token for the user, as a sign-in would issue. */
    protected String sessionFor(long userId) {
        return sessionService.create(userId, "discord", "127.0.0.1", "PortalTest").token();
    }

    protected Credential signedIn(long userId) {
        return Credential.session(sessionFor(userId));
    }

    protected void moderate(long userId, String action, Duration duration) {
        changeInSql("""
                insert into moderation_actions (user_id, action, reason, created_at, expires_at)
                values (:userId, :action, 'test', now(), :expires)
                """, "userId", userId, "action", action,
                "expires", duration == null ? null : OffsetDateTime.now(Clock.systemUTC()).plus(duration));
    }

    /**
     * Runs a change in SQL, as an operator or another node would, and waits until PostgreSQL has delivered
     * its notification to this node (SPEC §3: within a second) — after that, no request may see the old state.
     */
    protected void changeInSql(String sql, Object... namedParams) {
        long before = cacheInvalidation.notificationsReceived();
        var statement = jdbc.sql(sql);
        for (int i = 0; i < namedParams.length; i += 2) {
            statement = statement.param((String) namedParams[i], namedParams[i + 1]);
        }
        long started = System.nanoTime();
        statement.update();
        while (cacheInvalidation.notificationsReceived() == before) {
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("notification delivery").isLessThan(Duration.ofSeconds(1));
            Thread.onSpinWait();
        }
    }

    // ---- Discord sign-in through the local OAuth 2 server ----

    /** The result of a full browser-style sign-in: the final response and what it pointed through. */
    public record SignIn(Response login, Response authorize, Response callback) {
        public String session() {
            return callback.cookie("psession");
        }
    }

    /**
     * Tells the OAuth server who the next person to get a token is, as Discord would know them. Only call
     * it right before a callback that will exchange its code, or the queue falls out of step.
     */
    protected void nextDiscordUser(String discordId, String username, String avatarHash) {
        Map<String, Object> claims = new HashMap<>();
        claims.put("username", username);
        if (avatarHash != null) {
            claims.put("avatar", avatarHash);
        }
        TestInfrastructure.OAUTH.enqueueCallback(new DefaultOAuth2TokenCallback("discord", discordId, "JWT",
                List.of(DISCORD_CLIENT_ID), claims, 3600));
    }

    protected SignIn signInWithDiscord(String discordId, String username, String avatarHash, String redirect,
            String... extraCallbackHeaders) {
        Response login = get("/v1/auth/discord/login" + (redirect == null ? "" : "?redirect=" + redirect), Credential.NONE);
        assertThat(login.status()).as(login.body()).isEqualTo(302);
        Response authorize = get(login.header("Location"), Credential.NONE);
        assertThat(authorize.status()).as(authorize.body()).isEqualTo(302);
        String[] headers = new String[extraCallbackHeaders.length + 2];
        headers[0] = "Cookie";
        headers[1] = "psignin=" + login.cookie("psignin");
        System.arraycopy(extraCallbackHeaders, 0, headers, 2, extraCallbackHeaders.length);
        // The OAuth server takes the person from its queue at the token exchange, which the callback makes.
        nextDiscordUser(discordId, username, avatarHash);
        Response callback = get(authorize.header("Location"), Credential.NONE, headers);
        return new SignIn(login, authorize, callback);
    }

    protected String signInWithDiscord(String discordId, String username) {
        SignIn signIn = signInWithDiscord(discordId, username, null, "/");
        assertThat(signIn.callback().status()).as(signIn.callback().body()).isEqualTo(302);
        return signIn.session();
    }
}
