package dev.portal.access;

import java.time.Instant;

public record PermissionChange(long id, int fromLevel, int toLevel, Long changedBy, String reason, Instant createdAt) {
}
