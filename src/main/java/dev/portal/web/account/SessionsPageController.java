package dev.portal.web.account;

import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.portal.platform.ApiProblem;
import dev.portal.platform.ClientAddress;
import dev.portal.session.Authentication;
import dev.portal.session.SessionRecord;
import dev.portal.session.SessionService;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;

/** {@code /account/sessions}: the sessions that still work, revoking one, and signing out all the others. */
@Controller
class SessionsPageController {
    private final SessionService sessions;
    private final ClientAddress clientAddress;

    SessionsPageController(SessionService sessions, ClientAddress clientAddress) {
        this.sessions = sessions;
        this.clientAddress = clientAddress;
    }

    /** A session as the table shows it. */
    record SessionRow(long id, String device, String userAgent, String place, String createdAt, String lastSeenAt,
            boolean current, boolean impersonation) {
        static SessionRow of(SessionRecord s, long currentId) {
            String place = Stream.of(s.city(), s.region(), s.country()).filter(p -> p != null && !p.isBlank())
                    .collect(Collectors.joining(", "));
            return new SessionRow(s.id(), UserAgents.describe(s.userAgent()), s.userAgent(),
                    place.isEmpty() ? "Unknown" : place, s.createdAt().toString(),
                    s.lastSeenAt() == null ? null : s.lastSeenAt().toString(), s.id() == currentId,
                    s.impersonatedBy() != null);
        }
    }

    @GetMapping("/account/sessions")
    String page(Authentication auth, Model model) {
        long current = currentId(auth);
        model.addAttribute("sessions", sessions.live(auth.account().id()).stream()
                .map(s -> SessionRow.of(s, current)).toList());
        return "account/sessions";
    }

    @PostMapping("/account/sessions/{id}/revoke")
    String revoke(Authentication auth, @PathVariable long id, HttpServletRequest request) {
        if (!sessions.revoke(auth.account().id(), id, "revoked_by_user", "session_revoked", clientAddress.of(request))) {
            throw ApiProblem.notFound("No such session.");
        }
        return "redirect:/account/sessions?flash=session_revoked";
    }

    @PostMapping("/account/sessions/revoke-others")
    String revokeOthers(Authentication auth, HttpServletRequest request) {
        sessions.revokeOthers(auth.account().id(), currentId(auth), clientAddress.of(request));
        return "redirect:/account/sessions?flash=sessions_revoked";
    }

    private static long currentId(Authentication auth) {
        return auth.via() == Authentication.Via.SESSION ? auth.credentialId() : -1;
    }
}
