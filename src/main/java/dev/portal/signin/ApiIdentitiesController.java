package dev.portal.signin;

import java.util.List;
import java.util.Map;

import dev.portal.identity.IdentityRepository;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.ClientAddress;
import dev.portal.session.Authentication;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * The caller's linked identities on /api (seed 004): list, unlink by id, re-verify. Session only. Linking
 * stays a sign-in flow ({@code /v1/auth/{platform}/link}).
 */
@RestController
@RequestMapping(path = "/api/user/identities", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "api identities", description = "Linked identities of the current user (seed 004); session only")
class ApiIdentitiesController {
    private final IdentityRepository identities;
    private final SigninService signin;
    private final SigninProviders providers;
    private final IdentityVerification verification;
    private final ClientAddress clientAddress;

    ApiIdentitiesController(IdentityRepository identities, SigninService signin, SigninProviders providers,
            IdentityVerification verification, ClientAddress clientAddress) {
        this.identities = identities;
        this.signin = signin;
        this.providers = providers;
        this.verification = verification;
        this.clientAddress = clientAddress;
    }

    @GetMapping
    @Operation(summary = "List your linked identities",
            description = "Every platform, oldest first. instanceName is present only on Mastodon entries; their id is "
                    + "the value mastodonProviderIds takes. A Bearer token gets 403 session_required.")
    List<ApiIdentity> list(@Parameter(hidden = true) Authentication auth) {
        return identities.findByUser(auth.requireSession().account().id()).stream().map(ApiIdentity::of).toList();
    }

    @DeleteMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Unlink one identity by its id",
            description = "Body {\"id\": \"...\"}. 204 when done; 404 for an id that is not one of yours; 409 "
                    + "last_identity when no identity on an offered platform would be left to sign in with.")
    ResponseEntity<Void> unlink(@Parameter(hidden = true) Authentication auth,
            @RequestBody(required = false)
            @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(schema = @Schema(implementation = IdentityRef.class)))
            JsonNode body, HttpServletRequest request) {
        long userId = auth.requireSession().account().id();
        signin.unlinkIdentity(userId, identityId(body), providers.offeredSet(), clientAddress.of(request));
        return ResponseEntity.noContent().build();
    }

    @PostMapping(path = "/verify", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Re-verify one identity with its provider",
            description = "Body {\"id\": \"...\"}. Reads the profile at the provider with the stored token (refreshed "
                    + "once when expired or refused, where the provider allows), updates the shown name and avatar, "
                    + "and answers the identity with verified true and verifiedAt. 409 reauthentication_required with "
                    + "linkUrl when the token is revoked or none is stored (nothing is deleted); 422 "
                    + "verification_unsupported for Telegram (it gives no token) or a platform not offered now; 502/504 "
                    + "when the provider fails; 503 refresh_in_progress (Retry-After) when another request's refresh of the "
                    + "same identity does not end within a few seconds; 429 past 10 a minute.")
    ApiVerifiedIdentity verify(@Parameter(hidden = true) Authentication auth,
            @RequestBody(required = false)
            @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(schema = @Schema(implementation = IdentityRef.class)))
            JsonNode body, HttpServletRequest request) {
        long userId = auth.requireSession().account().id();
        return ApiVerifiedIdentity.of(verification.verify(userId, identityId(body), clientAddress.of(request)));
    }

    /** The body of unlink and verify. */
    record IdentityRef(@Schema(description = "The identity's id as the list gives it (a number is taken too)",
            example = "12") String id) {
    }

    /**
     * The id from {@code {"id": "12"}} (or {@code 12}); a value that is no identity's id is 404 like an unknown
     * one, a missing or non-scalar id 400.
     */
    private static long identityId(JsonNode body) {
        JsonNode id = body == null || !body.isObject() ? null : body.get("id");
        if (id == null || id.isNull() || !(id.isString() || id.isNumber())) {
            throw ApiProblem.invalidFields(Map.of("id", "is required: the identity's id as a string"));
        }
        String text = id.isString() ? id.stringValue().strip() : id.asString();
        if (!text.matches("[0-9]{1,18}")) {
            throw ApiProblem.notFound("No linked identity " + OAuthProvider.printable(text) + " on this account.");
        }
        return Long.parseLong(text);
    }
}
