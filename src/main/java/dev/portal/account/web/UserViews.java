package dev.portal.account.web;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.portal.access.PermissionLevel;
import dev.portal.access.PermissionRepository;
import dev.portal.account.Account;
import dev.portal.chat.ChatRepository;
import dev.portal.identity.LinkedIdentity;
import dev.portal.identity.Platform;
import dev.portal.moderation.ModerationRepository;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.Keyset;
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
    /**
     * Each list of the elevated view and the profile holds the latest this many entries, newest first; the
     * rest are paged by {@link #page} (whose default page size is the same, so its first page is the list).
     */
    static final int HISTORY_LIMIT = 50;
    /** The largest page {@link #page} answers, as for the user search. */
    static final int MAX_HISTORY_PAGE = 200;

    /** The lists {@code GET /v1/users/{id}/{list}} pages; the path pattern of {@link UserController} names the same. */
    static final String PAGED_LISTS = "moderation_actions|subscription_history|permission_history|session_history";

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
                ? sessions.findByUser(id, null, HISTORY_LIMIT).stream().map(V1History.V1SessionRecord::of).toList()
                : null;
        return new V1UserDetail(base.id(), base.username(), base.avatarUrl(), base.subscriptionTier(), base.state(),
                base.permissionLevel(), base.subscriptionExpiresAt(), base.subscriptionGrantedBy(), base.lastActivityAt(),
                base.permissionSince(), base.avatarSource(), base.linkedPlatforms(),
                moderation.pageOf(id, null, HISTORY_LIMIT).stream().map(V1History.V1ModerationAction::of).toList(),
                chats.chatsOf(id).stream().map(V1History.V1Chat::of).toList(),
                chats.botsOf(id).stream().map(V1History.V1Bot::of).toList(),
                subscriptions.historyOf(id, null, HISTORY_LIMIT).stream().map(V1History.V1SubscriptionChange::of).toList(),
                permissions.historyOf(id, null, HISTORY_LIMIT).stream().map(V1History.V1PermissionChange::of).toList(),
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
                elevated ? moderation.pageOf(id, null, HISTORY_LIMIT).stream().map(V1History.V1ModerationAction::of).toList() : null,
                elevated ? chats.chatsOf(id).stream().filter(c -> Platform.DISCORD.key().equals(c.platform()))
                        .map(V1History.V1Chat::of).toList() : null,
                elevated ? chats.botsOf(id).stream().map(V1History.V1Bot::of).toList() : null,
                elevated ? subscriptions.historyOf(id, null, HISTORY_LIMIT).stream().map(V1History.V1SubscriptionChange::of).toList() : null,
                elevated ? permissions.historyOf(id, null, HISTORY_LIMIT).stream().map(V1History.V1PermissionChange::of).toList() : null);
    }

    /** A page of one elevated list; {@code next_cursor} is null on the last page. */
    record V1HistoryPage(List<?> items, @JsonProperty("next_cursor") String nextCursor) {
    }

    /**
     * {@code GET /v1/users/{id}/{list}}: the entries after {@code cursor}, under the rules of the elevated view.
     * A viewer who may not see the list gets 404, as for an unknown user: the public view has no such list, and
     * the answer must not tell such a viewer more than the public view does (SPEC §3).
     */
    V1HistoryPage page(Account viewer, Account target, String list, String cursor, String limit) {
        boolean sessionList = "session_history".equals(list);
        if (!mayElevate(viewer, target) || (sessionList && !viewer.isAtLeast(PermissionLevel.OWNER))) {
            throw ApiProblem.notFound("No such user.");
        }
        Map<String, String> errors = new LinkedHashMap<>();
        Keyset before = null;
        if (cursor != null) {
            before = Keyset.decode(cursor).orElse(null);
            if (before == null) {
                errors.put("cursor", "must be a next_cursor from an earlier page");
            }
        }
        int size = HISTORY_LIMIT;
        if (limit != null) {
            try {
                size = Integer.parseInt(limit);
            } catch (NumberFormatException e) {
                size = 0;
            }
            if (size < 1 || size > MAX_HISTORY_PAGE) {
                errors.put("limit", "must be a whole number from 1 to " + MAX_HISTORY_PAGE);
            }
        }
        if (!errors.isEmpty()) {
            throw ApiProblem.invalidFields(errors);
        }
        long id = target.id();
        return switch (list) {
            case "moderation_actions" -> page(moderation.pageOf(id, before, size + 1), size,
                    m -> new Keyset(m.createdAt(), m.id()), V1History.V1ModerationAction::of);
            case "subscription_history" -> page(subscriptions.historyOf(id, before, size + 1), size,
                    c -> new Keyset(c.createdAt(), c.id()), V1History.V1SubscriptionChange::of);
            case "permission_history" -> page(permissions.historyOf(id, before, size + 1), size,
                    c -> new Keyset(c.createdAt(), c.id()), V1History.V1PermissionChange::of);
            case "session_history" -> page(sessions.findByUser(id, before, size + 1), size,
                    r -> new Keyset(r.createdAt(), r.id()), V1History.V1SessionRecord::of);
            default -> throw ApiProblem.notFound("No such list.");
        };
    }

    /** {@code rows} holds one more than a page when there is a next one; its cursor is the last row shown. */
    private static <T> V1HistoryPage page(List<T> rows, int size, Function<T, Keyset> key, Function<T, ?> view) {
        List<T> shown = rows.subList(0, Math.min(size, rows.size()));
        String next = rows.size() > size ? key.apply(shown.get(shown.size() - 1)).encode() : null;
        return new V1HistoryPage(shown.stream().map(view).toList(), next);
    }
}
