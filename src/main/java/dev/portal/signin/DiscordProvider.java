package dev.portal.signin;

import java.time.Clock;
import java.util.regex.Pattern;

import com.nimbusds.oauth2.sdk.token.AccessToken;
import dev.portal.identity.Platform;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Discord: OAuth 2 with PKCE, and {@code GET {api}/users/@me} for who signed in. */
@Component
class DiscordProvider extends OAuthProvider {
    static final ProviderSettings DEFAULTS = ProviderSettings.defaults("https://discord.com/oauth2/authorize",
            "https://discord.com/api/oauth2/token", "https://discord.com/api", null, "identify");
    /** Discord's CDN; animated avatars have hashes starting {@code a_}. */
    static final String AVATAR_URL = "https://cdn.discordapp.com/avatars/%s/%s.%s";
    static final String DEFAULT_AVATAR_URL = "https://cdn.discordapp.com/embed/avatars/%d.png";
    private static final Pattern SNOWFLAKE = Pattern.compile("[0-9]{1,20}");
    /**
     * Discord's hashes are 32 hex digits (with {@code a_} when animated), but any run of URL-safe
     * characters is taken (seed 000's example is {@code abc}): what matters is that it cannot leave the
     * path segment it is put in, so no dot, slash, percent sign or query character gets through.
     */
    private static final Pattern AVATAR_HASH = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    DiscordProvider(Environment environment, ProviderHttp http, JsonMapper json, Clock clock) {
        super(Platform.DISCORD, "Discord", ProviderSettings.bind(environment, "discord", DEFAULTS), http, json, clock);
    }

    @Override
    protected ProviderProfile profileWith(AccessToken accessToken) {
        return profileOf(getJson(settings.api("/users/@me"), accessToken));
    }

    @Override
    public boolean refreshes() {
        return true;
    }

    ProviderProfile profileOf(JsonNode user) {
        String id = text(user, "id");
        String username = text(user, "username");
        if (id == null || !SNOWFLAKE.matcher(id).matches() || username == null) {
            throw unreadable("id or username");
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
}
