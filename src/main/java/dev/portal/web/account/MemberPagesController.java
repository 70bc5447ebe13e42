package dev.portal.web.account;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.portal.account.Account;
import dev.portal.account.AccountService;
import dev.portal.emailchange.EmailAddress;
import dev.portal.emailchange.EmailChangeService;
import dev.portal.moderation.ModerationAction;
import dev.portal.moderation.ModerationProperties;
import dev.portal.moderation.ModerationService;
import dev.portal.moderation.Restrictions;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.ClientAddress;
import dev.portal.privacy.AccountErasure;
import dev.portal.session.Authentication;
import dev.portal.session.SessionCookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/** {@code /account/moderation}, {@code /account/email}, {@code /account/export} and {@code /account/delete}. */
@Controller
class MemberPagesController {
    private final ModerationService moderation;
    private final ModerationProperties moderationSettings;
    private final AccountService accounts;
    private final EmailChangeService emailChanges;
    private final AccountErasure erasure;
    private final SessionCookie cookie;
    private final ClientAddress clientAddress;
    private final Clock clock;

    MemberPagesController(ModerationService moderation, ModerationProperties moderationSettings, AccountService accounts,
            EmailChangeService emailChanges, AccountErasure erasure, SessionCookie cookie, ClientAddress clientAddress,
            Clock clock) {
        this.moderation = moderation;
        this.moderationSettings = moderationSettings;
        this.accounts = accounts;
        this.emailChanges = emailChanges;
        this.erasure = erasure;
        this.cookie = cookie;
        this.clientAddress = clientAddress;
        this.clock = clock;
    }

    /** One entry of the member's record, as {@code GET /v1/users/me/moderation} shows it (actor only when configured). */
    record RecordRow(String action, String reason, String createdAt, String expiresAt, String actor) {
    }

    @GetMapping("/account/moderation")
    String moderationPage(Authentication auth, Model model) {
        Account me = auth.account();
        Instant now = clock.instant();
        boolean showActor = moderationSettings.showActor();
        List<ModerationAction> actions = moderation.visibleTo(me.id());
        model.addAttribute("entries", actions.stream().map(a -> new RecordRow(a.action(), a.reason(),
                a.createdAt().toString(), a.expiresAt() == null ? null : a.expiresAt().toString(),
                showActor && a.actorId() != null ? actorName(a.actorId()) : null)).toList());
        model.addAttribute("showActor", showActor);
        Restrictions restrictions = me.restrictions();
        int state = me.stateAt(now);
        model.addAttribute("state", state == Restrictions.BANNED ? "banned" : state == Restrictions.TIMEOUT ? "timed_out" : "active");
        model.addAttribute("until", state == Restrictions.BANNED ? text(restrictions.bannedUntil())
                : state == Restrictions.TIMEOUT ? text(restrictions.timedOutUntil()) : null);
        return "account/moderation";
    }

    private String actorName(long actorId) {
        return accounts.find(actorId).map(Account::username).orElse("a former member");
    }

    @GetMapping("/account/email")
    String emailPage(Authentication auth, Model model) {
        model.addAttribute("email", "");
        return "account/email";
    }

    @PostMapping("/account/email")
    String requestEmailChange(Authentication auth, @RequestParam(required = false) String email,
            HttpServletRequest request, HttpServletResponse response, Model model) {
        String wanted = email == null ? "" : email;
        try {
            EmailAddress address;
            try {
                address = EmailAddress.of(wanted);
            } catch (EmailAddress.Invalid e) {
                throw ApiProblem.invalidFields(Map.of("email", e.getMessage()));
            }
            emailChanges.request(auth.account(), address, clientAddress.of(request));
        } catch (ApiProblem refused) {
            // An address that is not one, the account's own, or a sixth request in the hour (429): under the field.
            int status = refused.status().value();
            if (status != 400 && status != 429) {
                throw refused;
            }
            response.setStatus(status);
            refused.headers().forEach(response::setHeader);
            model.addAttribute("errors", FieldErrors.labelled(FieldErrors.of(refused, "email"),
                    Map.of("email", "The address")));
            model.addAttribute("email", wanted);
            return "account/email";
        }
        return "redirect:/account/email?flash=email_sent";
    }

    @GetMapping("/account/export")
    String exportPage(Authentication auth) {
        return "account/export";
    }

    @GetMapping("/account/delete")
    String deletePage(Authentication auth) {
        return "account/delete";
    }

    @PostMapping("/account/delete")
    String delete(Authentication auth, @RequestParam(required = false) String confirm, HttpServletResponse response,
            Model model) {
        Account me = auth.requireSession().account();
        if (confirm == null || !confirm.strip().equals(me.username())) {
            response.setStatus(HttpStatus.BAD_REQUEST.value());
            model.addAttribute("errors", Map.of("confirm", "Type your username exactly as shown to confirm."));
            return "account/delete";
        }
        try {
            erasure.erase(me);
        } catch (ApiProblem refused) {
            if (refused.status() != HttpStatus.CONFLICT) {
                throw refused;
            }
            // last_owner: the only Owner cannot leave the service without one.
            response.setStatus(HttpStatus.CONFLICT.value());
            model.addAttribute("errors", Map.of("confirm", refused.getMessage()));
            return "account/delete";
        }
        response.addHeader(HttpHeaders.SET_COOKIE, cookie.clear().toString());
        return "redirect:/?flash=account_deleted";
    }

    private static String text(Instant at) {
        return at == null ? null : at.toString();
    }
}
