package dev.portal.moderation.web;

import java.util.List;

import dev.portal.access.AccessRules;
import dev.portal.account.Account;
import dev.portal.account.AccountService;
import dev.portal.account.web.V1History;
import dev.portal.moderation.ModerationAction;
import dev.portal.moderation.ModerationProperties;
import dev.portal.moderation.ModerationService;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.ClientAddress;
import dev.portal.session.Authentication;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** Acting on a user (SPEC §3: Moderator+ above them; ban and unban Admin+), and a member's own record. */
@RestController
@RequestMapping(path = "/v1/users", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "v1 moderation", description = "Timeouts, bans, warnings and notes")
class ModerationController {
    private final AccountService accounts;
    private final ModerationService moderation;
    private final ModerationProperties settings;
    private final ClientAddress clientAddress;

    ModerationController(AccountService accounts, ModerationService moderation, ModerationProperties settings,
            ClientAddress clientAddress) {
        this.accounts = accounts;
        this.moderation = moderation;
        this.settings = settings;
        this.clientAddress = clientAddress;
    }

    @PostMapping(path = "/{user_id}/moderation", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Time out, untimeout, ban, unban, warn or note a user",
            description = "Moderator+ above the user; ban and unban Admin+ above the user. A ban ends every "
                    + "session and token of the user at once. Untimeout or unban with nothing in force: 409 conflict.")
    @ApiResponse(responseCode = "201", content = @Content(schema = @Schema(implementation = V1History.V1ModerationAction.class)))
    ResponseEntity<V1History.V1ModerationAction> act(@Parameter(hidden = true) Authentication auth,
            @PathVariable("user_id") long userId,
            @RequestBody(required = false)
            @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(schema = @Schema(implementation = V1ModerationRequest.class)))
            JsonNode body, HttpServletRequest request) {
        Account actor = auth.account();
        Account target = accounts.find(userId).orElseThrow(() -> ApiProblem.notFound("No such user."));
        // Who may moderate at all is asked before the body is judged; the service asks the act's own rule.
        AccessRules.requireMayModerate(actor, target);
        ModerationService.Command command = V1ModerationRequest.parse(body);
        ModerationAction done = moderation.act(actor, target, command, clientAddress.of(request));
        return ResponseEntity.status(HttpStatus.CREATED).body(V1History.V1ModerationAction.of(done));
    }

    @GetMapping("/me/moderation")
    @Operation(summary = "What moderators did to you",
            description = "Newest first; notes are never shown. actor_id only when PORTAL_MODERATION_SHOW_ACTOR is true.")
    @ApiResponse(responseCode = "200", content = @Content(array = @ArraySchema(schema = @Schema(implementation = V1MemberAction.class))))
    List<?> mine(@Parameter(hidden = true) Authentication auth) {
        return V1MemberAction.listOf(moderation.visibleTo(auth.account().id()), settings.showActor());
    }
}
