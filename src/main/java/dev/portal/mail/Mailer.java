package dev.portal.mail;

/**
 * Sends mail. Implementations block until the mail is handed over (to the SMTP server, or written to the
 * outbox), so callers must not hold a database connection or transaction while calling {@link #send}.
 */
public interface Mailer {
    /**
     * @throws MailUnavailable when the mail could not be handed over; nothing is retried
     */
    void send(Mail mail);

    /** The mail was not handed over (SMTP server away or refusing, outbox not writable). */
    final class MailUnavailable extends RuntimeException {
        public MailUnavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
