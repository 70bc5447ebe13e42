package dev.portal.mail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Properties;

import dev.portal.platform.Secrets;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Without SMTP, each mail becomes an RFC 822 {@code .eml} file in {@code PORTAL_DATA_DIR/outbox/}, readable
 * by the owner only (mails hold single-use links), named so that a listing sorts by time. One log line
 * names the recipient and the file, never the text: links and tokens stay out of logs. Meant for the
 * embedded default and development; an operator can open the files with any mail program.
 */
final class OutboxMailer implements Mailer {
    private static final Logger log = LoggerFactory.getLogger(OutboxMailer.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private final Path outbox;
    private final MimeMail mime;
    private final Clock clock;
    private final Session session = Session.getInstance(new Properties());

    OutboxMailer(Path outbox, MimeMail mime, Clock clock) {
        this.outbox = outbox;
        this.mime = mime;
        this.clock = clock;
    }

    @Override
    public void send(Mail mail) {
        try {
            Files.createDirectories(outbox, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            // A random part, so nodes sharing the directory never pick the same name.
            String name = STAMP.format(clock.instant()) + "-" + Secrets.randomToken().substring(0, 12) + ".eml";
            Path file = outbox.resolve(name);
            try (OutputStream out = Files.newOutputStream(Files.createFile(file,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                    StandardOpenOption.WRITE)) {
                mime.build(session, mail).writeTo(out);
            }
            log.info("Mail to {} written to the outbox as {}", mail.to(), name);
        } catch (FileAlreadyExistsException e) {
            throw new MailUnavailable("Outbox file name taken", e);
        } catch (IOException | MessagingException e) {
            log.warn("Mail to {} could not be written to the outbox {}: {}", mail.to(), outbox, e.getClass().getSimpleName());
            throw new MailUnavailable("Outbox " + outbox + " not writable", e);
        }
    }

    @Override
    public String toString() {
        return "OutboxMailer[" + outbox + "]";
    }
}
