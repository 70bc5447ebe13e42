package dev.portal.signin;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.util.regex.Pattern;

import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationRequest;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.AccessToken;
import dev.portal.identity.Platform;
import dev.portal.platform.ApiProblem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Discord's OAuth 2 authorization-code flow with PKCE S256, through the Nimbus OAuth SDK, and its
 * {@code /users/@me} for who signed in.
 */
@Component
class DiscordProvider {
    private static final Logger log = LoggerFactory.getLogger(DiscordProvider.class);
    /** Discord's CDN; animated avatars have hashes starting {@code a_}. */
    static final String AVATAR_URL = "https://cdn.discordapp.com/avatars/%s/%s.%s";
    static final String DEFAULT_AVATAR_URL = "https://cdn.discordapp.com/embed/avatars/%d.png";
    private static final Pattern SNOWFLAKE = Pattern.compile("[0-9]{1,20}");
    private static final Pattern AVATAR_HASH = Pattern.compile("(a_)?[0-9a-f]{32}");

    private final SigninProperties properties;
    private final JsonMapper json;

    DiscordProvider(SigninProperties properties, JsonMapper json) {
        this.properties = properties;
        this.json = json;
    }

    boolean configured() {
        return properties.discord().configured();
    }

    URI authorizationUri(String state, CodeVerifier verifier, URI redirectUri) {
        SigninProperties.Discord discord = properties.discord();
        return new AuthorizationRequest.Builder(new ResponseType(ResponseType.Value.CODE), new ClientID(discord.clientId()))
                .endpointURI(discord.authorizeUrl())
                .redirectionURI(redirectUri)
                .scope(Scope.parse(discord.scope()))
                .state(new State(state))
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .build()
                .toURI();
    }

    ProviderProfile exchange(String code, String verifier, URI redirectUri) {
        SigninProperties.Discord discord = properties.discord();
        TokenRequest tokenRequest = new TokenRequest(discord.tokenUrl(),
                new ClientSecretBasic(new ClientID(discord.clientId()), new Secret(discord.clientSecret())),
                new AuthorizationCodeGrant(new AuthorizationCode(code), redirectUri, new CodeVerifier(verifier)));
        AccessToken accessToken;
        try {
            TokenResponse response = TokenResponse.parse(send(tokenRequest.toHTTPRequest()));
            if (!response.indicatesSuccess()) {
                log.info("Discord refused the code: {}", response.toErrorResponse().getErrorObject().getCode());
                throw ApiProblem.badRequest("signin_failed", "Discord did not accept the sign-in; start again.");
            }
            accessToken = response.toSuccessResponse().getTokens().getAccessToken();
        } catch (ParseException e) {
            throw badGateway("Discord's token response could not be read.");
        }
        HTTPRequest me = new HTTPRequest(HTTPRequest.Method.GET, URI.create(stripSlash(discord.apiUrl()) + "/users/@me"));
        me.setAuthorization(accessToken.toAuthorizationHeader());
        me.setAccept("application/json");
        HTTPResponse response = send(me);
        if (response.getStatusCode() != 200) {
            throw badGateway("Discord did not say who signed in (status " + response.getStatusCode() + ").");
        }
        return profileOf(response.getBody());
    }

    ProviderProfile profileOf(String body) {
        JsonNode user;
        try {
            user = json.readTree(body);
        } catch (RuntimeException e) {
            throw badGateway("Discord's user could not be read.");
        }
        String id = text(user, "id");
        String username = text(user, "username");
        if (id == null || !SNOWFLAKE.matcher(id).matches() || username == null) {
            throw badGateway("Discord's user has no id or username.");
        }
        return new ProviderProfile(Platform.DISCORD, id, username, avatarUrl(id, text(user, "avatar"),
                text(user, "discriminator")));
    }

    /** The CDN URL of the avatar, or Discord's default avatar for users without one. */
    static String avatarUrl(String id, String hash, String discriminator) {
        if (hash != null && AVATAR_HASH.matcher(hash).matches()) {
            return AVATAR_URL.formatted(id, hash, hash.startsWith("a_") ? "gif" : "png");
        }
        // Discord's documented rule: (id >> 22) % 6 for new usernames, discriminator % 5 for legacy ones.
        int index;
        if (discriminator == null || "0".equals(discriminator) || discriminator.isEmpty()) {
            index = (int) ((Long.parseUnsignedLong(id) >>> 22) % 6);
        } else {
            index = Integer.parseInt(discriminator.replaceAll("\\D", "0")) % 5;
        }
        return DEFAULT_AVATAR_URL.formatted(index);
    }

    private HTTPResponse send(HTTPRequest request) {
        int timeout = (int) properties.providerTimeout().toMillis();
        request.setConnectTimeout(timeout);
        request.setReadTimeout(timeout);
        try {
            return request.send();
        } catch (SocketTimeoutException e) {
            throw new ApiProblem(HttpStatus.GATEWAY_TIMEOUT, "provider_timeout", "Discord did not answer in time.");
        } catch (IOException e) {
            throw badGateway("Discord could not be reached.");
        }
    }

    private static ApiProblem badGateway(String detail) {
        return new ApiProblem(HttpStatus.BAD_GATEWAY, "provider_unavailable", detail);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || !value.isString() ? null : value.stringValue();
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
