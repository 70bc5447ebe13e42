package dev.portal.organization;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * An organization's slug: 3-48 of {@code a-z 0-9 -}, lower case only, no hyphen at either end or two in a
 * row, not a reserved word. Like {@code account.Username}'s reserved names, the reserved slugs are the
 * ones that would pass for the system, staff or a route.
 */
public record OrganizationSlug(String value) {
    public static final int MIN = 3;
    public static final int MAX = 48;
    private static final Pattern ALLOWED = Pattern.compile("[a-z0-9-]+");
    static final Set<String> RESERVED = Set.of("admin", "administrator", "owner", "me", "api", "system", "root",
            "moderator", "mod", "staff", "support", "portal", "null", "undefined", "anonymous", "everyone", "here",
            "settings", "login", "logout", "signin", "signout", "auth", "v1", "docs", "actuator", "profile", "users",
            "new", "create", "edit", "delete", "organizations", "organization", "orgs", "org", "teams", "team");

    /** Thrown with a message fit to show under {@code errors.slug}. */
    public static final class Invalid extends IllegalArgumentException {
        Invalid(String message) {
            super(message, null);
        }
    }

    public static OrganizationSlug of(String raw) {
        if (raw.length() < MIN || raw.length() > MAX) {
            throw new Invalid("must be " + MIN + "-" + MAX + " characters");
        }
        if (!raw.equals(raw.toLowerCase(java.util.Locale.ROOT)) && ALLOWED.matcher(raw.toLowerCase(java.util.Locale.ROOT)).matches()) {
            throw new Invalid("must be lower case");
        }
        if (!ALLOWED.matcher(raw).matches()) {
            throw new Invalid("may contain only lower-case letters a-z, digits and hyphens");
        }
        if (raw.startsWith("-") || raw.endsWith("-")) {
            throw new Invalid("may not start or end with a hyphen");
        }
        if (raw.contains("--")) {
            throw new Invalid("may not contain two hyphens in a row");
        }
        if (RESERVED.contains(raw)) {
            throw new Invalid("is reserved");
        }
        return new OrganizationSlug(raw);
    }
}
