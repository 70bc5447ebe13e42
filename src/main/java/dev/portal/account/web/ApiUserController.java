package dev.portal.account.web;

import java.time.Clock;

import dev.portal.account.AccountService;
import dev.portal.account.ApiProfileUpdate;
import dev.portal.platform.ClientAddress;
import dev.portal.session.Authentication;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** The current user on /api (seed 004): the profile and its settings. */
@RestController
@RequestMapping(path = "/api/user", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "api user", description = "The current user (seed 004); a psession cookie or a Bearer token")
class ApiUserController {
    private final AccountService accounts;
    private final ClientAddress clientAddress;
    private final Clock clock;

    ApiUserController(AccountService accounts, ClientAddress clientAddress, Clock clock) {
        this.accounts = accounts;
        this.clientAddress = clientAddress;
        this.clock = clock;
    }

    @GetMapping
    @Operation(summary = "Get the current user, with customerStatus")
    ApiUser me(@Parameter(hidden = true) Authentication auth) {
        return ApiUser.of(auth.account(), clock.instant());
    }

    @GetMapping("/settings")
    @Operation(summary = "Get the current user's settings",
            description = "What PATCH /api/user/update sets besides the profile: theme, maxMessageLength, "
                    + "defaultPubliclyVisible (true when defaultVisibility is public) and viewingPreference.")
    ApiSettings settings(@Parameter(hidden = true) Authentication auth) {
        return ApiSettings.of(auth.account());
    }

    @RequestMapping(path = "/update", method = {RequestMethod.PATCH, RequestMethod.POST},
            consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Update profile fields and settings",
            description = "All or nothing: if any field fails, the answer is 400 validation_failed with a message "
                    + "per field under errors, and nothing is written. Unknown and read-only fields are ignored. "
                    + "displayName (at most 64 characters) and bio (at most 1,000) take null or \"\" to clear.")
    ApiUser update(@Parameter(hidden = true) Authentication auth,
            @RequestBody(required = false)
            @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(schema = @Schema(implementation = ApiUpdateRequest.class)))
            JsonNode body, HttpServletRequest request) {
        ApiProfileUpdate update = ApiProfileUpdate.parse(body);
        return ApiUser.of(accounts.updateApiProfile(auth.account(), update, clientAddress.of(request)), clock.instant());
    }

    /** Documents the writable fields; the body is read as JSON so that each field is judged on its own. */
    record ApiUpdateRequest(
            @Schema(description = "3-32 characters: letters, digits, dots, underscores, hyphens") String username,
            @Schema(description = "At most 64 characters; null or \"\" clears it") String displayName,
            @Schema(description = "At most 1,000 characters; null or \"\" clears it") String bio,
            @Schema(allowableValues = {"public", "private"}) String defaultVisibility,
            @Schema(allowableValues = {"system", "light", "dark"}) String theme,
            @Schema(minimum = "1", maximum = "10000") Integer maxMessageLength,
            @Schema(description = "true: defaultVisibility public; false: private") Boolean defaultPubliclyVisible,
            @Schema(allowableValues = {"all", "public"}) String viewingPreference) {
    }
}
