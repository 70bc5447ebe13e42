package dev.portal.account.web;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.portal.access.AccessRules;
import dev.portal.account.Account;
import dev.portal.account.AccountService;
import dev.portal.account.ProfileUpdate;
import dev.portal.identity.Platform;
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
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** The v1 user endpoints of seeds 000–003. */
@RestController
@RequestMapping(path = "/v1/users", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "v1 users", description = "The current user, other users, and profiles (seeds 000-003)")
class UserController {
    static final int DEFAULT_PAGE = 50;
    static final int MAX_PAGE = 200;

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

    /** A page of the search; {@code next_cursor} is null on the last page. */
    record V1UserPage(List<Object> users, @com.fasterxml.jackson.annotation.JsonProperty("next_cursor") String nextCursor) {
    }

    @GetMapping
    @Operation(summary = "List and search users (Admin+)", description = "query: a username prefix (ignoring case) or an "
            + "exact platform user id; platform, state (0-2), tier (0-3) and permission (0-3) filter; in id order, "
            + "limit 1-200 (default 50), cursor from next_cursor. Users the caller can act on come in the full view "
            + "(as /v1/users/me), others in the public view.")
    V1UserPage search(@Parameter(hidden = true) Authentication auth, @RequestParam(required = false) String query,
            @RequestParam(required = false) String platform, @RequestParam(required = false) String state,
            @RequestParam(required = false) String tier, @RequestParam(required = false) String permission,
            @RequestParam(required = false) String cursor, @RequestParam(required = false) String limit) {
        AccessRules.requireAdmin(auth.account());
        Map<String, String> errors = new LinkedHashMap<>();
        if (query != null && (query.isBlank() || query.length() > 64)) {
            errors.put("query", "must be 1-64 characters");
        }
        if (platform != null && Platform.fromKey(platform).isEmpty()) {
            errors.put("platform", "must be a platform: discord, telegram, github, mastodon, bluesky, linkedin or x");
        }
        Integer stateValue = number(state, "state", 0, 2, errors);
        Integer tierValue = number(tier, "tier", 0, 3, errors);
        Integer permissionValue = number(permission, "permission", 0, 3, errors);
        Integer after = number(cursor, "cursor", 0, Integer.MAX_VALUE, errors);
        Integer size = number(limit, "limit", 1, MAX_PAGE, errors);
        if (!errors.isEmpty()) {
            throw ApiProblem.invalidFields(errors);
        }
        int pageSize = size == null ? DEFAULT_PAGE : size;
        Instant now = clock.instant();
        List<Long> ids = accounts.search(query == null ? null : query.strip(), platform, stateValue, tierValue,
                permissionValue, after == null ? null : after.longValue(), pageSize + 1, now);
        List<Object> users = new ArrayList<>();
        for (long id : ids.subList(0, Math.min(pageSize, ids.size()))) {
            accounts.find(id).ifPresent(target -> users.add(auth.account().canActOn(target)
                    ? V1User.of(target, now) : V1PublicUser.of(target, now)));
        }
        String next = ids.size() > pageSize ? Long.toString(ids.get(pageSize - 1)) : null;
        return new V1UserPage(users, next);
    }

    private static Integer number(String value, String field, int min, int max, Map<String, String> errors) {
        if (value == null) {
            return null;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        errors.put(field, "must be a whole number from " + min + " to " + max);
        return null;
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

    @GetMapping("/{user_id:\\d+}/{list:" + UserViews.PAGED_LISTS + "}")
    @Operation(summary = "Page an elevated list of a user",
            description = "moderation_actions, subscription_history, permission_history or session_history, newest "
                    + "first, in the entry shapes of the elevated view; limit 1-200 (default 50), cursor from "
                    + "next_cursor (null on the last page). Same rules as the elevated view (Admin+ who can act on "
                    + "the user; session_history Owner only); anyone else gets 404, as for an unknown user.")
    UserViews.V1HistoryPage history(@Parameter(hidden = true) Authentication auth, @PathVariable("user_id") long userId,
            @PathVariable String list, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) String limit) {
        Account target = accounts.find(userId).orElseThrow(() -> ApiProblem.notFound("No such user."));
        return views.page(auth.account(), target, list, cursor, limit);
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
