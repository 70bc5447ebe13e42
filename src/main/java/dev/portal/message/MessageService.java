package dev.portal.message;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.portal.account.Account;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.Keyset;
import dev.portal.platform.RateLimiter;
import org.springframework.stereotype.Service;

/**
 * Posting, deleting and listing messages. A post is checked whole before anything is written (the
 * cross-post targets too), stored and committed, and only then sent to the instances, so no database
 * connection is held while an instance answers; the results are recorded afterwards.
 */
@Service
public class MessageService {
    public static final int DEFAULT_PAGE = 20;
    public static final int MAX_PAGE = 100;

    private final MessageRepository messages;
    private final MastodonCrossPoster crossPoster;
    private final RateLimiter rateLimiter;
    private final RateLimiter.Limit writes;
    private final Clock clock;

    MessageService(MessageRepository messages, MastodonCrossPoster crossPoster, RateLimiter rateLimiter,
            MessageProperties properties, Clock clock) {
        this.messages = messages;
        this.crossPoster = crossPoster;
        this.rateLimiter = rateLimiter;
        this.writes = new RateLimiter.Limit("message-writes", RateLimiter.Rate.perMinute(properties.writesPerMinute()));
        this.clock = clock;
    }

    /** The stored message and where it went, in the order the ids were given. */
    public record Posted(Message message, List<CrossPost> crossPosts) {
    }

    /** Counts one write of the author's against the per-user limit: 429 {@code rate_limited} past it. */
    public void countWrite(Account author) {
        rateLimiter.consume(writes, "user:" + author.id());
    }

    public Posted post(Account author, NewMessage request) {
        List<MastodonAccount> targets = targets(author, request.mastodonProviderIds());
        // Committed on its own (auto-commit), before any instance is asked.
        Message message = messages.insert(author.id(), request.body(), request.visibility(), clock.instant());
        List<CrossPost> results = targets.isEmpty() ? List.of() : crossPoster.post(message, targets);
        results.forEach(messages::insertCrossPost);
        return new Posted(message, results);
    }

    /**
     * The author's own Mastodon identities the ids name, in their order; any other id (another user's, a
     * non-Mastodon identity, unknown, not a number) is refused with one message for all, so the answer never
     * tells whether someone else's identity exists.
     */
    private List<MastodonAccount> targets(Account author, List<String> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        Map<String, Long> parsed = new LinkedHashMap<>();
        List<String> refused = new ArrayList<>();
        for (String id : ids) {
            Optional<Long> number = number(id);
            if (number.isPresent()) {
                parsed.put(id, number.get());
            } else {
                refused.add(id);
            }
        }
        Map<Long, MastodonAccount> found = messages.mastodonAccounts(author.id(), parsed.values()).stream()
                .collect(Collectors.toMap(MastodonAccount::identityId, Function.identity()));
        parsed.forEach((id, number) -> {
            if (!found.containsKey(number)) {
                refused.add(id);
            }
        });
        if (!refused.isEmpty()) {
            List<String> named = ids.stream().filter(refused::contains).map(NewMessage::shown).toList();
            throw ApiProblem.invalidFields(Map.of("mastodonProviderIds",
                    "not one of your Mastodon identities: " + String.join(", ", named)));
        }
        return parsed.values().stream().map(found::get).toList();
    }

    private static Optional<Long> number(String id) {
        if (id == null || !id.matches("[1-9][0-9]{0,18}")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(id));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Deletes the author's message; someone else's and an unknown one answer 404 alike. Statuses already on
     * Mastodon stay there.
     */
    public void delete(Account author, String id) {
        Optional<Long> messageId = number(id);
        if (messageId.isEmpty() || !messages.delete(author.id(), messageId.get())) {
            throw ApiProblem.notFound("No such message.");
        }
    }

    /**
     * A page of {@code author}'s messages, newest first: all of them with their cross-posts when
     * {@code ownView}, else the public ones alone. A bad cursor or limit: 400 with {@code errors}.
     */
    public MessagePage page(Account author, boolean ownView, String cursor, String limit) {
        Map<String, String> errors = new LinkedHashMap<>();
        Keyset before = null;
        if (cursor != null && !cursor.isEmpty()) {
            before = Keyset.decode(cursor).orElse(null);
            if (before == null) {
                errors.put("cursor", "must be a nextCursor from an earlier page");
            }
        }
        int size = DEFAULT_PAGE;
        if (limit != null) {
            try {
                size = Integer.parseInt(limit.strip());
            } catch (NumberFormatException e) {
                size = 0;
            }
            if (size < 1 || size > MAX_PAGE) {
                errors.put("limit", "must be a whole number from 1 to " + MAX_PAGE);
            }
        }
        if (!errors.isEmpty()) {
            throw ApiProblem.invalidFields(errors);
        }
        List<Message> rows = ownView ? messages.page(author.id(), before, size + 1)
                : messages.publicPage(author.id(), before, size + 1);
        List<Message> shown = rows.subList(0, Math.min(size, rows.size()));
        String next = rows.size() > size
                ? new Keyset(shown.get(shown.size() - 1).createdAt(), shown.get(shown.size() - 1).id()).encode() : null;
        Map<Long, List<CrossPost>> crossPosts = ownView
                ? messages.crossPostsOf(shown.stream().map(Message::id).toList()) : Map.of();
        return new MessagePage(List.copyOf(shown), crossPosts, next);
    }
}
