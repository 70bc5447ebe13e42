package dev.portal.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.pkce.CodeChallenge;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link FakeAtproto} driven the way Portal will drive it, with Nimbus: handle → DID → PDS →
 * authorization server, PAR → authorize → token → getProfile, each nonce challenge met once, as a
 * confidential client whose metadata and JWKS a second small server serves. The names reach the
 * stand-in through it as an HTTP proxy, which keeps the {@code Host} header as sent.
 */
class FakeAtprotoSelfTest {
    private final JsonMapper json = JsonMapper.builder().build();
    private FakeAtproto fake;
    private HttpServer clientSite;
    private HttpClient http;
    private ECKey clientKey;
    private ECKey dpopKey;
    private String clientId;
    private String redirectUri;

    @BeforeEach
    void start() throws Exception {
        fake = new FakeAtproto();
        http = HttpClient.newBuilder().proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", fake.port())))
                .followRedirects(HttpClient.Redirect.NEVER).build();
        clientKey = new ECKeyGenerator(Curve.P_256).keyID("portal-1").generate();
        dpopKey = new ECKeyGenerator(Curve.P_256).generate();
        clientSite = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String site = "http://127.0.0.1:" + clientSite.getAddress().getPort();
        clientId = site + "/oauth/bluesky/client-metadata.json";
        redirectUri = site + "/oauth/bluesky/callback";
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("client_id", clientId);
        metadata.put("application_type", "web");
        metadata.put("grant_types", List.of("authorization_code", "refresh_token"));
        metadata.put("scope", "atproto transition:generic");
        metadata.put("response_types", List.of("code"));
        metadata.put("redirect_uris", List.of(redirectUri));
        metadata.put("dpop_bound_access_tokens", true);
        metadata.put("token_endpoint_auth_method", "private_key_jwt");
        metadata.put("token_endpoint_auth_signing_alg", "ES256");
        metadata.put("jwks_uri", site + "/oauth/bluesky/jwks.json");
        serve("/oauth/bluesky/client-metadata.json", json.writeValueAsString(metadata));
        serve("/oauth/bluesky/jwks.json", json.writeValueAsString(Map.of("keys", List.of(clientKey.toPublicJWK().toJSONObject()))));
        clientSite.start();
    }

    private void serve(String path, String body) {
        clientSite.createContext(path, exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
    }

    @AfterEach
    void stop() {
        fake.close();
        clientSite.stop(0);
    }

    @Test
    void signsInFromHandleToProfile() throws Exception {
        FakeAtproto.Account alice = fake.account("alice-1.test");

        // Resolution: handle → DID → document → PDS → authorization server.
        HttpResponse<String> wellKnown = get(fake.origin("alice-1.test") + "/.well-known/atproto-did");
        assertThat(wellKnown.body()).isEqualTo(alice.did());
        assertThat(wellKnown.headers().firstValue("Content-Type")).hasValue("text/plain");
        assertThat(alice.did()).matches("did:plc:[a-z2-7]{24}");
        JsonNode document = json.readTree(get(fake.plcUrl() + "/" + alice.did()).body());
        assertThat(document.get("alsoKnownAs").get(0).asString()).isEqualTo("at://alice-1.test");
        assertThat(document.get("service").get(0).get("serviceEndpoint").asString()).isEqualTo(fake.pdsUrl());
        JsonNode resource = json.readTree(get(fake.pdsUrl() + "/.well-known/oauth-protected-resource").body());
        assertThat(resource.get("authorization_servers").get(0).asString()).isEqualTo(fake.issuer());
        JsonNode server = json.readTree(get(fake.issuer() + "/.well-known/oauth-authorization-server").body());
        String parUrl = server.get("pushed_authorization_request_endpoint").asString();
        String tokenUrl = server.get("token_endpoint").asString();

        // PAR: challenged once for the nonce, then accepted.
        CodeVerifier verifier = new CodeVerifier();
        Map<String, String> par = new LinkedHashMap<>();
        par.put("client_id", clientId);
        par.put("response_type", "code");
        par.put("code_challenge", CodeChallenge.compute(CodeChallengeMethod.S256, verifier).getValue());
        par.put("code_challenge_method", "S256");
        par.put("state", "state-123");
        par.put("redirect_uri", redirectUri);
        par.put("scope", "atproto transition:generic");
        par.put("login_hint", "alice-1.test");
        par.put("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        par.put("client_assertion", assertion(fake.issuer()));
        HttpResponse<String> challenged = post(parUrl, par, proof("POST", parUrl, null));
        assertThat(challenged.statusCode()).isEqualTo(400);
        assertThat(json.readTree(challenged.body()).get("error").asString()).isEqualTo("use_dpop_nonce");
        String authNonce = challenged.headers().firstValue("DPoP-Nonce").orElseThrow();
        HttpResponse<String> pushed = post(parUrl, par, proof("POST", parUrl, authNonce));
        assertThat(pushed.statusCode()).as(pushed.body()).isEqualTo(201);
        assertThat(pushed.headers().firstValue("DPoP-Nonce")).hasValue(authNonce);
        String requestUri = json.readTree(pushed.body()).get("request_uri").asString();
        assertThat(fake.parCount()).isEqualTo(1);
        assertThat(fake.lastParParameters()).containsEntry("login_hint", "alice-1.test");
        assertThat(fake.lastParClientAssertion()).containsEntry("iss", clientId).containsEntry("aud", fake.issuer());

        // The browser at authorize, sent back with code, state and iss.
        HttpResponse<String> authorized = get(server.get("authorization_endpoint").asString() + "?client_id="
                + encode(clientId) + "&request_uri=" + encode(requestUri));
        assertThat(authorized.statusCode()).isEqualTo(302);
        String location = authorized.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith(redirectUri + "?");
        Map<String, String> callback = query(URI.create(location));
        assertThat(callback).containsEntry("state", "state-123").containsEntry("iss", fake.issuer());
        assertThat(get(server.get("authorization_endpoint").asString() + "?client_id=" + encode(clientId)
                + "&request_uri=" + encode(requestUri)).statusCode()).as("request_uri is single use").isEqualTo(400);

        // Token, with the nonce already known.
        Map<String, String> exchange = new LinkedHashMap<>();
        exchange.put("grant_type", "authorization_code");
        exchange.put("code", callback.get("code"));
        exchange.put("redirect_uri", redirectUri);
        exchange.put("code_verifier", verifier.getValue());
        exchange.put("client_id", clientId);
        exchange.put("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        exchange.put("client_assertion", assertion(fake.issuer()));
        HttpResponse<String> tokens = post(tokenUrl, exchange, proof("POST", tokenUrl, authNonce));
        assertThat(tokens.statusCode()).as(tokens.body()).isEqualTo(200);
        JsonNode tokenJson = json.readTree(tokens.body());
        assertThat(tokenJson.get("token_type").asString()).isEqualTo("DPoP");
        assertThat(tokenJson.get("sub").asString()).isEqualTo(alice.did());
        exchange.put("client_assertion", assertion(fake.issuer()));
        HttpResponse<String> again = post(tokenUrl, exchange, proof("POST", tokenUrl, authNonce));
        assertThat(json.readTree(again.body()).get("error").asString()).as("code is single use").isEqualTo("invalid_grant");

        // The profile at the PDS: its own nonce, challenged once.
        String accessToken = tokenJson.get("access_token").asString();
        String profileUrl = fake.pdsUrl() + "/xrpc/app.bsky.actor.getProfile";
        HttpResponse<String> pdsChallenge = getProfile(profileUrl, alice.did(), accessToken, dpopKey, null);
        assertThat(pdsChallenge.statusCode()).isEqualTo(401);
        assertThat(pdsChallenge.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("error=\"use_dpop_nonce\"");
        String pdsNonce = pdsChallenge.headers().firstValue("DPoP-Nonce").orElseThrow();
        assertThat(pdsNonce).isNotEqualTo(authNonce);
        HttpResponse<String> profile = getProfile(profileUrl, alice.did(), accessToken, dpopKey, pdsNonce);
        assertThat(profile.statusCode()).as(profile.body()).isEqualTo(200);
        JsonNode profileJson = json.readTree(profile.body());
        assertThat(profileJson.get("did").asString()).isEqualTo(alice.did());
        assertThat(profileJson.get("handle").asString()).isEqualTo("alice-1.test");
        assertThat(profileJson.get("displayName").asString()).isEqualTo(alice.displayName());
        assertThat(profileJson.get("avatar").asString()).isEqualTo(alice.avatar());
        assertThat(fake.profileCount()).isEqualTo(1);
        assertThat(fake.tokenCount()).isEqualTo(1);

        // Another key's proof does not carry the token; nor does an unknown token get through.
        ECKey otherKey = new ECKeyGenerator(Curve.P_256).generate();
        assertThat(getProfile(profileUrl, alice.did(), accessToken, otherKey, pdsNonce).headers()
                .firstValue("WWW-Authenticate").orElseThrow()).contains("error=\"invalid_token\"");
        assertThat(getProfile(profileUrl, alice.did(), "nonsense", dpopKey, pdsNonce).headers()
                .firstValue("WWW-Authenticate").orElseThrow()).contains("error=\"invalid_token\"");
    }

    @Test
    void refusesWhatTheSpecificationRefuses() throws Exception {
        fake.account("bob-1.test", false);
        fake.nonceChallenges(false);
        String parUrl = fake.issuer() + "/oauth/par";
        Map<String, String> par = new LinkedHashMap<>();
        par.put("client_id", clientId);
        par.put("response_type", "code");
        par.put("code_challenge", CodeChallenge.compute(CodeChallengeMethod.S256, new CodeVerifier()).getValue());
        par.put("code_challenge_method", "S256");
        par.put("state", "s");
        par.put("redirect_uri", redirectUri);
        par.put("scope", "atproto");
        par.put("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");

        par.put("client_assertion", assertion(parUrl));
        HttpResponse<String> wrongAudience = post(parUrl, par, proof("POST", parUrl, null));
        assertThat(wrongAudience.statusCode()).isEqualTo(401);
        assertThat(json.readTree(wrongAudience.body()).get("error_description").asString()).contains("must be the issuer");

        String assertion = assertion(fake.issuer());
        par.put("client_assertion", assertion);
        assertThat(post(parUrl, par, proof("POST", parUrl, null)).statusCode()).as("nonce challenges off").isEqualTo(201);
        HttpResponse<String> replayed = post(parUrl, par, proof("POST", parUrl, null));
        assertThat(json.readTree(replayed.body()).get("error_description").asString()).contains("jti");

        SignedJWT proof = proof("POST", parUrl, null);
        par.put("client_assertion", assertion(fake.issuer()));
        post(parUrl, par, proof);
        par.put("client_assertion", assertion(fake.issuer()));
        assertThat(json.readTree(post(parUrl, par, proof).body()).get("error").asString()).as("proof jti replayed")
                .isEqualTo("invalid_dpop_proof");
        assertThat(json.readTree(post(parUrl, par, proof("POST", fake.issuer() + "/oauth/token", null)).body())
                .get("error").asString()).as("htu of another endpoint").isEqualTo("invalid_dpop_proof");

        // A proof whose header carries the private key, signed by hand because Nimbus will not build one.
        String header = Base64URL.encode(json.writeValueAsString(
                Map.of("typ", "dpop+jwt", "alg", "ES256", "jwk", dpopKey.toJSONObject()))).toString();
        String payload = Base64URL.encode(new JWTClaimsSet.Builder().jwtID(UUID.randomUUID().toString()).claim("htm", "POST")
                .claim("htu", parUrl).issueTime(new Date()).build().toString()).toString();
        Base64URL signature = new ECDSASigner(dpopKey).sign(new JWSHeader(JWSAlgorithm.ES256),
                (header + "." + payload).getBytes(StandardCharsets.US_ASCII));
        par.put("client_assertion", assertion(fake.issuer()));
        HttpResponse<String> leaked = post(parUrl, par, header + "." + payload + "." + signature);
        assertThat(json.readTree(leaked.body()).get("error").asString()).as("private key in the header")
                .isEqualTo("invalid_dpop_proof");
        assertThat(json.readTree(leaked.body()).get("error_description").asString()).contains("Non-public key");

        // AT Protocol's loopback client authenticates with nothing.
        Map<String, String> loopback = new LinkedHashMap<>(par);
        loopback.remove("client_assertion");
        loopback.remove("client_assertion_type");
        loopback.put("client_id", "http://localhost?redirect_uri=" + encode("http://127.0.0.1/callback") + "&scope=atproto");
        loopback.put("redirect_uri", "http://127.0.0.1/callback");
        HttpResponse<String> pushed = post(parUrl, loopback, proof("POST", parUrl, null));
        assertThat(pushed.statusCode()).as(pushed.body()).isEqualTo(201);
        assertThat(fake.lastParClientAssertion()).isEmpty();

        // Knobs.
        fake.issuerInCallback(null);
        HttpResponse<String> authorized = get(fake.issuer() + "/oauth/authorize?client_id=" + encode(loopback.get("client_id"))
                + "&request_uri=" + encode(json.readTree(pushed.body()).get("request_uri").asString()));
        Map<String, String> callback = query(URI.create(authorized.headers().firstValue("Location").orElseThrow()));
        assertThat(callback).containsKey("error").doesNotContainKey("iss").doesNotContainKey("code");
        assertThat(get(fake.origin("bob-1.test") + "/.well-known/atproto-did").statusCode()).isEqualTo(404);
        fake.redirectTo(FakeAtproto.PLC, "http://elsewhere.test/");
        assertThat(get(fake.plcUrl() + "/did:plc:whatever").headers().firstValue("Location")).hasValue("http://elsewhere.test/");
        fake.endless(FakeAtproto.PDS);
        HttpResponse<InputStream> endless = http.send(HttpRequest.newBuilder(URI.create(fake.pdsUrl() + "/xrpc/x")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = endless.body()) {
            assertThat(endless.headers().firstValue("Content-Length")).isEmpty();
            assertThat(body.readNBytes(100_000)).hasSize(100_000);
        }
        fake.slow(FakeAtproto.AUTH);
        assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(URI.create(fake.issuer() + "/oauth/par"))
                .timeout(Duration.ofMillis(500)).build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(HttpTimeoutException.class);
        fake.reset();
        assertThat(get(fake.plcUrl() + "/did:plc:whatever").statusCode()).isEqualTo(404);
        assertThat(FakeAtproto.hostName("Alice-1.Test:8080")).isEqualTo("alice-1.test");
        assertThat(FakeAtproto.hostName("[::1]")).isEqualTo("[::1]");
    }

    private String assertion(String audience) throws JOSEException {
        long now = System.currentTimeMillis();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(clientId).subject(clientId).audience(audience)
                .issueTime(new Date(now)).expirationTime(new Date(now + 60_000)).jwtID(UUID.randomUUID().toString()).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(clientKey.getKeyID()).build(), claims);
        jwt.sign(new ECDSASigner(clientKey));
        return jwt.serialize();
    }

    private SignedJWT proof(String method, String url, String nonce) throws JOSEException {
        return new DefaultDPoPProofFactory(dpopKey, JWSAlgorithm.ES256).createDPoPJWT(method, URI.create(url),
                nonce == null ? null : new Nonce(nonce));
    }

    private HttpResponse<String> getProfile(String url, String actor, String token, ECKey key, String nonce) throws Exception {
        SignedJWT proof = new DefaultDPoPProofFactory(key, JWSAlgorithm.ES256).createDPoPJWT("GET", URI.create(url),
                new DPoPAccessToken(token), nonce == null ? null : new Nonce(nonce));
        return http.send(HttpRequest.newBuilder(URI.create(url + "?actor=" + encode(actor)))
                .header("Authorization", "DPoP " + token).header("DPoP", proof.serialize()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String url, Map<String, String> form, SignedJWT proof)
            throws IOException, InterruptedException {
        return post(url, form, proof.serialize());
    }

    private HttpResponse<String> post(String url, Map<String, String> form, String proof)
            throws IOException, InterruptedException {
        String body = form.entrySet().stream().map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded").header("DPoP", proof)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> query = new LinkedHashMap<>();
        for (String pair : uri.getRawQuery().split("&")) {
            int equals = pair.indexOf('=');
            query.put(pair.substring(0, equals), java.net.URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
        }
        return query;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
