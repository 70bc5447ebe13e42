package dev.portal.account.web;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

import dev.portal.access.PermissionLevel;
import dev.portal.access.PermissionRepository;
import dev.portal.account.Account;
import dev.portal.chat.ChatRepository;
import dev.portal.identity.LinkedIdentity;
import dev.portal.identity.Platform;
import dev.portal.moderation.ModerationRepository;
import dev.portal.platform.V1Time;
import dev.portal.session.SessionRepository;
import dev.portal.subscription.Subscription;
import dev.portal.subscription.SubscriptionRepository;
import org.springframework.stereotype.Component;

/**
 * Chooses and builds the view of a user that a viewer may see (SPEC §3): the elevated view only for an
 * Admin+ who can act on the target, session history only for an Owner-level viewer, else the public view.
 */
@Component
public class UserViews {
    /** Session history shows the latest sessions; older ones stay in the database. */
    static final int SESSION_HISTORY_LIMIT = 100;

    private final ModerationRepository moderation;
    private final ChatRepository chats;
    private final SubscriptionRepository subscriptions;
    private final PermissionRepository permissions;
    private final SessionRepository sessions;
    private final Clock clock;

    UserViews(ModerationRepository moderation, ChatRepository chats, SubscriptionRepository subscriptions,
            PermissionRepository permissions, SessionRepository sessions, Clock clock) {
        this.moderation = moderation;
        this.chats = chats;
        this.subscriptions = subscriptions;
        this.permissions = permissions;
        this.sessions = sessions;
        this.clock = clock;
    }

    static boolean mayElevate(Account viewer, Account target) {
        return viewer.isAtLeast(PermissionLevel.ADMIN) && viewer.canActOn(target);
    }

    /** The view of {@code target} that {@code viewer} may see: elevated (V1UserDetail) or public (V1PublicUser). */
    public Object userView(Account viewer, Account target) {
        Instant now = clock.instant();
        if (!mayElevate(viewer, target)) {
            return V1PublicUser.of(target, now);
        }
        V1User base = V1User.of(target, now);
        long id = target.id();
        List<V1History.V1SessionRecord> sessionHistory = viewer.isAtLeast(PermissionLevel.OWNER)
                ? sessions.findByUser(id, SESSION_HISTORY_LIMIT).stream().map(V1History.V1SessionRecord::of).toList()
                : null;
        return new V1UserDetail(base.id(), base.username(), base.avatarUrl(), base.subscriptionTier(), base.state(),
                base.permissionLevel(), base.subscriptionExpiresAt(), base.subscriptionGrantedBy(), base.lastActivityAt(),
                base.permissionSince(), base.avatarSource(), base.linkedPlatforms(),
                moderation.findByUser(id).stream().map(V1History.V1ModerationAction::of).toList(),
                chats.chatsOf(id).stream().map(V1History.V1Chat::of).toList(),
                chats.botsOf(id).stream().map(V1History.V1Bot::of).toList(),
                subscriptions.historyOf(id).stream().map(V1History.V1SubscriptionChange::of).toList(),
                permissions.historyOf(id).stream().map(V1History.V1PermissionChange::of).toList(),
                sessionHistory, base.createdAt(), base.updatedAt());
    }

    V1Profile profile(Account viewer, Account target, String source) {
        Instant now = clock.instant();
        Subscription s = target.subscriptionAt(now);
        LinkedIdentity discord = target.discordIdentity();
        String username = discord != null && discord.platformUsername() != null ? discord.platformUsername()
                : target.username();
        String avatarUrl = discord != null && discord.platformAvatarUrl() != null ? discord.platformAvatarUrl()
                : target.avatarUrl();
        boolean elevated = mayElevate(viewer, target);
        long id = target.id();
        return new V1Profile(discord == null ? null : discord.platformUserId(), username, avatarUrl, s.tier(),
                target.stateAt(now), target.permissionLevel(), target.prefix(), V1Time.format(s.expiresAt()),
                V1Time.format(target.lastActivityAt()), source, V1Time.format(target.createdAt()),
                V1Time.format(target.updatedAt()),
                elevated ? moderation.findByUser(id).stream().map(V1History.V1ModerationAction::of).toList() : null,
                elevated ? chats.chatsOf(id).stream().filter(c -> Platform.DISCORD.key().equals(c.platform()))
                        .map(V1History.V1Chat::of).toList() : null,
                elevated ? chats.botsOf(id).stream().map(V1History.V1Bot::of).toList() : null,
                elevated ? subscriptions.historyOf(id).stream().map(V1History.V1SubscriptionChange::of).toList() : null,
                elevated ? permissions.historyOf(id).stream().map(V1History.V1PermissionChange::of).toList() : null);
    }
}
