package dev.portal.privacy;

import java.util.Map;

import dev.portal.access.PermissionLevel;
import dev.portal.account.Account;
import dev.portal.account.UserRepository;
import dev.portal.audit.AuditLog;
import dev.portal.avatar.AvatarService;
import dev.portal.organization.OrganizationService;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.CacheInvalidation;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * {@code POST /api/user/delete}: the hard delete of an account and everything it owns, in one transaction,
 * so a failure at any step leaves the account whole. The user's row goes, and with it (by {@code on delete
 * cascade}) identities, sessions, tokens, moderation and subscription and permission histories, chats, bots,
 * messages, memberships and pending e-mail changes. Organizations the user alone owns pass to their oldest
 * admin or are deleted; the uploaded avatar's blobs are queued for removal, which happens after the commit
 * and is retried. The audit log keeps one {@code account_deleted} tombstone holding only the former id.
 *
 * <p>Every node drops the account at once: deleting the row and its sessions and tokens is announced by the
 * database triggers of V1 (cache invalidation), and this node drops them as the transaction commits, so the
 * next request with an old credential answers 401.
 */
@Service
public class AccountErasure {
    private final ErasureRepository erasure;
    private final UserRepository users;
    private final AuditLog audit;
    private final AvatarService avatars;
    private final OrganizationService organizations;
    private final CacheInvalidation invalidation;

    AccountErasure(ErasureRepository erasure, UserRepository users, AuditLog audit, AvatarService avatars,
            OrganizationService organizations, CacheInvalidation invalidation) {
        this.erasure = erasure;
        this.users = users;
        this.audit = audit;
        this.avatars = avatars;
        this.organizations = organizations;
        this.invalidation = invalidation;
    }

    @Transactional
    public void erase(Account me) {
        if (erasure.permissionLevel(me.id()) == PermissionLevel.OWNER) {
            // Two Owners leaving at once must be judged one after the other, or each would count the other
            // as the Owner who stays.
            erasure.lockOwners();
        }
        if (!users.lock(me.id())) {
            throw ApiProblem.notFound("No such user.");
        }
        // Read under the lock: a level cached on this node could be a notification behind.
        if (erasure.permissionLevel(me.id()) == PermissionLevel.OWNER && erasure.otherOwners(me.id()) == 0) {
            throw new ApiProblem(HttpStatus.CONFLICT, "last_owner",
                    "The only Owner cannot delete their account; make someone else Owner first.");
        }
        // Queued in this transaction: if the deletion rolls back, the avatar stays with its account.
        erasure.avatarUploadKey(me.id()).ifPresent(avatars::scheduleRemoval);
        erasure.declareErasure(me.id());
        organizations.removeMember(me.id());
        erasure.eraseAuditTrail(me.id());
        // This node forgets them as the transaction commits: the database's notifications reach every node,
        // this one too, but a moment later, and the next request may come first.
        invalidation.invalidateAfterCommit("session", erasure.sessionIds(me.id()));
        invalidation.invalidateAfterCommit("token", erasure.tokenIds(me.id()));
        invalidation.invalidateAfterCommit("user", java.util.List.of(me.id()));
        erasure.deleteUser(me.id());
        audit.record("account_deleted", me.id(), me.id(), null, Map.of());
    }
}
