package dev.portal.moderation;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.portal.access.AccessRules;
import dev.portal.account.Account;
import dev.portal.account.UserRepository;
import dev.portal.audit.AuditLog;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.CacheInvalidation;
import dev.portal.platform.V1Time;
import dev.portal.session.ApiTokenService;
import dev.portal.session.SessionService;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Moderators' acts on users (SPEC §2, §3). Each act, its audit event and, for a ban, the end of every
 * session and token of the target happen in one transaction: either all of it is there or none.
 * Acts on one user are serialised by a lock on the user's row, so two "unban"s of one ban cannot both
 * find it in force.
 */
@Service
public class ModerationService {
    /** A validated request: {@code duration} null for a permanent ban and for acts that take none. */
    public record Command(ModerationKind kind, String reason, Duration duration) {
    }

    private final ModerationRepository moderation;
    private final UserRepository users;
    private final SessionService sessions;
    private final ApiTokenService tokens;
    private final AuditLog audit;
    private final CacheInvalidation invalidation;
    private final TransactionTemplate transaction;
    private final Clock clock;

    ModerationService(ModerationRepository moderation, UserRepository users, SessionService sessions,
            ApiTokenService tokens, AuditLog audit, CacheInvalidation invalidation, TransactionTemplate transaction,
            Clock clock) {
        this.moderation = moderation;
        this.users = users;
        this.sessions = sessions;
        this.tokens = tokens;
        this.audit = audit;
        this.invalidation = invalidation;
        this.transaction = transaction;
        this.clock = clock;
    }

    /**
     * Records {@code command} by {@code actor} on {@code target}: 403 unless the actor may (ban and unban
     * Admin+, the rest Moderator+, always above the target), 404 if the target is gone, 409 {@code conflict}
     * for an untimeout or unban with nothing in force.
     */
    public ModerationAction act(Account actor, Account target, Command command, String ip) {
        if (command.kind().isBanAct()) {
            AccessRules.requireMayBan(actor, target);
        } else {
            AccessRules.requireMayModerate(actor, target);
        }
        ModerationAction done = transaction.execute(status -> {
            if (!users.lock(target.id())) {
                throw ApiProblem.notFound("No such user.");
            }
            Instant now = clock.instant();
            Restrictions inForce = moderation.restrictionsOf(target.id());
            if (command.kind() == ModerationKind.UNTIMEOUT && !inForce.timedOutAt(now)) {
                throw new ApiProblem(HttpStatus.CONFLICT, "conflict", "This user has no timeout in force.");
            }
            if (command.kind() == ModerationKind.UNBAN && !inForce.bannedAt(now)) {
                throw new ApiProblem(HttpStatus.CONFLICT, "conflict", "This user has no ban in force.");
            }
            Instant expiresAt = command.duration() == null ? null : now.plus(command.duration());
            ModerationAction action = moderation.insert(target.id(), actor.id(), command.kind(), command.reason(), now,
                    expiresAt);
            // The reason stays in moderation_actions (deleted with the user); the append-only log keeps
            // no personal data, only what happened and the row that says why.
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("action_id", action.id());
            details.put("expires_at", V1Time.format(expiresAt));
            if (command.kind() == ModerationKind.BAN) {
                details.put("sessions_revoked", sessions.revokeAll(target.id(), "banned"));
                details.put("tokens_revoked", tokens.revokeAll(target.id()));
            }
            audit.record(auditAction(command.kind()), actor.id(), target.id(), ip, details);
            return action;
        });
        // The database tells every node (moderation_actions' trigger); this node need not wait for it.
        invalidation.invalidateAfterCommit("user", List.of(target.id()));
        return done;
    }

    /** The audit log's name for an act: {@code moderation_timeout}, {@code moderation_ban}, ... */
    public static String auditAction(ModerationKind kind) {
        return "moderation_" + kind.key();
    }

    /** What the user may see of what was done to them: every act but notes, newest first. */
    public List<ModerationAction> visibleTo(long userId) {
        return moderation.findByUser(userId).stream().filter(a -> !ModerationKind.NOTE.key().equals(a.action()))
                .toList();
    }
}
