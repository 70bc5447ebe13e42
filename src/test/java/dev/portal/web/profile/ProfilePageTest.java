package dev.portal.web.profile;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code /u/{username}}: public, public messages only, newest first, paged; 404 for unknown and banned alike. */
class ProfilePageTest extends PortalTest {
    private void message(long userId, String body, String visibility, int minutesAgo) {
        jdbc.sql("insert into messages (user_id, body, visibility, created_at) values (:u, :b, :v, :at)")
                .param("u", userId).param("b", body).param("v", visibility)
                .param("at", OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(minutesAgo)).update();
    }

    @Test
    void theProfileShowsPublicMessagesOnlyNewestFirstAndPages() {
        String name = unique("pub");
        long id = createUser(name, 0);
        message(id, "older public\nsecond line", "public", 30);
        message(id, "a private one", "private", 20);
        message(id, "newer public <i>x</i>", "public", 10);
        for (int i = 0; i < 20; i++) {
            message(id, "filler " + i, "public", 60 + i);
        }
        Response page = get("/u/" + name, Credential.NONE);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Security-Policy")).contains("script-src 'self'");
        String html = page.body();
        assertThat(html).contains(name, "member since", "class=\"prewrap\"", "newer public &lt;i&gt;x&lt;/i&gt;",
                "older public\nsecond line").doesNotContain("a private one", "<i>x</i>");
        assertThat(html.indexOf("newer public")).isLessThan(html.indexOf("older public"));
        assertThat(html).contains("rel=\"next\"", ">Older</a>").doesNotContain("filler 19");
        String older = html.replaceAll("(?s).*href=\"([^\"]+)\" rel=\"next\".*", "$1").replace("&amp;", "&");
        Response next = get(older, Credential.NONE);
        assertThat(next.status()).isEqualTo(200);
        assertThat(next.body()).contains("filler 19").doesNotContain("newer public");
        // Signed in as the author: still the public view.
        assertThat(get("/u/" + name, signedIn(id)).body()).doesNotContain("a private one");
    }

    @Test
    void anUnknownOrBannedUserIsNotFound() {
        Response unknown = get("/u/" + unique("nobody"), Credential.NONE, "Accept", "text/html");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.header("Content-Type")).startsWith("text/html");
        String name = unique("banned");
        long id = createUser(name, 0);
        assertThat(get("/u/" + name, Credential.NONE).status()).isEqualTo(200);
        moderate(id, "ban", Duration.ofDays(1));
        assertThat(get("/u/" + name, Credential.NONE, "Accept", "text/html").status()).isEqualTo(404);
    }
}
