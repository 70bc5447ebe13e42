package dev.portal.subscription;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.portal.access.AccessRules;
import dev.portal.account.Account;
import dev.portal.account.AccountService;
import dev.portal.account.UserRepository;
import dev.portal.audit.AuditLog;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.CacheInvalidation;
import dev.portal.platform.V1Time;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Grants and ends subscriptions, and records lapses. Each change is one transaction holding the user's row
 * lock: the users row, its {@code subscription_changes} row and its audit event are written together or not
 * at all, and two changes to one user are judged one after the other, each against what the other left.
 */
@Service
public class SubscriptionService {
    private final AccountService accounts;
    private final UserRepository users;
    private final SubscriptionRepository subscriptions;
    private final AuditLog audit;
    private final CacheInvalidation invalidation;
    private final TransactionTemplate transaction;
    private final Clock clock;

    SubscriptionService(AccountService accounts, UserRepository users, SubscriptionRepository subscriptions,
            AuditLog audit, CacheInvalidation invalidation, TransactionTemplate transaction, Clock clock) {
        this.accounts = accounts;
        this.users = users;
        this.subscriptions = subscriptions;
        this.audit = audit;
        this.invalidation = invalidation;
        this.transaction = transaction;
        this.clock = clock;
    }

    /**
     * Sets {@code targetId}'s tier as {@code grant} says, by {@code actor}; answers the account as it is now.
     *
     * <p>SECURITY 16, two identical grants at once: the second to get the row lock finds the tier and expiry
     * already set and is refused with 409 {@code conflict}, so exactly one is recorded. The same holds for any
     * grant that would change nothing (ending a subscription that is already Basic, or has lapsed).
     *
     * @throws ApiProblem 404 for an unknown user, 403 when {@link AccessRules#requireMayGrant} refuses, 409
     *         when the user already has exactly this tier and expiry
     */
    public Account grant(Account actor, long targetId, Grant grant, String ip) {
        Account target = accounts.find(targetId).orElseThrow(() -> ApiProblem.notFound("No such user."));
        AccessRules.requireMayGrant(actor, target, grant.tier());
        transaction.executeWithoutResult(status -> {
            if (!users.lock(targetId)) {
                throw ApiProblem.notFound("No such user.");
            }
            // Judged again on the rows as they are now, under the lock: a level changed a moment ago counts.
            AccessRules.requireMayGrant(accounts.findCurrent(actor.id()).orElseThrow(ApiProblem::unauthenticated),
                    accounts.findCurrent(targetId).orElseThrow(() -> ApiProblem.notFound("No such user.")), grant.tier());
            Instant now = clock.instant();
            // A lapse nobody has swept yet goes into the history first, so the history reads as it happened.
            lapse(now, targetId, 1);
            Subscription before = subscriptions.storedOf(targetId).orElseThrow().effectiveAt(now);
            if (before.tier() == grant.tier() && java.util.Objects.equals(before.expiresAt(), grant.expiresAt())) {
                throw new ApiProblem(HttpStatus.CONFLICT, "conflict",
                        "The user already has this tier" + (grant.expiresAt() == null ? "." : " until that time."));
            }
            Subscription after = grant.tier() == Subscription.BASIC ? new Subscription(Subscription.BASIC, null, null)
                    : new Subscription(grant.tier(), grant.expiresAt(), actor.id());
            subscriptions.set(targetId, after, now);
            long changeId = subscriptions.recordChange(targetId, before.tier(), after.tier(), after.expiresAt(),
                    actor.id(), grant.reason(), now);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("change_id", changeId);
            details.put("from_tier", before.tier());
            details.put("to_tier", after.tier());
            details.put("expires_at", V1Time.format(after.expiresAt()));
            audit.record("subscription_changed", actor.id(), targetId, ip, details);
        });
        // The database trigger tells every node; this node need not wait for its own notification.
        invalidation.invalidate("user", targetId);
        return accounts.find(targetId).orElseThrow(() -> ApiProblem.notFound("No such user."));
    }

    /**
     * Within the caller's transaction: resets up to {@code limit} lapsed tiers to Basic (only
     * {@code onlyUser}'s when given), recording and auditing each lapse once; see
     * {@link SubscriptionRepository#resetLapsed}.
     */
    List<SubscriptionRepository.Lapse> lapse(Instant now, Long onlyUser, int limit) {
        List<SubscriptionRepository.Lapse> lapses = subscriptions.resetLapsed(now, onlyUser, limit);
        for (SubscriptionRepository.Lapse l : lapses) {
            audit.record("subscription_lapsed", null, l.userId(), null, Map.of("change_id", l.changeId(),
                    "from_tier", l.fromTier(), "expired_at", V1Time.format(l.expiredAt())));
        }
        return lapses;
    }

    /** Commits one batch of lapses (at most {@code limit}) in one transaction; answers them. */
    List<SubscriptionRepository.Lapse> lapseBatch(int limit) {
        List<SubscriptionRepository.Lapse> lapses = transaction.execute(status -> lapse(clock.instant(), null, limit));
        lapses.forEach(l -> invalidation.invalidate("user", l.userId()));
        return lapses;
    }
}
