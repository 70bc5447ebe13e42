package dev.portal.emailchange;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.portal.support.Nodes;
import dev.portal.support.PortalTest;
import dev.portal.support.TestMail;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Without {@code PORTAL_SMTP_URL} (the embedded default), mail becomes owner-only {@code .eml} files in
 * {@code PORTAL_DATA_DIR/outbox/}: a second node started so shows the whole change working from them, and
 * an outbox it cannot write answers 502 and keeps nothing.
 */
class EmailChangeOutboxTest extends PortalTest {
    private static final Pattern LINK = Pattern.compile("(http://\\S+/api/user/change-email/confirm\\?token=([A-Za-z0-9_-]+))");

    @TempDir
    Path dataDir;

    @Test
    void withoutSmtpMailsAreFilesWhoseLinkConfirmsTheChange() throws Exception {
        String old = unique("outbox").toLowerCase().replace('_', '.') + "@example.com";
        String wanted = "new." + old;
        long id = createUser(1);
        changeInSql("update users set email = :email where id = :id", "email", old, "id", id);
        Credential me = signedIn(id);
        Path outbox = dataDir.resolve("outbox");
        // Where the outbox should be, a file: the node cannot write there.
        Files.writeString(outbox, "not a directory");

        try (Nodes.Node node = startNode(Nodes.freePort(), dataDir)) {
            ListAppender<ILoggingEvent> logged = new ListAppender<>();
            Logger outboxLog = (Logger) LoggerFactory.getLogger("dev.portal.mail.OutboxMailer");
            logged.start();
            outboxLog.addAppender(logged);
            try {
                Response failed = post(node.url("/api/user/change-email/request"), "{\"email\": \"" + wanted + "\"}", me);
                assertProblem(failed, 502, "mail_unavailable");
                assertThat(jdbc.sql("select count(*) from email_changes where user_id = :id").param("id", id)
                        .query(Long.class).single()).as("a request whose mail failed is not kept").isZero();
                Files.delete(outbox);

                Response requested = post(node.url("/api/user/change-email/request"), "{\"email\": \"" + wanted + "\"}", me);

                assertThat(requested.status()).as(requested.body()).isEqualTo(202);
                List<Path> files;
                try (Stream<Path> listing = Files.list(outbox)) {
                    files = listing.sorted().toList();
                }
                assertThat(files).hasSize(2).allSatisfy(f -> {
                    assertThat(f.getFileName().toString()).endsWith(".eml");
                    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
                });
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(outbox))).isEqualTo("rwx------");
                MimeMessage notice = read(files.stream().filter(f -> recipient(f).equals(old)).findFirst().orElseThrow());
                MimeMessage confirmation = read(files.stream().filter(f -> recipient(f).equals(wanted)).findFirst().orElseThrow());
                assertThat(TestMail.text(notice)).doesNotContain("token=");
                Matcher link = LINK.matcher(TestMail.text(confirmation));
                assertThat(link.find()).isTrue();
                assertThat(link.group(1)).startsWith(node.url("/api/user/change-email/confirm?token="));
                // Nothing went to the SMTP server: this node has none.
                assertThat(TestMail.to(wanted)).isEmpty();

                Response confirmed = get(link.group(1), Credential.NONE);

                assertThat(confirmed.status()).as(confirmed.body()).isEqualTo(200);
                assertThat(confirmed.json().get("email").stringValue()).isEqualTo(wanted);
                // The suite's node hears of it through the users trigger.
                assertThat(get("/api/user", me).json().get("email").stringValue()).isEqualTo(wanted);
                List<String> lines = logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
                assertThat(lines).anySatisfy(l -> assertThat(l).contains(wanted, files.stream()
                        .filter(f -> recipient(f).equals(wanted)).findFirst().orElseThrow().getFileName().toString()));
                assertThat(lines).isNotEmpty().allSatisfy(l -> assertThat(l).doesNotContain(link.group(2), "token="));
            } finally {
                outboxLog.detachAppender(logged);
            }
        }
    }

    private static MimeMessage read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return new MimeMessage(Session.getInstance(new Properties()), in);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String recipient(Path file) {
        try {
            return read(file).getRecipients(jakarta.mail.Message.RecipientType.TO)[0].toString();
        } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
        }
    }
}
