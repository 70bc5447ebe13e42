package dev.portal.message.web;

import java.util.List;

import dev.portal.account.Account;
import dev.portal.message.MessagePage;
import io.swagger.v3.oas.annotations.media.Schema;

/** A page of a listing, newest first. */
record ApiMessagePage(
        List<ApiMessage> messages,
        @Schema(description = "Pass as cursor for the next page; null on the last page") String nextCursor) {
    static ApiMessagePage of(MessagePage page, Account author, boolean ownView) {
        return new ApiMessagePage(page.messages().stream()
                .map(m -> ApiMessage.of(m, author, ownView ? page.crossPosts().getOrDefault(m.id(), List.of()) : null))
                .toList(), page.nextCursor());
    }
}
