package dev.portal.subscription;

import java.time.Instant;

public record SubscriptionChange(long id, int fromTier, int toTier, Instant expiresAt, Long grantedBy, String reason,
        Instant createdAt) {
}
