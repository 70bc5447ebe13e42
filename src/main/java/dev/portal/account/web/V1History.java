package dev.portal.account.web;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.portal.access.PermissionChange;
import dev.portal.chat.Bot;
import dev.portal.chat.Chat;
import dev.portal.moderation.ModerationAction;
import dev.portal.platform.V1Time;
import dev.portal.session.SessionRecord;
import dev.portal.subscription.SubscriptionChange;

/** The entries of the elevated lists (SPEC §4), in v1's snake_case. */
public final class V1History {
    private V1History() {
    }

    public record V1ModerationAction(long id, String action, String reason, @JsonProperty("actor_id") Long actorId,
            @JsonProperty("created_at") String createdAt, @JsonProperty("expires_at") String expiresAt) {
        public static V1ModerationAction of(ModerationAction m) {
            return new V1ModerationAction(m.id(), m.action(), m.reason(), m.actorId(), V1Time.format(m.createdAt()),
                    V1Time.format(m.expiresAt()));
        }
    }

    public record V1Chat(long id, String platform, @JsonProperty("platform_chat_id") String platformChatId, String title,
            @JsonProperty("created_at") String createdAt) {
        public static V1Chat of(Chat c) {
            return new V1Chat(c.id(), c.platform(), c.platformChatId(), c.title(), V1Time.format(c.createdAt()));
        }
    }

    public record V1Bot(long id, String platform, @JsonProperty("platform_bot_id") String platformBotId, String name,
            @JsonProperty("created_at") String createdAt) {
        public static V1Bot of(Bot b) {
            return new V1Bot(b.id(), b.platform(), b.platformBotId(), b.name(), V1Time.format(b.createdAt()));
        }
    }

    public record V1SubscriptionChange(long id, @JsonProperty("from_tier") int fromTier,
            @JsonProperty("to_tier") int toTier, @JsonProperty("expires_at") String expiresAt,
            @JsonProperty("granted_by") Long grantedBy, String reason, @JsonProperty("created_at") String createdAt) {
        static V1SubscriptionChange of(SubscriptionChange c) {
            return new V1SubscriptionChange(c.id(), c.fromTier(), c.toTier(), V1Time.format(c.expiresAt()),
                    c.grantedBy(), c.reason(), V1Time.format(c.createdAt()));
        }
    }

    public record V1PermissionChange(long id, @JsonProperty("from_level") int fromLevel,
            @JsonProperty("to_level") int toLevel, @JsonProperty("changed_by") Long changedBy, String reason,
            @JsonProperty("created_at") String createdAt) {
        static V1PermissionChange of(PermissionChange c) {
            return new V1PermissionChange(c.id(), c.fromLevel(), c.toLevel(), c.changedBy(), c.reason(),
                    V1Time.format(c.createdAt()));
        }
    }

    /** SPEC's fields plus {@code impersonated_by}: the Owner who held the session as an impersonation, else null. */
    public record V1SessionRecord(long id, String platform, String ip, @JsonProperty("user_agent") String userAgent,
            String country, String region, String city, @JsonProperty("created_at") String createdAt,
            @JsonProperty("last_seen_at") String lastSeenAt, @JsonProperty("expires_at") String expiresAt,
            @JsonProperty("revoked_at") String revokedAt, @JsonProperty("impersonated_by") Long impersonatedBy) {
        static V1SessionRecord of(SessionRecord s) {
            return new V1SessionRecord(s.id(), s.platform(), s.ip(), s.userAgent(), s.country(), s.region(), s.city(),
                    V1Time.format(s.createdAt()), V1Time.format(s.lastSeenAt()), V1Time.format(s.expiresAt()),
                    V1Time.format(s.revokedAt()), s.impersonatedBy());
        }
    }
}
