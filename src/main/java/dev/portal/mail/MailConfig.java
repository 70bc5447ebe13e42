package dev.portal.mail;

import java.time.Clock;

import dev.portal.platform.PortalProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Chooses the {@link Mailer}: SMTP when {@code PORTAL_SMTP_URL} is set, the outbox directory otherwise. */
@Configuration(proxyBeanMethods = false)
class MailConfig {
    private static final Logger log = LoggerFactory.getLogger(MailConfig.class);

    @Bean
    Mailer mailer(MailProperties mail, PortalProperties portal, Clock clock) {
        MimeMail mime = new MimeMail(mail.mailFrom(), clock);
        if (!mail.smtpUrl().isBlank()) {
            SmtpUrl url = SmtpUrl.parse(mail.smtpUrl());
            log.info("Mail goes through SMTP at {}", url);
            return new SmtpMailer(url, mime);
        }
        java.nio.file.Path outbox = portal.dataDir().resolve("outbox").toAbsolutePath();
        log.info("No PORTAL_SMTP_URL: mail is written to {}", outbox);
        return new OutboxMailer(outbox, mime, clock);
    }
}
