package dev.portal.account.web;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.portal.account.Account;
import dev.portal.platform.V1Time;
import dev.portal.subscription.Subscription;

/** The current user, {@code GET /v1/users/me} (seed 000); also {@code user} in the update answer (seed 002). */
public record V1User(
        long id,
        String username,
        @JsonProperty("avatar_url") String avatarUrl,
        @JsonProperty("subscription_tier") int subscriptionTier,
        int state,
        @JsonProperty("permission_level") int permissionLevel,
        @JsonProperty("subscription_expires_at") String subscriptionExpiresAt,
        @JsonProperty("subscription_granted_by") Long subscriptionGrantedBy,
        @JsonProperty("last_activity_at") String lastActivityAt,
        @JsonProperty("permission_since") String permissionSince,
        @JsonProperty("avatar_source") String avatarSource,
        @JsonProperty("linked_platforms") List<V1LinkedPlatform> linkedPlatforms,
        @JsonProperty("created_at") String createdAt,
        @JsonProperty("updated_at") String updatedAt) {

    static V1User of(Account a, Instant now) {
        return of(a, a.subscriptionAt(now), a.stateAt(now));
    }

    /** All that the view takes from the moment of asking: the subscription then in effect and the state. */
    static V1User of(Account a, Subscription s, int state) {
        return new V1User(a.id(), a.username(), a.avatarUrl(), s.tier(), state, a.permissionLevel(),
                V1Time.format(s.expiresAt()), s.grantedBy(), V1Time.format(a.lastActivityAt()),
                V1Time.format(a.permissionSince()), a.avatarSource(),
                a.identities().stream().map(V1LinkedPlatform::of).toList(), V1Time.format(a.createdAt()),
                V1Time.format(a.updatedAt()));
    }
}
