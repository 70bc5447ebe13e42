package dev.portal.signin;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;

import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationRequest;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.AccessToken;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import dev.portal.identity.LinkedIdentity;
import dev.portal.identity.Platform;
import dev.portal.platform.ApiProblem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OAuth 2 authorization-code flow, through the Nimbus SDK: the authorization request with
 * {@code state} and a PKCE S256 challenge, then the code exchange and the provider's user API. A
 * platform that speaks it is a subclass that says how to read its user ({@link #profile}) and where
 * it differs from the common case (client authentication, PKCE, token answer quirks).
 */
abstract class OAuthProvider implements SigninProvider {
    private static final Logger log = LoggerFactory.getLogger(OAuthProvider.class);

    protected final Platform platform;
    /** The name a person knows the provider by, for messages. */
    protected final String name;
    protected final ProviderSettings settings;
    protected final ProviderHttp http;
    protected final JsonMapper json;
    protected final Clock clock;

    OAuthProvider(Platform platform, String name, ProviderSettings settings, ProviderHttp http, JsonMapper json,
            Clock clock) {
        this.platform = platform;
        this.name = name;
        this.settings = settings;
        this.http = http;
        this.json = json;
        this.clock = clock;
    }

    @Override
    public Platform platform() {
        return platform;
    }

    @Override
    public boolean offered() {
        return settings.hasCredentials();
    }

    /** PKCE S256 goes to every provider that accepts it, required or not. */
    protected boolean usesPkce() {
        return true;
    }

    /** Confidential clients authenticate with HTTP Basic unless the provider wants otherwise. */
    protected ClientAuthentication clientAuthentication() {
        return new ClientSecretBasic(new ClientID(settings.clientId()), new Secret(settings.clientSecret()));
    }

    protected URI authorizationEndpoint() {
        return settings.authorizeUri();
    }

    protected URI tokenEndpoint() {
        return settings.tokenUri();
    }

    @Override
    public Started start(Start start) {
        AuthorizationRequest.Builder request = new AuthorizationRequest.Builder(
                new ResponseType(ResponseType.Value.CODE), new ClientID(settings.clientId()))
                .endpointURI(authorizationEndpoint())
                .redirectionURI(start.callbackUri())
                .scope(Scope.parse(settings.scope()))
                .state(new State(start.state()));
        if (usesPkce()) {
            request.codeChallenge(new CodeVerifier(start.codeVerifier()), CodeChallengeMethod.S256);
        }
        return Started.redirect(request.build().toURI());
    }

    @Override
    public ProviderProfile finish(Callback callback) {
        String code = callback.param("code");
        if (callback.param("error") != null || code == null || code.isEmpty() || code.length() > 2048) {
            throw ApiProblem.badRequest("signin_failed", "The sign-in was not completed at " + name + "; start again.");
        }
        TokenRequest request = new TokenRequest(tokenEndpoint(), clientAuthentication(), new AuthorizationCodeGrant(
                new AuthorizationCode(code), callback.callbackUri(),
                usesPkce() ? new CodeVerifier(callback.flow().codeVerifier()) : null));
        HTTPRequest httpRequest = request.toHTTPRequest();
        httpRequest.setAccept("application/json");
        AccessTokenResponse tokens = tokenResponse(http.send(httpRequest, name));
        return profile(tokens, callback).withTokens(kept(tokens));
    }

    protected AccessTokenResponse tokenResponse(HTTPResponse response) {
        TokenResponse parsed;
        try {
            parsed = parseTokenResponse(response);
        } catch (ParseException e) {
            throw ProviderHttp.unavailable(name + "'s token answer could not be read.");
        }
        return accepted(parsed, name);
    }

    /**
     * Reads a token endpoint's answer, for every provider: the tokens, 400 {@code signin_failed} for a
     * refusal (a used code, a wrong verifier), 502 for what cannot be read.
     */
    static AccessTokenResponse tokens(HTTPResponse response, String party) {
        try {
            return accepted(TokenResponse.parse(response), party);
        } catch (ParseException e) {
            throw ProviderHttp.unavailable(party + "'s token answer could not be read.");
        }
    }

    private static AccessTokenResponse accepted(TokenResponse parsed, String party) {
        if (!parsed.indicatesSuccess()) {
            TokenErrorResponse error = parsed.toErrorResponse();
            String code = error.getErrorObject() == null ? null : error.getErrorObject().getCode();
            String description = error.getErrorObject() == null ? null : error.getErrorObject().getDescription();
            log.info("{} refused the authorization code: {} ({})", party, printable(code), printable(description));
            throw ApiProblem.badRequest("signin_failed", party + " did not accept the sign-in; start again.");
        }
        return parsed.toSuccessResponse();
    }

    /** A server's own words, fit for one log line: printable ASCII only, at most 200 characters. */
    static String printable(String text) {
        if (text == null) {
            return null;
        }
        String shown = text.length() > 200 ? text.substring(0, 200) + "..." : text;
        return shown.replaceAll("[^\\x20-\\x7E]", "?");
    }

    protected TokenResponse parseTokenResponse(HTTPResponse response) throws ParseException {
        return TokenResponse.parse(response);
    }

    /** Who signed in, read with the access token. */
    protected ProviderProfile profile(AccessTokenResponse tokens, Callback callback) {
        return profileWith(tokens.getTokens().getAccessToken());
    }

    /** Who the access token belongs to, from the provider's user API (the same read at sign-in and re-verifying). */
    protected abstract ProviderProfile profileWith(AccessToken accessToken);

    @Override
    public ProviderProfile currentProfile(LinkedIdentity identity, ProviderProfile.Tokens tokens) {
        return profileWith(new BearerAccessToken(tokens.accessToken()));
    }

    /** The refresh-token grant at the token endpoint, with the client's authentication. */
    @Override
    public ProviderProfile.Tokens refresh(LinkedIdentity identity, ProviderProfile.Tokens tokens) {
        if (!refreshes()) {
            return SigninProvider.super.refresh(identity, tokens);
        }
        TokenRequest request = new TokenRequest(tokenEndpoint(), clientAuthentication(),
                new RefreshTokenGrant(new RefreshToken(tokens.refreshToken())));
        HTTPRequest httpRequest = request.toHTTPRequest();
        httpRequest.setAccept("application/json");
        HTTPResponse response = http.send(httpRequest, name);
        TokenResponse parsed;
        try {
            parsed = parseTokenResponse(response);
        } catch (ParseException e) {
            throw ProviderHttp.unavailable(name + "'s token answer could not be read.");
        }
        if (!parsed.indicatesSuccess()) {
            // 400 invalid_grant (or 401): the refresh token is revoked or spent; anything else is the provider failing.
            if (response.getStatusCode() == 400 || response.getStatusCode() == 401) {
                var error = parsed.toErrorResponse().getErrorObject();
                log.info("{} refused a refresh token: {}", name, printable(error == null ? null : error.getCode()));
                throw new TokenRefused(name + " refused the stored refresh token.");
            }
            throw ProviderHttp.unavailable(name + " could not refresh the token (status " + response.getStatusCode() + ").");
        }
        ProviderProfile.Tokens fresh = kept(parsed.toSuccessResponse());
        return fresh.refreshToken() != null ? fresh
                : new ProviderProfile.Tokens(fresh.accessToken(), tokens.refreshToken(), fresh.expiresAt(), null);
    }

    /** GET {@code uri} with the access token; the body as JSON, or 502. */
    protected JsonNode getJson(URI uri, AccessToken accessToken) {
        HTTPRequest request = new HTTPRequest(HTTPRequest.Method.GET, uri);
        request.setAuthorization(accessToken.toAuthorizationHeader());
        request.setAccept("application/json");
        // Some APIs (GitHub) refuse requests without one.
        request.setHeader("User-Agent", "Portal");
        HTTPResponse response = http.send(request, name);
        if (response.getStatusCode() == 401) {
            throw new TokenRefused(name + " did not accept the token (status 401).");
        }
        if (response.getStatusCode() != 200) {
            throw ProviderHttp.unavailable(name + " did not say who signed in (status " + response.getStatusCode() + ").");
        }
        try {
            return json.readTree(response.getBody());
        } catch (RuntimeException e) {
            throw ProviderHttp.unavailable(name + "'s answer about who signed in could not be read.");
        }
    }

    private ProviderProfile.Tokens kept(AccessTokenResponse response) {
        AccessToken access = response.getTokens().getAccessToken();
        RefreshToken refresh = response.getTokens().getRefreshToken();
        Instant expires = access.getLifetime() > 0 ? clock.instant().plusSeconds(access.getLifetime()) : null;
        return new ProviderProfile.Tokens(access.getValue(), refresh == null ? null : refresh.getValue(), expires, null);
    }

    protected ApiProblem unreadable(String what) {
        return ProviderHttp.unavailable(name + "'s user has no " + what + ".");
    }

    protected static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || !value.isString() ? null : value.stringValue();
    }
}
