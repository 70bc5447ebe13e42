package dev.portal.session;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.portal.platform.PortalProperties;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** SECURITY 6: the cookie is Secure exactly when Portal is served over https. */
class SessionCookieTest {
    private static SessionCookie cookieFor(String publicUrl) {
        return new SessionCookie(new PortalProperties(URI.create(publicUrl), Path.of("data"), "", 10, List.of(), List.of(),
                "", new PortalProperties.Session(Duration.ofDays(7), Duration.ofDays(30)), null, ""));
    }

    @Test
    void httpsMakesTheCookieSecure() {
        String cookie = cookieFor("https://portal.example").issue("t", Duration.ofDays(30)).toString();

        assertThat(cookie).contains("psession=t", "Secure", "HttpOnly", "SameSite=Lax", "Path=/");
    }

    @Test
    void plainHttpDoesNot() {
        assertThat(cookieFor("http://127.0.0.1:8080").issue("t", Duration.ofDays(30)).toString()).doesNotContain("Secure");
    }
}
