package dev.portal.signin;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.portal.platform.ApiTime;
import io.swagger.v3.oas.annotations.media.Schema;

/** The answer of {@code POST /api/user/identities/verify}: the identity as the provider has just confirmed it. */
record ApiVerifiedIdentity(
        String id,
        String provider,
        String providerUsername,
        @JsonInclude(JsonInclude.Include.NON_NULL) @Schema(description = "Only on Mastodon entries") String instanceName,
        String createdAt,
        @Schema(description = "Always true: a failed verification is a problem answer") boolean verified,
        @Schema(example = "2025-04-01T09:00:00.000Z") String verifiedAt) {

    static ApiVerifiedIdentity of(IdentityVerification.Verified v) {
        ApiIdentity i = ApiIdentity.of(v.identity());
        return new ApiVerifiedIdentity(i.id(), i.provider(), i.providerUsername(), i.instanceName(), i.createdAt(), true,
                ApiTime.format(v.verifiedAt()));
    }
}
