package dev.portal.access;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.portal.account.Account;
import dev.portal.account.AccountService;
import dev.portal.account.UserRepository;
import dev.portal.audit.AuditLog;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.CacheInvalidation;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sets a user's permission level (SPEC §2, §3). The new level, {@code permission_since}, the history row
 * and the audit event are written in one transaction while the user's row is held, and the rule is judged
 * again on the row as it is then: of two changes at once the second waits, sees the first one's level and
 * records it as its {@code from}, so the history never skips or repeats a step.
 */
@Service
public class PermissionService {
    private final UserRepository users;
    private final AccountService accounts;
    private final PermissionRepository permissions;
    private final AuditLog audit;
    private final CacheInvalidation invalidation;
    private final TransactionTemplate transaction;
    private final Clock clock;

    PermissionService(UserRepository users, AccountService accounts, PermissionRepository permissions, AuditLog audit,
            CacheInvalidation invalidation, TransactionTemplate transaction, Clock clock) {
        this.users = users;
        this.accounts = accounts;
        this.permissions = permissions;
        this.audit = audit;
        this.invalidation = invalidation;
        this.transaction = transaction;
        this.clock = clock;
    }

    /**
     * Moves {@code targetId} to {@code level} on {@code actor}'s authority and answers the account as it now
     * is. 404 for an unknown user, 403 unless {@link AccessRules#requireMaySetPermission} allows it, 400 for a
     * level out of range, 409 {@code conflict} when the user is at that level already (a change that changes
     * nothing would put a step in the history that never happened).
     */
    public Account change(Account actor, long targetId, int level, String reason, String ip) {
        transaction.executeWithoutResult(status -> {
            if (!users.lock(targetId)) {
                throw ApiProblem.notFound("No such user.");
            }
            // Judged on the rows as they are under the lock, not on cached accounts a notification behind.
            Account target = accounts.findCurrent(targetId).orElseThrow(() -> ApiProblem.notFound("No such user."));
            Account caller = accounts.findCurrent(actor.id()).orElseThrow(ApiProblem::unauthenticated);
            AccessRules.requireMaySetPermission(caller, target, level);
            int from = target.permissionLevel();
            if (from == level) {
                throw new ApiProblem(HttpStatus.CONFLICT, "conflict", "The user is already at that level.");
            }
            Instant now = clock.instant();
            if (users.setPermissionLevel(targetId, level, now) != 1) {
                throw new IllegalStateException("user " + targetId + " vanished while locked");
            }
            permissions.record(targetId, from, level, caller.id(), reason, now);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("from", from);
            details.put("to", level);
            details.put("reason", reason);
            audit.record("permission_changed", caller.id(), targetId, ip, details);
        });
        // The users trigger tells every node once this commits; this node need not wait for its own notice.
        invalidation.invalidate("user", targetId);
        return accounts.find(targetId).orElseThrow(() -> ApiProblem.notFound("No such user."));
    }
}
