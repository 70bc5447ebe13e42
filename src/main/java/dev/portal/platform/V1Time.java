package dev.portal.platform;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** v1 timestamps: ISO-8601 UTC to the second, with {@code Z} ({@code 2025-01-15T12:00:00Z}). */
public final class V1Time {
    private V1Time() {
    }

    public static String format(Instant instant) {
        return instant == null ? null : instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
