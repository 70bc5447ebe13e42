package dev.portal.web.admin;

import dev.portal.access.PermissionLevel;
import dev.portal.platform.ApiProblem;
import dev.portal.session.Authentication;
import org.springframework.http.HttpStatus;

/**
 * Who may see that the admin pages exist at all: Moderator+ for the user pages, Admin+ for the audit log.
 * Anyone below gets the 404 page any unknown path gets, so a member learns nothing from them.
 */
final class StaffOnly {
    private StaffOnly() {
    }

    static void requireModerator(Authentication auth) {
        requireOwnCredentials(auth);
        if (!auth.account().isAtLeast(PermissionLevel.MODERATOR)) {
            throw notFound();
        }
    }

    static void requireAdmin(Authentication auth) {
        requireOwnCredentials(auth);
        if (!auth.account().isAtLeast(PermissionLevel.ADMIN)) {
            throw notFound();
        }
    }

    /**
     * An impersonation session stays on the user's own side of Portal, as the v1 governance endpoints keep it
     * (session's ImpersonationGuard): the staff pages are governance too.
     */
    private static void requireOwnCredentials(Authentication auth) {
        if (auth.impersonated()) {
            throw new ApiProblem(HttpStatus.FORBIDDEN, "forbidden",
                    "An impersonation session cannot reach the staff pages; use your own session.");
        }
    }

    private static ApiProblem notFound() {
        return ApiProblem.notFound("No such page.");
    }
}
