package dev.portal.avatar;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import dev.portal.support.AvatarFixtures;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The retried removal of avatar blobs: queued in the caller's transaction ({@link AvatarService#scheduleRemoval}),
 * done after the commit, kept for a later sweep while the store fails, and never done for an avatar in use.
 */
class BlobRemovalTest extends AvatarFixtures {
    @Autowired
    AvatarService avatars;
    @Autowired
    AvatarRepository repository;
    @Autowired
    BlobRemovals removals;
    @Autowired
    BlobStore store;
    @Autowired
    TransactionTemplate transaction;

    /** A store that is away: every call fails, as an unreachable bucket would. */
    private static final BlobStore AWAY = new BlobStore() {
        @Override
        public void put(String name, byte[] bytes, String contentType) {
            throw new UncheckedIOException(new java.io.IOException("store away"));
        }

        @Override
        public Optional<byte[]> get(String name) {
            throw new UncheckedIOException(new java.io.IOException("store away"));
        }

        @Override
        public void delete(String name) {
            throw new UncheckedIOException(new java.io.IOException("store away"));
        }
    };

    private String storedKey() {
        String key = AvatarService.newKey();
        for (int size : AvatarImages.SIZES) {
            store.put(BlobRemovals.blobName(key, size), png(4, 4), "image/png");
        }
        return key;
    }

    private Integer attempts(String key) {
        return jdbc.sql("select attempts from blob_deletions where key = :key").param("key", key).query(Integer.class)
                .optional().orElse(null);
    }

    private Instant dueAt(String key) {
        return jdbc.sql("select due_at from blob_deletions where key = :key").param("key", key)
                .query(java.time.OffsetDateTime.class).single().toInstant();
    }

    @Test
    void aRemovalQueuedInATransactionHappensAfterTheCommit() {
        String key = storedKey();

        transaction.executeWithoutResult(status -> {
            avatars.scheduleRemoval(key);
            assertThat(blobFiles()).as("still there before the commit").contains("avatars/" + key + "/64.png");
        });

        assertThat(blobFiles()).noneMatch(f -> f.contains(key));
        assertThat(attempts(key)).isNull();
    }

    @Test
    void aRolledBackRemovalLeavesTheBlobs() {
        String key = storedKey();

        transaction.executeWithoutResult(status -> {
            avatars.scheduleRemoval(key);
            status.setRollbackOnly();
        });

        assertThat(blobFiles()).contains("avatars/" + key + "/64.png", "avatars/" + key + "/512.png");
        assertThat(attempts(key)).isNull();
    }

    @Test
    void aFailingStoreLeavesTheRowForARetryUntilTheStoreIsBack() {
        String key = storedKey();
        BlobRemovals failing = new BlobRemovals(repository, AWAY, clock,
                new AvatarProperties(new AvatarProperties.FromUrl(10, 60), 20, Duration.ZERO, Duration.ofMinutes(5), null));
        repository.scheduleRemoval(key, clock.instant());

        failing.removeNow(key);

        assertThat(attempts(key)).isEqualTo(1);
        assertThat(dueAt(key)).isAfter(clock.instant().plus(Duration.ofMinutes(4)));
        assertThat(failing.sweepOnce()).as("not due again yet").isZero();
        assertThat(attempts(key)).isEqualTo(1);

        clock.advance(Duration.ofMinutes(6));
        failing.sweepOnce();
        assertThat(attempts(key)).isEqualTo(2);
        assertThat(blobFiles()).contains("avatars/" + key + "/256.png");

        clock.advance(Duration.ofMinutes(6));
        removals.sweepOnce();
        assertThat(attempts(key)).as("row gone once the blobs are").isNull();
        assertThat(blobFiles()).noneMatch(f -> f.contains(key));
    }

    @Autowired
    AvatarImages images;
    @Autowired
    dev.portal.account.AccountService accounts;
    @Autowired
    dev.portal.audit.AuditLog audit;
    @Autowired
    dev.portal.platform.CacheInvalidation invalidation;
    @Autowired
    dev.portal.platform.RateLimiter limiter;
    @Autowired
    dev.portal.outbound.GuardedHttp guardedHttp;
    @Autowired
    AvatarProperties properties;

    @Test
    void aStoreThatCannotBeWrittenAnswers503AndChangesNothing() {
        long id = createUser(0);
        AvatarService storeAway = new AvatarService(images, AWAY, repository, removals, accounts, audit, invalidation,
                transaction, limiter, guardedHttp, properties, clock);
        dev.portal.account.Account account = accounts.find(id).orElseThrow();

        dev.portal.platform.ApiProblem refused = org.assertj.core.api.Assertions.catchThrowableOfType(
                dev.portal.platform.ApiProblem.class, () -> storeAway.upload(account, png(20, 20), "127.0.0.1"));

        assertThat(refused.status().value()).isEqualTo(503);
        assertThat(refused.code()).isEqualTo("storage_unavailable");
        assertThat(uploadKey(id)).isNull();
        assertThat(avatarSource(id)).isNull();
    }

    @Test
    void anAvatarInUseIsNeverRemoved() {
        long id = createUser(0);
        assertThat(upload(png(30, 30), signedIn(id)).status()).isEqualTo(200);
        String key = uploadKey(id);

        avatars.scheduleRemoval(key);

        assertThat(blobFiles()).contains("avatars/" + key + "/64.png");
        assertThat(attempts(key)).isNull();
        assertThat(getBytes("/avatars/" + key + "/64.png").statusCode()).isEqualTo(200);
    }
}
