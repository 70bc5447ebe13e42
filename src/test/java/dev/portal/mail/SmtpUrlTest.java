package dev.portal.mail;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** PORTAL_SMTP_URL's forms, and that the password never shows in messages. */
class SmtpUrlTest {
    @Test
    void plainSmtpWithCredentials() {
        SmtpUrl url = SmtpUrl.parse("smtp://mailer:s%40cr%3Aet@mail.example.org:2525");

        assertThat(url).isEqualTo(new SmtpUrl("mail.example.org", 2525, "mailer", "s@cr:et", false, false));
        assertThat(url.toString()).isEqualTo("smtp://mailer@mail.example.org:2525").doesNotContain("cr");
    }

    @Test
    void defaultPortsFollowTheTransport() {
        assertThat(SmtpUrl.parse("smtp://relay.example.org").port()).isEqualTo(25);
        assertThat(SmtpUrl.parse("smtp://relay.example.org?starttls=true")).satisfies(u -> {
            assertThat(u.port()).isEqualTo(587);
            assertThat(u.starttls()).isTrue();
            assertThat(u.tls()).isFalse();
        });
        assertThat(SmtpUrl.parse("SMTPS://u:p@relay.example.org")).satisfies(u -> {
            assertThat(u.port()).isEqualTo(465);
            assertThat(u.tls()).isTrue();
        });
    }

    @Test
    void badUrlsAreRefusedWithoutEchoingThem() {
        for (String bad : new String[] {"http://u:hunter2@mail.example.org", "smtp://u:hunter2@", "smtp://u:hunter2@h?x=1",
                "smtp://u:hunter2@h h"}) {
            assertThatThrownBy(() -> SmtpUrl.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .message().doesNotContain("hunter2");
        }
    }
}
