package dev.portal.message;

import java.util.List;
import java.util.Map;

/**
 * One page of a listing, newest first; {@code crossPosts} by message id (only filled for the author);
 * {@code nextCursor} null on the last page.
 */
public record MessagePage(List<Message> messages, Map<Long, List<CrossPost>> crossPosts, String nextCursor) {
}
