package dev.portal.organization.web;

import dev.portal.organization.Membership;
import dev.portal.platform.ApiTime;
import io.swagger.v3.oas.annotations.media.Schema;

/** One of the caller's organizations on /api, with the caller's role in it. */
record ApiOrganization(
        @Schema(description = "The organization's id, as a string", example = "7") String id,
        String name,
        @Schema(example = "acme-labs") String slug,
        @Schema(allowableValues = {"owner", "admin", "member"}) String role,
        @Schema(example = "2025-04-01T09:00:00.000Z") String createdAt,
        @Schema(description = "When the caller joined", example = "2025-04-01T09:00:00.000Z") String joinedAt) {

    static ApiOrganization of(Membership m) {
        return new ApiOrganization(Long.toString(m.organizationId()), m.name(), m.slug(), m.role().key(),
                ApiTime.format(m.createdAt()), ApiTime.format(m.joinedAt()));
    }
}
