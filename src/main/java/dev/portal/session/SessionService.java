package dev.portal.session;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.portal.audit.AuditLog;
import dev.portal.platform.CacheInvalidation;
import dev.portal.platform.GeoLocator;
import dev.portal.platform.PortalProperties;
import dev.portal.platform.Secrets;
import dev.portal.platform.V1Time;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Issues, checks and ends {@code psession} sessions. A session ends at its absolute expiry, after the
 * idle timeout without use, or when revoked; last use is written at most once a minute ({@link CredentialCache}).
 */
@Service
public class SessionService {
    /** The platform of a session an Owner holds on a user's behalf; never a sign-in platform's key. */
    public static final String IMPERSONATION_PLATFORM = "impersonation";
    /**
     * How long an impersonation lasts, absolutely (SPEC §4; Kratos's privileged session is as long). It cannot
     * be extended: the Owner asks again, and each time is audited.
     */
    public static final Duration IMPERSONATION_LIFETIME = Duration.ofHours(1);

    /** What a request needs to know about its session; {@code impersonatedBy} is null but for an impersonation. */
    public record LiveSession(long id, long userId, String platform, Instant createdAt, Instant lastSeenAt,
            Instant expiresAt, Long impersonatedBy) implements CredentialCache.Entry {
        @Override
        public Instant lastUsedAt() {
            return lastSeenAt;
        }

        static LiveSession of(SessionRecord r) {
            return new LiveSession(r.id(), r.userId(), r.platform(), r.createdAt(), r.lastSeenAt(), r.expiresAt(),
                    r.impersonatedBy());
        }

        LiveSession seenAt(Instant at) {
            return new LiveSession(id, userId, platform, createdAt, at, expiresAt, impersonatedBy);
        }
    }

    /** A new session and the one copy of its token, for the cookie. */
    public record Issued(long id, String token) {
    }

    /** A new impersonation session, the one copy of its token, and when it ends. */
    public record Impersonation(long id, String token, Instant expiresAt) {
    }

    private final SessionRepository sessions;
    private final PortalProperties.Session settings;
    private final Clock clock;
    private final CacheInvalidation invalidation;
    private final CredentialCache<LiveSession> cache;
    private final AuditLog audit;
    private final TransactionTemplate transaction;
    private final GeoLocator places;

    SessionService(SessionRepository sessions, PortalProperties properties, CacheInvalidation invalidation,
            AuditLog audit, TransactionTemplate transaction, Clock clock, GeoLocator places,
            MeterRegistry meters) {
        this.sessions = sessions;
        this.audit = audit;
        this.transaction = transaction;
        this.places = places;
        this.invalidation = invalidation;
        this.settings = properties.session();
        this.clock = clock;
        this.cache = new CredentialCache<>("session", invalidation, meters);
    }

    public Issued create(long userId, String platform, String ip, String userAgent) {
        String token = Secrets.randomToken();
        Instant now = clock.instant();
        String agent = userAgent == null ? null : userAgent.substring(0, Math.min(userAgent.length(), 512));
        long id = sessions.insert(Secrets.sha256(token), userId, platform, ip, places.locate(ip), agent, now,
                now.plus(settings.absoluteTimeout()), null);
        return new Issued(id, token);
    }

    /**
     * A session of {@code targetId}'s held by the Owner {@code ownerId}, ending {@link #IMPERSONATION_LIFETIME}
     * from now, audited ({@code impersonation_started}) in the same transaction. Who may do this is the
     * caller's to judge ({@code AccessRules.requireMayImpersonate}); what the session may not reach is
     * {@link ImpersonationGuard}'s.
     */
    public Impersonation impersonate(long ownerId, long targetId, String ip, String userAgent) {
        String token = Secrets.randomToken();
        Instant now = clock.instant();
        Instant expiresAt = now.plus(IMPERSONATION_LIFETIME);
        String agent = userAgent == null ? null : userAgent.substring(0, Math.min(userAgent.length(), 512));
        long id = transaction.execute(status -> {
            long sessionId = sessions.insert(Secrets.sha256(token), targetId, IMPERSONATION_PLATFORM, ip,
                    places.locate(ip), agent, now, expiresAt, ownerId);
            audit.record("impersonation_started", ownerId, targetId, ip,
                    Map.of("session_id", sessionId, "expires_at", V1Time.format(expiresAt)));
            return sessionId;
        });
        return new Impersonation(id, token, expiresAt);
    }

    public Duration absoluteTimeout() {
        return settings.absoluteTimeout();
    }

    public Optional<LiveSession> authenticate(String token) {
        CredentialCache.Found<LiveSession> found = cache.find(token,
                hash -> sessions.findLiveByHash(hash).map(LiveSession::of).orElse(null));
        Instant now = clock.instant();
        if (found == null || !found.value().expiresAt().isAfter(now)) {
            return Optional.empty();
        }
        if (idleExpired(found.value(), now)) {
            // Another node may have seen it used since this one cached it: ask the database before ending it.
            LiveSession fresh = sessions.findLiveByHash(found.hash()).map(LiveSession::of).orElse(null);
            if (fresh == null || idleExpired(fresh, now)) {
                cache.remove(found.key());
                return Optional.empty();
            }
            found = new CredentialCache.Found<>(found.key(), found.hash(), fresh);
        }
        long id = found.value().id();
        return Optional.of(cache.recordUse(found, now, () -> sessions.touch(id, now), found.value()::seenAt));
    }

    private boolean idleExpired(LiveSession session, Instant now) {
        return !session.lastSeenAt().plus(settings.idleTimeout()).isAfter(now);
    }



    /** The user's sessions that still work, most recently used first. */
    public List<SessionRecord> live(long userId) {
        Instant now = clock.instant();
        return sessions.findLiveByUser(userId, now, now.minus(settings.idleTimeout()));
    }

    /**
     * Ends one of the user's own sessions and records {@code auditAction} in the same transaction;
     * false if it is not theirs or already ended.
     */
    public boolean revoke(long userId, long sessionId, String reason, String auditAction, String ip) {
        boolean revoked = Boolean.TRUE.equals(transaction.execute(status -> {
            if (!sessions.revoke(userId, sessionId, reason, clock.instant())) {
                return false;
            }
            audit.record(auditAction, userId, userId, ip, Map.of("session_id", sessionId));
            return true;
        }));
        if (revoked) {
            invalidation.invalidate("session", sessionId);
        }
        return revoked;
    }

    /**
     * Ends every session of the user (a ban), in the caller's transaction; answers how many. The database
     * announces each to every node; this node forgets them as soon as the transaction commits.
     */
    public int revokeAll(long userId, String reason) {
        // No session has id -1: "all but none".
        List<Long> ended = sessions.revokeAllBut(userId, -1, reason, clock.instant());
        invalidation.invalidateAfterCommit("session", ended);
        return ended.size();
    }

    /** Ends every session of the user but {@code keepId}, audited; returns how many ended. */
    public int revokeOthers(long userId, long keepId, String ip) {
        List<Long> revoked = transaction.execute(status -> {
            List<Long> ended = sessions.revokeAllBut(userId, keepId, "revoked_by_user", clock.instant());
            audit.record("sessions_revoked", userId, userId, ip, Map.of("count", ended.size()));
            return ended;
        });
        revoked.forEach(id -> invalidation.invalidate("session", id));
        return revoked.size();
    }
}
