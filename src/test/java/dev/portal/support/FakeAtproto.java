package dev.portal.support;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.dpop.JWKThumbprintConfirmation;
import com.nimbusds.oauth2.sdk.dpop.verifiers.AccessTokenValidationException;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPIssuer;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPProofUse;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPProtectedResourceRequestVerifier;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPTokenRequestVerifier;
import com.nimbusds.oauth2.sdk.dpop.verifiers.InvalidDPoPNonceException;
import com.nimbusds.oauth2.sdk.dpop.verifiers.InvalidDPoPProofException;
import com.nimbusds.oauth2.sdk.pkce.CodeChallenge;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import com.nimbusds.oauth2.sdk.util.singleuse.AlreadyUsedException;
import com.nimbusds.oauth2.sdk.util.singleuse.SingleUseChecker;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The AT Protocol (Bluesky) side of a sign-in, whole and in process: the PLC directory that maps a
 * DID to its document, the handles' {@code /.well-known/atproto-did}, the PDS with its protected
 * resource metadata and {@code app.bsky.actor.getProfile}, and the authorization server with PAR,
 * authorize and token as https://atproto.com/specs/oauth has them — DPoP with server nonces
 * everywhere, and a confidential client authenticated by its metadata document and
 * {@code private_key_jwt}.
 *
 * <p>All of it is one HTTP server on 127.0.0.1; the origins ({@link #PLC}, {@link #PDS},
 * {@link #AUTH} and every registered handle) are told apart by the {@code Host} header, so the names
 * only need to resolve to 127.0.0.1 and every URL carries {@link #port()}. Checks follow real time,
 * not Portal's clock. Knobs make an origin slow, endless or redirecting, and bend the answers;
 * {@link #reset()} puts them back.
 */
public final class FakeAtproto implements AutoCloseable {
    public static final String PLC = "plc.test";
    public static final String PDS = "pds.test";
    public static final String AUTH = "auth.test";

    static final long SLOW_DELAY_MS = 6_000;
    /** How far a DPoP proof's or client assertion's {@code iat} may be from now. */
    private static final long MAX_SKEW_SECONDS = 60;
    private static final Duration PAR_LIFETIME = Duration.ofSeconds(300);
    private static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    private static final String LOOPBACK_CLIENT = "http://localhost";
    private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
    /** Nimbus names the maker of a proof; only our jti check sees it, and jtis are unique across makers here. */
    private static final DPoPIssuer PROOF_MAKER = new DPoPIssuer("client");

    /** A Bluesky account: what the DID document, the handle and the profile say. */
    public record Account(String did, String handle, String displayName, String avatar) {
    }

    private enum Mode { SLOW, ENDLESS, REDIRECT }

    private record Behaviour(Mode mode, String location) {
    }

    /** A knob's value when a test set one; null for "not set", which is not the same as set to null. */
    private record Setting<T>(T value) {
    }

    /** A pushed authorization request, kept until the browser brings its request_uri to authorize. */
    private record Par(String clientId, String redirectUri, String state, String codeChallenge, String loginHint,
            String dpopThumbprint, Instant expires) {
    }

    /** An authorization code: the request it answers and who approved it. */
    private record Grant(Par par, Account account) {
    }

    private record IssuedToken(String did, String dpopThumbprint) {
    }

    /** An OAuth error answer, thrown from deep within the checks of a request. */
    private static final class OAuthError extends Exception {
        final int status;
        final String error;

        OAuthError(int status, String error, String description) {
            super(description, null, false, false);
            this.status = status;
            this.error = error;
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final JsonMapper json = JsonMapper.builder().build();
    private final SecureRandom random = new SecureRandom();
    private volatile boolean closed;

    private final Map<String, Account> accountsByDid = new ConcurrentHashMap<>();
    private final Map<String, Account> accountsByHandle = new ConcurrentHashMap<>();
    private final Set<String> wellKnownHandles = ConcurrentHashMap.newKeySet();
    private final Map<String, Par> pars = new ConcurrentHashMap<>();
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    private final Map<String, IssuedToken> accessTokens = new ConcurrentHashMap<>();
    private final Set<String> dpopJtis = ConcurrentHashMap.newKeySet();
    private final Set<String> assertionJtis = ConcurrentHashMap.newKeySet();
    private final SingleUseChecker<DPoPProofUse> dpopJtiChecker = use -> {
        if (!dpopJtis.add(use.getJWTID().getValue())) {
            throw new AlreadyUsedException("jti seen before");
        }
    };
    private final DPoPTokenRequestVerifier parProofs;
    private final DPoPTokenRequestVerifier tokenProofs;
    private final DPoPProtectedResourceRequestVerifier pdsProofs = new DPoPProtectedResourceRequestVerifier(
            Set.of(JWSAlgorithm.ES256), MAX_SKEW_SECONDS, MAX_SKEW_SECONDS, dpopJtiChecker);

    // Knobs.
    private final Map<String, Behaviour> behaviours = new ConcurrentHashMap<>();
    private volatile Setting<String> issuerInCallback;
    private volatile Setting<String> tokenSubject;
    private volatile Account approvingAccount;
    private volatile boolean nonceChallenges = true;
    private volatile boolean alwaysChallenge;
    private volatile String documentPds;
    private volatile String authNonce;
    private volatile String pdsNonce;

    // What Portal did.
    private final AtomicInteger parCount = new AtomicInteger();
    private final AtomicInteger tokenCount = new AtomicInteger();
    private final AtomicInteger profileCount = new AtomicInteger();
    private volatile Map<String, String> lastParParameters = Map.of();
    private volatile Map<String, Object> lastParClientAssertion = Map.of();
    private volatile Map<String, Object> lastTokenResponse = Map.of();
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

    public FakeAtproto() {
        this(0);
    }

    /** On a chosen port (0: any free one), as {@link StandIns} needs a port people can type. */
    public FakeAtproto(int listenOn) {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", listenOn), 0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the AT Protocol stand-in", e);
        }
        port = server.getAddress().getPort();
        parProofs = new DPoPTokenRequestVerifier(Set.of(JWSAlgorithm.ES256), URI.create(issuer() + "/oauth/par"),
                MAX_SKEW_SECONDS, MAX_SKEW_SECONDS, dpopJtiChecker);
        tokenProofs = new DPoPTokenRequestVerifier(Set.of(JWSAlgorithm.ES256), URI.create(issuer() + "/oauth/token"),
                MAX_SKEW_SECONDS, MAX_SKEW_SECONDS, dpopJtiChecker);
        rotateNonces();
        // A slow or endless origin must not hold up the others; daemon threads so a forgotten close() cannot hang the JVM.
        AtomicInteger threads = new AtomicInteger();
        executor = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "fake-atproto-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::serve);
        server.start();
    }

    public int port() {
        return port;
    }

    public String origin(String name) {
        return "http://" + name + ":" + port;
    }

    public String plcUrl() {
        return origin(PLC);
    }

    public String issuer() {
        return origin(AUTH);
    }

    public String pdsUrl() {
        return origin(PDS);
    }

    /** Every name this answers for: the three services and each registered handle. */
    public Set<String> hostNames() {
        Set<String> names = new TreeSet<>(List.of(PLC, PDS, AUTH));
        names.addAll(accountsByHandle.keySet());
        return names;
    }

    /** A new account whose handle answers at {@code /.well-known/atproto-did}. */
    public Account account(String handle) {
        return account(handle, true);
    }

    /**
     * A new account: a fresh did:plc whose document names {@code at://handle} and this PDS. With
     * {@code wellKnown} false the handle's {@code /.well-known/atproto-did} is 404, as for a handle
     * resolved by DNS TXT, which tests arrange themselves.
     */
    public Account account(String handle, boolean wellKnown) {
        String name = handle.toLowerCase(Locale.ROOT);
        if (Set.of(PLC, PDS, AUTH).contains(name) || accountsByHandle.containsKey(name)) {
            throw new IllegalArgumentException("handle taken: " + handle);
        }
        StringBuilder did = new StringBuilder("did:plc:");
        for (int i = 0; i < 24; i++) {
            did.append(BASE32.charAt(random.nextInt(BASE32.length())));
        }
        String label = name.substring(0, name.indexOf('.') < 0 ? name.length() : name.indexOf('.'));
        Account account = new Account(did.toString(), name, label.substring(0, 1).toUpperCase(Locale.ROOT) + label.substring(1),
                "https://cdn.bsky.app/img/avatar/plain/" + did + "/abc@jpeg");
        accountsByDid.put(account.did(), account);
        accountsByHandle.put(name, account);
        if (wellKnown) {
            wellKnownHandles.add(name);
        }
        return account;
    }

    // ---- Knobs ----

    /** The {@code iss} sent back on the redirect from authorize; null leaves it out. Default {@link #issuer()}. */
    public void issuerInCallback(String iss) {
        issuerInCallback = new Setting<>(iss);
    }

    /** The {@code sub} in the token response; null leaves it out. Default: the DID of the account that approved. */
    public void tokenSubject(String did) {
        tokenSubject = new Setting<>(did);
    }

    /** Who approves at authorize; null for the default, the account the PAR's {@code login_hint} names. */
    public void approvingAccount(Account account) {
        approvingAccount = account;
    }

    /** Whether a DPoP proof without the current nonce is answered with {@code use_dpop_nonce} (default true). */
    public void nonceChallenges(boolean on) {
        nonceChallenges = on;
    }

    /**
     * With {@code on}, the authorization server (PAR, token) and the PDS (getProfile) hand out a new nonce
     * with every answer, so no proof ever carries the current one and every request is challenged: a
     * server that will never take the client's proofs. Needs {@link #nonceChallenges} on (the default).
     */
    public void alwaysChallenge(boolean on) {
        alwaysChallenge = on;
    }

    /** The PDS every DID document names from now on ({@code serviceEndpoint}); null for {@link #pdsUrl()}. */
    public void documentPds(String url) {
        documentPds = url;
    }

    private volatile String resourceNamed;

    /** The {@code resource} the PDS's protected-resource metadata names; null for its own URL. */
    public void resourceNamed(String url) {
        resourceNamed = url;
    }

    /** New nonces at the authorization server and the PDS, so each challenges the next request again. */
    public void rotateNonces() {
        authNonce = randomToken(16);
        pdsNonce = randomToken(16);
    }

    /** The origin takes {@value #SLOW_DELAY_MS} ms over every request, then closes without answering. */
    public void slow(String name) {
        behaviours.put(name.toLowerCase(Locale.ROOT), new Behaviour(Mode.SLOW, null));
    }

    /** The origin answers every request with 200 and a body that never ends (chunked, no Content-Length). */
    public void endless(String name) {
        behaviours.put(name.toLowerCase(Locale.ROOT), new Behaviour(Mode.ENDLESS, null));
    }

    /** The origin answers every request with 302 to {@code location}. */
    public void redirectTo(String name, String location) {
        behaviours.put(name.toLowerCase(Locale.ROOT), new Behaviour(Mode.REDIRECT, location));
    }

    /** All knobs back to their defaults, counters to zero, fresh nonces. Accounts and issued tokens stay. */
    public void reset() {
        behaviours.clear();
        resourceNamed = null;
        issuerInCallback = null;
        tokenSubject = null;
        approvingAccount = null;
        nonceChallenges = true;
        alwaysChallenge = false;
        documentPds = null;
        // Portal may keep nonces from an earlier test; new ones make every test's first request challenged.
        rotateNonces();
        parCount.set(0);
        tokenCount.set(0);
        profileCount.set(0);
        lastParParameters = Map.of();
        lastParClientAssertion = Map.of();
        lastTokenResponse = Map.of();
        requests.clear();
    }

    // ---- What Portal did ----

    /** Pushed authorization requests accepted (201) since the last reset. */
    public int parCount() {
        return parCount.get();
    }

    /** Token responses given (200) since the last reset. */
    public int tokenCount() {
        return tokenCount.get();
    }

    /** Profiles served (200) since the last reset. */
    public int profileCount() {
        return profileCount.get();
    }

    /**
     * Requests that reached origin {@code name} at {@code path} since the last reset, whatever the answer:
     * refused, challenged and misbehaved-at ones too.
     */
    public int requests(String name, String path) {
        AtomicInteger count = requests.get(name.toLowerCase(Locale.ROOT) + path);
        return count == null ? 0 : count.get();
    }

    /** The last successful token response's JSON members (access_token, refresh_token, sub...); empty before one. */
    public Map<String, Object> lastTokenResponse() {
        return lastTokenResponse;
    }

    /** The form parameters of the last accepted PAR, in the order sent; empty before one. */
    public Map<String, String> lastParParameters() {
        return lastParParameters;
    }

    /** The claims of the last accepted PAR's client assertion (times as epoch seconds); empty for a loopback client. */
    public Map<String, Object> lastParClientAssertion() {
        return lastParClientAssertion;
    }

    @Override
    public void close() {
        closed = true;
        server.stop(0);
        // Wakes the slow sleepers and the endless writers.
        executor.shutdownNow();
    }

    // ---- Routing ----

    private interface Handler {
        void handle(HttpExchange exchange) throws Exception;
    }

    private void serve(HttpExchange exchange) {
        String name = hostName(exchange.getRequestHeaders().getFirst("Host"));
        requests.computeIfAbsent(name + exchange.getRequestURI().getPath(), k -> new AtomicInteger()).incrementAndGet();
        try {
            Behaviour behaviour = behaviours.get(name);
            Handler handler = behaviour != null ? e -> misbehave(e, name, behaviour)
                    : switch (name) {
                        case PLC -> this::plc;
                        case PDS -> this::pds;
                        case AUTH -> this::authorizationServer;
                        default -> e -> handle(e, name);
                    };
            handler.handle(exchange);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // A fault of the stand-in itself: say so loudly rather than let Portal see a mystery.
            e.printStackTrace();
            try {
                respond(exchange, 500, "text/plain", "FakeAtproto failed: " + e);
            } catch (IOException | RuntimeException ignored) {
                // The answer had begun; closing is all that is left.
            }
        } finally {
            exchange.close();
        }
    }

    /** The name in a Host header, without port or trailing dot. */
    static String hostName(String host) {
        if (host == null) {
            return "";
        }
        String name = host.trim().toLowerCase(Locale.ROOT);
        int colon = name.lastIndexOf(':');
        if (colon >= 0 && name.indexOf(']') < colon) {
            name = name.substring(0, colon);
        }
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    private void misbehave(HttpExchange exchange, String name, Behaviour behaviour) throws IOException, InterruptedException {
        switch (behaviour.mode()) {
            case SLOW -> Thread.sleep(SLOW_DELAY_MS);
            case REDIRECT -> {
                exchange.getResponseHeaders().set("Location", behaviour.location());
                exchange.sendResponseHeaders(302, -1);
            }
            case ENDLESS -> {
                boolean handle = !Set.of(PLC, PDS, AUTH).contains(name);
                exchange.getResponseHeaders().set("Content-Type", handle ? "text/plain" : "application/json");
                // Length 0 means chunked: no Content-Length for the client to stop at.
                exchange.sendResponseHeaders(200, 0);
                // 64 KiB a step: a client's byte cap (1 MiB) is reached well within its deadline, even on a busy machine.
                byte[] chunk = new byte[64 * 1024];
                Arrays.fill(chunk, (byte) 'a');
                OutputStream out = exchange.getResponseBody();
                try {
                    out.write((handle ? "did:plc:" : "{\"padding\": \"").getBytes(StandardCharsets.US_ASCII));
                    while (!closed) {
                        out.write(chunk);
                        out.flush();
                        Thread.sleep(10);
                    }
                } catch (IOException clientWentAway) {
                    // That is how this ends.
                }
            }
        }
    }

    // ---- PLC directory and handles ----

    private void plc(HttpExchange exchange) throws IOException {
        // getPath() decodes, so a DID sent as did%3Aplc%3A... is found too.
        String did = exchange.getRequestURI().getPath().substring(1);
        Account account = accountsByDid.get(did);
        if (!"GET".equals(exchange.getRequestMethod()) || account == null) {
            respondJson(exchange, 404, Map.of("message", "DID not registered: " + did));
            return;
        }
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("@context", List.of("https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1",
                "https://w3id.org/security/suites/secp256k1-2019/v1"));
        document.put("id", account.did());
        document.put("alsoKnownAs", List.of("at://" + account.handle()));
        // The signing key is never used here; any well-formed multikey will do.
        document.put("verificationMethod", List.of(Map.of("id", account.did() + "#atproto", "type", "Multikey",
                "controller", account.did(), "publicKeyMultibase", "zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF")));
        document.put("service", List.of(Map.of("id", "#atproto_pds", "type", "AtprotoPersonalDataServer",
                "serviceEndpoint", documentPds == null ? pdsUrl() : documentPds)));
        respondJson(exchange, 200, document);
    }

    private void handle(HttpExchange exchange, String name) throws IOException {
        Account account = accountsByHandle.get(name);
        if ("/.well-known/atproto-did".equals(exchange.getRequestURI().getPath()) && account != null
                && wellKnownHandles.contains(name)) {
            respond(exchange, 200, "text/plain", account.did());
            return;
        }
        respond(exchange, 404, "text/plain", "Not Found");
    }

    // ---- PDS ----

    private void pds(HttpExchange exchange) throws Exception {
        String path = exchange.getRequestURI().getPath();
        if ("/.well-known/oauth-protected-resource".equals(path)) {
            Map<String, Object> metadata = new LinkedHashMap<>();
            metadata.put("resource", resourceNamed != null ? resourceNamed : pdsUrl());
            metadata.put("authorization_servers", List.of(issuer()));
            metadata.put("scopes_supported", List.of());
            metadata.put("bearer_methods_supported", List.of("header"));
            respondJson(exchange, 200, metadata);
        } else if ("/xrpc/app.bsky.actor.getProfile".equals(path) && "GET".equals(exchange.getRequestMethod())) {
            getProfile(exchange, path);
        } else {
            respondJson(exchange, 404, Map.of("error", "MethodNotImplemented", "message", "Method Not Implemented"));
        }
    }

    private void getProfile(HttpExchange exchange, String path) throws Exception {
        if (alwaysChallenge) {
            pdsNonce = randomToken(16);
        }
        exchange.getResponseHeaders().set("DPoP-Nonce", pdsNonce);
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, "DPoP ", 0, 5)) {
            pdsRefusal(exchange, "invalid_token", "a DPoP-bound access token is required (Authorization: DPoP ...)");
            return;
        }
        String token = authorization.substring(5).trim();
        IssuedToken issued = accessTokens.get(token);
        if (issued == null) {
            pdsRefusal(exchange, "invalid_token", "unknown access token");
            return;
        }
        try {
            SignedJWT proof = proof(exchange);
            pdsProofs.verify("GET", URI.create(pdsUrl() + path), PROOF_MAKER, proof, new DPoPAccessToken(token),
                    new JWKThumbprintConfirmation(new Base64URL(issued.dpopThumbprint())), acceptedNonces(proof, pdsNonce),
                    null);
        } catch (InvalidDPoPNonceException e) {
            pdsRefusal(exchange, "use_dpop_nonce", "Resource server requires nonce in DPoP proof");
            return;
        } catch (InvalidDPoPProofException | ParseException e) {
            pdsRefusal(exchange, "invalid_dpop_proof", e.getMessage());
            return;
        } catch (AccessTokenValidationException e) {
            // The proof is good but not of this token: wrong key or wrong ath.
            pdsRefusal(exchange, "invalid_token", e.getMessage());
            return;
        }
        String actor = query(exchange).get("actor");
        Account account = actor == null ? null
                : actor.startsWith("did:") ? accountsByDid.get(actor) : accountsByHandle.get(actor.toLowerCase(Locale.ROOT));
        if (account == null) {
            respondJson(exchange, 400, Map.of("error", "InvalidRequest", "message", "Profile not found"));
            return;
        }
        Map<String, Object> profile = new LinkedHashMap<>();
        profile.put("did", account.did());
        profile.put("handle", account.handle());
        profile.put("displayName", account.displayName());
        profile.put("avatar", account.avatar());
        profileCount.incrementAndGet();
        respondJson(exchange, 200, profile);
    }

    /** A resource server's refusal: the reason in WWW-Authenticate, as RFC 9449 has it, and in the body as XRPC does. */
    private void pdsRefusal(HttpExchange exchange, String error, String description) throws IOException {
        exchange.getResponseHeaders().set("WWW-Authenticate",
                "DPoP error=\"" + error + "\", error_description=\"" + description.replace('"', '\'') + "\"");
        respondJson(exchange, 401, Map.of("error", error, "message", description));
    }

    // ---- Authorization server ----

    private void authorizationServer(HttpExchange exchange) throws Exception {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        try {
            if ("/.well-known/oauth-authorization-server".equals(path) && "GET".equals(method)) {
                respondJson(exchange, 200, authorizationServerMetadata());
            } else if ("/oauth/par".equals(path) && "POST".equals(method)) {
                par(exchange);
            } else if ("/oauth/authorize".equals(path) && "GET".equals(method)) {
                authorize(exchange);
            } else if ("/oauth/token".equals(path) && "POST".equals(method)) {
                token(exchange);
            } else {
                respond(exchange, 404, "text/plain", "Not Found");
            }
        } catch (OAuthError e) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", e.error);
            body.put("error_description", e.getMessage());
            respondJson(exchange, e.status, body);
        }
    }

    private Map<String, Object> authorizationServerMetadata() {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("issuer", issuer());
        metadata.put("authorization_endpoint", issuer() + "/oauth/authorize");
        metadata.put("token_endpoint", issuer() + "/oauth/token");
        metadata.put("pushed_authorization_request_endpoint", issuer() + "/oauth/par");
        metadata.put("require_pushed_authorization_requests", true);
        metadata.put("authorization_response_iss_parameter_supported", true);
        metadata.put("dpop_signing_alg_values_supported", List.of("ES256"));
        metadata.put("token_endpoint_auth_methods_supported", List.of("none", "private_key_jwt"));
        metadata.put("token_endpoint_auth_signing_alg_values_supported", List.of("ES256"));
        metadata.put("scopes_supported", List.of("atproto", "transition:generic"));
        metadata.put("response_types_supported", List.of("code"));
        metadata.put("grant_types_supported", List.of("authorization_code", "refresh_token"));
        metadata.put("code_challenge_methods_supported", List.of("S256"));
        metadata.put("client_id_metadata_document_supported", true);
        metadata.put("protected_resources", List.of(pdsUrl()));
        return metadata;
    }

    private void par(HttpExchange exchange) throws Exception {
        if (alwaysChallenge) {
            authNonce = randomToken(16);
        }
        exchange.getResponseHeaders().set("DPoP-Nonce", authNonce);
        Map<String, String> form = form(exchange);
        // The proof first: a nonce challenge must not spend the client assertion, which Portal may send again.
        String thumbprint = dpop(exchange, parProofs);
        Map<String, Object> assertion = authenticateClient(form);
        require(form, "response_type", "code");
        require(form, "code_challenge_method", "S256");
        String challenge = present(form, "code_challenge");
        String state = present(form, "state");
        String redirectUri = present(form, "redirect_uri");
        if (!List.of(present(form, "scope").split(" ")).contains("atproto")) {
            throw new OAuthError(400, "invalid_scope", "scope must include atproto, was " + form.get("scope"));
        }
        String requestUri = "urn:ietf:params:oauth:request_uri:" + randomToken(16);
        pars.put(requestUri, new Par(form.get("client_id"), redirectUri, state, challenge, form.get("login_hint"),
                thumbprint, Instant.now().plus(PAR_LIFETIME)));
        lastParParameters = Collections.unmodifiableMap(new LinkedHashMap<>(form));
        lastParClientAssertion = assertion;
        parCount.incrementAndGet();
        respondJson(exchange, 201, Map.of("request_uri", requestUri, "expires_in", PAR_LIFETIME.toSeconds()));
    }

    /** Where the browser lands: the request pushed before is approved at once, by the account a knob or the login hint names. */
    private void authorize(HttpExchange exchange) throws IOException {
        Map<String, String> query = query(exchange);
        String requestUri = query.get("request_uri");
        Par par = requestUri == null ? null : pars.remove(requestUri);
        if (par == null || Instant.now().isAfter(par.expires())) {
            respond(exchange, 400, "text/plain", "unknown, used or expired request_uri: " + requestUri);
            return;
        }
        if (!par.clientId().equals(query.get("client_id"))) {
            respond(exchange, 400, "text/plain", "client_id " + query.get("client_id") + " is not the pushed request's");
            return;
        }
        Account account = approvingAccount != null ? approvingAccount : named(par.loginHint());
        Map<String, String> answer = new LinkedHashMap<>();
        if (account == null) {
            answer.put("error", "access_denied");
            answer.put("error_description", "no account to approve: login_hint " + par.loginHint() + " names none");
        } else {
            String code = randomToken(32);
            codes.put(code, new Grant(par, account));
            answer.put("code", code);
        }
        answer.put("state", par.state());
        Setting<String> iss = issuerInCallback;
        String issValue = iss == null ? issuer() : iss.value();
        if (issValue != null) {
            answer.put("iss", issValue);
        }
        StringBuilder location = new StringBuilder(par.redirectUri()).append(par.redirectUri().contains("?") ? '&' : '?');
        answer.forEach((key, value) -> location.append(encode(key)).append('=').append(encode(value)).append('&'));
        location.setLength(location.length() - 1);
        exchange.getResponseHeaders().set("Location", location.toString());
        exchange.sendResponseHeaders(302, -1);
    }

    private Account named(String loginHint) {
        if (loginHint == null) {
            return null;
        }
        return loginHint.startsWith("did:") ? accountsByDid.get(loginHint)
                : accountsByHandle.get(loginHint.toLowerCase(Locale.ROOT));
    }

    private void token(HttpExchange exchange) throws Exception {
        if (alwaysChallenge) {
            authNonce = randomToken(16);
        }
        exchange.getResponseHeaders().set("DPoP-Nonce", authNonce);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        Map<String, String> form = form(exchange);
        String thumbprint = dpop(exchange, tokenProofs);
        if ("refresh_token".equals(form.get("grant_type"))) {
            refreshGrant(exchange, form, thumbprint);
            return;
        }
        authenticateClient(form);
        if (!"authorization_code".equals(form.get("grant_type"))) {
            throw new OAuthError(400, "unsupported_grant_type", "only authorization_code here, was " + form.get("grant_type"));
        }
        String code = present(form, "code");
        Grant grant = codes.remove(code);
        if (grant == null) {
            throw new OAuthError(400, "invalid_grant", "code unknown or already used");
        }
        Par par = grant.par();
        if (!par.clientId().equals(form.get("client_id"))) {
            throw new OAuthError(400, "invalid_grant", "code was issued to client " + par.clientId());
        }
        if (!par.redirectUri().equals(form.get("redirect_uri"))) {
            throw new OAuthError(400, "invalid_grant", "redirect_uri differs from the PAR's " + par.redirectUri());
        }
        String verifier = present(form, "code_verifier");
        String computed;
        try {
            computed = CodeChallenge.compute(CodeChallengeMethod.S256, new CodeVerifier(verifier)).getValue();
        } catch (IllegalArgumentException e) {
            throw new OAuthError(400, "invalid_grant", "code_verifier malformed: " + e.getMessage());
        }
        if (!computed.equals(par.codeChallenge())) {
            throw new OAuthError(400, "invalid_grant", "code_verifier does not match the PAR's code_challenge");
        }
        if (!thumbprint.equals(par.dpopThumbprint())) {
            throw new OAuthError(400, "invalid_dpop_proof", "DPoP key differs from the one used at PAR");
        }
        String accessToken = randomToken(32);
        accessTokens.put(accessToken, new IssuedToken(grant.account().did(), thumbprint));
        Setting<String> subject = tokenSubject;
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("access_token", accessToken);
        answer.put("token_type", "DPoP");
        answer.put("expires_in", 3600);
        String refreshToken = randomToken(32);
        refreshTokens.put(refreshToken, new RefreshGrant(new IssuedToken(grant.account().did(), thumbprint), par.redirectUri()));
        answer.put("refresh_token", refreshToken);
        answer.put("scope", "atproto transition:generic");
        String sub = subject == null ? grant.account().did() : subject.value();
        if (sub != null) {
            answer.put("sub", sub);
        }
        tokenCount.incrementAndGet();
        lastTokenResponse = Collections.unmodifiableMap(new LinkedHashMap<>(answer));
        respondJson(exchange, 200, answer);
    }

    /** The JWK thumbprint of a good DPoP proof for this endpoint, or the OAuth error that refuses it. */
    private String dpop(HttpExchange exchange, DPoPTokenRequestVerifier verifier) throws OAuthError, JOSEException {
        try {
            SignedJWT proof = proof(exchange);
            return verifier.verify(PROOF_MAKER, proof, acceptedNonces(proof, authNonce)).getValue().toString();
        } catch (InvalidDPoPNonceException e) {
            throw new OAuthError(400, "use_dpop_nonce", "Authorization server requires nonce in DPoP proof");
        } catch (InvalidDPoPProofException | ParseException e) {
            throw new OAuthError(400, "invalid_dpop_proof", e.getMessage());
        }
    }

    /** The request's one DPoP proof. Nimbus refuses a private key in its header while parsing. */
    private static SignedJWT proof(HttpExchange exchange) throws ParseException {
        List<String> headers = exchange.getRequestHeaders().get("DPoP");
        if (headers == null || headers.size() != 1) {
            throw new ParseException("exactly one DPoP header needed, got " + (headers == null ? 0 : headers.size()), 0);
        }
        return SignedJWT.parse(headers.get(0));
    }

    /**
     * The nonces a proof may carry. With challenges off any nonce or none passes: Nimbus forbids a
     * nonce claim when it expects none, so the proof's own is the one expected.
     */
    private Set<Nonce> acceptedNonces(SignedJWT proof, String current) throws ParseException {
        if (nonceChallenges) {
            return Set.of(new Nonce(current));
        }
        String own = proof.getJWTClaimsSet().getStringClaim("nonce");
        return own == null ? null : Set.of(new Nonce(own));
    }

    // ---- Client authentication ----

    /**
     * Who the client is, by its client_id: AT Protocol's loopback client ({@code http://localhost?...},
     * public, nothing to check but the redirect_uri), or else a client metadata document at that URL,
     * whose keys must have signed the client assertion. Answers the assertion's claims.
     */
    private Map<String, Object> authenticateClient(Map<String, String> form) throws OAuthError {
        String clientId = form.get("client_id");
        if (clientId == null || clientId.isBlank()) {
            throw invalidClient("client_id missing");
        }
        String redirectUri = present(form, "redirect_uri");
        if (clientId.startsWith(LOOPBACK_CLIENT)) {
            List<String> allowed = parameters(URI.create(clientId).getRawQuery()).getOrDefault("redirect_uri",
                    List.of("http://127.0.0.1/", "http://[::1]/"));
            if (!allowed.contains(redirectUri)) {
                throw invalidClient("redirect_uri " + redirectUri + " is not among the loopback client's " + allowed);
            }
            return Map.of();
        }
        JsonNode metadata = fetchJson(clientId, "client metadata");
        if (!clientId.equals(text(metadata, "client_id"))) {
            throw invalidClient("client metadata names client_id " + text(metadata, "client_id") + ", not its URL " + clientId);
        }
        if (!"private_key_jwt".equals(text(metadata, "token_endpoint_auth_method"))) {
            throw invalidClient("client metadata's token_endpoint_auth_method is "
                    + text(metadata, "token_endpoint_auth_method") + ", not private_key_jwt");
        }
        JsonNode dpopBound = metadata.get("dpop_bound_access_tokens");
        if (dpopBound == null || !dpopBound.isBoolean() || !dpopBound.booleanValue()) {
            throw invalidClient("client metadata's dpop_bound_access_tokens is not true");
        }
        List<String> redirectUris = new ArrayList<>();
        metadata.path("redirect_uris").forEach(uri -> redirectUris.add(uri.asString()));
        if (!redirectUris.contains(redirectUri)) {
            throw invalidClient("redirect_uri " + redirectUri + " is not among the client's redirect_uris " + redirectUris);
        }
        return verifyAssertion(form, clientId, clientKeys(metadata));
    }

    private JWKSet clientKeys(JsonNode metadata) throws OAuthError {
        JsonNode keys = metadata.get("jwks");
        String jwksUri = text(metadata, "jwks_uri");
        if (keys == null && jwksUri == null) {
            throw invalidClient("client metadata has neither jwks nor jwks_uri");
        }
        if (keys == null) {
            keys = fetchJson(jwksUri, "client jwks_uri");
        }
        try {
            return JWKSet.parse(json.writeValueAsString(keys));
        } catch (ParseException e) {
            throw invalidClient("client JWKS unreadable: " + e.getMessage());
        }
    }

    private Map<String, Object> verifyAssertion(Map<String, String> form, String clientId, JWKSet keys) throws OAuthError {
        if (!JWT_BEARER.equals(form.get("client_assertion_type"))) {
            throw invalidClient("client_assertion_type must be " + JWT_BEARER + ", was " + form.get("client_assertion_type"));
        }
        String assertion = form.get("client_assertion");
        if (assertion == null) {
            throw invalidClient("client_assertion missing");
        }
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(assertion);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw invalidClient("client_assertion is not a signed JWT: " + e.getMessage());
        }
        if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())) {
            throw invalidClient("client_assertion alg must be ES256, was " + jwt.getHeader().getAlgorithm());
        }
        String kid = jwt.getHeader().getKeyID();
        JWK key = kid == null ? null : keys.getKeyByKeyId(kid);
        if (!(key instanceof ECKey ecKey)) {
            throw invalidClient("client_assertion kid " + kid + " names no EC key in the client's JWKS");
        }
        try {
            if (!jwt.verify(new ECDSAVerifier(ecKey.toPublicJWK()))) {
                throw invalidClient("client_assertion signature does not verify with key " + kid);
            }
        } catch (JOSEException e) {
            throw invalidClient("client_assertion signature unverifiable: " + e.getMessage());
        }
        if (!clientId.equals(claims.getIssuer()) || !clientId.equals(claims.getSubject())) {
            throw invalidClient("client_assertion iss and sub must be the client_id, were " + claims.getIssuer() + " and "
                    + claims.getSubject());
        }
        if (!List.of(issuer()).equals(claims.getAudience())) {
            throw invalidClient("client_assertion aud must be the issuer " + issuer() + " (not an endpoint), was "
                    + claims.getAudience());
        }
        Instant now = Instant.now();
        Date iat = claims.getIssueTime();
        if (iat == null || Duration.between(iat.toInstant(), now).abs().toSeconds() > MAX_SKEW_SECONDS) {
            throw invalidClient("client_assertion iat missing or more than " + MAX_SKEW_SECONDS + " s from now: " + iat);
        }
        if (claims.getExpirationTime() == null || !claims.getExpirationTime().toInstant().isAfter(now)) {
            throw invalidClient("client_assertion exp missing or past: " + claims.getExpirationTime());
        }
        if (claims.getJWTID() == null || !assertionJtis.add(claims.getJWTID())) {
            throw invalidClient("client_assertion jti missing or used before: " + claims.getJWTID());
        }
        return Collections.unmodifiableMap(claims.toJSONObject());
    }

    private JsonNode fetchJson(String url, String what) throws OAuthError {
        HttpResponse<String> answer;
        try {
            answer = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                    .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | IllegalArgumentException e) {
            throw invalidClient(what + " at " + url + " unreachable: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw invalidClient(what + " fetch interrupted");
        }
        if (answer.statusCode() != 200) {
            throw invalidClient(what + " at " + url + " answered " + answer.statusCode());
        }
        try {
            return json.readTree(answer.body());
        } catch (JacksonException e) {
            throw invalidClient(what + " at " + url + " is not JSON: " + e.getOriginalMessage());
        }
    }

    private static OAuthError invalidClient(String why) {
        return new OAuthError(401, "invalid_client", why);
    }

    // ---- Small things ----

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || !value.isString() ? null : value.stringValue();
    }

    private static void require(Map<String, String> form, String name, String expected) throws OAuthError {
        if (!expected.equals(form.get(name))) {
            throw new OAuthError(400, "invalid_request", name + " must be " + expected + ", was " + form.get(name));
        }
    }

    private static String present(Map<String, String> form, String name) throws OAuthError {
        String value = form.get(name);
        if (value == null || value.isBlank()) {
            throw new OAuthError(400, "invalid_request", name + " missing");
        }
        return value;
    }

    /** A form-encoded body, each parameter once (RFC 6749 §3.1). */
    private static Map<String, String> form(HttpExchange exchange) throws IOException, OAuthError {
        String contentType = String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type"));
        if (!contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            throw new OAuthError(400, "invalid_request", "body must be application/x-www-form-urlencoded, was " + contentType);
        }
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> form = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> parameter : parameters(body).entrySet()) {
            if (parameter.getValue().size() > 1) {
                throw new OAuthError(400, "invalid_request", parameter.getKey() + " sent more than once");
            }
            form.put(parameter.getKey(), parameter.getValue().get(0));
        }
        return form;
    }

    private static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> query = new LinkedHashMap<>();
        parameters(exchange.getRequestURI().getRawQuery()).forEach((name, values) -> query.put(name, values.get(0)));
        return query;
    }

    private static Map<String, List<String>> parameters(String raw) {
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return parameters;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            parameters.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return parameters;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private String randomToken(int bytes) {
        byte[] token = new byte[bytes];
        random.nextBytes(token);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(token);
    }

    private void respondJson(HttpExchange exchange, int status, Object body) throws IOException {
        respond(exchange, status, "application/json", json.writeValueAsString(body));
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    // ---- refresh tokens (re-verifying a linked identity) ----

    /** A refresh token's account and DPoP key, and the redirect URI of the sign-in it came from. */
    private record RefreshGrant(IssuedToken token, String redirectUri) {
    }

    /** Refresh tokens given out and not yet used. */
    private final Map<String, RefreshGrant> refreshTokens = new ConcurrentHashMap<>();

    /**
     * The refresh-token grant, as AT Protocol servers do it: the client authenticated as for the code (a
     * refresh request names no redirect URI, so the sign-in's is checked), single use, bound to the grant's
     * DPoP key.
     */
    private void refreshGrant(HttpExchange exchange, Map<String, String> form, String thumbprint) throws Exception {
        String given = present(form, "refresh_token");
        RefreshGrant grant = refreshTokens.get(given);
        if (grant == null) {
            throw new OAuthError(400, "invalid_grant", "refresh token unknown or already used");
        }
        Map<String, String> withRedirect = new LinkedHashMap<>(form);
        withRedirect.putIfAbsent("redirect_uri", grant.redirectUri());
        authenticateClient(withRedirect);
        if (!refreshTokens.remove(given, grant)) {
            throw new OAuthError(400, "invalid_grant", "refresh token already used");
        }
        IssuedToken previous = grant.token();
        if (!previous.dpopThumbprint().equals(thumbprint)) {
            throw new OAuthError(400, "invalid_dpop_proof", "DPoP key differs from the one the grant is bound to");
        }
        String accessToken = randomToken(32);
        accessTokens.put(accessToken, previous);
        String refreshToken = randomToken(32);
        refreshTokens.put(refreshToken, new RefreshGrant(previous, grant.redirectUri()));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("access_token", accessToken);
        answer.put("token_type", "DPoP");
        answer.put("expires_in", 3600);
        answer.put("refresh_token", refreshToken);
        answer.put("scope", "atproto transition:generic");
        answer.put("sub", previous.did());
        tokenCount.incrementAndGet();
        lastTokenResponse = Collections.unmodifiableMap(new LinkedHashMap<>(answer));
        respondJson(exchange, 200, answer);
    }
}
