package dev.portal.account.web;

import java.time.Clock;

import dev.portal.account.Account;
import dev.portal.account.AccountService;
import dev.portal.account.ProfileUpdate;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.ClientAddress;
import dev.portal.session.Authentication;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** The v1 user endpoints of seeds 000–003. */
@RestController
@RequestMapping(path = "/v1/users", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "v1 users", description = "The current user, other users, and profiles (seeds 000-003)")
class UserController {
    private final AccountService accounts;
    private final UserViews views;
    private final ClientAddress clientAddress;
    private final Clock clock;

    UserController(AccountService accounts, UserViews views, ClientAddress clientAddress, Clock clock) {
        this.accounts = accounts;
        this.views = views;
        this.clientAddress = clientAddress;
        this.clock = clock;
    }

    @GetMapping("/me")
    @Operation(summary = "Get the current user", description = "Requires a psession cookie or a Bearer token.")
    V1User me(@Parameter(hidden = true) Authentication auth) {
        return V1User.of(auth.account(), clock.instant());
    }

    @GetMapping("/{user_id}")
    @Operation(summary = "Get a user",
            description = "Public view for most viewers; the elevated view for an Admin+ who can act on the user; "
                    + "session_history only for Owner-level viewers.")
    @ApiResponse(responseCode = "200", content = @Content(schema = @Schema(oneOf = {V1PublicUser.class, V1UserDetail.class})))
    Object user(@Parameter(hidden = true) Authentication auth, @PathVariable("user_id") long userId) {
        Account target = accounts.find(userId).orElseThrow(() -> ApiProblem.notFound("No such user."));
        return views.userView(auth.account(), target);
    }

    @RequestMapping(path = "/me/update", method = {RequestMethod.POST, RequestMethod.PATCH},
            consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Update the current user",
            description = "Fields are independent: each valid field is saved, each invalid one is reported under "
                    + "errors.<field>; errors is null when all passed. Unknown and read-only fields are ignored.")
    V1UpdateResponse update(@Parameter(hidden = true) Authentication auth,
            @RequestBody(required = false)
            @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(schema = @Schema(implementation = V1UpdateRequest.class)))
            JsonNode body, HttpServletRequest request) {
        ProfileUpdate update = ProfileUpdate.parse(body);
        AccountService.UpdateResult result = accounts.update(auth.account(), update, clientAddress.of(request));
        return new V1UpdateResponse(V1User.of(result.account(), clock.instant()), result.errors());
    }

    @GetMapping("/profile/{username}")
    @Operation(summary = "Get a profile by Discord username",
            description = "Finds the user by linked Discord username, then by Portal username. Privileged viewers "
                    + "(Admin+ who can act on the user) also get punishments, guilds, bots and histories.")
    V1Profile profile(@Parameter(hidden = true) Authentication auth, @PathVariable String username) {
        long id = accounts.findIdByProfileName(username).orElseThrow(() -> ApiProblem.notFound("No such user."));
        String source = accounts.isCached(id) ? "cache" : "database";
        Account target = accounts.find(id).orElseThrow(() -> ApiProblem.notFound("No such user."));
        return views.profile(auth.account(), target, source);
    }

    /** Documents the writable fields; the body is read as JSON so that each field is judged on its own. */
    record V1UpdateRequest(
            @Schema(description = "3-32 characters: letters, digits, dots, underscores, hyphens") String username,
            @com.fasterxml.jackson.annotation.JsonProperty("avatar_source")
            @Schema(description = "A linked platform name, discord_0..discord_5, upload, or \"\" for the earliest linked platform")
            String avatarSource) {
    }
}
