package dev.portal.session;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.portal.platform.CacheInvalidation;
import dev.portal.platform.OncePerKey;
import dev.portal.platform.Secrets;
import org.springframework.stereotype.Service;

/**
 * Personal access tokens for {@code Authorization: Bearer}: shown once at creation, stored as SHA-256,
 * recognisable by the {@value #PREFIX} prefix so that secret scanners can find leaked ones.
 */
@Service
public class ApiTokenService {
    public static final String PREFIX = "ptl_";
    static final Duration LAST_USED_RESOLUTION = Duration.ofMinutes(1);
    private static final int MAX_TOKEN_LENGTH = 256;

    /** A new token and the one copy of its value. */
    public record Issued(ApiToken token, String value) {
    }

    private final ApiTokenRepository tokens;
    private final CacheInvalidation invalidation;
    private final Clock clock;
    private final CredentialCache<ApiToken> cache;
    private final OncePerKey touching = new OncePerKey();

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
        if (value == null || value.isEmpty() || value.length() > MAX_TOKEN_LENGTH) {
            return Optional.empty();
        }
        byte[] hash = Secrets.sha256(value);
        String key = CredentialCache.key(hash);
        Instant now = clock.instant();
        ApiToken token = cache.get(key);
        if (token == null) {
            token = cache.load(key, () -> tokens.findByHash(hash).filter(t -> t.revokedAt() == null).orElse(null));
        }
        if (token == null || !token.liveAt(now)) {
            return Optional.empty();
        }
        if ((token.lastUsedAt() == null || !token.lastUsedAt().plus(LAST_USED_RESOLUTION).isAfter(now))
                && touching.begin(token.id())) {
            try {
                tokens.touch(token.id(), now);
                token = new ApiToken(token.id(), token.userId(), token.name(), token.createdAt(), token.expiresAt(), now,
                        token.revokedAt());
                cache.refresh(key, token);
            } finally {
                touching.end(token.id());
            }
        }
        return Optional.of(token);
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
