package dev.portal.identity;

import java.time.Instant;

/** One platform account attached to a Portal user. */
public record LinkedIdentity(
        long id,
        long userId,
        Platform platform,
        String platformUserId,
        String instance,
        String platformUsername,
        String platformAvatarUrl,
        Instant linkedAt,
        Instant lastAuthenticatedAt) {

    /** What a sealed provider token of this identity is bound to, so it cannot be moved to another row. */
    public static String tokenContext(Platform platform, String instance, String platformUserId) {
        return "identity:" + platform.key() + ":" + instance + ":" + platformUserId;
    }
}
