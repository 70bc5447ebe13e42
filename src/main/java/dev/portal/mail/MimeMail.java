package dev.portal.mail;

import java.time.Clock;
import java.util.Date;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/** Turns a {@link Mail} into the RFC 822 message both mailers hand over: plain UTF-8 text, one recipient. */
final class MimeMail {
    private final InternetAddress from;
    private final Clock clock;

    MimeMail(String from, Clock clock) {
        try {
            this.from = new InternetAddress(from, true);
        } catch (AddressException e) {
            throw new IllegalArgumentException("PORTAL_MAIL_FROM is not an address: " + e.getMessage());
        }
        this.clock = clock;
    }

    MimeMessage build(Session session, Mail mail) throws MessagingException {
        MimeMessage message = new MimeMessage(session);
        message.setFrom(from);
        // Strict parsing: exactly one address, no display name smuggled in.
        InternetAddress[] to = InternetAddress.parse(mail.to(), true);
        if (to.length != 1) {
            throw new AddressException("Exactly one recipient", mail.to());
        }
        message.setRecipients(Message.RecipientType.TO, to);
        message.setSubject(mail.subject(), "UTF-8");
        message.setSentDate(Date.from(clock.instant()));
        message.setText(mail.text(), "UTF-8");
        message.saveChanges();
        return message;
    }

    InternetAddress from() {
        return from;
    }
}
