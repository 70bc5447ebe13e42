package dev.portal.web.account;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.portal.platform.ApiProblem;
import dev.portal.platform.ClientAddress;
import dev.portal.session.ApiToken;
import dev.portal.session.ApiTokenService;
import dev.portal.session.Authentication;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * {@code /account/tokens}: personal access tokens. A new token's value is in the answer to the create post
 * (201) and nowhere else: not in a redirect, a cookie or any later page.
 */
@Controller
class TokensPageController {
    /** As {@code POST /v1/users/me/tokens} allows. */
    static final int MAX_NAME = 100;

    private final ApiTokenService tokens;
    private final ClientAddress clientAddress;
    private final Clock clock;

    TokensPageController(ApiTokenService tokens, ClientAddress clientAddress, Clock clock) {
        this.tokens = tokens;
        this.clientAddress = clientAddress;
        this.clock = clock;
    }

    /** A token as the list shows it. */
    record TokenRow(long id, String name, String createdAt, String lastUsedAt, String expiresAt, boolean expired) {
        static TokenRow of(ApiToken t, Instant now) {
            return new TokenRow(t.id(), t.name(), t.createdAt().toString(),
                    t.lastUsedAt() == null ? null : t.lastUsedAt().toString(),
                    t.expiresAt() == null ? null : t.expiresAt().toString(),
                    t.expiresAt() != null && !t.expiresAt().isAfter(now));
        }
    }

    /** The just-created token: shown once. */
    record NewToken(String name, String value) {
    }

    @GetMapping("/account/tokens")
    String page(Authentication auth, Model model) {
        return show(auth, model, "", "");
    }

    @PostMapping("/account/tokens")
    String create(Authentication auth, @RequestParam(required = false) String name,
            @RequestParam(required = false) String expires, HttpServletRequest request, HttpServletResponse response,
            Model model) {
        Map<String, String> errors = new LinkedHashMap<>();
        String wanted = name == null ? "" : name.strip();
        if (wanted.isEmpty()) {
            errors.put("name", "Token name is required.");
        } else if (wanted.length() > MAX_NAME) {
            errors.put("name", "Token name must be at most " + MAX_NAME + " characters.");
        }
        Instant expiresAt = null;
        if (expires != null && !expires.isBlank()) {
            try {
                // The token stops working as the chosen day begins, in UTC.
                expiresAt = LocalDate.parse(expires.strip()).atStartOfDay(ZoneOffset.UTC).toInstant();
                if (!expiresAt.isAfter(clock.instant())) {
                    errors.put("expires", "The expiry date must be in the future.");
                }
            } catch (DateTimeParseException e) {
                errors.put("expires", "The expiry date must be a date such as 2027-01-31.");
            }
        }
        if (!errors.isEmpty()) {
            response.setStatus(HttpStatus.BAD_REQUEST.value());
            model.addAttribute("errors", errors);
            return show(auth, model, name, expires);
        }
        ApiTokenService.Issued issued;
        try {
            issued = tokens.create(auth.account().id(), wanted, expiresAt, clientAddress.of(request));
        } catch (ApiProblem refused) {
            if (refused.status() != HttpStatus.BAD_REQUEST) {
                throw refused;
            }
            response.setStatus(HttpStatus.BAD_REQUEST.value());
            model.addAttribute("errors", FieldErrors.labelled(FieldErrors.of(refused, "name"), Map.of("name", "Token name")));
            return show(auth, model, name, expires);
        }
        response.setStatus(HttpStatus.CREATED.value());
        model.addAttribute("newToken", new NewToken(issued.token().name(), issued.value()));
        return show(auth, model, "", "");
    }

    @PostMapping("/account/tokens/{id}/revoke")
    String revoke(Authentication auth, @PathVariable long id, HttpServletRequest request) {
        if (!tokens.revoke(auth.account().id(), id, clientAddress.of(request))) {
            throw ApiProblem.notFound("No such token.");
        }
        return "redirect:/account/tokens?flash=token_revoked";
    }

    private String show(Authentication auth, Model model, String name, String expires) {
        Instant now = clock.instant();
        model.addAttribute("tokens", tokens.list(auth.account().id()).stream().map(t -> TokenRow.of(t, now)).toList());
        model.addAttribute("name", name);
        model.addAttribute("expires", expires);
        model.addAttribute("tomorrow", LocalDate.ofInstant(now, ZoneOffset.UTC).plusDays(1).toString());
        return "account/tokens";
    }
}
