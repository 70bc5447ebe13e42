package dev.portal.message.web;

import dev.portal.message.CrossPost;
import io.swagger.v3.oas.annotations.media.Schema;

/** Where a message was cross-posted: one of the author's Mastodon identities, and how it went. */
record ApiCrossPost(
        @Schema(description = "The id of the Mastodon identity, as in GET /api/user/identities") String mastodonProviderId,
        @Schema(description = "The instance, e.g. mastodon.social") String instanceName,
        boolean posted,
        @Schema(description = "The status on the instance; null when not posted") String url,
        @Schema(description = "Why it was not posted, e.g. \"instance unavailable\", \"timed out\", "
                + "\"token revoked — sign in with Mastodon again\"; null when posted") String error) {
    static ApiCrossPost of(CrossPost c) {
        return new ApiCrossPost(String.valueOf(c.identityId()), c.instance(), c.posted(), c.statusUrl(), c.error());
    }
}
