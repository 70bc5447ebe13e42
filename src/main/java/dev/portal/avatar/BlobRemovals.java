package dev.portal.avatar;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.portal.platform.PeriodicSweep;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Removes the blobs of avatars queued in {@code blob_deletions}: at once after the commit that queued them,
 * and on a sweep of every node ({@code portal.avatar.removal-interval}) for those whose removal failed, each
 * failure pushing the next try {@code portal.avatar.removal-retry} later. A row goes only once its blobs are
 * gone; an avatar some user still shows is never removed.
 */
@Component
class BlobRemovals extends PeriodicSweep {
    private static final Logger log = LoggerFactory.getLogger(BlobRemovals.class);
    static final int BATCH = 100;

    private final AvatarRepository repository;
    private final BlobStore store;
    private final Clock clock;
    private final Duration retry;

    BlobRemovals(AvatarRepository repository, BlobStore store, Clock clock, AvatarProperties properties) {
        super("portal-blob-removals", "remove the blobs of replaced or deleted avatars", properties.removalInterval());
        this.repository = repository;
        this.store = store;
        this.clock = clock;
        this.retry = properties.removalRetry();
    }

    static String blobName(String key, int size) {
        return "avatars/" + key + "/" + size + ".png";
    }

    /** Removes one queued key's blobs now; on failure the row stays for a sweep. Never throws. */
    void removeNow(String key) {
        try {
            if (remove(key)) {
                repository.removed(key);
            } else {
                repository.retryLater(key, clock.instant().plus(retry));
            }
        } catch (RuntimeException e) {
            log.warn("Could not record the removal of avatar {}: {}", key, e.toString());
        }
    }

    /** Removes every due key's blobs, batch by batch; answers how many keys were removed. */
    @Override
    public int sweepOnce() {
        int removed = 0;
        List<String> due;
        do {
            Instant now = clock.instant();
            due = repository.claimDue(now, now.plus(retry), BATCH);
            for (String key : due) {
                if (remove(key)) {
                    repository.removed(key);
                    removed++;
                }
            }
        } while (due.size() == BATCH);
        return removed;
    }

    /** True once the blobs are gone (or must stay because a user shows them); false if the store failed. */
    private boolean remove(String key) {
        if (repository.inUse(key)) {
            return true;
        }
        try {
            for (int size : AvatarImages.SIZES) {
                store.delete(blobName(key, size));
            }
            return true;
        } catch (RuntimeException e) {
            log.warn("Could not remove the blobs of avatar {} (will retry): {}", key, e.toString());
            return false;
        }
    }
}
