package dev.portal.account;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.portal.audit.AuditLog;
import dev.portal.identity.IdentityRepository;
import dev.portal.identity.LinkedIdentity;
import dev.portal.identity.Platform;
import dev.portal.moderation.ModerationRepository;
import dev.portal.platform.CacheInvalidation;
import dev.portal.platform.OncePerKey;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;

/**
 * Reads and changes accounts. Reads go through a per-node cache of {@link Account}s that database
 * notifications keep current (see {@link CacheInvalidation}), so an authenticated request costs no
 * query in the common case and still sees a ban or a permission change at once.
 */
@Service
public class AccountService implements CacheInvalidation.Listener {
    /** {@code last_activity_at} is written at most this often per user (SPEC §5). */
    static final Duration ACTIVITY_RESOLUTION = Duration.ofMinutes(1);

    private final UserRepository users;
    private final IdentityRepository identities;
    private final ModerationRepository moderation;
    private final AuditLog audit;
    private final CacheInvalidation invalidation;
    private final Clock clock;
    private final java.net.URI publicUrl;
    private final org.springframework.transaction.support.TransactionTemplate transaction;
    private final OncePerKey recordingActivity = new OncePerKey();
    private final Cache<Long, Account> cache = Caffeine.newBuilder()
            .maximumSize(100_000)
            // A safety net only: notifications are what keep entries current.
            .expireAfterWrite(Duration.ofMinutes(10))
            .recordStats()
            .build();

    AccountService(UserRepository users, IdentityRepository identities, ModerationRepository moderation, AuditLog audit,
            CacheInvalidation invalidation, Clock clock, dev.portal.platform.PortalProperties portal,
            org.springframework.transaction.support.TransactionTemplate transaction,
            MeterRegistry meters) {
        this.users = users;
        CaffeineCacheMetrics.monitor(meters, cache, "accounts");
        this.publicUrl = portal.publicUrl();
        this.identities = identities;
        this.moderation = moderation;
        this.audit = audit;
        this.invalidation = invalidation;
        this.clock = clock;
        this.transaction = transaction;
        invalidation.register(this);
    }

    public Optional<Account> find(long id) {
        if (invalidation.cachingAllowed()) {
            Account cached = cache.getIfPresent(id);
            if (cached != null) {
                return Optional.of(cached);
            }
        }
        return Optional.ofNullable(invalidation.load(() -> loadFromDatabase(id), cache.asMap(), id));
    }

    /**
     * The user a profile name means (seed 003): the one whose linked Discord identity has that username,
     * else the one with that Portal username; both ignoring case.
     */
    /** See {@link UserRepository#search}: the ids of a page of users matching the filters. */
    public List<Long> search(String query, String platform, Integer state, Integer tier, Integer permission, Long afterId,
            int limit, Instant now) {
        return users.search(query, platform, state, tier, permission, afterId, limit, now);
    }

    /**
     * The user whose public pages (/api/profiles) may be shown: found by Portal username ignoring case, and
     * not banned at {@code now}. Empty for an unknown and a banned user alike.
     */
    public Optional<Account> findPublic(String username, Instant now) {
        if (username.length() > Username.MAX) {
            return Optional.empty();
        }
        return users.findIdByUsername(username).flatMap(this::find).filter(a -> !a.restrictions().bannedAt(now));
    }

    /** The user with exactly this Portal username, ignoring case: the staff pages' lookup for Moderators. */
    public Optional<Long> findIdByUsername(String username) {
        return username.length() > Username.MAX ? Optional.empty() : users.findIdByUsername(username);
    }

    public Optional<Long> findIdByProfileName(String name) {
        return identities.findByPlatformUsername(Platform.DISCORD, name).map(LinkedIdentity::userId)
                .or(() -> users.findIdByUsername(name));
    }

    /**
     * The account as the database has it now, never from the cache: for decisions taken while holding the
     * user's row ({@link UserRepository#lock}), where a cached level could be a notification behind.
     */
    public Optional<Account> findCurrent(long id) {
        return Optional.ofNullable(loadFromDatabase(id));
    }

    /** True if the answer for this id would come from memory rather than the database. */
    public boolean isCached(long id) {
        return invalidation.cachingAllowed() && cache.getIfPresent(id) != null;
    }

    private Account loadFromDatabase(long id) {
        return users.findById(id)
                .map(u -> new Account(u.id(), u.username(), u.avatarSource(), u.avatarUploadKey(),
                        AvatarSource.uploadUrl(publicUrl, u.avatarUploadKey()), u.subscription(),
                        u.permissionLevel(), u.permissionSince(), u.prefix(), u.lastActivityAt(), u.createdAt(),
                        u.updatedAt(), identities.findByUser(id), moderation.restrictionsOf(id), u.profile()))
                .orElse(null);
    }

    /**
     * Records activity at most once a minute per user, and on this node by one request at a time; the
     * cached account is updated in place (activity alone is not announced, see V1__core.sql).
     */
    public Account recordActivity(Account account) {
        Instant now = clock.instant();
        if (account.lastActivityAt().plus(ACTIVITY_RESOLUTION).isAfter(now) || !recordingActivity.begin(account.id())) {
            return account;
        }
        try {
            Instant recorded = users.touchActivity(account.id(), now, now.minus(ACTIVITY_RESOLUTION)) == 1 ? now
                    // Another node recorded it within the minute: take its value.
                    : users.lastActivityAt(account.id()).orElse(account.lastActivityAt());
            Account updated = account.withLastActivityAt(recorded);
            cache.asMap().replace(account.id(), account, updated);
            return updated;
        } finally {
            recordingActivity.end(account.id());
        }
    }

    public record UpdateResult(Account account, Map<String, String> errors) {
    }

    /** Applies each field that passes its rules; the rest are reported under {@code errors}. */
    public UpdateResult update(Account me, ProfileUpdate update, String ip) {
        Map<String, String> errors = new LinkedHashMap<>();
        String newUsername = null;
        if (update.username() != null && !update.username().equals(me.username())) {
            try {
                newUsername = Username.of(update.username()).value();
                Optional<Long> holder = users.findIdByUsername(newUsername);
                if (holder.isPresent() && holder.get() != me.id()) {
                    errors.put("username", "is already taken");
                    newUsername = null;
                }
            } catch (Username.Invalid e) {
                errors.put("username", e.getMessage());
            }
        }
        boolean setAvatar = false;
        String newAvatarSource = null;
        if (update.avatarSource() != null) {
            AvatarSource.Result parsed = AvatarSource.parse(update.avatarSource(), me.identities(),
                    me.avatarUploadKey() != null);
            if (parsed.error() != null) {
                errors.put("avatar_source", parsed.error());
            } else {
                setAvatar = true;
                newAvatarSource = parsed.stored();
            }
        }
        if (newUsername != null || setAvatar) {
            Instant now = clock.instant();
            String renamed = newUsername;
            boolean avatar = setAvatar;
            String avatarSource = newAvatarSource;
            try {
                // The row and its audit event together, or neither (SECURITY 26).
                transaction.executeWithoutResult(status -> {
                    users.updateProfile(me.id(), renamed != null, renamed, avatar, avatarSource, now);
                    if (renamed != null) {
                        audit.record("username_changed", me.id(), me.id(), ip, Map.of("from", me.username(), "to", renamed));
                    }
                });
            } catch (DuplicateKeyException raced) {
                // Someone claimed the name between our check and our write: the index decided, and nothing
                // was written; the avatar, a field of its own, is still applied.
                errors.put("username", "is already taken");
                if (setAvatar) {
                    users.updateProfile(me.id(), false, null, true, newAvatarSource, now);
                }
            }
            invalidation.invalidate("user", me.id());
        }
        Account updated = find(me.id()).orElse(me);
        return new UpdateResult(updated, errors.isEmpty() ? null : errors);
    }

    /**
     * Applies an /api profile update whole, or not at all: a username someone else holds answers 400 with
     * {@code errors.username}, like every other failing field.
     */
    public Account updateApiProfile(Account me, ApiProfileUpdate update, String ip) {
        String newUsername = update.username() == null || update.username().equals(me.username()) ? null
                : update.username();
        if (newUsername != null) {
            Optional<Long> holder = users.findIdByUsername(newUsername);
            if (holder.isPresent() && holder.get() != me.id()) {
                throw dev.portal.platform.ApiProblem.invalidFields(Map.of("username", "is already taken"));
            }
        }
        // Only the settings sent are merged into the stored ones (jsonb ||), so two updates of different
        // settings at once, or on two nodes, both land.
        String settingsPatch = UserSettings.patch(update.theme(), update.maxMessageLength(), update.viewingPreference());
        String renamed = newUsername;
        Instant now = clock.instant();
        try {
            transaction.executeWithoutResult(status -> {
                users.updateApiProfile(me.id(), renamed, update.setDisplayName(), update.displayName(), update.setBio(),
                        update.bio(), update.defaultVisibility(), settingsPatch, now);
                if (renamed != null) {
                    audit.record("username_changed", me.id(), me.id(), ip, Map.of("from", me.username(), "to", renamed));
                }
            });
        } catch (DuplicateKeyException raced) {
            // Claimed between our check and our write: the index decided, and nothing was written.
            throw dev.portal.platform.ApiProblem.invalidFields(Map.of("username", "is already taken"));
        }
        invalidation.invalidate("user", me.id());
        return find(me.id()).orElse(me);
    }

    @Override
    public void invalidate(String kind, long id) {
        if ("user".equals(kind)) {
            cache.invalidate(id);
        }
    }

    @Override
    public void clear() {
        cache.invalidateAll();
    }
}
