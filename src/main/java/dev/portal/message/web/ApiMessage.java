package dev.portal.message.web;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.portal.account.Account;
import dev.portal.message.CrossPost;
import dev.portal.message.Message;
import dev.portal.platform.ApiTime;
import io.swagger.v3.oas.annotations.media.Schema;

/** A message on /api; {@code crossPosts} only for its author (absent from what others see). */
record ApiMessage(
        String id,
        String body,
        @Schema(allowableValues = {"public", "private"}) String visibility,
        String createdAt,
        ApiAuthor author,
        @JsonInclude(JsonInclude.Include.NON_NULL)
        @Schema(description = "Only in the author's own views") List<ApiCrossPost> crossPosts) {
    static ApiMessage of(Message m, Account author, List<CrossPost> crossPosts) {
        return new ApiMessage(String.valueOf(m.id()), m.body(), m.visibility(), ApiTime.format(m.createdAt()),
                ApiAuthor.of(author), crossPosts == null ? null : crossPosts.stream().map(ApiCrossPost::of).toList());
    }
}
