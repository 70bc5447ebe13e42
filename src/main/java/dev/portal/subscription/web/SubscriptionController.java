package dev.portal.subscription.web;

import java.time.Clock;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.portal.account.Account;
import dev.portal.account.web.UserViews;
import dev.portal.account.web.V1UserDetail;
import dev.portal.platform.ClientAddress;
import dev.portal.session.Authentication;
import dev.portal.subscription.Grant;
import dev.portal.subscription.SubscriptionService;
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

/** {@code POST /v1/users/{id}/subscription} (SPEC §4). */
@RestController
@Tag(name = "v1 governance", description = "Moderation, subscriptions and permission levels")
class SubscriptionController {
    private final SubscriptionService subscriptions;
    private final UserViews views;
    private final ClientAddress clientAddress;
    private final Clock clock;

    SubscriptionController(SubscriptionService subscriptions, UserViews views, ClientAddress clientAddress, Clock clock) {
        this.subscriptions = subscriptions;
        this.views = views;
        this.clientAddress = clientAddress;
        this.clock = clock;
    }

    @PostMapping(path = "/v1/users/{user_id}/subscription", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Grant, change or end a user's subscription",
            description = "Trial and Premium (with a future expires_at) and back to Basic by an Admin+ who can act on "
                    + "the user; Lifetime by an Owner. Recorded in subscription_history and audited. 409 conflict when "
                    + "the user already has exactly this tier and expiry (as when two identical grants race).")
    @ApiResponse(responseCode = "200", description = "The elevated view of the user, as changed",
            content = @Content(schema = @Schema(implementation = V1UserDetail.class)))
    Object grant(@Parameter(hidden = true) Authentication auth, @PathVariable("user_id") long userId,
            @RequestBody(required = false)
            @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(schema = @Schema(implementation = V1GrantRequest.class)))
            JsonNode body, HttpServletRequest request) {
        Grant grant = Grant.parse(body, clock.instant());
        Account changed = subscriptions.grant(auth.account(), userId, grant, clientAddress.of(request));
        return views.userView(auth.account(), changed);
    }

    /** Documents the body; it is read as JSON so that each field gets its own message. */
    record V1GrantRequest(
            @Schema(description = "0 Basic, 1 Trial, 2 Premium, 3 Lifetime", requiredMode = Schema.RequiredMode.REQUIRED)
            int tier,
            @JsonProperty("expires_at")
            @Schema(description = "ISO-8601 UTC, in the future; required for Trial and Premium, absent for Basic and Lifetime",
                    example = "2027-01-01T00:00:00Z")
            String expiresAt,
            @Schema(description = "Why, 1-1000 characters", requiredMode = Schema.RequiredMode.REQUIRED) String reason) {
    }
}
