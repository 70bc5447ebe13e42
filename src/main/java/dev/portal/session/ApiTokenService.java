package dev.portal.session;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.portal.audit.AuditLog;
import dev.portal.platform.CacheInvalidation;
import dev.portal.platform.Secrets;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

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

    private static final Logger log = LoggerFactory.getLogger(ApiTokenService.class);
    private final ApiTokenRepository tokens;
    private final CacheInvalidation invalidation;
    private final Clock clock;
    private final CredentialCache<ApiToken> cache;
    private final AuditLog audit;
    private final TransactionTemplate transaction;

    ApiTokenService(ApiTokenRepository tokens, CacheInvalidation invalidation, AuditLog audit,
            TransactionTemplate transaction, Clock clock, MeterRegistry meters) {
        this.tokens = tokens;
        this.audit = audit;
        this.transaction = transaction;
        this.invalidation = invalidation;
        this.clock = clock;
        this.cache = new CredentialCache<>("token", invalidation, meters);
    }

    /** A new token of the user's, audited in the same transaction. */
    public Issued create(long userId, String name, Instant expiresAt, String ip) {
        return transaction.execute(status -> {
            Issued issued = createWithValue(userId, name, PREFIX + Secrets.randomToken(), expiresAt);
            audit.record("token_created", userId, userId, ip, Map.of("token_id", issued.token().id(), "name", name));
            log.info("Created API token {} of user {}", issued.token().id(), userId);
            return issued;
        });
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

    /** Revokes every token of the user (a ban), in the caller's transaction; answers how many. See {@link SessionService#revokeAll}. */
    public int revokeAll(long userId) {
        List<Long> revoked = tokens.revokeAllOf(userId, clock.instant());
        invalidation.invalidateAfterCommit("token", revoked);
        return revoked.size();
    }

    /** Revokes one of the user's tokens, audited in the same transaction; false if not theirs or already revoked. */
    public boolean revoke(long userId, long tokenId, String ip) {
        boolean revoked = Boolean.TRUE.equals(transaction.execute(status -> {
            if (!tokens.revoke(tokenId, userId, clock.instant())) {
                return false;
            }
            audit.record("token_revoked", userId, userId, ip, Map.of("token_id", tokenId));
            return true;
        }));
        if (revoked) {
            log.info("Revoked API token {} of user {}", tokenId, userId);
            invalidation.invalidate("token", tokenId);
        }
        return revoked;
    }
}
