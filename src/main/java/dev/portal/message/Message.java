package dev.portal.message;

import java.time.Instant;

/** A message as stored; {@code visibility} is {@code public} or {@code private}. */
public record Message(long id, long userId, String body, String visibility, Instant createdAt) {
}
