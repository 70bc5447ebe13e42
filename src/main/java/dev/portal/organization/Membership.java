package dev.portal.organization;

import java.time.Instant;

/** The caller's place in one organization. */
public record Membership(long organizationId, String name, String slug, Role role, Instant createdAt, Instant joinedAt) {
}
