package dev.portal.account.web;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.portal.identity.LinkedIdentity;
import dev.portal.platform.V1Time;

/** An entry of {@code linked_platforms} (seed 000). */
public record V1LinkedPlatform(
        String platform,
        @JsonProperty("platform_user_id") String platformUserId,
        @JsonProperty("platform_username") String platformUsername,
        @JsonProperty("platform_avatar_url") String platformAvatarUrl,
        @JsonProperty("linked_at") String linkedAt,
        @JsonProperty("last_authenticated_at") String lastAuthenticatedAt) {

    static V1LinkedPlatform of(LinkedIdentity i) {
        return new V1LinkedPlatform(i.platform().key(), i.platformUserId(), i.platformUsername(), i.platformAvatarUrl(),
                V1Time.format(i.linkedAt()), V1Time.format(i.lastAuthenticatedAt()));
    }
}
