package dev.portal.access.web;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.portal.access.AccessRules;
import dev.portal.account.Account;
import dev.portal.account.AccountService;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.ClientAddress;
import dev.portal.platform.V1Time;
import dev.portal.session.Authentication;
import dev.portal.session.SessionService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /v1/admin/users/{id}/impersonate} (SPEC §4): an Owner gets a one-hour session of a user below
 * them, to see Portal as they do. The session is the user's (it shows in their sessions, marked, and they
 * may end it); it cannot reach governance endpoints or make lasting credentials (session's ImpersonationGuard).
 */
@RestController
@Tag(name = "v1 governance", description = "Moderation, subscriptions and permission levels (SPEC §3, §4)")
class ImpersonationController {
    private final AccountService accounts;
    private final SessionService sessions;
    private final ClientAddress clientAddress;

    ImpersonationController(AccountService accounts, SessionService sessions, ClientAddress clientAddress) {
        this.accounts = accounts;
        this.sessions = sessions;
        this.clientAddress = clientAddress;
    }

    @PostMapping(path = "/v1/admin/users/{user_id}/impersonate", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Impersonate a user (Owner)",
            description = "Owner only, on someone else below Owner. Creates a session of the user's (platform "
                    + "impersonation, impersonated_by the Owner) that ends after one hour, audited as "
                    + "impersonation_started; token is its psession cookie value, shown this once. The session "
                    + "answers 403 forbidden on governance endpoints and on creating tokens or linking identities.")
    @ApiResponse(responseCode = "201", content = @Content(schema = @Schema(implementation = V1Impersonation.class)))
    ResponseEntity<V1Impersonation> impersonate(@Parameter(hidden = true) Authentication auth,
            @PathVariable("user_id") long userId, HttpServletRequest request) {
        Account owner = auth.account();
        AccessRules.requireMayImpersonateAnyone(owner);
        Account target = accounts.find(userId).orElseThrow(() -> ApiProblem.notFound("No such user."));
        AccessRules.requireMayImpersonate(owner, target);
        SessionService.Impersonation session = sessions.impersonate(owner.id(), target.id(), clientAddress.of(request),
                request.getHeader("User-Agent"));
        return ResponseEntity.status(HttpStatus.CREATED).cacheControl(CacheControl.noStore())
                .body(new V1Impersonation(session.id(), session.token(), V1Time.format(session.expiresAt())));
    }

    /** The one time the session's token is shown; the Owner's tooling sets it as the {@code psession} cookie. */
    record V1Impersonation(@JsonProperty("session_id") long sessionId, String token,
            @JsonProperty("expires_at") String expiresAt) {
    }
}
