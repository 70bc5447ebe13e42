package dev.portal.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
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
@Import({PortalTest.TestClock.class, PortalTest.TestNames.class})
public abstract class PortalTest {
    public static final String BOOTSTRAP_TOKEN = "test-bootstrap-0123456789abcdef0123456789abcdef";
    public static final String DISCORD_CLIENT_ID = "portal-test-client";
    public static final Path GEOIP_TEST_DB = Path.of("src/test/resources/geoip/GeoIP2-City-Test.mmdb");
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
        // Through FakeProviderApis, which passes the exchange to the OAuth server but spends refresh tokens as Discord does.
        registry.add("portal.signin.discord.token-url", () -> TestInfrastructure.PROVIDER_APIS.discordTokenUrl());
        registry.add("portal.signin.discord.api-url", () -> TestInfrastructure.PROVIDER_APIS.baseUrl("discord") + "/api");
        // The stand-in server insists on OpenID Connect's scope; the real providers accept it beside theirs.
        registry.add("portal.signin.discord.scope", () -> "identify openid");
        oauthProvider(registry, "github", "read:user openid");
        registry.add("portal.signin.github.token-url",
                () -> TestInfrastructure.PROVIDER_APIS.baseUrl("github") + "/login/oauth/access_token");
        registry.add("portal.signin.github.api-url", () -> TestInfrastructure.PROVIDER_APIS.baseUrl("github") + "/api");
        oauthProvider(registry, "x", "users.read tweet.read openid");
        registry.add("portal.signin.x.api-url", () -> TestInfrastructure.PROVIDER_APIS.baseUrl("x") + "/api");
        registry.add("portal.signin.linkedin.client-id", () -> clientId("linkedin"));
        registry.add("portal.signin.linkedin.client-secret", () -> "portal-test-secret");
        registry.add("portal.signin.linkedin.issuer", () -> TestInfrastructure.OAUTH.issuerUrl("linkedin").toString());
        registry.add("portal.signin.telegram.bot-token", () -> TELEGRAM_BOT_TOKEN);
        registry.add("portal.signin.telegram.bot-username", () -> "portal_test_bot");
        // Short, so that tests of a slow provider wait little.
        registry.add("portal.signin.provider-timeout", () -> "2s");
        registry.add("portal.trusted-proxies", () -> "127.0.0.1");
        // Most tests sign in from 127.0.0.1, many times over; rate-limit tests come from addresses sent in
        // X-Forwarded-For (believed from the trusted 127.0.0.1) and get the default limits.
        registry.add("portal.rate-limit.exempt", () -> "127.0.0.1");
        // MaxMind's test database (a copy, with its licence); Maven runs tests in the project directory.
        registry.add("portal.geoip-db", () -> GEOIP_TEST_DB.toAbsolutePath().toString());
        // The stand-ins of servers a user names live on this machine: allowed, on their ports only.
        registry.add("portal.outbound.allowed-hosts", () -> String.join(",",
                "127.0.0.1:" + TestInfrastructure.MASTODON.port(), "*.mastodon.test:" + TestInfrastructure.MASTODON.port(),
                "*.test:" + TestInfrastructure.ATPROTO.port(), "*.images.test:" + ImageHost.get().port()));
        // Avatars: blobs under target/, not the project's ./data; removals swept by the tests themselves.
        registry.add("portal.avatar.blob-dir", () -> ImageHost.BLOB_DIR.toString());
        registry.add("portal.avatar.removal-interval", () -> "0");
        registry.add("portal.signin.bluesky.plc-url", () -> TestInfrastructure.ATPROTO.plcUrl());
        // The stand-in fetches Portal's client metadata from 127.0.0.1, as a real server would from a public URL.
        registry.add("portal.signin.bluesky.client", () -> "confidential");
        registry.add("portal.signin.bluesky.key", () -> TestInfrastructure.BLUESKY_CLIENT_KEY);
        registry.add("portal.outbound.timeout", () -> "2s");
        // Instances (and their subdomains) nobody may sign in from, one written in Unicode as an operator
        // would; the setting is read once, at start.
        registry.add("portal.signin.mastodon.denied-instances", () -> "denied.mastodon.test,bücher-denied.mastodon.test");
        // A fixed key, so that the suite writes no secret.key into the project's ./data.
        registry.add("portal.secret-key", () -> "dGVzdC1vbmx5LXNlY3JldC1rZXktMzItYnl0ZXMhISE=");
        registry.add("portal.smtp-url", TestMail::smtpUrl);
    }

    public static final String TELEGRAM_BOT_TOKEN = "123456789:AAportal-test-telegram-bot-token";

    public static String clientId(String platform) {
        return "discord".equals(platform) ? DISCORD_CLIENT_ID : "portal-test-" + platform;
    }

    private static void oauthProvider(DynamicPropertyRegistry registry, String platform, String scope) {
        String prefix = "portal.signin." + platform + ".";
        registry.add(prefix + "client-id", () -> clientId(platform));
        registry.add(prefix + "client-secret", () -> "portal-test-secret");
        registry.add(prefix + "authorize-url", () -> TestInfrastructure.OAUTH.authorizationEndpointUrl(platform).toString());
        registry.add(prefix + "token-url", () -> TestInfrastructure.OAUTH.tokenEndpointUrl(platform).toString());
        registry.add(prefix + "scope", () -> scope);
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class TestClock {
        @Bean
        @Primary
        MutableClock mutableClock() {
            return new MutableClock();
        }
    }

    /** Portal resolves names through the tests' DNS. */
    @TestConfiguration(proxyBeanMethods = false)
    static class TestNames {
        @Bean
        @Primary
        TestDns testDns() {
            return TestInfrastructure.DNS;
        }
    }

    protected static TestDns dns() {
        return TestInfrastructure.DNS;
    }

    protected static FakeMastodon mastodon() {
        return TestInfrastructure.MASTODON;
    }

    /**
     * A second Portal on the suite's database and stand-ins, with the tests' DNS, answering on {@code port}
     * at {@code http://127.0.0.1:port}; {@code args} ({@code --name=value}) add to or override its settings.
     */
    protected static Nodes.Node startNode(int port, java.nio.file.Path dataDir, String... args) {
        List<String> all = new ArrayList<>(List.of(
                "--portal.database-url=" + TestInfrastructure.POSTGRES.getJdbcUrl("postgres", "postgres"),
                "--portal.public-url=http://127.0.0.1:" + port,
                "--portal.secret-key=dGVzdC1vbmx5LXNlY3JldC1rZXktMzItYnl0ZXMhISE=",
                "--portal.outbound.allowed-hosts=*.test:" + TestInfrastructure.ATPROTO.port() + ",127.0.0.1:"
                        + TestInfrastructure.MASTODON.port() + ",*.mastodon.test:" + TestInfrastructure.MASTODON.port(),
                "--portal.signin.bluesky.plc-url=" + TestInfrastructure.ATPROTO.plcUrl(),
                "--portal.signin.bluesky.key=" + TestInfrastructure.BLUESKY_CLIENT_KEY,
                "--portal.trusted-proxies=127.0.0.1", "--portal.rate-limit.exempt=127.0.0.1"));
        // A setting given twice would reach Spring as both values joined; the test's own wins.
        for (String arg : args) {
            String name = arg.substring(0, arg.indexOf('=') + 1);
            all.removeIf(a -> a.startsWith(name));
            all.add(arg);
        }
        return Nodes.start(port, dataDir, new Class<?>[] {TestNames.class}, all.toArray(String[]::new));
    }

    protected static FakeAtproto atproto() {
        return TestInfrastructure.ATPROTO;
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
    void resetClockAndProviders() {
        clock.reset();
        TestInfrastructure.PROVIDER_APIS.reset();
        TestInfrastructure.MASTODON.reset();
        TestInfrastructure.ATPROTO.reset();
    }

    protected static FakeProviderApis providerApis() {
        return TestInfrastructure.PROVIDER_APIS;
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

    /**
     * A browser's request to a stand-in by its name ({@code auth.test}, {@code one.mastodon.test}): this JVM
     * cannot resolve those names, so the request goes to the stand-in's port as to an HTTP proxy, which keeps
     * the name in {@code Host}, as the stand-ins tell their servers apart by it.
     */
    protected Response viaStandIn(int port, String url, String... headers) {
        HttpClient proxied = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .proxy(java.net.ProxySelector.of(new java.net.InetSocketAddress("127.0.0.1", port)))
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<String> response = proxied.send(request.build(), HttpResponse.BodyHandlers.ofString());
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

    // ---- sign-in through the local OAuth 2 server ----

    /** The result of a full browser-style sign-in: the final response and what it pointed through. */
    public record SignIn(Response login, Response authorize, Response callback) {
        public String session() {
            return callback.cookie("psession");
        }
    }

    /**
     * Tells the OAuth server who the next person to get a token from {@code platform}'s issuer is, as the
     * platform would know them. Only call it right before a callback that will exchange its code, or the
     * queue falls out of step.
     */
    protected void nextUser(String platform, String subject, Map<String, Object> claims) {
        TestInfrastructure.OAUTH.enqueueCallback(new DefaultOAuth2TokenCallback(platform, subject, "JWT",
                List.of(clientId(platform)), new HashMap<>(claims), 3600));
    }

    protected void nextDiscordUser(String discordId, String username, String avatarHash) {
        Map<String, Object> claims = new HashMap<>();
        claims.put("username", username);
        if (avatarHash != null) {
            claims.put("avatar", avatarHash);
        }
        nextUser("discord", discordId, claims);
    }

    /**
     * Starts at {@code start} (a login or link path), follows the OAuth server's authorize redirect, and
     * calls back with the browser's flow cookie plus {@code callbackHeaders} (name, value pairs), after
     * queueing {@code subject} with {@code claims} as the person the provider will name.
     */
    protected SignIn flow(String platform, String start, Credential credential, String subject, Map<String, Object> claims,
            String... callbackHeaders) {
        Response login = get(start, credential);
        assertThat(login.status()).as(login.body()).isEqualTo(302);
        Response authorize = get(login.header("Location"), Credential.NONE);
        assertThat(authorize.status()).as(authorize.body()).isEqualTo(302);
        String[] headers = new String[callbackHeaders.length + 2];
        headers[0] = "Cookie";
        headers[1] = "psignin=" + login.cookie("psignin");
        System.arraycopy(callbackHeaders, 0, headers, 2, callbackHeaders.length);
        // The OAuth server takes the person from its queue at the token exchange, which the callback makes.
        nextUser(platform, subject, claims);
        Response callback = get(authorize.header("Location"), credential, headers);
        return new SignIn(login, authorize, callback);
    }

    protected SignIn signIn(String platform, String subject, Map<String, Object> claims, String redirect,
            String... callbackHeaders) {
        return flow(platform, "/v1/auth/" + platform + "/login" + (redirect == null ? "" : "?redirect=" + redirect),
                Credential.NONE, subject, claims, callbackHeaders);
    }

    /** Signs in with {@code platform} and answers the new session's token. */
    protected String signedInWith(String platform, String subject, Map<String, Object> claims) {
        SignIn signIn = signIn(platform, subject, claims, "/");
        assertThat(signIn.callback().status()).as(signIn.callback().body()).isEqualTo(302);
        return signIn.session();
    }

    protected SignIn link(String platform, Credential credential, String subject, Map<String, Object> claims,
            String redirect, String... callbackHeaders) {
        return flow(platform, "/v1/auth/" + platform + "/link?redirect=" + redirect, credential, subject, claims,
                callbackHeaders);
    }

    protected SignIn signInWithDiscord(String discordId, String username, String avatarHash, String redirect,
            String... extraCallbackHeaders) {
        Map<String, Object> claims = new HashMap<>();
        claims.put("username", username);
        if (avatarHash != null) {
            claims.put("avatar", avatarHash);
        }
        return signIn("discord", discordId, claims, redirect, extraCallbackHeaders);
    }

    protected String signInWithDiscord(String discordId, String username) {
        SignIn signIn = signInWithDiscord(discordId, username, null, "/");
        assertThat(signIn.callback().status()).as(signIn.callback().body()).isEqualTo(302);
        return signIn.session();
    }

    protected long userIdOf(String session) {
        return get("/v1/users/me", Credential.session(session)).json().get("id").longValue();
    }

    // ---- Telegram's Login Widget ----

    /** The widget's query string for these fields, signed as Telegram signs it for the test bot. */
    protected static String telegramQuery(Map<String, String> fields) {
        return telegramQuery(fields, telegramHash(fields));
    }

    protected static String telegramQuery(Map<String, String> fields, String hash) {
        StringBuilder query = new StringBuilder();
        fields.forEach((k, v) -> query.append(k).append('=').append(java.net.URLEncoder.encode(v, java.nio.charset.StandardCharsets.UTF_8)).append('&'));
        return query.append("hash=").append(hash).toString();
    }

    protected static String telegramHash(Map<String, String> fields) {
        return hmacHex(dev.portal.platform.Secrets.sha256(TELEGRAM_BOT_TOKEN), telegramDataCheckString(fields));
    }

    /** Telegram's data-check string: every field but the hash, sorted, {@code key=value} joined by newlines. */
    public static String telegramDataCheckString(Map<String, String> fields) {
        return new java.util.TreeMap<>(fields).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(java.util.stream.Collectors.joining("\n"));
    }

    /** Hex HMAC-SHA256 of {@code data} under {@code key}. */
    public static String hmacHex(byte[] key, String data) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
            return java.util.HexFormat.of().formatHex(mac.doFinal(data.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Fields of a Telegram user signing in now, by the injected clock. */
    protected Map<String, String> telegramUser(String id, String username) {
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        fields.put("id", id);
        fields.put("first_name", "Tele");
        fields.put("last_name", "Gram");
        if (username != null) {
            fields.put("username", username);
        }
        fields.put("photo_url", "https://t.me/i/userpic/320/" + id + ".jpg");
        fields.put("auth_date", Long.toString(clock.instant().getEpochSecond()));
        return fields;
    }

    /** Opens the widget page (which binds a flow to this browser) and calls back with {@code query}. */
    protected Response telegramCallback(String start, Credential credential, String query, String... headers) {
        Response page = get(start, credential);
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        String[] all = new String[headers.length + 2];
        all[0] = "Cookie";
        all[1] = "psignin=" + page.cookie("psignin");
        System.arraycopy(headers, 0, all, 2, headers.length);
        return get("/v1/auth/telegram/callback?" + query, credential, all);
    }
}
