package dev.portal.signin;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.AccessToken;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import dev.portal.identity.Platform;
import dev.portal.platform.ApiProblem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * OpenID Connect on top of the code flow: endpoints from the issuer's discovery document (whose
 * {@code issuer} must be the configured one), a {@code nonce} in the request, and the ID token checked
 * with the issuer's published keys (signature, issuer, audience, expiry, nonce) before its claims are
 * believed. A platform that speaks it is a subclass that reads the claims.
 */
abstract class OidcProvider extends OAuthProvider {
    private static final Logger log = LoggerFactory.getLogger(OidcProvider.class);
    /** Discovery and keys are re-read this often, and sooner when a token names a key not yet seen. */
    static final Duration DISCOVERY_LIFETIME = Duration.ofHours(1);
    /** A token signed with an unknown key may make Portal re-read the keys, but at most this often. */
    static final Duration KEY_REFRESH_MIN_INTERVAL = Duration.ofMinutes(1);

    private record Discovery(OIDCProviderMetadata metadata, JWKSet keys, Instant readAt) {
    }

    private volatile Discovery discovery;

    OidcProvider(Platform platform, String name, ProviderSettings settings, ProviderHttp http, JsonMapper json,
            Clock clock) {
        super(platform, name, settings, http, json, clock);
    }

    @Override
    protected URI authorizationEndpoint() {
        return discovery(false).metadata().getAuthorizationEndpointURI();
    }

    @Override
    protected URI tokenEndpoint() {
        return discovery(false).metadata().getTokenEndpointURI();
    }

    @Override
    public Started start(Start start) {
        AuthenticationRequest.Builder request = new AuthenticationRequest.Builder(
                new ResponseType(ResponseType.Value.CODE), Scope.parse(settings.scope()),
                new ClientID(settings.clientId()), start.callbackUri())
                .endpointURI(authorizationEndpoint())
                .state(new State(start.state()))
                .nonce(new Nonce(start.nonce()));
        if (usesPkce()) {
            request.codeChallenge(new CodeVerifier(start.codeVerifier()), CodeChallengeMethod.S256);
        }
        return Started.redirect(request.build().toURI());
    }

    @Override
    protected TokenResponse parseTokenResponse(HTTPResponse response) throws ParseException {
        return OIDCTokenResponseParser.parse(response);
    }

    @Override
    protected ProviderProfile profile(AccessTokenResponse tokens, Callback callback) {
        if (!(tokens instanceof OIDCTokenResponse oidc) || oidc.getOIDCTokens().getIDToken() == null) {
            throw ProviderHttp.unavailable(name + " sent no ID token.");
        }
        IDTokenClaimsSet claims;
        try {
            claims = validate(oidc, callback.flow().nonce(), discovery(false));
        } catch (BadJOSEException | JOSEException e) {
            // Keys rotate: a token signed with a key Portal has not seen yet is checked once more with fresh keys.
            Discovery current = discovery;
            if (current != null && current.readAt().plus(KEY_REFRESH_MIN_INTERVAL).isBefore(clock.instant())) {
                try {
                    claims = validate(oidc, callback.flow().nonce(), discovery(true));
                } catch (BadJOSEException | JOSEException again) {
                    throw invalidIdToken(again);
                }
            } else {
                throw invalidIdToken(e);
            }
        }
        return profile(claims);
    }

    private IDTokenClaimsSet validate(OIDCTokenResponse tokens, String nonce, Discovery current)
            throws BadJOSEException, JOSEException {
        IDTokenValidator validator = new IDTokenValidator(new Issuer(settings.issuer()), new ClientID(settings.clientId()),
                JWSAlgorithm.RS256, current.keys());
        return validator.validate(tokens.getOIDCTokens().getIDToken(), nonce == null ? null : new Nonce(nonce));
    }

    private ApiProblem invalidIdToken(Exception e) {
        log.info("{} ID token refused: {}", name, e.getMessage());
        return ApiProblem.badRequest("signin_failed", name + "'s answer could not be verified; start again.");
    }

    /** Who signed in, from the verified claims. */
    protected abstract ProviderProfile profile(IDTokenClaimsSet claims);

    /** Re-verifying: no ID token then, so the access token is shown to the issuer's userinfo endpoint. */
    @Override
    protected ProviderProfile profileWith(AccessToken accessToken) {
        URI userInfo = discovery(false).metadata().getUserInfoEndpointURI();
        if (userInfo == null) {
            throw ProviderHttp.unavailable(name + " names no userinfo endpoint.");
        }
        JsonNode claims = getJson(userInfo, accessToken);
        if (text(claims, "sub") == null) {
            throw unreadable("sub");
        }
        return profileFromUserInfo(claims);
    }

    /** Who the userinfo claims say the person is; {@code sub} is there. */
    protected abstract ProviderProfile profileFromUserInfo(JsonNode claims);

    private Discovery discovery(boolean refresh) {
        Discovery current = discovery;
        Instant now = clock.instant();
        if (!refresh && current != null && current.readAt().plus(DISCOVERY_LIFETIME).isAfter(now)) {
            return current;
        }
        String issuer = settings.issuer();
        String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
        HTTPResponse answer = http.send(new HTTPRequest(HTTPRequest.Method.GET,
                URI.create(base + "/.well-known/openid-configuration")), name);
        OIDCProviderMetadata metadata;
        try {
            metadata = OIDCProviderMetadata.parse(answer.getBody());
        } catch (ParseException | RuntimeException e) {
            throw ProviderHttp.unavailable(name + "'s OpenID configuration could not be read.");
        }
        // Pinned: a discovery document naming another issuer would let that issuer's tokens in.
        if (!issuer.equals(metadata.getIssuer().getValue())) {
            throw ProviderHttp.unavailable(name + "'s OpenID configuration names another issuer.");
        }
        HTTPResponse keys = http.send(new HTTPRequest(HTTPRequest.Method.GET, metadata.getJWKSetURI()), name);
        JWKSet keySet;
        try {
            keySet = JWKSet.parse(keys.getBody());
        } catch (java.text.ParseException | RuntimeException e) {
            throw ProviderHttp.unavailable(name + "'s signing keys could not be read.");
        }
        Discovery fresh = new Discovery(metadata, keySet, now);
        discovery = fresh;
        return fresh;
    }
}
