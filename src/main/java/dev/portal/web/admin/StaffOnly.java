package dev.portal.web.admin;

import dev.portal.access.PermissionLevel;
import dev.portal.account.Account;
import dev.portal.platform.ApiProblem;

/**
 * Who may see that the admin pages exist at all: Moderator+ for the user pages, Admin+ for the audit log.
 * Anyone below gets the 404 page any unknown path gets, so a member learns nothing from them.
 */
final class StaffOnly {
    private StaffOnly() {
    }

    static void requireModerator(Account viewer) {
        if (!viewer.isAtLeast(PermissionLevel.MODERATOR)) {
            throw notFound();
        }
    }

    static void requireAdmin(Account viewer) {
        if (!viewer.isAtLeast(PermissionLevel.ADMIN)) {
            throw notFound();
        }
    }

    private static ApiProblem notFound() {
        return ApiProblem.notFound("No such page.");
    }
}
