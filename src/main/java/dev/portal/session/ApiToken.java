package dev.portal.session;

import java.time.Instant;

/** A personal access token as stored: its name and dates, never its value. */
public record ApiToken(long id, long userId, String name, Instant createdAt, Instant expiresAt, Instant lastUsedAt,
        Instant revokedAt) implements CredentialCache.Entry {

    ApiToken usedAt(Instant at) {
        return new ApiToken(id, userId, name, createdAt, expiresAt, at, revokedAt);
    }

    boolean liveAt(Instant now) {
        return revokedAt == null && (expiresAt == null || expiresAt.isAfter(now));
    }
}
