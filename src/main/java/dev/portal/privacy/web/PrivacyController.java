package dev.portal.privacy.web;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;

import dev.portal.privacy.AccountErasure;
import dev.portal.privacy.DataExport;
import dev.portal.session.Authentication;
import dev.portal.session.SessionCookie;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Taking one's data along, and leaving: each one call. */
@RestController
@RequestMapping(path = "/api/user", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "api user", description = "The current user (seed 004); a psession cookie or a Bearer token")
class PrivacyController {
    private final DataExport export;
    private final AccountErasure erasure;
    private final SessionCookie cookie;
    private final Clock clock;

    PrivacyController(DataExport export, AccountErasure erasure, SessionCookie cookie, Clock clock) {
        this.export = export;
        this.erasure = erasure;
        this.cookie = cookie;
        this.clock = clock;
    }

    @GetMapping("/export")
    @Operation(summary = "Export everything Portal holds about the current user",
            description = "One JSON document: the user, account details and settings, linked identities (without "
                    + "tokens), sessions, API tokens' metadata, moderation actions as the user sees them, "
                    + "subscription and permission history, chats, bots, organizations, messages with their "
                    + "cross-posts, pending e-mail changes, and the audit events the user did or that were done to "
                    + "them. Sent as an attachment. Session only: it holds what seed 004 keeps to sessions "
                    + "(identities, organizations, private messages), so a Bearer token gets 403 session_required.")
    ResponseEntity<Map<String, Object>> export(@Parameter(hidden = true) Authentication auth) {
        // It holds what seed 004 keeps to sessions (identities, organizations, one's private messages).
        auth.requireSession();
        String file = "portal-export-" + auth.account().username() + "-" + LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC)
                + ".json";
        return ResponseEntity.ok()
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + file + "\"")
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .body(export.of(auth.account()));
    }

    @PostMapping("/delete")
    @Operation(summary = "Permanently delete the current account (Session only)",
            description = "Hard delete of the account and everything it owns; there is no undo. Needs a browser "
                    + "session: a Bearer token gets 403 session_required. The only Owner gets 409 last_owner. "
                    + "Answers 204 and clears the session cookie; every credential of the account stops working "
                    + "on every node at once.")
    @ApiResponse(responseCode = "204", description = "Deleted")
    ResponseEntity<Void> delete(@Parameter(hidden = true) Authentication auth) {
        auth.requireSession();
        erasure.erase(auth.account());
        return ResponseEntity.noContent().header(HttpHeaders.SET_COOKIE, cookie.clear().toString()).build();
    }
}
