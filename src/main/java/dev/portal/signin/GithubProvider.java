package dev.portal.signin;

import java.time.Clock;

import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.token.AccessToken;
import dev.portal.identity.Platform;
import net.minidev.json.JSONObject;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * GitHub (an OAuth app): PKCE is accepted though not enforced, so it is sent; {@code GET {api}/user}
 * for who signed in, keyed on the numeric {@code id} (a login can be renamed and reused).
 */
@Component
class GithubProvider extends OAuthProvider {
    static final ProviderSettings DEFAULTS = ProviderSettings.defaults("https://github.com/login/oauth/authorize",
            "https://github.com/login/oauth/access_token", "https://api.github.com", null, "read:user");

    GithubProvider(Environment environment, ProviderHttp http, tools.jackson.databind.json.JsonMapper json, Clock clock) {
        super(Platform.GITHUB, "GitHub", ProviderSettings.bind(environment, "github", DEFAULTS), http, json, clock);
    }

    /** GitHub answers a refused code with 200 and an {@code error} member, not with OAuth's 400. */
    @Override
    protected TokenResponse parseTokenResponse(HTTPResponse response) throws ParseException {
        if (response.getStatusCode() == 200) {
            JSONObject body = response.getBodyAsJSONObject();
            if (body.containsKey("error")) {
                return TokenErrorResponse.parse(body);
            }
            // Older answers may leave the type out; it is always a bearer token.
            body.putIfAbsent("token_type", "bearer");
            return AccessTokenResponse.parse(body);
        }
        return super.parseTokenResponse(response);
    }

    /** An OAuth app's tokens do not expire and come with no refresh token. */
    @Override
    protected ProviderProfile profileWith(AccessToken accessToken) {
        JsonNode user = getJson(settings.api("/user"), accessToken);
        JsonNode id = user.get("id");
        String login = text(user, "login");
        if (id == null || !id.isIntegralNumber() || login == null) {
            throw unreadable("id or login");
        }
        return new ProviderProfile(Platform.GITHUB, id.asString(), login, text(user, "avatar_url"));
    }
}
