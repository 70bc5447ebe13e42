package dev.portal.chat;

import java.time.Clock;
import java.util.Map;

import dev.portal.audit.AuditLog;
import dev.portal.platform.ApiProblem;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Users' own chats and bots. A platform's chat or bot belongs to one Portal user: adding one that is
 * someone else's answers 409 {@code conflict} (the unique index decides races); adding one's own again
 * answers it as it is, so a bot can register its guilds at every start. Each act and its audit event are
 * one transaction.
 */
@Service
public class ChatService {
    /** Enough for a bot in thousands of guilds' worth of owners; a bound against filling the table. */
    static final int MAX_PER_USER = 1000;

    private final ChatRepository repository;
    private final AuditLog audit;
    private final TransactionTemplate transaction;
    private final Clock clock;

    ChatService(ChatRepository repository, AuditLog audit, TransactionTemplate transaction, Clock clock) {
        this.repository = repository;
        this.audit = audit;
        this.transaction = transaction;
        this.clock = clock;
    }

    /** What was added (or was there already): its id, and whether it is new. */
    public record Added(long id, boolean created) {
    }

    public Added add(Owned kind, long userId, String platform, String platformId, String label, String ip) {
        try {
            return transaction.execute(status -> {
                var owner = repository.ownerOf(kind, platform, platformId);
                if (owner.isPresent()) {
                    if (owner.get() != userId) {
                        throw takenElsewhere(kind);
                    }
                    return new Added(repository.idOf(kind, platform, platformId).orElseThrow(), false);
                }
                if (repository.count(kind, userId) >= MAX_PER_USER) {
                    throw new ApiProblem(HttpStatus.CONFLICT, "conflict", "An account may own at most " + MAX_PER_USER + " "
                            + kind.noun() + "s.");
                }
                long id = repository.insert(kind, userId, platform, platformId, label, clock.instant());
                audit.record(kind.noun() + "_added", userId, userId, ip, Map.of("platform", platform,
                        kind.idField(), platformId, "id", id));
                return new Added(id, true);
            });
        } catch (DuplicateKeyException e) {
            // Another account added it between the look and the insert.
            throw takenElsewhere(kind);
        }
    }

    /** True if it was the user's and is gone; someone else's answers false, like one that does not exist. */
    public boolean remove(Owned kind, long userId, long id, String ip) {
        return Boolean.TRUE.equals(transaction.execute(status -> repository.delete(kind, userId, id).map(removed -> {
            audit.record(kind.noun() + "_removed", userId, userId, ip, Map.of("platform", removed[0],
                    kind.idField(), removed[1], "id", id));
            return true;
        }).orElse(false)));
    }

    private static ApiProblem takenElsewhere(Owned kind) {
        return new ApiProblem(HttpStatus.CONFLICT, "conflict", "That " + kind.noun()
                + " belongs to another Portal account; it must be removed there first.");
    }
}
