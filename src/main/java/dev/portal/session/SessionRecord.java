package dev.portal.session;

import java.time.Instant;

/**
 * A session as stored (never its token: only the token's hash is kept). {@code impersonatedBy} is the
 * Owner holding an impersonation of the user (platform {@value SessionService#IMPERSONATION_PLATFORM}),
 * null for the user's own sessions.
 */
public record SessionRecord(long id, long userId, String platform, String ip, String userAgent, String country,
        String region, String city, Instant createdAt, Instant lastSeenAt, Instant expiresAt, Instant revokedAt,
        Long impersonatedBy) {
}
