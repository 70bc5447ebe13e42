package dev.portal.session;

import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.portal.platform.CacheInvalidation;
import dev.portal.platform.OncePerKey;
import dev.portal.platform.Secrets;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;

/**
 * Live credentials (sessions, personal access tokens) by the SHA-256 of their token, on this node.
 * Entries are dropped when the database announces that one ended ({@code kind}), so revocation is
 * immediate everywhere. Also owns the "last used" bookkeeping both kinds share: written at most once
 * a minute, and by one request at a time.
 */
final class CredentialCache<V extends CredentialCache.Entry> implements CacheInvalidation.Listener {
    /** How stale "last used" may get before it is written again; idle expiry is this coarse. */
    static final Duration LAST_USE_RESOLUTION = Duration.ofMinutes(1);
    /** Longer than any token Portal issues; longer values are not worth hashing. */
    private static final int MAX_TOKEN_LENGTH = 256;

    interface Entry {
        long id();

        Instant lastUsedAt();
    }

    /** A credential found by its token: the cache key (to refresh it) and the hash (to ask the database). */
    record Found<V>(String key, byte[] hash, V value) {
    }

    private final String kind;
    private final CacheInvalidation invalidation;
    private final OncePerKey touching = new OncePerKey();
    private final Cache<String, V> cache = Caffeine.newBuilder()
            .maximumSize(200_000)
            .expireAfterWrite(Duration.ofMinutes(10))
            .recordStats()
            .build();

    /** {@code kind} is the invalidation kind ({@code session}, {@code token}); the cache metric is its plural. */
    CredentialCache(String kind, CacheInvalidation invalidation, MeterRegistry meters) {
        this.kind = kind;
        this.invalidation = invalidation;
        invalidation.register(this);
        CaffeineCacheMetrics.monitor(meters, cache, kind + "s");
    }

    /** The credential a token stands for, from memory or else from {@code loader} (by hash); null if none. */
    Found<V> find(String token, Function<byte[], V> loader) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            return null;
        }
        byte[] hash = Secrets.sha256(token);
        String key = Base64.getEncoder().encodeToString(hash);
        V value = invalidation.cachingAllowed() ? cache.getIfPresent(key) : null;
        if (value == null) {
            value = invalidation.load(() -> loader.apply(hash), cache.asMap(), key);
        }
        return value == null ? null : new Found<>(key, hash, value);
    }

    /**
     * Records use at most once a minute: if the entry's last use is older, one request (the others go
     * on) runs {@code write} and keeps {@code used} in the cache. Returns the entry as it now stands.
     */
    V recordUse(Found<V> found, Instant now, Runnable write, Function<Instant, V> used) {
        V value = found.value();
        boolean stale = value.lastUsedAt() == null || !value.lastUsedAt().plus(LAST_USE_RESOLUTION).isAfter(now);
        if (!stale || !touching.begin(value.id())) {
            return value;
        }
        try {
            write.run();
            V updated = used.apply(now);
            // Last use is not announced (V1__core.sql), so the entry is replaced in place.
            if (invalidation.cachingAllowed()) {
                cache.asMap().replace(found.key(), updated);
            }
            return updated;
        } finally {
            touching.end(value.id());
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
