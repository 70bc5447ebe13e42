package dev.portal.message;

import java.time.Instant;

/**
 * Where a message was sent: one of the author's Mastodon identities ({@code identityId}, kept after it is
 * unlinked) on {@code instance}, and how it went. {@code error} is a short reason a person can act on, null
 * when posted.
 */
public record CrossPost(long messageId, long identityId, String instance, String statusId, String statusUrl,
        boolean posted, String error, Instant createdAt) {
}
