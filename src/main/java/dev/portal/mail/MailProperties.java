package dev.portal.mail;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Mail settings beside Portal's others ({@code portal.smtp-url}, {@code portal.mail-from}; {@code PORTAL_SMTP_URL},
 * {@code PORTAL_MAIL_FROM} in the environment).
 *
 * @param smtpUrl {@code smtp://user:pass@host:port} or {@code smtps://...}, {@code ?starttls=true} to require
 *        STARTTLS on smtp; empty writes every mail into {@code PORTAL_DATA_DIR/outbox/} instead
 * @param mailFrom the {@code From} of every mail Portal sends
 */
@ConfigurationProperties("portal")
public record MailProperties(
        @DefaultValue("") String smtpUrl,
        @DefaultValue("Portal <no-reply@localhost>") String mailFrom) {

    /** Without the SMTP URL, which may hold a password. */
    @Override
    public String toString() {
        return "MailProperties[smtpUrl=" + (smtpUrl.isEmpty() ? "" : "(set)") + ", mailFrom=" + mailFrom + "]";
    }
}
