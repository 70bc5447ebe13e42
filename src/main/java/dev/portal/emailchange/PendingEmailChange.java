package dev.portal.emailchange;

import java.time.Instant;

/**
 * A requested change as stored: the account, the address asked for, the address the account had then
 * (null if none), and the link's lifetime. The token itself is not here; only its hash is stored.
 */
public record PendingEmailChange(long id, long userId, String newEmail, String oldEmail, Instant createdAt,
        Instant expiresAt, Instant usedAt) {
}
