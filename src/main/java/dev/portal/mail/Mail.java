package dev.portal.mail;

/**
 * One plain-text mail to one recipient. {@code to} must already be a validated address (no line breaks,
 * see {@code emailchange.EmailAddress}); {@code subject} and {@code text} are Portal's own words, with user
 * input only where it has been validated too.
 */
public record Mail(String to, String subject, String text) {
    public Mail {
        if (to == null || to.isBlank() || to.chars().anyMatch(c -> c < 0x21 || c == 0x7f)) {
            throw new IllegalArgumentException("A mail needs one address without spaces or control characters");
        }
        if (subject.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException("A subject is one line");
        }
    }

    /** The recipient's address for log lines and exception messages; the text never goes there. */
    @Override
    public String toString() {
        return "Mail[to=" + to + ", subject=" + subject + "]";
    }
}
