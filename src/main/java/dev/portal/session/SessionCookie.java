package dev.portal.session;

import java.time.Duration;

import dev.portal.platform.PortalProperties;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.ResponseCookie;
import org.springframework.stereotype.Component;

/** The {@code psession} cookie: HttpOnly, SameSite=Lax, Path=/, Secure when the public URL is https. */
@Component
public class SessionCookie {
    public static final String NAME = "psession";
    private final boolean secure;

    SessionCookie(PortalProperties properties) {
        this.secure = properties.secureCookies();
    }

    public ResponseCookie issue(String token, Duration lifetime) {
        return ResponseCookie.from(NAME, token).httpOnly(true).secure(secure).sameSite("Lax").path("/")
                .maxAge(lifetime).build();
    }

    public ResponseCookie clear() {
        return ResponseCookie.from(NAME, "").httpOnly(true).secure(secure).sameSite("Lax").path("/")
                .maxAge(Duration.ZERO).build();
    }

    public static String read(HttpServletRequest request, String name) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) {
            return null;
        }
        for (Cookie cookie : cookies) {
            if (name.equals(cookie.getName())) {
                return cookie.getValue();
            }
        }
        return null;
    }
}
