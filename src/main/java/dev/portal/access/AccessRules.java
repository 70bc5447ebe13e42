package dev.portal.access;

import dev.portal.account.Account;
import dev.portal.platform.ApiProblem;
import org.springframework.http.HttpStatus;

/**
 * SPEC §3 in one place: who may do what to whom. Every governance act asks here first, so each rule is
 * enforced (and tested) once. {@code can_act_on(viewer, target)} holds when the viewer is someone else and
 * strictly above the target; self-actions and acts on a peer or a superior are refused with 403
 * {@code forbidden}.
 */
public final class AccessRules {
    private AccessRules() {
    }

    /** Timeout, untimeout, warn, note: Moderator+ who can act on the target. */
    public static void requireMayModerate(Account actor, Account target) {
        require(actor.isAtLeast(PermissionLevel.MODERATOR) && actor.canActOn(target),
                "Only a moderator above this user may do that.");
    }

    /** Ban, unban, granting or ending a Trial or Premium: Admin+ who can act on the target. */
    public static void requireMayBan(Account actor, Account target) {
        require(actor.isAtLeast(PermissionLevel.ADMIN) && actor.canActOn(target),
                "Only an admin above this user may do that.");
    }

    /** Subscriptions: Trial, Premium and back to Basic by an Admin+ who can act on the target; Lifetime by an Owner. */
    public static void requireMayGrant(Account actor, Account target, int tier) {
        requireMayBan(actor, target);
        if (tier == 3) {
            require(actor.isAtLeast(PermissionLevel.OWNER), "Only an owner may grant Lifetime.");
        }
    }

    /** Permission levels below Owner, set by an Owner on someone else below them. */
    public static void requireMaySetPermission(Account actor, Account target, int level) {
        require(actor.isAtLeast(PermissionLevel.OWNER) && actor.canActOn(target),
                "Only an owner may change permission levels, and not their own or another owner's.");
        if (level < PermissionLevel.USER || level >= PermissionLevel.OWNER) {
            throw ApiProblem.invalidFields(java.util.Map.of("level", "must be 0 (User), 1 (Moderator) or 2 (Admin)"));
        }
    }

    /**
     * Whether the actor may impersonate anyone at all (Owner), asked before the target is looked up so that
     * someone who may not learns nothing about which ids exist.
     */
    public static void requireMayImpersonateAnyone(Account actor) {
        require(actor.isAtLeast(PermissionLevel.OWNER), "Only an owner may impersonate a user.");
    }

    /** Impersonating a user: an Owner who can act on the target (so not themselves, nor another Owner). */
    public static void requireMayImpersonate(Account actor, Account target) {
        require(mayImpersonate(actor, target), "Only an owner may impersonate a user, and not themselves or another owner.");
    }

    /** The rule of {@link #requireMayImpersonate}; an impersonation lasts only while it holds. */
    public static boolean mayImpersonate(Account actor, Account target) {
        return actor.isAtLeast(PermissionLevel.OWNER) && actor.canActOn(target);
    }

    /** Listing and searching users, reading the audit log, importing: Admin+. */
    public static void requireAdmin(Account actor) {
        require(actor.isAtLeast(PermissionLevel.ADMIN), "Only admins may do that.");
    }

    private static void require(boolean allowed, String detail) {
        if (!allowed) {
            throw new ApiProblem(HttpStatus.FORBIDDEN, "forbidden", detail);
        }
    }
}
