package dev.portal.signin;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.portal.identity.LinkedIdentity;
import dev.portal.identity.Platform;
import dev.portal.platform.ApiTime;
import io.swagger.v3.oas.annotations.media.Schema;

/** A linked identity on /api (seed 004); {@code instanceName} only on Mastodon entries, absent elsewhere. */
record ApiIdentity(
        @Schema(description = "The identity's id, as a string; on Mastodon entries the value for mastodonProviderIds",
                example = "12") String id,
        @Schema(allowableValues = {"discord", "github", "x", "linkedin", "telegram", "mastodon", "bluesky"}) String provider,
        @Schema(example = "yourhandle@mastodon.social") String providerUsername,
        @JsonInclude(JsonInclude.Include.NON_NULL)
        @Schema(description = "The Mastodon server; only on Mastodon entries", example = "mastodon.social") String instanceName,
        @Schema(description = "When it was linked", example = "2025-04-01T09:00:00.000Z") String createdAt) {

    static ApiIdentity of(LinkedIdentity i) {
        return new ApiIdentity(Long.toString(i.id()), i.platform().key(), i.platformUsername(),
                i.platform() == Platform.MASTODON ? i.instance() : null, ApiTime.format(i.linkedAt()));
    }
}
