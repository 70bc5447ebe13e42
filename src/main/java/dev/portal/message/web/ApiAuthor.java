package dev.portal.message.web;

import dev.portal.account.Account;

/** Who wrote a message, as anyone may see them. */
record ApiAuthor(String username, String displayName, String avatarUrl) {
    static ApiAuthor of(Account a) {
        return new ApiAuthor(a.username(), a.profile().displayName(), a.avatarUrl());
    }
}
