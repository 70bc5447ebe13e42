package dev.portal.account.web;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.portal.account.web.V1History.V1Bot;
import dev.portal.account.web.V1History.V1Chat;
import dev.portal.account.web.V1History.V1ModerationAction;
import dev.portal.account.web.V1History.V1PermissionChange;
import dev.portal.account.web.V1History.V1SessionRecord;
import dev.portal.account.web.V1History.V1SubscriptionChange;

/**
 * The elevated view (seed 001) for an Admin+ who can act on the target: every field of {@link V1User}
 * plus the histories, each the latest {@link UserViews#HISTORY_LIMIT} newest first (the rest paged by
 * {@code GET /v1/users/{id}/{list}}). {@code session_history} is present only for Owner-level viewers.
 */
public record V1UserDetail(
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
        @JsonProperty("moderation_actions") List<V1ModerationAction> moderationActions,
        List<V1Chat> chats,
        List<V1Bot> bots,
        @JsonProperty("subscription_history") List<V1SubscriptionChange> subscriptionHistory,
        @JsonProperty("permission_history") List<V1PermissionChange> permissionHistory,
        @JsonProperty("session_history") @JsonInclude(JsonInclude.Include.NON_NULL) List<V1SessionRecord> sessionHistory,
        @JsonProperty("created_at") String createdAt,
        @JsonProperty("updated_at") String updatedAt) {
}
