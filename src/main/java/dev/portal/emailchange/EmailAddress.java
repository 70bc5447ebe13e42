package dev.portal.emailchange;

import java.util.Locale;

/**
 * An address Portal will mail: at most 254 characters (RFC 5321's path limit), printable ASCII without
 * spaces, exactly one {@code @}, a local part of at most 64 characters without the characters that mean
 * something in a header ({@code <>()[],;:\"}), and a domain of dot-separated labels of letters, digits and
 * hyphens with at least one dot. The domain is lower-cased; the local part is kept as written. Being ASCII
 * without control characters or spaces, an address can never break a mail header (no CR/LF injection).
 */
public record EmailAddress(String value) {
    public static final int MAX = 254;
    private static final int LOCAL_MAX = 64;
    private static final String HEADER_SPECIALS = "<>()[],;:\\\"";

    /** Why a string is not an address; the message is the field's error text. */
    public static final class Invalid extends RuntimeException {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    public static EmailAddress of(String raw) {
        if (raw.length() > MAX) {
            throw new Invalid("must be at most " + MAX + " characters");
        }
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c <= 0x20 || c == 0x7f) {
                throw new Invalid("must not contain spaces, line breaks or control characters");
            }
            if (c > 0x7e) {
                throw new Invalid("must be written in ASCII (a Unicode domain in its xn-- form)");
            }
        }
        int at = raw.indexOf('@');
        if (at < 0 || raw.indexOf('@', at + 1) >= 0) {
            throw new Invalid("must contain exactly one @");
        }
        String local = raw.substring(0, at);
        String domain = raw.substring(at + 1).toLowerCase(Locale.ROOT);
        if (local.isEmpty() || local.length() > LOCAL_MAX) {
            throw new Invalid("needs 1 to " + LOCAL_MAX + " characters before the @");
        }
        if (local.chars().anyMatch(c -> HEADER_SPECIALS.indexOf(c) >= 0) || local.startsWith(".") || local.endsWith(".")
                || local.contains("..")) {
            throw new Invalid("has characters before the @ that an address may not use");
        }
        if (!domain.contains(".")) {
            throw new Invalid("needs a domain with a dot after the @");
        }
        for (String label : domain.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")
                    || !label.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                throw new Invalid("needs a domain of letters, digits, hyphens and dots after the @");
            }
        }
        return new EmailAddress(local + "@" + domain);
    }

    /** The same mailbox, as far as Portal can tell: the domain ignores case, and so do nearly all servers' local parts. */
    public boolean sameAs(String other) {
        return other != null && value.equalsIgnoreCase(other);
    }

    /** For a notice to the old address: the first character of the local part and the whole domain, {@code n***@example.com}. */
    public String masked() {
        int at = value.indexOf('@');
        return value.charAt(0) + "***" + value.substring(at);
    }

    @Override
    public String toString() {
        return value;
    }
}
