package dev.portal.session;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.portal.platform.CacheInvalidation;
import dev.portal.platform.Secrets;
import org.springframework.stereotype.Service;

/**
 * Personal access tokens for {@code Authorization: Bearer}: shown once at creation, stored as SHA-256,
 * recognisable by the {@value #PREFIX} prefix so that secret scanners can find leaked ones.
 */
@Service
public class ApiTokenService {
    public static final String PREFIX = "ptl_";

    /** A new token and the one copy of its value. */
    public record Issued(ApiToken token, String value) {
    }

    private final ApiTokenRepository tokens;
    private final CacheInvalidation invalidation;
    private final Clock clock;
    private final CredentialCache<ApiToken> cache;

    ApiTokenService(ApiTokenRepository tokens, CacheInvalidation invalidation, Clock clock) {
        this.tokens = tokens;
        this.invalidation = invalidation;
        this.clock = clock;
        this.cache = new CredentialCache<>("token", invalidation);
    }

    public Issued create(long userId, String name, Instant expiresAt) {
        return createWithValue(userId, name, PREFIX + Secrets.randomToken(), expiresAt);
    }

    /** For a value chosen outside Portal (the bootstrap Owner's token); stored hashed all the same. */
    public Issued createWithValue(long userId, String name, String value, Instant expiresAt) {
        Instant now = clock.instant();
        long id = tokens.insert(Secrets.sha256(value), userId, name, now, expiresAt);
        return new Issued(new ApiToken(id, userId, name, now, expiresAt, null, null), value);
    }

    public Optional<ApiToken> authenticate(String value) {
        CredentialCache.Found<ApiToken> found = cache.find(value,
                hash -> tokens.findByHash(hash).filter(t -> t.revokedAt() == null).orElse(null));
        Instant now = clock.instant();
        if (found == null || !found.value().liveAt(now)) {
            return Optional.empty();
        }
        long id = found.value().id();
        return Optional.of(cache.recordUse(found, now, () -> tokens.touch(id, now), found.value()::usedAt));
    }

    public List<ApiToken> list(long userId) {
        return tokens.findByUser(userId);
    }

    public boolean revoke(long userId, long tokenId) {
        boolean revoked = tokens.revoke(tokenId, userId, clock.instant());
        if (revoked) {
            invalidation.invalidate("token", tokenId);
        }
        return revoked;
    }
}
