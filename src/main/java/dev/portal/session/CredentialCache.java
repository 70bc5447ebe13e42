package dev.portal.session;

import java.time.Duration;
import java.util.Base64;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.portal.platform.CacheInvalidation;

/**
 * Live credentials by token hash, on this node. Entries are dropped when the database announces that a
 * session or token ended ({@code kind}), so revocation is immediate everywhere.
 */
final class CredentialCache<V extends CredentialCache.Entry> implements CacheInvalidation.Listener {
    interface Entry {
        long id();
    }

    private final String kind;
    private final CacheInvalidation invalidation;
    private final Cache<String, V> cache = Caffeine.newBuilder()
            .maximumSize(200_000)
            .expireAfterWrite(Duration.ofMinutes(10))
            .build();

    CredentialCache(String kind, CacheInvalidation invalidation) {
        this.kind = kind;
        this.invalidation = invalidation;
        invalidation.register(this);
    }

    static String key(byte[] hash) {
        return Base64.getEncoder().encodeToString(hash);
    }

    V get(String key) {
        return invalidation.cachingAllowed() ? cache.getIfPresent(key) : null;
    }

    V load(String key, java.util.function.Supplier<V> loader) {
        return invalidation.load(loader, v -> cache.put(key, v));
    }

    /** Replaces an entry in place (bookkeeping such as last use, which is not announced). */
    void refresh(String key, V value) {
        if (invalidation.cachingAllowed()) {
            cache.asMap().replace(key, value);
        }
    }

    void remove(String key) {
        cache.invalidate(key);
    }

    @Override
    public void invalidate(String kind, long id) {
        if (this.kind.equals(kind)) {
            cache.asMap().values().removeIf(v -> v.id() == id);
        }
    }

    @Override
    public void clear() {
        cache.invalidateAll();
    }
}
