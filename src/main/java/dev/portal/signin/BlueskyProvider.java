package dev.portal.signin;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationRequest;
import com.nimbusds.oauth2.sdk.PushedAuthorizationRequest;
import com.nimbusds.oauth2.sdk.PushedAuthorizationResponse;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.AccessToken;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.openid.connect.sdk.Nonce;
import dev.portal.identity.LinkedIdentity;
import dev.portal.identity.Platform;
import dev.portal.outbound.GuardedHttp;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.SecretCipher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.util.UriComponentsBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Bluesky, and any AT Protocol server, through AT Protocol OAuth (https://atproto.com/specs/oauth). The
 * start resolves the handle or DID a person typed to the account's DID, PDS and authorization server
 * ({@link AtprotoIdentity}, {@link AtprotoAuthorizationServer}), makes a DPoP key for this sign-in, and
 * pushes the authorization request (PAR, PKCE S256, {@code login_hint}) with Portal's client
 * authentication ({@link BlueskyClient}); the browser goes to the server with only the request URI. The
 * callback must come from that server ({@code iss}); the code is exchanged with the same DPoP key, and the
 * token's {@code sub} must be the DID resolved at the start. Servers' DPoP nonces are honoured: a request
 * refused with {@code use_dpop_nonce} is made once more with the nonce given. The identity is the DID, its
 * name the verified handle, its avatar from {@code app.bsky.actor.getProfile}; the tokens are kept sealed
 * with the key they are bound to.
 */
@Component
class BlueskyProvider implements SigninProvider {
    private static final Logger log = LoggerFactory.getLogger(BlueskyProvider.class);

    private final BlueskyClient client;
    private final AtprotoIdentity identity;
    private final AtprotoAuthorizationServer servers;
    private final GuardedHttp http;
    private final SecretCipher cipher;
    private final JsonMapper json;
    private final Clock clock;

    BlueskyProvider(BlueskyClient client, AtprotoIdentity identity, AtprotoAuthorizationServer servers, GuardedHttp http,
            SecretCipher cipher, JsonMapper json, Clock clock) {
        this.client = client;
        this.identity = identity;
        this.servers = servers;
        this.http = http;
        this.cipher = cipher;
        this.json = json;
        this.clock = clock;
    }

    @Override
    public Platform platform() {
        return Platform.BLUESKY;
    }

    @Override
    public boolean offered() {
        return client.enabled();
    }

    @Override
    public String input() {
        return "handle";
    }

    @Override
    public Started start(Start start) {
        String typed = start.request().getParameter("handle");
        AtprotoIdentity.Account account = identity.resolve(typed);
        AtprotoAuthorizationServer.Endpoints server = servers.of(account.pds());
        ECKey proofKey = BlueskyClient.generate();
        String party = "The Bluesky sign-in server " + server.par().getHost();

        AuthorizationRequest request = new AuthorizationRequest.Builder(new ResponseType(ResponseType.Value.CODE),
                new ClientID(client.clientId()))
                .redirectionURI(start.callbackUri())
                .scope(Scope.parse(BlueskyClient.SCOPE))
                .state(new State(start.state()))
                .codeChallenge(new CodeVerifier(start.codeVerifier()), CodeChallengeMethod.S256)
                .customParameter("login_hint", account.handle() != null ? account.handle() : account.did())
                .build();
        Nonce[] nonce = {null};
        HTTPResponse answer = withNonce(() -> {
            ClientAuthentication authentication = client.authentication(server.issuer());
            PushedAuthorizationRequest par = authentication == null
                    ? new PushedAuthorizationRequest(server.par(), request)
                    : new PushedAuthorizationRequest(server.par(), authentication, request);
            return par.toHTTPRequest();
        }, proofKey, null, nonce, party);
        URI requestUri;
        try {
            PushedAuthorizationResponse parsed = PushedAuthorizationResponse.parse(answer);
            if (!parsed.indicatesSuccess()) {
                var error = parsed.toErrorResponse().getErrorObject();
                log.info("{} refused the pushed authorization request: {} ({})", party, OAuthProvider.printable(error.getCode()),
                        OAuthProvider.printable(error.getDescription()));
                throw GuardedHttp.unavailable(party + " refused to start the sign-in.");
            }
            requestUri = parsed.toSuccessResponse().getRequestURI();
        } catch (com.nimbusds.oauth2.sdk.ParseException e) {
            throw GuardedHttp.unavailable(party + "'s answer to the sign-in request could not be read.");
        }
        String authorization = server.authorization().toString();
        URI redirect = URI.create(authorization + (authorization.contains("?") ? "&" : "?")
                + "client_id=" + URLEncoder.encode(client.clientId(), StandardCharsets.UTF_8)
                + "&request_uri=" + URLEncoder.encode(requestUri.toString(), StandardCharsets.UTF_8));

        Map<String, String> data = new LinkedHashMap<>();
        data.put("did", account.did());
        data.put("handle", account.handle() == null ? "" : account.handle());
        data.put("pds", account.pds().toString());
        data.put("issuer", server.issuer());
        data.put("token_endpoint", server.token().toString());
        data.put("dpop_key", Base64.getEncoder().encodeToString(cipher.seal(proofKey.toJSONString(), flowContext(account.did()))));
        data.put("dpop_nonce", nonce[0] == null ? "" : nonce[0].getValue());
        return new Started(redirect, null, null, data);
    }

    @Override
    public ProviderProfile finish(Callback callback) {
        Map<String, String> data = callback.flow().data();
        String did = data.get("did");
        String issuer = data.get("issuer");
        // RFC 9207: the answer must come from the server the sign-in went to; one without iss is refused too.
        String iss = callback.param("iss");
        if (iss == null || !iss.equals(issuer)) {
            throw ApiProblem.badRequest("issuer_mismatch", "This answer does not come from the Bluesky server the "
                    + "sign-in was sent to; start again.");
        }
        String code = callback.param("code");
        if (callback.param("error") != null || code == null || code.isEmpty() || code.length() > 2048) {
            throw ApiProblem.badRequest("signin_failed", "The sign-in was not completed at your Bluesky server; start again.");
        }
        ECKey proofKey = cipher.open(Base64.getDecoder().decode(data.get("dpop_key")), flowContext(did))
                .map(BlueskyProvider::parseKey)
                .orElseThrow(() -> ApiProblem.badRequest("invalid_state", "This sign-in cannot be finished here; start again."));
        URI tokenEndpoint = URI.create(data.get("token_endpoint"));
        String party = "The Bluesky sign-in server " + tokenEndpoint.getHost();
        Nonce[] nonce = {data.get("dpop_nonce").isEmpty() ? null : new Nonce(data.get("dpop_nonce"))};
        AuthorizationCodeGrant grant = new AuthorizationCodeGrant(new AuthorizationCode(code), callback.callbackUri(),
                new CodeVerifier(callback.flow().codeVerifier()));
        HTTPResponse answer = withNonce(() -> {
            ClientAuthentication authentication = client.authentication(issuer);
            if (authentication == null) {
                return new TokenRequest(tokenEndpoint, new ClientID(client.clientId()), grant).toHTTPRequest();
            }
            // AT Protocol servers want client_id beside the assertion that also names it (RFC 7523 allows both).
            HTTPRequest request = new TokenRequest(tokenEndpoint, authentication, grant).toHTTPRequest();
            request.setBody(request.getBody() + "&client_id=" + URLEncoder.encode(client.clientId(), StandardCharsets.UTF_8));
            return request;
        }, proofKey, null, nonce, party);

        AccessTokenResponse tokens = OAuthProvider.tokens(answer, party);
        DPoPAccessToken accessToken = tokens.getTokens().getDPoPAccessToken();
        Object sub = tokens.getCustomParameters().get("sub");
        // The account that approved must be the one the sign-in was started for.
        if (!did.equals(sub)) {
            log.info("{} issued a token for {} to a sign-in started for {}", party, sub, did);
            throw ApiProblem.badRequest("subject_mismatch", "Your Bluesky server signed in another account than the one "
                    + "asked for; start again.");
        }
        if (accessToken == null || tokens.getTokens().getAccessToken().getScope() == null
                || !tokens.getTokens().getAccessToken().getScope().contains("atproto")) {
            throw GuardedHttp.unavailable(party + " gave no DPoP-bound atproto token.");
        }
        String handle = data.get("handle").isEmpty() ? null : data.get("handle");
        String avatar = avatar(URI.create(data.get("pds")), did, accessToken, proofKey);
        var refresh = tokens.getTokens().getRefreshToken();
        Instant expires = accessToken.getLifetime() > 0 ? clock.instant().plusSeconds(accessToken.getLifetime()) : null;
        return new ProviderProfile(Platform.BLUESKY, did, handle != null ? handle : did, avatar,
                handle != null ? handle : "bluesky", "",
                new ProviderProfile.Tokens(accessToken.getValue(), refresh == null ? null : refresh.getValue(), expires,
                        proofKey.toJSONString()));
    }

    /**
     * Re-verifying: the DID is resolved again (its PDS and verified handle may have moved), and
     * {@code app.bsky.actor.getProfile} is read at the PDS with the stored DPoP-bound token.
     */
    @Override
    public ProviderProfile currentProfile(LinkedIdentity linked, ProviderProfile.Tokens tokens) {
        AtprotoIdentity.Account account = identity.resolve(linked.platformUserId());
        ECKey proofKey = proofKey(tokens);
        DPoPAccessToken token = new DPoPAccessToken(tokens.accessToken());
        URI profile = UriComponentsBuilder.fromUri(URI.create(account.pds() + "/xrpc/app.bsky.actor.getProfile"))
                .queryParam("actor", account.did()).encode().build().toUri();
        String party = "The Bluesky server " + account.pds().getHost();
        HTTPResponse answer = withNonce(() -> {
            HTTPRequest request = new HTTPRequest(HTTPRequest.Method.GET, profile);
            request.setAuthorization("DPoP " + token.getValue());
            request.setAccept("application/json");
            return request;
        }, proofKey, token, new Nonce[] {null}, party);
        if (answer.getStatusCode() == 401) {
            throw new TokenRefused(party + " did not accept the token (status 401).");
        }
        if (answer.getStatusCode() != 200) {
            throw GuardedHttp.unavailable(party + " did not answer with the profile (status " + answer.getStatusCode() + ").");
        }
        JsonNode read;
        try {
            read = json.readTree(answer.getBody());
        } catch (RuntimeException e) {
            throw GuardedHttp.unavailable(party + "'s profile could not be read.");
        }
        String did = OAuthProvider.text(read, "did");
        if (did == null) {
            throw GuardedHttp.unavailable(party + "'s profile names no DID.");
        }
        String avatar = OAuthProvider.text(read, "avatar");
        String handle = account.handle();
        return new ProviderProfile(Platform.BLUESKY, did, handle != null ? handle : did,
                avatar != null && avatar.startsWith("https://") && avatar.length() <= 2048 ? avatar : null,
                handle != null ? handle : "bluesky", "", null);
    }

    @Override
    public boolean refreshes() {
        return true;
    }

    /**
     * The refresh-token grant at the account's authorization server, with the identity's DPoP key and
     * Portal's client authentication. The caller holds the identity's refresh lease: the refresh token is single use.
     */
    @Override
    public ProviderProfile.Tokens refresh(LinkedIdentity linked, ProviderProfile.Tokens tokens) {
        AtprotoIdentity.Account account = identity.resolve(linked.platformUserId());
        AtprotoAuthorizationServer.Endpoints server = servers.of(account.pds());
        ECKey proofKey = proofKey(tokens);
        String party = "The Bluesky sign-in server " + server.token().getHost();
        RefreshTokenGrant grant = new RefreshTokenGrant(
                new RefreshToken(tokens.refreshToken()));
        HTTPResponse answer = withNonce(() -> {
            ClientAuthentication authentication = client.authentication(server.issuer());
            if (authentication == null) {
                return new TokenRequest(server.token(), new ClientID(client.clientId()), grant).toHTTPRequest();
            }
            HTTPRequest request = new TokenRequest(server.token(), authentication, grant).toHTTPRequest();
            request.setBody(request.getBody() + "&client_id=" + URLEncoder.encode(client.clientId(), StandardCharsets.UTF_8));
            return request;
        }, proofKey, null, new Nonce[] {null}, party);
        TokenResponse parsed;
        try {
            parsed = TokenResponse.parse(answer);
        } catch (com.nimbusds.oauth2.sdk.ParseException e) {
            throw GuardedHttp.unavailable(party + "'s token answer could not be read.");
        }
        if (!parsed.indicatesSuccess()) {
            var error = parsed.toErrorResponse().getErrorObject();
            log.info("{} refused a refresh token: {} ({})", party, OAuthProvider.printable(error == null ? null : error.getCode()),
                    OAuthProvider.printable(error == null ? null : error.getDescription()));
            if (answer.getStatusCode() == 400 || answer.getStatusCode() == 401) {
                throw new TokenRefused(party + " refused the stored refresh token.");
            }
            throw GuardedHttp.unavailable(party + " could not refresh the token (status " + answer.getStatusCode() + ").");
        }
        AccessTokenResponse fresh = parsed.toSuccessResponse();
        DPoPAccessToken accessToken = fresh.getTokens().getDPoPAccessToken();
        if (accessToken == null || !account.did().equals(fresh.getCustomParameters().get("sub"))) {
            throw GuardedHttp.unavailable(party + " gave no DPoP-bound token for this account.");
        }
        var refresh = fresh.getTokens().getRefreshToken();
        Instant expires = accessToken.getLifetime() > 0 ? clock.instant().plusSeconds(accessToken.getLifetime()) : null;
        return new ProviderProfile.Tokens(accessToken.getValue(), refresh == null ? tokens.refreshToken() : refresh.getValue(),
                expires, tokens.proofKey());
    }

    private static ECKey proofKey(ProviderProfile.Tokens tokens) {
        if (tokens.proofKey() == null) {
            throw new TokenRefused("The stored Bluesky token has no proof-of-possession key.");
        }
        return parseKey(tokens.proofKey());
    }

    /** The profile's avatar, read from the PDS with the new token; a profile that cannot be read leaves none. */
    private String avatar(URI pds, String did, AccessToken token, ECKey proofKey) {
        URI profile = UriComponentsBuilder.fromUri(URI.create(pds + "/xrpc/app.bsky.actor.getProfile"))
                .queryParam("actor", did).encode().build().toUri();
        String party = "The Bluesky server " + pds.getHost();
        HTTPResponse answer;
        try {
            answer = withNonce(() -> {
                HTTPRequest request = new HTTPRequest(HTTPRequest.Method.GET, profile);
                request.setAuthorization("DPoP " + token.getValue());
                request.setAccept("application/json");
                return request;
            }, proofKey, token, new Nonce[] {null}, party);
        } catch (ApiProblem e) {
            log.info("{}: the profile of {} could not be read ({})", party, did, e.code());
            return null;
        }
        if (answer.getStatusCode() != 200) {
            log.info("{}: the profile of {} could not be read (status {})", party, did, answer.getStatusCode());
            return null;
        }
        try {
            String avatar = OAuthProvider.text(json.readTree(answer.getBody()), "avatar");
            return avatar != null && avatar.startsWith("https://") && avatar.length() <= 2048 ? avatar : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Sends a request with a DPoP proof of {@code proofKey} (bound to {@code token} when given), and once more
     * with the server's nonce when it asks for one (RFC 9449 §8 and §9: an authorization server answers 400
     * {@code use_dpop_nonce}, a resource server 401 with that error in {@code WWW-Authenticate}). Each attempt
     * is built anew, so a client assertion is never sent twice. {@code nonce[0]} holds the nonce to use and,
     * after, the newest given.
     */
    private HTTPResponse withNonce(Supplier<HTTPRequest> build, ECKey proofKey, AccessToken token, Nonce[] nonce,
            String party) {
        for (int attempt = 0; attempt < 2; attempt++) {
            HTTPRequest request = build.get();
            HTTPResponse answer;
            try {
                // htu is the URI without query and fragment.
                URI htu = UriComponentsBuilder.fromUri(request.getURI()).replaceQuery(null).fragment(null).build(true).toUri();
                request.setDPoP(new DefaultDPoPProofFactory(proofKey, JWSAlgorithm.ES256)
                        .createDPoPJWT(request.getMethod().name(), htu, token, nonce[0]));
                answer = request.send(http.nimbus(party));
            } catch (JOSEException e) {
                throw new IllegalStateException("a DPoP proof could not be signed", e);
            } catch (IOException e) {
                throw GuardedHttp.unavailable(party + " could not be reached.");
            }
            String given = answer.getHeaderValue("DPoP-Nonce");
            if (given != null) {
                nonce[0] = new Nonce(given);
            }
            if (given == null || !asksForNonce(answer)) {
                return answer;
            }
        }
        // The second nonce was refused too: the server will not take Portal's proofs.
        throw GuardedHttp.unavailable(party + " keeps refusing the sign-in's proof of possession.");
    }

    private boolean asksForNonce(HTTPResponse answer) {
        if (answer.getStatusCode() == 401) {
            String challenge = answer.getHeaderValue("WWW-Authenticate");
            return challenge != null && challenge.contains("use_dpop_nonce");
        }
        if (answer.getStatusCode() != 400) {
            return false;
        }
        try {
            return "use_dpop_nonce".equals(OAuthProvider.text(json.readTree(answer.getBody()), "error"));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static ECKey parseKey(String jwk) {
        try {
            return ECKey.parse(jwk);
        } catch (ParseException e) {
            throw new IllegalStateException("a sealed DPoP key does not parse", e);
        }
    }

    private static String flowContext(String did) {
        return "bluesky-flow-dpop:" + did;
    }
}
