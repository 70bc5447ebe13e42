package dev.portal.mail;

import java.time.Duration;
import java.util.Properties;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each mail to the SMTP server of {@code PORTAL_SMTP_URL} (Jakarta Mail), one connection per mail.
 * Connecting, reading and writing each give up after {@link #TIMEOUT}, so a server that hangs costs the
 * request at most that long, after which it is answered as a failure rather than waiting on.
 */
final class SmtpMailer implements Mailer {
    private static final Logger log = LoggerFactory.getLogger(SmtpMailer.class);
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final SmtpUrl url;
    private final Session session;
    private final MimeMail mime;

    SmtpMailer(SmtpUrl url, MimeMail mime) {
        this.url = url;
        this.mime = mime;
        String millis = Long.toString(TIMEOUT.toMillis());
        Properties props = new Properties();
        props.put("mail.transport.protocol", "smtp");
        props.put("mail.smtp.host", url.host());
        props.put("mail.smtp.port", Integer.toString(url.port()));
        props.put("mail.smtp.connectiontimeout", millis);
        props.put("mail.smtp.timeout", millis);
        props.put("mail.smtp.writetimeout", millis);
        // The envelope sender: bounces go to the From address.
        props.put("mail.smtp.from", mime.from().getAddress());
        if (url.user() != null) {
            props.put("mail.smtp.auth", "true");
        }
        if (url.tls()) {
            props.put("mail.smtp.ssl.enable", "true");
            props.put("mail.smtp.ssl.checkserveridentity", "true");
        } else if (url.starttls()) {
            // Required, not opportunistic: a server (or someone in between) that drops STARTTLS fails the mail.
            props.put("mail.smtp.starttls.enable", "true");
            props.put("mail.smtp.starttls.required", "true");
            props.put("mail.smtp.ssl.checkserveridentity", "true");
        }
        this.session = Session.getInstance(props);
    }

    @Override
    public void send(Mail mail) {
        try {
            MimeMessage message = mime.build(session, mail);
            if (url.user() != null) {
                Transport.send(message, url.user(), url.password() == null ? "" : url.password());
            } else {
                Transport.send(message);
            }
            log.info("Mail to {} handed to {}:{}", mail.to(), url.host(), url.port());
        } catch (MessagingException e) {
            // The server's reply can quote the message; only its class and the recipient are logged.
            log.warn("Mail to {} not accepted by {}:{}: {}", mail.to(), url.host(), url.port(), e.getClass().getSimpleName());
            throw new MailUnavailable("SMTP server " + url.host() + ":" + url.port() + " did not take the mail", e);
        }
    }

    @Override
    public String toString() {
        return "SmtpMailer[" + url + "]";
    }
}
