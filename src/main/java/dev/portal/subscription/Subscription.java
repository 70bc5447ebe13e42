package dev.portal.subscription;

import java.time.Instant;

/**
 * A stored tier with its expiry. A tier whose expiry has passed reads as Basic at once, with no job.
 *
 * @param tier 0 Basic, 1 Trial, 2 Premium, 3 Lifetime
 */
public record Subscription(int tier, Instant expiresAt, Long grantedBy) {
    public static final int BASIC = 0;
    public static final int TRIAL = 1;
    public static final int PREMIUM = 2;
    public static final int LIFETIME = 3;

    /** Trial and Premium end at a given time; Basic and Lifetime never do. */
    public static boolean tierExpires(int tier) {
        return tier == TRIAL || tier == PREMIUM;
    }

    public boolean lapsedAt(Instant now) {
        return tier != BASIC && expiresAt != null && !expiresAt.isAfter(now);
    }

    public Subscription effectiveAt(Instant now) {
        return lapsedAt(now) ? new Subscription(BASIC, null, null) : this;
    }
}
