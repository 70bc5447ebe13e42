package dev.portal.emailchange.web;

import io.swagger.v3.oas.annotations.media.Schema;

/** The answer of {@code POST /api/user/change-email/request}: where the link went and until when it works. */
record ApiEmailChangeRequested(
        @Schema(description = "The new address, its domain in lower case", example = "new@example.com") String email,
        @Schema(example = "2025-03-13T18:00:00.000Z") String expiresAt) {
}
