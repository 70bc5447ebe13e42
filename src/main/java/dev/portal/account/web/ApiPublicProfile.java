package dev.portal.account.web;

import dev.portal.account.Account;
import dev.portal.platform.ApiTime;

/** A user as anyone may see them, {@code GET /api/profiles/{username}}: nothing private. */
record ApiPublicProfile(String username, String displayName, String bio, String avatarUrl, String createdAt) {
    static ApiPublicProfile of(Account a) {
        return new ApiPublicProfile(a.username(), a.profile().displayName(), a.profile().bio(), a.avatarUrl(),
                ApiTime.format(a.createdAt()));
    }
}
