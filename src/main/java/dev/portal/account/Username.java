package dev.portal.account;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** A valid Portal username: 3–32 of {@code A-Z a-z 0-9 . _ -}, not a reserved word (ignoring case). */
public record Username(String value) {
    public static final int MIN = 3;
    public static final int MAX = 32;
    private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9._-]+");
    private static final Pattern NOT_ALLOWED = Pattern.compile("[^A-Za-z0-9._-]");
    /** Names that would pass for the system, staff or a route. */
    static final Set<String> RESERVED = Set.of("admin", "administrator", "owner", "me", "api", "system", "root",
            "moderator", "mod", "staff", "support", "portal", "null", "undefined", "anonymous", "everyone", "here",
            "settings", "login", "logout", "signin", "signout", "auth", "v1", "docs", "actuator", "profile", "users");

    /** Thrown with a message fit to show the user under {@code errors.username}. */
    public static final class Invalid extends IllegalArgumentException {
        Invalid(String message) {
            super(message, null);
        }
    }

    public static Username of(String raw) {
        if (raw.length() < MIN || raw.length() > MAX) {
            throw new Invalid("must be " + MIN + "-" + MAX + " characters");
        }
        if (!ALLOWED.matcher(raw).matches()) {
            throw new Invalid("may contain only letters, digits, dots, underscores and hyphens");
        }
        if (isReserved(raw)) {
            throw new Invalid("is reserved");
        }
        return new Username(raw);
    }

    public static boolean isReserved(String raw) {
        return RESERVED.contains(raw.toLowerCase(Locale.ROOT));
    }

    /**
     * A valid starting point from a platform's display of a name (which may hold any characters):
     * other characters become {@code _}, short names are padded, long ones cut.
     */
    public static String candidateFrom(String platformName) {
        String base = platformName == null ? "" : NOT_ALLOWED.matcher(platformName).replaceAll("_");
        if (base.length() > MAX) {
            base = base.substring(0, MAX);
        }
        if (base.isEmpty()) {
            base = "user";
        }
        while (base.length() < MIN) {
            base = base + "_";
        }
        return isReserved(base) ? base + "_" : base;
    }

    /** The {@code n}th alternative to a taken candidate: {@code name_2}, {@code name_3}, ... cut to fit. */
    public static String alternative(String candidate, int n) {
        String suffix = "_" + n;
        String stem = candidate.length() + suffix.length() > MAX ? candidate.substring(0, MAX - suffix.length()) : candidate;
        return stem + suffix;
    }
}
