package dev.portal.account.web;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.portal.account.web.V1History.V1Bot;
import dev.portal.account.web.V1History.V1Chat;
import dev.portal.account.web.V1History.V1ModerationAction;
import dev.portal.account.web.V1History.V1PermissionChange;
import dev.portal.account.web.V1History.V1SubscriptionChange;

/**
 * {@code GET /v1/users/profile/{username}} (seed 003). {@code username} is the Discord username when a
 * Discord identity is linked, else the Portal username; {@code discord_id} is null without one. The
 * five lists are present only for privileged viewers (Admin+ who can act on the target); punishments and the
 * histories hold the latest {@link UserViews#HISTORY_LIMIT}, newest first.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record V1Profile(
        @JsonProperty("discord_id") String discordId,
        String username,
        @JsonProperty("avatar_url") String avatarUrl,
        @JsonProperty("subscription_tier") int subscriptionTier,
        int state,
        @JsonProperty("permission_level") int permissionLevel,
        String prefix,
        @JsonProperty("subscription_expires_at") String subscriptionExpiresAt,
        @JsonProperty("last_activity_at") String lastActivityAt,
        String source,
        @JsonProperty("created_at") String createdAt,
        @JsonProperty("updated_at") String updatedAt,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<V1ModerationAction> punishments,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<V1Chat> guilds,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<V1Bot> bots,
        @JsonProperty("subscription_history") @JsonInclude(JsonInclude.Include.NON_NULL) List<V1SubscriptionChange> subscriptionHistory,
        @JsonProperty("permission_history") @JsonInclude(JsonInclude.Include.NON_NULL) List<V1PermissionChange> permissionHistory) {
}
