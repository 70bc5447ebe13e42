package dev.portal.organization.web;

import java.util.List;

import dev.portal.organization.NewOrganization;
import dev.portal.organization.OrganizationService;
import dev.portal.platform.ClientAddress;
import dev.portal.session.Authentication;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** The caller's organizations on /api (seed 004); a psession cookie only. */
@RestController
@RequestMapping(path = "/api/user/organizations", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "api organizations", description = "Organizations the current user belongs to (seed 004); session only")
class ApiOrganizationsController {
    private final OrganizationService organizations;
    private final ClientAddress clientAddress;

    ApiOrganizationsController(OrganizationService organizations, ClientAddress clientAddress) {
        this.organizations = organizations;
        this.clientAddress = clientAddress;
    }

    @GetMapping
    @Operation(summary = "List the organizations you belong to",
            description = "Each with your role (owner, admin or member), by name. A Bearer token gets 403 session_required.")
    List<ApiOrganization> list(@Parameter(hidden = true) Authentication auth) {
        return organizations.membershipsOf(auth.requireSession().account().id()).stream().map(ApiOrganization::of).toList();
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Create an organization; you become its owner",
            description = "201 with the organization as the list shows it. name: 1-100 characters after trimming, no "
                    + "control characters. slug: 3-48 of a-z, 0-9 and -, lower case, no hyphen at either end or two in "
                    + "a row, not a reserved word. 400 validation_failed names each failing field under errors; 409 "
                    + "slug_taken when the slug is in use (ignoring case); 409 organization_limit after "
                    + OrganizationService.MAX_CREATED_PER_USER + " organizations created. A Bearer token gets 403 "
                    + "session_required.")
    ApiOrganization create(@Parameter(hidden = true) Authentication auth,
            @RequestBody(required = false)
            @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(schema = @Schema(implementation = ApiNewOrganization.class)))
            JsonNode body, HttpServletRequest request) {
        long userId = auth.requireSession().account().id();
        return ApiOrganization.of(organizations.create(userId, NewOrganization.parse(body), clientAddress.of(request)));
    }

    /** Documents the body; it is read as JSON so that each field is judged on its own. */
    record ApiNewOrganization(
            @Schema(description = "1-100 characters after trimming", example = "Acme Labs") String name,
            @Schema(description = "3-48 of a-z 0-9 -, unique ignoring case", example = "acme-labs") String slug) {
    }
}
