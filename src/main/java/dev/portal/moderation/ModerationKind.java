package dev.portal.moderation;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The six acts of SPEC §2, with what each takes: a timeout needs a duration, a ban may have one (none is
 * permanent), the rest take none. Ban and unban are Admin+ acts; the others Moderator+ (SPEC §3).
 */
public enum ModerationKind {
    TIMEOUT, UNTIMEOUT, BAN, UNBAN, WARN, NOTE;

    /**
     * The longest timeout or temporary ban. Ten years is beyond any real sentence and far from
     * {@code Instant} overflow; a longer one is what a permanent ban is for.
     */
    public static final Duration MAX_DURATION = Duration.ofDays(3650);

    /** The name in the API and in {@code moderation_actions.action}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<ModerationKind> parse(String key) {
        for (ModerationKind kind : values()) {
            if (kind.key().equals(key)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }

    public boolean allowsDuration() {
        return this == TIMEOUT || this == BAN;
    }

    public boolean requiresDuration() {
        return this == TIMEOUT;
    }

    /** Ban and unban are for Admin+ (SPEC §3). */
    public boolean isBanAct() {
        return this == BAN || this == UNBAN;
    }
}
