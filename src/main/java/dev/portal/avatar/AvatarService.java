package dev.portal.avatar;

import java.net.URI;
import java.net.URISyntaxException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.portal.account.Account;
import dev.portal.account.AccountService;
import dev.portal.audit.AuditLog;
import dev.portal.outbound.GuardedHttp;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.CacheInvalidation;
import dev.portal.platform.RateLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sets a user's uploaded avatar: from bytes sent or fetched (through {@link GuardedHttp}), checked and
 * re-encoded by {@link AvatarImages}, stored under a new random key, made the user's avatar in one
 * transaction that also queues the previous key's removal; that removal runs after the commit.
 */
@Service
public class AvatarService {
    private static final Logger log = LoggerFactory.getLogger(AvatarService.class);
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_-]{22}");
    private static final int MAX_URL_LENGTH = 2048;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final AvatarImages images;
    private final BlobStore store;
    private final AvatarRepository repository;
    private final BlobRemovals removals;
    private final AccountService accounts;
    private final AuditLog audit;
    private final CacheInvalidation invalidation;
    private final TransactionTemplate transaction;
    private final RateLimiter limiter;
    private final GuardedHttp http;
    private final Clock clock;
    private final RateLimiter.Limit uploadLimit;
    private final RateLimiter.Limit fromUrlLimit;

    AvatarService(AvatarImages images, BlobStore store, AvatarRepository repository, BlobRemovals removals,
            AccountService accounts, AuditLog audit, CacheInvalidation invalidation, TransactionTemplate transaction,
            RateLimiter limiter, GuardedHttp http, AvatarProperties properties, Clock clock) {
        this.images = images;
        this.store = store;
        this.repository = repository;
        this.removals = removals;
        this.accounts = accounts;
        this.audit = audit;
        this.invalidation = invalidation;
        this.transaction = transaction;
        this.limiter = limiter;
        this.http = http;
        this.clock = clock;
        this.uploadLimit = new RateLimiter.Limit("avatar-upload", RateLimiter.Rate.perHour(properties.uploadsPerHour()));
        this.fromUrlLimit = new RateLimiter.Limit("avatar-from-url",
                RateLimiter.Rate.perMinute(properties.fromUrl().perMinute()),
                RateLimiter.Rate.perHour(properties.fromUrl().perHour()));
    }

    /** Counts an upload against the user's limit (429 when spent); called before the body is read. */
    public void checkUploadRate(Account me) {
        limiter.consume(uploadLimit, Long.toString(me.id()));
    }

    /** Makes {@code bytes} (an image, judged by content alone) the user's avatar; answers the updated account. */
    public Account upload(Account me, byte[] bytes, String ip) {
        return replace(me, images.render(bytes), "upload", ip);
    }

    /**
     * Fetches an image from {@code url} through the guarded client (refused addresses answer 400 before any
     * connection) and makes it the user's avatar.
     */
    public Account fromUrl(Account me, String url, String ip) {
        limiter.consume(fromUrlLimit, Long.toString(me.id()));
        if (url == null || url.isBlank()) {
            throw ApiProblem.invalidFields(Map.of("url", "is required"));
        }
        if (url.length() > MAX_URL_LENGTH) {
            throw ApiProblem.invalidFields(Map.of("url", "is longer than " + MAX_URL_LENGTH + " characters"));
        }
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw ApiProblem.invalidFields(Map.of("url", "is not a URL"));
        }
        GuardedHttp.Response response;
        try {
            response = http.send(GuardedHttp.Request.get(uri, HttpHeaders.ACCEPT, "image/png, image/jpeg, image/gif, image/webp"),
                    "The avatar's host", AvatarImages.MAX_BYTES);
        } catch (GuardedHttp.BodyTooLarge e) {
            throw AvatarImages.tooLarge();
        }
        if (response.status() < 200 || response.status() > 299) {
            throw new ApiProblem(HttpStatus.BAD_GATEWAY, "avatar_fetch_failed",
                    "The avatar's host answered " + response.status() + ", not an image.");
        }
        return replace(me, images.render(response.body()), "url", ip);
    }

    private Account replace(Account me, Map<Integer, byte[]> rendered, String via, String ip) {
        String key = newKey();
        List<String> written = new ArrayList<>();
        try {
            for (Map.Entry<Integer, byte[]> image : rendered.entrySet()) {
                String name = BlobRemovals.blobName(key, image.getKey());
                store.put(name, image.getValue(), "image/png");
                written.add(name);
            }
        } catch (RuntimeException e) {
            log.warn("Could not store an avatar: {}", e.toString());
            written.forEach(this::deleteQuietly);
            throw storageUnavailable("The avatar could not be stored; retry shortly.");
        }
        String previous;
        try {
            previous = transaction.execute(status -> {
                AvatarRepository.CurrentKey current = repository.lockUploadKey(me.id())
                        .orElseThrow(() -> ApiProblem.notFound("The user no longer exists."));
                Instant now = clock.instant();
                repository.setUpload(me.id(), key, now);
                if (current.key() != null) {
                    repository.scheduleRemoval(current.key(), now);
                }
                audit.record("avatar_uploaded", me.id(), me.id(), ip, Map.of("via", via));
                invalidation.invalidateAfterCommit("user", List.of(me.id()));
                return current.key();
            });
        } catch (RuntimeException e) {
            // No row names the new key: its blobs would be orphans.
            written.forEach(this::deleteQuietly);
            throw e;
        }
        if (previous != null) {
            removals.removeNow(previous);
        }
        return accounts.find(me.id()).orElseThrow(() -> ApiProblem.notFound("The user no longer exists."));
    }

    /**
     * Queues the removal of an avatar's blobs, in the caller's transaction if there is one (account deletion
     * calls it beside deleting the user); the blobs go after the commit, or on a later sweep if the store is
     * away then. Without a transaction they go at once.
     */
    public void scheduleRemoval(String key) {
        if (key == null) {
            return;
        }
        repository.scheduleRemoval(key, clock.instant());
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    removals.removeNow(key);
                }
            });
        } else {
            removals.removeNow(key);
        }
    }

    /** The stored PNG of an avatar at one of {@link AvatarImages#SIZES}; empty for anything else. */
    public Optional<byte[]> image(String key, int size) {
        if (!KEY.matcher(key).matches() || !AvatarImages.SIZES.contains(size)) {
            return Optional.empty();
        }
        try {
            return store.get(BlobRemovals.blobName(key, size));
        } catch (RuntimeException e) {
            log.warn("Could not read avatar {}: {}", key, e.toString());
            throw storageUnavailable("The avatar could not be read; retry shortly.");
        }
    }

    private static ApiProblem storageUnavailable(String detail) {
        return new ApiProblem(HttpStatus.SERVICE_UNAVAILABLE, "storage_unavailable", detail, Map.of(),
                Map.of(HttpHeaders.RETRY_AFTER, "5"));
    }

    private void deleteQuietly(String name) {
        try {
            store.delete(name);
        } catch (RuntimeException e) {
            log.warn("Could not remove blob {}: {}", name, e.toString());
        }
    }

    /** 128 random bits: URLs nobody can guess, and never one used before. */
    static String newKey() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
