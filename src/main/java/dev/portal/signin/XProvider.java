package dev.portal.signin;

import java.time.Clock;

import com.nimbusds.oauth2.sdk.token.AccessToken;
import dev.portal.identity.Platform;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * X: OAuth 2 with PKCE (required) as a confidential client (HTTP Basic), and
 * {@code GET {api}/2/users/me?user.fields=profile_image_url}, whose answer is wrapped in {@code data}.
 */
@Component
class XProvider extends OAuthProvider {
    static final ProviderSettings DEFAULTS = ProviderSettings.defaults("https://x.com/i/oauth2/authorize",
            "https://api.x.com/2/oauth2/token", "https://api.x.com", null, "users.read tweet.read");

    XProvider(Environment environment, ProviderHttp http, JsonMapper json, Clock clock) {
        super(Platform.X, "X", ProviderSettings.bind(environment, "x", DEFAULTS), http, json, clock);
    }

    @Override
    protected ProviderProfile profileWith(AccessToken accessToken) {
        JsonNode data = getJson(settings.api("/2/users/me?user.fields=profile_image_url"), accessToken).get("data");
        String id = text(data, "id");
        String username = text(data, "username");
        if (id == null || username == null) {
            throw unreadable("id or username");
        }
        return new ProviderProfile(Platform.X, id, username, text(data, "profile_image_url"));
    }

    /** Tokens last two hours; {@code offline.access} brings a refresh token. */
    @Override
    public boolean refreshes() {
        return true;
    }
}
