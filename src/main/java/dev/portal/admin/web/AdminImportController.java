package dev.portal.admin.web;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.portal.account.Account;
import dev.portal.account.web.UserViews;
import dev.portal.account.web.V1UserDetail;
import dev.portal.admin.ImportService;
import dev.portal.platform.ClientAddress;
import dev.portal.session.Authentication;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** Importing users with their linked identities, one or up to 1,000 at once (SPEC §4), for Admin+. */
@RestController
@Tag(name = "v1 governance", description = "Moderation, subscriptions and permission levels (SPEC §3, §4)")
class AdminImportController {
    private final ImportService imports;
    private final UserViews views;
    private final ClientAddress clientAddress;

    AdminImportController(ImportService imports, UserViews views, ClientAddress clientAddress) {
        this.imports = imports;
        this.views = views;
        this.clientAddress = clientAddress;
    }

    @PostMapping(path = "/v1/admin/users", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Import a user with linked identities",
            description = "Admin+. {\"username\": \"...\", \"linked_platforms\": [{\"platform\": \"discord\", "
                    + "\"platform_user_id\": \"...\", \"platform_username\": \"...\"}]}, optionally created_at, "
                    + "permission_level (below yours), subscription_tier and subscription_expires_at (Lifetime: "
                    + "Owner only). 201 with the elevated view; 409 username_taken or identity_in_use, nothing written.")
    @ApiResponse(responseCode = "201", content = @Content(schema = @Schema(implementation = V1UserDetail.class)))
    ResponseEntity<Object> importOne(@Parameter(hidden = true) Authentication auth,
            @RequestBody(required = false) JsonNode body, HttpServletRequest request) {
        Account actor = auth.account();
        Account imported = imports.importOne(actor, body, clientAddress.of(request));
        return ResponseEntity.status(HttpStatus.CREATED).body(views.userView(actor, imported));
    }

    @PostMapping(path = "/v1/admin/users/import", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Import up to 1,000 users at once",
            description = "Admin+. {\"users\": [ ...entries as POST /v1/admin/users takes... ]}, all or none in one "
                    + "transaction. A refusal names the first entry at fault (errors.\"users[3].username\", index 3); "
                    + "duplicates within the batch are refused too. Bodies up to 2 MiB.")
    @ApiResponse(responseCode = "201", content = @Content(schema = @Schema(implementation = V1ImportResult.class)))
    ResponseEntity<V1ImportResult> importAll(@Parameter(hidden = true) Authentication auth,
            @RequestBody(required = false) JsonNode body, HttpServletRequest request) {
        List<Long> ids = imports.importAll(auth.account(), body, clientAddress.of(request));
        return ResponseEntity.status(HttpStatus.CREATED).body(new V1ImportResult(ids.size(), ids));
    }

    /** {@code {"imported": 2, "ids": [41, 42]}}: the ids in the order of the entries. */
    record V1ImportResult(@JsonProperty("imported") int imported, @JsonProperty("ids") List<Long> ids) {
    }

}
