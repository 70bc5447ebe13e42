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
}
