package dev.portal.emailchange.web;

import java.time.Clock;
import java.util.Map;

import dev.portal.account.Account;
import dev.portal.account.web.ApiUser;
import dev.portal.emailchange.EmailAddress;
import dev.portal.emailchange.EmailChangeService;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.ApiTime;
import dev.portal.platform.ClientAddress;
import dev.portal.session.Authentication;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** Changing the current user's e-mail address (seed 004): a request, and the link that confirms it. */
@RestController
@RequestMapping("/api/user/change-email")
@Tag(name = "api user", description = "The current user (seed 004); a psession cookie or a Bearer token")
class EmailChangeController {
    private final EmailChangeService changes;
    private final ClientAddress clientAddress;
    private final Clock clock;

    EmailChangeController(EmailChangeService changes, ClientAddress clientAddress, Clock clock) {
        this.changes = changes;
        this.clientAddress = clientAddress;
        this.clock = clock;
    }

    @PostMapping(path = "/request", consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Request an email-address change (sends confirmation to the new address)",
            description = "Mails a single-use link, valid 24 h, to the new address and a notice (without the link) to "
                    + "the current one, if any. A new request makes earlier links stop working. 400 validation_failed "
                    + "with errors.email for an address that is not one or is already the account's; 429 rate_limited "
                    + "with Retry-After after 5 requests in an hour; 502 mail_unavailable if the mail could not be "
                    + "sent (nothing is kept). Not from an impersonation session (403 forbidden, see ImpersonationGuard).")
    ApiEmailChangeRequested request(@Parameter(hidden = true) Authentication auth,
            @RequestBody(required = false)
            @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(schema = @Schema(implementation = ApiEmailChangeRequest.class)))
            JsonNode body, HttpServletRequest request) {
        EmailAddress email = parse(body);
        EmailChangeService.Requested requested = changes.request(auth.account(), email, clientAddress.of(request));
        return new ApiEmailChangeRequested(requested.email().value(), ApiTime.format(requested.expiresAt()));
    }

    @RequestMapping(path = "/confirm", method = {RequestMethod.GET, RequestMethod.POST},
            produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.TEXT_HTML_VALUE})
    @Operation(summary = "Confirm an email-address change with the mailed link's token",
            description = "The token alone proves it: no sign-in needed. Sets the address and emailVerified: true and "
                    + "answers the user as GET /api/user does, or a small HTML page when Accept prefers text/html. "
                    + "400 invalid_token (unknown, used or superseded), 410 token_expired, 403 wrong_account when "
                    + "signed in as another user (nothing changes; the link still works for its account), 409 "
                    + "email_changed when the account's address changed after the request.",
            responses = @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
                    schema = @Schema(implementation = ApiUser.class))))
    ResponseEntity<?> confirm(@RequestParam(name = "token", required = false) String token, HttpServletRequest request) {
        boolean page = ConfirmationPage.wanted(request.getHeader(HttpHeaders.ACCEPT));
        Authentication auth = Authentication.of(request);
        Account updated;
        try {
            updated = changes.confirm(token, auth == null ? null : auth.account(), clientAddress.of(request));
        } catch (ApiProblem refusal) {
            if (!page) {
                throw refusal;
            }
            return ConfirmationPage.render(refusal.status(), "E-mail address not changed", refusal.getMessage());
        }
        if (page) {
            return ConfirmationPage.render(HttpStatus.OK, "E-mail address confirmed",
                    "The account " + updated.username() + " now uses " + updated.profile().email() + ".");
        }
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(ApiUser.of(updated, clock.instant()));
    }

    private static EmailAddress parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiProblem.badRequest("malformed_request", "The body must be a JSON object.");
        }
        JsonNode value = body.get("email");
        if (value == null || value.isNull()) {
            throw ApiProblem.invalidFields(Map.of("email", "is required"));
        }
        if (!value.isString()) {
            throw ApiProblem.invalidFields(Map.of("email", "must be a string"));
        }
        try {
            return EmailAddress.of(value.stringValue());
        } catch (EmailAddress.Invalid e) {
            throw ApiProblem.invalidFields(Map.of("email", e.getMessage()));
        }
    }

    /** Documents the body; it is read as JSON so that a wrong type gets a field message. */
    record ApiEmailChangeRequest(@Schema(description = "The new address, at most 254 characters",
            example = "new@example.com") String email) {
    }
}
