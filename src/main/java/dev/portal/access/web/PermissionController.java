package dev.portal.access.web;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.portal.access.AccessRules;
import dev.portal.access.PermissionLevel;
import dev.portal.access.PermissionService;
import dev.portal.account.Account;
import dev.portal.account.AccountService;
import dev.portal.account.web.UserViews;
import dev.portal.account.web.V1UserDetail;
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
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** {@code POST /v1/users/{id}/permission} (SPEC §4): an Owner sets someone's level below Owner. */
@RestController
@Tag(name = "v1 governance", description = "Moderation, subscriptions and permission levels (SPEC §3, §4)")
class PermissionController {

    private final AccountService accounts;
    private final PermissionService permissions;
    private final UserViews views;
    private final ClientAddress clientAddress;

    PermissionController(AccountService accounts, PermissionService permissions, UserViews views,
            ClientAddress clientAddress) {
        this.accounts = accounts;
        this.permissions = permissions;
        this.views = views;
        this.clientAddress = clientAddress;
    }

    @PostMapping(path = "/v1/users/{user_id}/permission", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Set a user's permission level",
            description = "Owner only, on someone else below Owner: level 0 (User), 1 (Moderator) or 2 (Admin), "
                    + "with a reason of 1-1000 characters. Answers the elevated view of the user. 409 conflict "
                    + "when the user is at that level already.")
    @ApiResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = V1UserDetail.class)))
    Object setLevel(@Parameter(hidden = true) Authentication auth, @PathVariable("user_id") long userId,
            @RequestBody(required = false)
            @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(schema = @Schema(implementation = V1PermissionRequest.class)))
            JsonNode body, HttpServletRequest request) {
        Account actor = auth.account();
        V1PermissionRequest wanted = V1PermissionRequest.parse(body);
        Account target = accounts.find(userId).orElseThrow(() -> ApiProblem.notFound("No such user."));
        // Who first: someone who may not set levels learns nothing from the faults of their body. A level
        // that is not a number stands in as User here and is reported just after.
        AccessRules.requireMaySetPermission(actor, target, wanted.level() == null ? PermissionLevel.USER : wanted.level());
        wanted.requireValid();
        Account updated = permissions.change(actor, userId, wanted.level(), wanted.reason(), clientAddress.of(request));
        return views.userView(actor, updated);
    }

    /** {@code {"level": 2, "reason": "runs the events channel"}}. */
    record V1PermissionRequest(
            @Schema(description = "0 (User), 1 (Moderator) or 2 (Admin)", requiredMode = Schema.RequiredMode.REQUIRED)
            Integer level,
            @Schema(description = "Why, 1-1000 characters", requiredMode = Schema.RequiredMode.REQUIRED)
            String reason,
            @Schema(hidden = true) Map<String, String> errors) {

        /** Reads the fields; a body that is not a JSON object is malformed (400 at once), field faults wait in errors. */
        static V1PermissionRequest parse(JsonNode body) {
            if (body == null || !body.isObject()) {
                throw ApiProblem.badRequest("malformed_request", "The body must be a JSON object.");
            }
            Map<String, String> errors = new LinkedHashMap<>();
            JsonNode level = body.get("level");
            Integer levelValue = null;
            if (level == null || !level.isIntegralNumber()) {
                errors.put("level", "is required: 0 (User), 1 (Moderator) or 2 (Admin)");
            } else if (!level.canConvertToInt()) {
                errors.put("level", "must be 0 (User), 1 (Moderator) or 2 (Admin)");
            } else {
                levelValue = level.intValue();
            }
            String reasonValue = dev.portal.access.Reason.read(body, errors);
            return new V1PermissionRequest(levelValue, reasonValue, errors);
        }

        void requireValid() {
            if (!errors.isEmpty()) {
                throw ApiProblem.invalidFields(errors);
            }
        }
    }
}
