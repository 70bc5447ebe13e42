package dev.portal.signin;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.portal.account.UserRepository;
import dev.portal.account.Username;
import dev.portal.audit.AuditLog;
import dev.portal.identity.IdentityRepository;
import dev.portal.identity.LinkedIdentity;
import dev.portal.identity.Platform;
import dev.portal.moderation.ModerationRepository;
import dev.portal.moderation.Restrictions;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.CacheInvalidation;
import dev.portal.platform.LogContext;
import dev.portal.platform.SecretCipher;
import dev.portal.session.SessionService;
import org.slf4j.MDC;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Turns "the provider says this is platform user X" into a Portal user and a new session, or attaches
 * it to the signed-in user. Identities are keyed by (platform, instance, platform user id), never by
 * e-mail or name; the first sign-in creates the user. Each act and its audit event are written in one
 * transaction.
 */
@Service
public class SigninService {
    /** Two first sign-ins of one identity, or two users wanting one name, race: the unique index decides. */
    private static final int ATTEMPTS = 5;
    private static final int USERNAME_ALTERNATIVES = 50;

    private final UserRepository users;
    private final IdentityRepository identities;
    private final ModerationRepository moderation;
    private final SessionService sessions;
    private final AuditLog audit;
    private final CacheInvalidation invalidation;
    private final TransactionTemplate transaction;
    private final SecretCipher cipher;
    private final Clock clock;

    SigninService(UserRepository users, IdentityRepository identities, ModerationRepository moderation,
            SessionService sessions, AuditLog audit, CacheInvalidation invalidation, TransactionTemplate transaction,
            SecretCipher cipher, Clock clock) {
        this.cipher = cipher;
        this.users = users;
        this.identities = identities;
        this.moderation = moderation;
        this.sessions = sessions;
        this.audit = audit;
        this.invalidation = invalidation;
        this.transaction = transaction;
        this.clock = clock;
    }

    private record Outcome(long userId, SessionService.Issued session, Restrictions refusedBy) {
    }

    /** A new session for the user the identity belongs to (made now if it is new); 403 {@code banned} instead. */
    SessionService.Issued signIn(ProviderProfile profile, String ip, String userAgent) {
        String platform = profile.platform().key();
        Outcome outcome = retryingRaces(() -> transaction.execute(status -> {
            Instant now = clock.instant();
            FoundUser found = findOrCreate(profile, now);
            Restrictions restrictions = moderation.restrictionsOf(found.userId());
            if (restrictions.bannedAt(now)) {
                return new Outcome(found.userId(), null, restrictions);
            }
            SessionService.Issued session = sessions.create(found.userId(), platform, ip, userAgent);
            Map<String, Object> details = identityDetails(profile);
            details.put("session_id", session.id());
            details.put("new_user", found.created());
            audit.record("signin", found.userId(), found.userId(), ip, details);
            return new Outcome(found.userId(), session, null);
        }));
        // The refreshed identity is announced by the database too; this node need not wait for it.
        invalidation.invalidate("user", outcome.userId());
        MDC.put(LogContext.USER_ID, Long.toString(outcome.userId()));
        if (outcome.refusedBy() != null) {
            audit.record("signin_refused_banned", outcome.userId(), outcome.userId(), ip, Map.of("platform", platform));
            throw ApiProblem.restricted("banned", "This account is banned.", outcome.refusedBy().bannedUntil());
        }
        return outcome.session();
    }

    /**
     * Attaches the identity to the user. An identity on another account is refused (409
     * {@code identity_in_use}), never moved or merged; a second account of a platform that allows one
     * per user is refused too (409 {@code platform_already_linked}).
     */
    void link(long userId, ProviderProfile profile, String ip) {
        try {
            attach(userId, profile, ip);
        } catch (ApiProblem e) {
            if ("identity_in_use".equals(e.code())) {
                Map<String, Object> details = identityDetails(profile);
                details.put("reason", e.code());
                audit.record("link_refused", userId, userId, ip, details);
            }
            throw e;
        }
        invalidation.invalidate("user", userId);
    }

    /** Attaches the identity, or refreshes it when it is this user's already. */
    private void attach(long userId, ProviderProfile profile, String ip) {
        try {
            transaction.executeWithoutResult(status -> {
                Instant now = clock.instant();
                if (!users.lock(userId)) {
                    throw ApiProblem.unauthenticated();
                }
                // Linking is a write, though it arrives as a browser's GET: a timeout forbids it.
                Restrictions restrictions = moderation.restrictionsOf(userId);
                if (restrictions.timedOutAt(now)) {
                    throw ApiProblem.restricted("timed_out", "This account is timed out and may only read.",
                            restrictions.timedOutUntil());
                }
                Optional<LinkedIdentity> existing = identities.find(profile.platform(), profile.instance(),
                        profile.platformUserId());
                if (existing.isPresent()) {
                    if (existing.get().userId() != userId) {
                        throw identityInUse();
                    }
                    identities.refresh(existing.get().id(), profile.platformUsername(), profile.avatarUrl(), now);
                    keepTokens(existing.get().id(), profile);
                    return;
                }
                if (!profile.platform().allowsSeveralPerUser() && identities.findByUser(userId).stream()
                        .anyMatch(i -> i.platform() == profile.platform())) {
                    throw new ApiProblem(HttpStatus.CONFLICT, "platform_already_linked", "Another "
                            + profile.platform().key() + " account is linked to this account already; unlink it first.");
                }
                long identityId = identities.insert(userId, profile.platform(), profile.instance(),
                        profile.platformUserId(), profile.platformUsername(), profile.avatarUrl(), now);
                keepTokens(identityId, profile);
                Map<String, Object> details = identityDetails(profile);
                details.put("identity_id", identityId);
                audit.record("link", userId, userId, ip, details);
            });
        } catch (DuplicateKeyException e) {
            // Another account took the identity between this look and this insert.
            throw identityInUse();
        }
    }

    /**
     * Detaches the user's identities on a platform (on one instance only, when {@code instance} is given:
     * Mastodon accounts on several servers). The last way to sign in stays: an account must keep an
     * identity on a platform that is offered now (409 {@code last_identity}).
     */
    void unlink(long userId, Platform platform, String instance, Set<Platform> offered, String ip) {
        unlinkWhere(userId, i -> i.platform() == platform && (instance == null || i.instance().equals(instance)),
                offered, ip, () -> ApiProblem.notFound("No " + platform.key() + " account is linked to this account"
                        + (instance == null ? "." : " on " + instance + ".")));
    }

    /**
     * Detaches one identity by its id, under the same rules; an id that is not one of the user's identities
     * is 404 whether it exists or not.
     */
    public void unlinkIdentity(long userId, long identityId, Set<Platform> offered, String ip) {
        unlinkWhere(userId, i -> i.id() == identityId, offered, ip,
                () -> ApiProblem.notFound("No linked identity " + identityId + " on this account."));
    }

    private void unlinkWhere(long userId, java.util.function.Predicate<LinkedIdentity> leaves, Set<Platform> offered,
            String ip, java.util.function.Supplier<ApiProblem> none) {
        transaction.executeWithoutResult(status -> {
            Instant now = clock.instant();
            if (!users.lock(userId)) {
                throw ApiProblem.unauthenticated();
            }
            List<LinkedIdentity> linked = identities.findByUser(userId);
            List<LinkedIdentity> leaving = linked.stream().filter(leaves).toList();
            if (leaving.isEmpty()) {
                throw none.get();
            }
            Platform platform = leaving.get(0).platform();
            boolean anotherWayIn = linked.stream().anyMatch(i -> !leaving.contains(i) && offered.contains(i.platform()));
            if (!anotherWayIn) {
                throw new ApiProblem(HttpStatus.CONFLICT, "last_identity", "This is the last way to sign in to this "
                        + "account; link another platform before unlinking " + platform.key() + ".");
            }
            identities.delete(leaving.stream().map(LinkedIdentity::id).toList());
            // The avatar falls back when no identity of the platform it came from is left.
            if (leaving.size() == linked.stream().filter(i -> i.platform() == platform).count()) {
                users.clearAvatarSource(userId, platform.key(), now);
            }
            audit.record("unlink", userId, userId, ip, Map.of("platform", platform.key(),
                    "identity_ids", leaving.stream().map(LinkedIdentity::id).toList()));
        });
        invalidation.invalidate("user", userId);
    }

    /** Which identity an act was about: platform, its user id there, and the instance (Mastodon). */
    private static Map<String, Object> identityDetails(ProviderProfile profile) {
        Map<String, Object> details = new java.util.LinkedHashMap<>();
        details.put("platform", profile.platform().key());
        details.put("platform_user_id", profile.platformUserId());
        if (!profile.instance().isEmpty()) {
            details.put("instance", profile.instance());
        }
        return details;
    }

    private static ApiProblem identityInUse() {
        return new ApiProblem(HttpStatus.CONFLICT, "identity_in_use",
                "That account is linked to another Portal account; sign in with it there, or unlink it there first.");
    }

    private record FoundUser(long userId, boolean created) {
    }

    private FoundUser findOrCreate(ProviderProfile profile, Instant now) {
        Optional<LinkedIdentity> existing = identities.find(profile.platform(), profile.instance(), profile.platformUserId());
        if (existing.isPresent()) {
            identities.refresh(existing.get().id(), profile.platformUsername(), profile.avatarUrl(), now);
            keepTokens(existing.get().id(), profile);
            return new FoundUser(existing.get().userId(), false);
        }
        long userId = users.insert(freeUsername(profile.nameHint()), 0, null, now);
        long identityId = identities.insert(userId, profile.platform(), profile.instance(), profile.platformUserId(),
                profile.platformUsername(), profile.avatarUrl(), now);
        keepTokens(identityId, profile);
        return new FoundUser(userId, true);
    }

    /** The provider's newest tokens replace the stored ones, sealed; a provider that gave none leaves them be. */
    private void keepTokens(long identityId, ProviderProfile profile) {
        ProviderProfile.Tokens tokens = profile.tokens();
        if (tokens == null) {
            return;
        }
        String context = LinkedIdentity.tokenContext(profile.platform(), profile.instance(), profile.platformUserId());
        identities.storeTokens(identityId, cipher.seal(tokens.accessToken(), context),
                tokens.refreshToken() == null ? null : cipher.seal(tokens.refreshToken(), context), tokens.expiresAt(),
                tokens.proofKey() == null ? null : cipher.seal(tokens.proofKey(), context));
    }

    private static <T> T retryingRaces(java.util.function.Supplier<T> work) {
        DuplicateKeyException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            try {
                return work.get();
            } catch (DuplicateKeyException e) {
                last = e;
            }
        }
        throw last;
    }

    private String freeUsername(String nameHint) {
        String candidate = Username.candidateFrom(nameHint);
        for (int n = 1; n <= USERNAME_ALTERNATIVES; n++) {
            String name = n == 1 ? candidate : Username.alternative(candidate, n);
            if (users.findIdByUsername(name).isEmpty()) {
                return name;
            }
        }
        return Username.alternative(candidate.substring(0, Math.min(candidate.length(), 20)),
                (int) (Math.abs(clock.millis()) % 1_000_000_000));
    }
}
