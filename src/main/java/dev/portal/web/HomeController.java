package dev.portal.web;

import java.util.List;

import dev.portal.identity.Platform;
import dev.portal.platform.ClientAddress;
import dev.portal.session.Authentication;
import dev.portal.session.SessionCookie;
import dev.portal.session.SessionService;
import dev.portal.signin.SigninProviders;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/** {@code /}: sign in (signed out) or the account's summary (signed in); {@code /signout}. */
@Controller
class HomeController {
    private final SigninProviders providers;
    private final SessionService sessions;
    private final SessionCookie cookie;
    private final ClientAddress clientAddress;

    HomeController(SigninProviders providers, SessionService sessions, SessionCookie cookie, ClientAddress clientAddress) {
        this.providers = providers;
        this.sessions = sessions;
        this.cookie = cookie;
        this.clientAddress = clientAddress;
    }

    /** A platform button: its name as people know it and where a sign-in starts. */
    record PlatformButton(String key, String name, String loginUrl) {
    }

    @GetMapping("/")
    String home(HttpServletRequest request, Model model, @RequestParam(required = false) String next) {
        Authentication auth = Authentication.of(request);
        if (auth != null) {
            return "home/signed-in";
        }
        String redirect = next != null && next.startsWith("/") && !next.startsWith("//") && !next.contains("\\")
                ? next : "/account";
        List<Platform> offered = providers.offeredPlatforms();
        model.addAttribute("buttons", offered.stream()
                .filter(p -> p != Platform.MASTODON && p != Platform.BLUESKY)
                .map(p -> new PlatformButton(p.key(), p.displayName(), "/v1/auth/" + p.key() + "/login?redirect="
                        + java.net.URLEncoder.encode(redirect, java.nio.charset.StandardCharsets.UTF_8)))
                .toList());
        model.addAttribute("mastodon", offered.contains(Platform.MASTODON));
        model.addAttribute("bluesky", offered.contains(Platform.BLUESKY));
        model.addAttribute("redirect", redirect);
        return "home/signed-out";
    }

    @PostMapping("/signout")
    String signOut(HttpServletRequest request, HttpServletResponse response) {
        Authentication auth = Authentication.of(request);
        if (auth != null && auth.via() == Authentication.Via.SESSION) {
            sessions.revoke(auth.account().id(), auth.credentialId(), "logout", "signout", clientAddress.of(request));
        }
        response.addHeader(HttpHeaders.SET_COOKIE, cookie.clear().toString());
        return "redirect:/?flash=signed_out";
    }
}
