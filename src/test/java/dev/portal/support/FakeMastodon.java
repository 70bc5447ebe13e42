package dev.portal.support;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Mastodon instances, in process, in their real shapes: app registration, the OAuth authorization code
 * flow with PKCE (the stand-in plays the person who approves), {@code verify_credentials}, and posting a
 * status. Every instance is served on one port and told apart by the {@code Host} header (lower-cased,
 * without the port), because Portal reaches each instance by its own name; tests map those names to
 * 127.0.0.1. An instance exists as soon as it is addressed, by a request or by any method here.
 *
 * <p>Each instance can misbehave ({@link #slow}, {@link #endless}, {@link #redirectTo}, {@link #down}) for
 * the tests of Portal's guarded outbound client, and {@link #requests} shows whether a request got there.
 *
 * <p>{@link #reset()} puts the knobs back — misbehaviours, the registration delay and refusal, and queued
 * accounts — but keeps every instance's apps, codes, tokens, statuses, counters and last requests: Portal's
 * database outlives a test and still holds the client ids it registered, so forgetting the apps would
 * refuse them. Tests that count should use a host of their own or compare before and after.
 */
public final class FakeMastodon implements AutoCloseable {
    /** A person on an instance; the same record queued again signs in as the same person. */
    public record Account(String id, String username, String displayName, String avatar) {
        public static Account random() {
            String id = (1 + RANDOM.nextInt(9)) + digits(17);
            String username = "user" + lowerAlphanumerics(8);
            return new Account(id, username, "Test " + username,
                    "https://files.mastodon.test/accounts/avatars/" + id + "/original.png");
        }
    }

    /** A registered app, as parsed: what an app registration asked for, whatever its encoding. */
    public record App(String id, String name, String website, List<String> redirectUris, List<String> scopes,
            String clientId, String clientSecret) {
    }

    /** A posted status; {@code text} is the {@code status} field as sent. */
    public record Status(String id, Account account, String text, String visibility, String idempotencyKey,
            String url) {
    }

    /**
     * A request as it arrived: its fields (the query for authorize, else the form or JSON body; a field
     * sent several times or as an array has its values joined by newlines) and its headers, by any case.
     */
    public record Sent(Map<String, String> fields, Map<String, String> headers) {
        public String field(String name) {
            return fields.get(name);
        }

        public String header(String name) {
            return headers.get(name);
        }
    }

    /** Past Portal's outbound timeout in tests, as in {@link FakeProviderApis}. */
    static final long SLOW_DELAY_MS = 6_000;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The example key of Mastodon's documentation; nothing here pushes. */
    private static final String VAPID_KEY =
            "BCk-QqERU0q-CfYZjcuB6lnyyOYfJ2AifKqfeGIm7Z-HiTU5T9eTG5GxVA0_OH5mMlI4UkkDTpaZwozy0TzdZ2M=";
    private static final Set<String> TOP_SCOPES = Set.of("read", "write", "follow", "push", "profile");
    private static final Set<String> VISIBILITIES = Set.of("public", "unlisted", "private", "direct");
    private static final Pattern VERIFIER = Pattern.compile("[A-Za-z0-9._~-]{43,128}");
    private static final String INVALID_GRANT = "The provided authorization grant is invalid, expired, revoked, does"
            + " not match the redirection URI used in the authorization request, or was issued to another client.";
    private static final String INVALID_CLIENT = "Client authentication failed due to unknown client, no client"
            + " authentication included, or unsupported authentication method.";

    private enum Kind { SLOW, ENDLESS, REDIRECT, DOWN }

    private record Trouble(Kind kind, String location) {
    }

    private record Grant(String clientId, String redirectUri, List<String> scopes, String challenge,
            Account account) {
    }

    private record Token(String clientId, List<String> scopes, Account account) {
    }

    /** One instance's state; everything in it is safe to touch from several handler threads. */
    private static final class Instance {
        final Map<String, App> apps = new ConcurrentHashMap<>();
        final List<App> appsInOrder = new CopyOnWriteArrayList<>();
        final Map<String, Grant> codes = new ConcurrentHashMap<>();
        final Map<String, Token> tokens = new ConcurrentHashMap<>();
        final Queue<Account> nextAccounts = new ConcurrentLinkedQueue<>();
        final List<Status> statuses = new CopyOnWriteArrayList<>();
        final Map<String, Status> byIdempotencyKey = new ConcurrentHashMap<>();
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger registrations = new AtomicInteger();
        final AtomicLong appIds = new AtomicLong();
        final AtomicLong statusIds = new AtomicLong(110_000_000_000_000_000L);
        final AtomicReference<Sent> lastRegistration = new AtomicReference<>();
        final AtomicReference<Sent> lastAuthorize = new AtomicReference<>();
        final AtomicReference<Sent> lastTokenRequest = new AtomicReference<>();
    }

    /** An answer decided part-way through a handler, usually a refusal. */
    private static final class Answer extends RuntimeException {
        final int status;
        final String body;
        final String contentType;

        Answer(int status, String body, String contentType) {
            super(body, null, false, false);
            this.status = status;
            this.body = body;
            this.contentType = contentType;
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final JsonMapper json = JsonMapper.builder().build();
    private final Map<String, Instance> instances = new ConcurrentHashMap<>();
    private final Map<String, Trouble> troubles = new ConcurrentHashMap<>();
    private volatile Duration registrationDelay = Duration.ZERO;
    private volatile boolean refuseRegistrations;
    private volatile boolean closed;

    public FakeMastodon() {
        this(0);
    }

    /** On a chosen port (0: any free one), as {@link StandIns} needs a port people can type. */
    public FakeMastodon(int port) {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // A slow or endless instance must not hold up the others, nor a delayed registration its rival.
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String url(String host) {
        return "http://" + host + ":" + port();
    }

    /** The next sign-in approved at {@code host} is this person's; without one, a fresh random account. */
    public void nextAccount(String host, Account account) {
        instance(host).nextAccounts.add(account);
    }

    /** Apps registered (answered 200) at {@code host}; refused registrations do not count. */
    public int registrations(String host) {
        return instance(host).registrations.get();
    }

    /** The apps registered at {@code host}, oldest first. */
    public List<App> apps(String host) {
        return List.copyOf(instance(host).appsInOrder);
    }

    /** Every instance answers app registrations only after this, so two first sign-ins can race. */
    public void registrationDelay(Duration delay) {
        registrationDelay = delay;
    }

    /** Every instance refuses app registrations with 422, as Mastodon does for a failed validation. */
    public void refuseRegistrations(boolean refuse) {
        refuseRegistrations = refuse;
    }

    /** Sleeps {@link #SLOW_DELAY_MS}, then closes without answering. */
    public void slow(String host) {
        troubles.put(key(host), new Trouble(Kind.SLOW, null));
    }

    /** 200, chunked, and bytes forever, until the client goes away. */
    public void endless(String host) {
        troubles.put(key(host), new Trouble(Kind.ENDLESS, null));
    }

    /** Every request answered 302 to {@code location}. */
    public void redirectTo(String host, String location) {
        troubles.put(key(host), new Trouble(Kind.REDIRECT, location));
    }

    /** Closes every connection without answering. */
    public void down(String host) {
        troubles.put(key(host), new Trouble(Kind.DOWN, null));
    }

    /**
     * Forgets every access token issued at {@code host}, as when the person revokes Portal's access in their
     * settings: requests with one answer 401 from then on. Not undone by {@link #reset()}.
     */
    public void revokeTokens(String host) {
        instance(host).tokens.clear();
    }

    /** Back to answering normally at {@code host}. */
    public void normal(String host) {
        troubles.remove(key(host));
    }

    /** Requests that reached {@code host}, misbehaved ones included. */
    public int requests(String host) {
        return instance(host).requests.get();
    }

    /** The last {@code POST /api/v1/apps} at {@code host}, refused or not; null before any. */
    public Sent lastRegistration(String host) {
        return instance(host).lastRegistration.get();
    }

    /** The last {@code GET /oauth/authorize} at {@code host} (its query), refused or not; null before any. */
    public Sent lastAuthorize(String host) {
        return instance(host).lastAuthorize.get();
    }

    /** The last {@code POST /oauth/token} at {@code host}, refused or not; null before any. */
    public Sent lastTokenRequest(String host) {
        return instance(host).lastTokenRequest.get();
    }

    /** The statuses posted at {@code host}, oldest first; a repeated idempotency key posts nothing new. */
    public List<Status> statuses(String host) {
        return List.copyOf(instance(host).statuses);
    }

    /** Knobs back to normal, queued accounts dropped; apps, tokens, statuses and counts stay (see above). */
    public void reset() {
        troubles.clear();
        registrationDelay = Duration.ZERO;
        refuseRegistrations = false;
        instances.values().forEach(instance -> instance.nextAccounts.clear());
    }

    @Override
    public void close() {
        closed = true;
        server.stop(0);
        // Interrupts slow answers and delayed registrations, which would otherwise sleep on.
        executor.shutdownNow();
    }

    private Instance instance(String host) {
        return instances.computeIfAbsent(key(host), h -> new Instance());
    }

    /** A host as instances are keyed: lower case, without a port. */
    private static String key(String host) {
        String lower = host == null || host.isBlank() ? "127.0.0.1" : host.trim().toLowerCase(Locale.ROOT);
        if (lower.startsWith("[")) {
            int end = lower.indexOf(']');
            return end < 0 ? lower : lower.substring(0, end + 1);
        }
        int colon = lower.lastIndexOf(':');
        return colon < 0 ? lower : lower.substring(0, colon);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String host = key(exchange.getRequestHeaders().getFirst("Host"));
        Instance instance = instance(host);
        instance.requests.incrementAndGet();
        try {
            Trouble trouble = troubles.get(host);
            if (trouble != null) {
                misbehave(exchange, trouble);
                return;
            }
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            switch (method + " " + path) {
                case "POST /api/v1/apps" -> registerApp(exchange, instance);
                case "GET /oauth/authorize" -> authorize(exchange, instance);
                case "POST /oauth/token" -> token(exchange, instance);
                case "GET /api/v1/accounts/verify_credentials" -> verifyCredentials(exchange, host, instance);
                case "POST /api/v1/statuses" -> postStatus(exchange, host, instance);
                default -> respond(exchange, 404, "{\"error\": \"Record not found\"}");
            }
        } catch (Answer answer) {
            respond(exchange, answer.status, answer.body, answer.contentType);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.close();
        } catch (RuntimeException e) {
            // The server would drop the connection silently; a 500 that says why is easier to debug.
            if (exchange.getResponseCode() == -1) {
                respond(exchange, 500, json.writeValueAsString(Map.of("error", "FakeMastodon: " + e)));
            } else {
                exchange.close();
            }
        }
    }

    private void misbehave(HttpExchange exchange, Trouble trouble) throws IOException, InterruptedException {
        switch (trouble.kind()) {
            case DOWN -> exchange.close();
            case SLOW -> {
                Thread.sleep(SLOW_DELAY_MS);
                exchange.close();
            }
            case REDIRECT -> {
                exchange.getResponseHeaders().set("Location", trouble.location());
                exchange.sendResponseHeaders(302, -1);
                exchange.close();
            }
            case ENDLESS -> {
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, 0);
                byte[] chunk = new byte[64 * 1024];
                Arrays.fill(chunk, (byte) ' ');
                OutputStream out = exchange.getResponseBody();
                try {
                    out.write('[');
                    // Paced, so a client that counts time rather than bytes does not cost a core meanwhile.
                    while (!closed) {
                        out.write(chunk);
                        out.flush();
                        Thread.sleep(5);
                    }
                } catch (IOException clientWentAway) {
                    // The end this answer waits for.
                } finally {
                    exchange.close();
                }
            }
        }
    }

    // ---- POST /api/v1/apps ----

    private void registerApp(HttpExchange exchange, Instance instance) throws IOException, InterruptedException {
        Map<String, List<String>> params = body(exchange);
        instance.lastRegistration.set(sent(exchange, params));
        Duration delay = registrationDelay;
        if (!delay.isZero()) {
            Thread.sleep(delay.toMillis());
        }
        if (refuseRegistrations) {
            throw validationFailed("Name is reserved");
        }
        String name = first(params, "client_name");
        if (name == null || name.isBlank()) {
            throw validationFailed("Application name can't be blank");
        }
        List<String> redirectUris = new ArrayList<>();
        for (String value : params.getOrDefault("redirect_uris", List.of())) {
            redirectUris.addAll(words(value));
        }
        if (redirectUris.isEmpty()) {
            throw validationFailed("Redirect URI can't be blank");
        }
        for (String redirectUri : redirectUris) {
            if (!validRedirectUri(redirectUri)) {
                throw validationFailed("Redirect URI must be an absolute URI.");
            }
        }
        String scopeParam = String.join(" ", params.getOrDefault("scopes", List.of()));
        List<String> scopes = scopeParam.isBlank() ? List.of("read") : words(scopeParam);
        for (String scope : scopes) {
            if (!knownScope(scope)) {
                throw validationFailed("Scopes must be a valid scope");
            }
        }
        String website = first(params, "website");
        App app = new App(String.valueOf(instance.appIds.incrementAndGet()), name,
                website == null || website.isBlank() ? null : website, List.copyOf(redirectUris), List.copyOf(scopes),
                randomToken(), randomToken());
        instance.apps.put(app.clientId(), app);
        instance.appsInOrder.add(app);
        instance.registrations.incrementAndGet();

        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("id", app.id());
        answer.put("name", app.name());
        answer.put("website", app.website());
        answer.put("scopes", app.scopes());
        answer.put("redirect_uri", String.join("\n", app.redirectUris()));
        answer.put("redirect_uris", app.redirectUris());
        answer.put("client_id", app.clientId());
        answer.put("client_secret", app.clientSecret());
        answer.put("client_secret_expires_at", 0);
        answer.put("vapid_key", VAPID_KEY);
        respond(exchange, 200, json.writeValueAsString(answer));
    }

    private static boolean validRedirectUri(String value) {
        if (value.equals("urn:ietf:wg:oauth:2.0:oob")) {
            return true;
        }
        try {
            URI uri = new URI(value);
            return uri.isAbsolute() && uri.getRawFragment() == null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static boolean knownScope(String scope) {
        return TOP_SCOPES.contains(scope) || scope.startsWith("read:") || scope.startsWith("write:")
                || scope.equals("admin:read") || scope.equals("admin:write") || scope.startsWith("admin:read:")
                || scope.startsWith("admin:write:");
    }

    private static Answer validationFailed(String why) {
        return new Answer(422, "{\"error\": \"Validation failed: " + why + "\"}", "application/json");
    }

    // ---- GET /oauth/authorize ----

    /** The person approves at once, if the request is one Mastodon would show a consent page for. */
    private void authorize(HttpExchange exchange, Instance instance) throws IOException {
        Map<String, List<String>> query = form(exchange.getRequestURI().getRawQuery());
        instance.lastAuthorize.set(sent(exchange, query));
        String clientId = first(query, "client_id");
        App app = clientId == null ? null : instance.apps.get(clientId);
        if (app == null) {
            throw text(400, "client_id " + clientId + " is not an app of this instance");
        }
        String redirectUri = first(query, "redirect_uri");
        if (redirectUri == null || !app.redirectUris().contains(redirectUri)) {
            throw text(400, "redirect_uri " + redirectUri + " is not one the app registered: " + app.redirectUris());
        }
        if (!"code".equals(first(query, "response_type"))) {
            throw text(400, "response_type must be code, not " + first(query, "response_type"));
        }
        String scopeParam = first(query, "scope");
        List<String> scopes = scopeParam == null || scopeParam.isBlank() ? List.of("read") : words(scopeParam);
        for (String scope : scopes) {
            if (!app.scopes().contains(scope)) {
                throw text(400, "scope " + scope + " is not among the app's scopes " + app.scopes());
            }
        }
        if (!"S256".equals(first(query, "code_challenge_method"))) {
            throw text(400, "code_challenge_method must be S256, not " + first(query, "code_challenge_method"));
        }
        String challenge = first(query, "code_challenge");
        if (challenge == null || challenge.isBlank()) {
            throw text(400, "code_challenge is missing");
        }
        Account account = instance.nextAccounts.poll();
        String code = randomToken();
        instance.codes.put(code, new Grant(app.clientId(), redirectUri, List.copyOf(scopes), challenge,
                account == null ? Account.random() : account));
        String state = first(query, "state");
        String location = redirectUri + (redirectUri.contains("?") ? "&" : "?") + "code=" + encode(code)
                + (state == null ? "" : "&state=" + encode(state));
        exchange.getResponseHeaders().set("Location", location);
        exchange.sendResponseHeaders(302, -1);
        exchange.close();
    }

    private static Answer text(int status, String body) {
        return new Answer(status, body, "text/plain; charset=utf-8");
    }

    // ---- POST /oauth/token ----

    private void token(HttpExchange exchange, Instance instance) throws IOException {
        Map<String, List<String>> params = body(exchange);
        instance.lastTokenRequest.set(sent(exchange, params));
        String grantType = first(params, "grant_type");
        if (grantType == null) {
            throw oauthError(400, "invalid_request", "Missing required parameter: grant_type.");
        }
        if (!grantType.equals("authorization_code")) {
            throw oauthError(400, "unsupported_grant_type",
                    "The authorization grant type is not supported by the authorization server.");
        }
        // Doorkeeper prefers HTTP Basic when both are sent.
        String[] basic = basicCredentials(exchange);
        String clientId = basic != null ? basic[0] : first(params, "client_id");
        String clientSecret = basic != null ? basic[1] : first(params, "client_secret");
        App app = clientId == null ? null : instance.apps.get(clientId);
        if (app == null || !MessageDigest.isEqual(bytes(app.clientSecret()), bytes(clientSecret))) {
            throw oauthError(401, "invalid_client", INVALID_CLIENT);
        }
        String code = first(params, "code");
        if (code == null) {
            throw oauthError(400, "invalid_request", "Missing required parameter: code.");
        }
        // Removed before anything else is checked: a code is spent by its first use, however that ends.
        Grant grant = instance.codes.remove(code);
        if (grant == null) {
            throw invalidGrant("code unknown or already used");
        }
        if (!grant.clientId().equals(app.clientId())) {
            throw invalidGrant("code was issued to another client");
        }
        if (!grant.redirectUri().equals(first(params, "redirect_uri"))) {
            throw invalidGrant("redirect_uri differs from the authorize one, " + grant.redirectUri());
        }
        String verifier = first(params, "code_verifier");
        if (verifier == null || !VERIFIER.matcher(verifier).matches()) {
            throw invalidGrant("code_verifier missing or not 43-128 characters of [A-Za-z0-9._~-]");
        }
        if (!s256(verifier).equals(grant.challenge())) {
            throw invalidGrant("code_verifier does not match the code_challenge");
        }
        String accessToken = randomToken();
        instance.tokens.put(accessToken, new Token(app.clientId(), grant.scopes(), grant.account()));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("access_token", accessToken);
        answer.put("token_type", "Bearer");
        answer.put("scope", String.join(" ", grant.scopes()));
        answer.put("created_at", Instant.now().getEpochSecond());
        respond(exchange, 200, json.writeValueAsString(answer));
    }

    private static String[] basicCredentials(HttpExchange exchange) {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return null;
        }
        // RFC 6749 2.3.1: each part form-encoded before joining.
        return new String[] {decode(decoded.substring(0, colon)), decode(decoded.substring(colon + 1))};
    }

    private Answer oauthError(int status, String error, String description) {
        return new Answer(status, json.writeValueAsString(Map.of("error", error, "error_description", description)),
                "application/json");
    }

    /** Doorkeeper's own description, with the particular reason after it for whoever reads a failed test. */
    private Answer invalidGrant(String reason) {
        return oauthError(400, "invalid_grant", INVALID_GRANT + " (FakeMastodon: " + reason + ")");
    }

    private static String s256(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- GET /api/v1/accounts/verify_credentials ----

    private void verifyCredentials(HttpExchange exchange, String host, Instance instance) throws IOException {
        Token token = bearer(exchange, instance);
        requireScope(token, "read", "read:accounts", "profile");
        respond(exchange, 200, json.writeValueAsString(accountJson(host, token.account())));
    }

    private Token bearer(HttpExchange exchange, Instance instance) {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        Token token = authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? null
                : instance.tokens.get(authorization.substring(7).trim());
        if (token == null) {
            throw new Answer(401, "{\"error\": \"The access token is invalid\"}", "application/json");
        }
        return token;
    }

    private static void requireScope(Token token, String... anyOf) {
        for (String scope : anyOf) {
            if (token.scopes().contains(scope)) {
                return;
            }
        }
        throw new Answer(403, "{\"error\": \"This action is outside the authorized scopes\"}", "application/json");
    }

    private static Map<String, Object> accountJson(String host, Account account) {
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("id", account.id());
        user.put("username", account.username());
        user.put("acct", account.username());
        user.put("display_name", account.displayName());
        user.put("locked", false);
        user.put("bot", false);
        user.put("discoverable", true);
        user.put("group", false);
        user.put("created_at", "2023-04-01T00:00:00.000Z");
        user.put("note", "<p></p>");
        user.put("url", "https://" + host + "/@" + account.username());
        user.put("uri", "https://" + host + "/users/" + account.username());
        user.put("avatar", account.avatar());
        user.put("avatar_static", account.avatar());
        user.put("header", "https://" + host + "/headers/original/missing.png");
        user.put("header_static", "https://" + host + "/headers/original/missing.png");
        user.put("followers_count", 0);
        user.put("following_count", 0);
        user.put("statuses_count", 0);
        user.put("last_status_at", null);
        user.put("emojis", List.of());
        user.put("fields", List.of());
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("privacy", "public");
        source.put("sensitive", false);
        source.put("language", null);
        source.put("note", "");
        source.put("fields", List.of());
        source.put("follow_requests_count", 0);
        user.put("source", source);
        return user;
    }

    // ---- POST /api/v1/statuses ----

    private void postStatus(HttpExchange exchange, String host, Instance instance) throws IOException {
        Token token = bearer(exchange, instance);
        requireScope(token, "write", "write:statuses");
        Map<String, List<String>> params = body(exchange);
        String text = first(params, "status");
        if (text == null || text.isBlank()) {
            throw validationFailed("Text can't be blank");
        }
        String visibility = first(params, "visibility");
        if (visibility == null || visibility.isBlank()) {
            visibility = "public";
        } else if (!VISIBILITIES.contains(visibility)) {
            throw validationFailed("Visibility is not included in the list");
        }
        String idempotencyKey = exchange.getRequestHeaders().getFirst("Idempotency-Key");
        Account account = token.account();
        String chosenVisibility = visibility;
        Status status;
        if (idempotencyKey == null) {
            status = newStatus(host, instance, account, text, chosenVisibility, null);
        } else {
            // Mastodon keys idempotency per account; computeIfAbsent keeps two racing repeats to one status.
            status = instance.byIdempotencyKey.computeIfAbsent(account.id() + "\n" + idempotencyKey,
                    k -> newStatus(host, instance, account, text, chosenVisibility, idempotencyKey));
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("id", status.id());
        answer.put("created_at", Instant.now().toString());
        answer.put("in_reply_to_id", null);
        answer.put("sensitive", false);
        answer.put("spoiler_text", "");
        answer.put("visibility", status.visibility());
        answer.put("language", null);
        answer.put("uri", "https://" + host + "/users/" + account.username() + "/statuses/" + status.id());
        answer.put("url", status.url());
        answer.put("replies_count", 0);
        answer.put("reblogs_count", 0);
        answer.put("favourites_count", 0);
        answer.put("content", html(status.text()));
        answer.put("reblog", null);
        answer.put("account", accountJson(host, account));
        answer.put("media_attachments", List.of());
        answer.put("mentions", List.of());
        answer.put("tags", List.of());
        answer.put("emojis", List.of());
        respond(exchange, 200, json.writeValueAsString(answer));
    }

    private static Status newStatus(String host, Instance instance, Account account, String text, String visibility,
            String idempotencyKey) {
        String id = String.valueOf(instance.statusIds.incrementAndGet());
        Status status = new Status(id, account, text, visibility, idempotencyKey,
                "https://" + host + "/@" + account.username() + "/" + id);
        instance.statuses.add(status);
        return status;
    }

    /** Mastodon's rendering of plain text: escaped, paragraphs at blank lines, line breaks within. */
    private static String html(String text) {
        String escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;").replace("'", "&#39;");
        StringBuilder html = new StringBuilder();
        for (String paragraph : escaped.split("\n\n+")) {
            html.append("<p>").append(paragraph.replace("\n", "<br />")).append("</p>");
        }
        return html.toString();
    }

    // ---- requests and answers ----

    /**
     * The body's fields, from JSON or a form. As in Rails, {@code name[]} collects values and a plain name
     * repeated keeps the last; a JSON array is the values, a JSON null is no field at all.
     */
    private Map<String, List<String>> body(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String contentType = String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type"));
        if (!contentType.toLowerCase(Locale.ROOT).contains("application/json")) {
            return form(body);
        }
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JacksonException e) {
            throw new Answer(400, "{\"error\": \"Error occurred while parsing request parameters\"}",
                    "application/json");
        }
        Map<String, List<String>> fields = new LinkedHashMap<>();
        if (root == null || !root.isObject()) {
            return fields;
        }
        for (Map.Entry<String, JsonNode> property : root.properties()) {
            JsonNode value = property.getValue();
            if (value.isNull()) {
                continue;
            }
            List<String> values = new ArrayList<>();
            if (value.isArray()) {
                value.forEach(item -> values.add(item.asString()));
            } else {
                values.add(value.asString());
            }
            fields.put(property.getKey(), values);
        }
        return fields;
    }

    private static Map<String, List<String>> form(String encoded) {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        if (encoded == null || encoded.isEmpty()) {
            return fields;
        }
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = decode(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
            if (name.endsWith("[]")) {
                fields.computeIfAbsent(name.substring(0, name.length() - 2), n -> new ArrayList<>()).add(value);
            } else {
                fields.put(name, new ArrayList<>(List.of(value)));
            }
        }
        return fields;
    }

    private static Sent sent(HttpExchange exchange, Map<String, List<String>> params) {
        Map<String, String> fields = new LinkedHashMap<>();
        params.forEach((name, values) -> fields.put(name, String.join("\n", values)));
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, String.join(", ", values)));
        return new Sent(Collections.unmodifiableMap(fields), Collections.unmodifiableMap(headers));
    }

    private static String first(Map<String, List<String>> params, String name) {
        List<String> values = params.get(name);
        return values == null || values.isEmpty() ? null : values.get(values.size() - 1);
    }

    /** A list given as one string, split at spaces and newlines as Mastodon splits scopes and redirect URIs. */
    private static List<String> words(String value) {
        List<String> words = new ArrayList<>();
        for (String word : value.trim().split("\\s+")) {
            if (!word.isEmpty()) {
                words.add(word);
            }
        }
        return words;
    }

    private static String decode(String value) {
        try {
            return URLDecoder.decode(value, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw text(400, "malformed percent-encoding: " + value);
        }
    }

    /** For a query: a space is %20, not the form's +. */
    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static byte[] bytes(String value) {
        return value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8);
    }

    /** 32 random bytes, base64url: the length and alphabet of Mastodon's ids, secrets, codes and tokens. */
    private static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String digits(int count) {
        StringBuilder digits = new StringBuilder(count);
        for (int i = 0; i < count; i++) {
            digits.append((char) ('0' + RANDOM.nextInt(10)));
        }
        return digits.toString();
    }

    private static String lowerAlphanumerics(int count) {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder out = new StringBuilder(count);
        for (int i = 0; i < count; i++) {
            out.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return out.toString();
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
