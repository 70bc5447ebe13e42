package dev.portal.moderation;

import java.time.Instant;

/** One act of a moderator: {@code timeout, untimeout, ban, unban, warn, note}. */
public record ModerationAction(long id, String action, String reason, Long actorId, Instant createdAt, Instant expiresAt) {
}
