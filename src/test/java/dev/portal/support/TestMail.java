package dev.portal.support;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

/**
 * The test JVM's one SMTP server (GreenMail, in process, on a free port), started once like the servers of
 * {@link TestInfrastructure}; the suite's Portal sends through it with a user and password. Mails are kept
 * for the whole run, so tests find theirs by a recipient address no other test uses.
 */
public final class TestMail {
    public static final String USER = "portal-smtp";
    public static final String PASSWORD = "smtp-test-password";
    private static final GreenMail SMTP;

    static {
        SMTP = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        SMTP.setUser(USER, PASSWORD);
        SMTP.start();
    }

    private TestMail() {
    }

    public static String smtpUrl() {
        return "smtp://" + USER + ":" + PASSWORD + "@127.0.0.1:" + SMTP.getSmtp().getPort();
    }

    /** Every mail delivered so far whose To names {@code address} (ignoring case). */
    public static List<MimeMessage> to(String address) {
        return Arrays.stream(SMTP.getReceivedMessages()).filter(m -> addressedTo(m, address)).toList();
    }

    /** Waits up to 5 s for the {@code count}th mail to {@code address}, and answers the mails to it. */
    public static List<MimeMessage> await(String address, int count) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        List<MimeMessage> found = to(address);
        while (found.size() < count && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            found = to(address);
        }
        return found;
    }

    /** The decoded text of a plain-text mail. */
    public static String text(MimeMessage message) {
        try {
            return message.getContent().toString();
        } catch (IOException | MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean addressedTo(MimeMessage message, String address) {
        try {
            var to = message.getRecipients(Message.RecipientType.TO);
            return to != null && Arrays.stream(to).anyMatch(a -> a.toString().equalsIgnoreCase(address));
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }
}
