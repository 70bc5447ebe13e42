package dev.portal.organization;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.portal.account.UserRepository;
import dev.portal.audit.AuditLog;
import dev.portal.platform.ApiProblem;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Creating organizations and leaving them. The creator is the first owner, in the same transaction as the
 * organization; slugs are unique ignoring case, and the unique index decides two creates at once.
 */
@Service
public class OrganizationService {
    /** Organizations one user may create; enough for anyone, few enough that a script cannot squat slugs. */
    public static final int MAX_CREATED_PER_USER = 50;

    private final OrganizationRepository organizations;
    private final UserRepository users;
    private final AuditLog audit;
    private final TransactionTemplate transaction;
    private final Clock clock;

    OrganizationService(OrganizationRepository organizations, UserRepository users, AuditLog audit,
            TransactionTemplate transaction, Clock clock) {
        this.organizations = organizations;
        this.users = users;
        this.audit = audit;
        this.transaction = transaction;
        this.clock = clock;
    }

    /** The user's memberships with their role, by name. */
    public List<Membership> membershipsOf(long userId) {
        return organizations.membershipsOf(userId);
    }

    /**
     * A new organization owned by {@code userId}: 409 {@code slug_taken} when the slug is in use (ignoring
     * case), 409 {@code organization_limit} past {@link #MAX_CREATED_PER_USER}.
     */
    public Membership create(long userId, NewOrganization request, String ip) {
        try {
            return transaction.execute(status -> {
                Instant now = clock.instant();
                // One user's creates are counted one at a time.
                if (!users.lock(userId)) {
                    throw ApiProblem.unauthenticated();
                }
                if (organizations.countCreatedBy(userId) >= MAX_CREATED_PER_USER) {
                    throw new ApiProblem(HttpStatus.CONFLICT, "organization_limit", "An account may create at most "
                            + MAX_CREATED_PER_USER + " organizations.");
                }
                long id = organizations.insert(request.name(), request.slug().value(), userId, now);
                organizations.addMember(id, userId, Role.OWNER, now);
                audit.record("organization_created", userId, userId, ip, Map.of("organization_id", id,
                        "slug", request.slug().value(), "name", request.name()));
                return new Membership(id, request.name(), request.slug().value(), Role.OWNER, now, now);
            });
        } catch (DuplicateKeyException e) {
            throw slugTaken(request.slug().value());
        }
    }

    private static ApiProblem slugTaken(String slug) {
        return new ApiProblem(HttpStatus.CONFLICT, "slug_taken", "The slug " + slug + " is taken.",
                Map.of("errors", Map.of("slug", "is taken")));
    }

    /**
     * Takes the user out of every organization, inside the caller's transaction (account deletion). An
     * organization the user alone owns is passed to its oldest admin (longest a member as admin), or
     * deleted when it has none; an organization with another owner just loses this member.
     */
    public void removeMember(long userId) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("removeMember runs inside the caller's transaction");
        }
        for (long organizationId : organizations.lockOwnedBy(userId)) {
            if (organizations.hasOtherOwner(organizationId, userId)) {
                continue;
            }
            Long heir = organizations.oldestAdmin(organizationId, userId);
            if (heir == null) {
                organizations.delete(organizationId);
                audit.record("organization_deleted", userId, userId, null, Map.of("organization_id", organizationId,
                        "reason", "sole_owner_left"));
            } else {
                organizations.setRole(organizationId, heir, Role.OWNER);
                audit.record("organization_owner_changed", userId, heir, null, Map.of("organization_id", organizationId,
                        "reason", "sole_owner_left"));
            }
        }
        organizations.removeMemberships(userId);
    }
}
