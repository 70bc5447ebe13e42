package dev.portal.moderation;

import java.time.Instant;

/**
 * The ban and timeout in force, as their end times ({@link Instant#MAX} for a permanent ban). Kept as
 * end times, not as a state, so expiry takes effect by itself: no job has to lift anything.
 */
public record Restrictions(Instant bannedUntil, Instant timedOutUntil) {
    public static final Restrictions NONE = new Restrictions(null, null);
    public static final int ACTIVE = 0;
    public static final int TIMEOUT = 1;
    public static final int BANNED = 2;

    public boolean bannedAt(Instant now) {
        return bannedUntil != null && bannedUntil.isAfter(now);
    }

    public boolean timedOutAt(Instant now) {
        return timedOutUntil != null && timedOutUntil.isAfter(now);
    }

    /** 2 while banned, else 1 while timed out, else 0. */
    public int stateAt(Instant now) {
        return bannedAt(now) ? BANNED : timedOutAt(now) ? TIMEOUT : ACTIVE;
    }
}
