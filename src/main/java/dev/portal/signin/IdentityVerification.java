package dev.portal.signin;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import dev.portal.audit.AuditLog;
import dev.portal.identity.IdentityRepository;
import dev.portal.identity.LinkedIdentity;
import dev.portal.identity.Platform;
import dev.portal.outbound.GuardedHttp;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.CacheInvalidation;
import dev.portal.platform.PortalProperties;
import dev.portal.platform.ProblemWriter;
import dev.portal.platform.RateLimiter;
import dev.portal.platform.SecretCipher;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Re-verifying a linked identity: the provider is asked who the stored token belongs to now, as at sign-in.
 * An expired token (or one the provider answers 401 to) is refreshed once when a refresh token is stored
 * and the provider refreshes; the new tokens are stored sealed. A token nobody can use any more asks for a
 * new sign-in (409 {@code reauthentication_required}, with the link URL) and nothing is deleted.
 */
@Service
class IdentityVerification {
    /** Each verify costs the provider a request or two; ten a minute is plenty for a person. */
    static final RateLimiter.Limit LIMIT = new RateLimiter.Limit("identity-verify", RateLimiter.Rate.perMinute(10));
    /**
     * How long a refresh holds the identity's lease: a little over the worst case of one refresh (Bluesky's:
     * DID re-resolution, authorization-server discovery, the token request and its DPoP nonce retry, each
     * hop with its own 5 s deadline), so a lease is never taken over while its refresh is still under way,
     * and one left by a node that died ends soon.
     */
    static final Duration REFRESH_LEASE = Duration.ofSeconds(30);
    /** How long a verify waits for another's refresh of the same identity before answering 503. */
    static final Duration REFRESH_WAIT = Duration.ofSeconds(6);
    /** How often a waiting verify looks whether the other's tokens are stored. */
    static final Duration REFRESH_WAIT_STEP = Duration.ofMillis(200);

    private final IdentityRepository identities;
    private final SigninProviders providers;
    private final SecretCipher cipher;
    private final AuditLog audit;
    private final CacheInvalidation invalidation;
    private final TransactionTemplate transaction;
    private final RateLimiter rateLimiter;
    private final PortalProperties properties;
    private final Clock clock;

    IdentityVerification(IdentityRepository identities, SigninProviders providers, SecretCipher cipher, AuditLog audit,
            CacheInvalidation invalidation, TransactionTemplate transaction, RateLimiter rateLimiter,
            PortalProperties properties, Clock clock) {
        this.identities = identities;
        this.providers = providers;
        this.cipher = cipher;
        this.audit = audit;
        this.invalidation = invalidation;
        this.transaction = transaction;
        this.rateLimiter = rateLimiter;
        this.properties = properties;
        this.clock = clock;
    }

    /** The identity as the provider has just confirmed it, and when. */
    record Verified(LinkedIdentity identity, Instant verifiedAt) {
    }

    Verified verify(long userId, long identityId, String ip) {
        rateLimiter.consume(LIMIT, "user:" + userId);
        LinkedIdentity identity = identities.findById(identityId).filter(i -> i.userId() == userId)
                .orElseThrow(() -> notFound(identityId));
        SigninProvider provider = providers.of(identity.platform()).filter(SigninProvider::offered)
                .orElseThrow(() -> new ApiProblem(HttpStatus.UNPROCESSABLE_ENTITY, "verification_unsupported",
                        identity.platform().key() + " sign-in is not offered here now, so it cannot be verified."));
        if (identity.platform() == Platform.TELEGRAM) {
            throw unsupported(identity.platform());
        }
        ProviderProfile.Tokens tokens = open(identity, identities.tokens(identityId, false).orElseThrow(() -> notFound(identityId)));
        if (tokens == null) {
            // Imported by an operator, or linked before tokens were kept.
            throw reauthenticate(identity, "No token is stored for this identity; sign in with it again.");
        }
        boolean refreshed = false;
        if (tokens.expiresAt() != null && !tokens.expiresAt().isAfter(clock.instant()) && canRefresh(provider, tokens)) {
            tokens = refresh(identity, provider, tokens);
            refreshed = true;
        }
        ProviderProfile profile;
        try {
            profile = provider.currentProfile(identity, tokens);
        } catch (TokenRefused refused) {
            if (refreshed || !canRefresh(provider, tokens)) {
                throw reauthenticate(identity, refused.getMessage());
            }
            tokens = refresh(identity, provider, tokens);
            refreshed = true;
            try {
                profile = provider.currentProfile(identity, tokens);
            } catch (TokenRefused again) {
                throw reauthenticate(identity, again.getMessage());
            }
        }
        // The token must still be this identity's: a provider answering for another account is not believed.
        if (!identity.platformUserId().equals(profile.platformUserId())
                || !identity.instance().equals(profile.instance())) {
            throw new ApiProblem(HttpStatus.CONFLICT, "identity_mismatch", "The provider says the stored token belongs to "
                    + "another account; sign in with this one again.", Map.of("linkUrl", linkUrl(identity)));
        }
        ProviderProfile confirmed = profile;
        boolean wasRefreshed = refreshed;
        Instant now = clock.instant();
        LinkedIdentity updated = transaction.execute(status -> {
            identities.refresh(identity.id(), confirmed.platformUsername(), confirmed.avatarUrl(), now);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("platform", identity.platform().key());
            details.put("identity_id", identity.id());
            details.put("platform_user_id", identity.platformUserId());
            details.put("token_refreshed", wasRefreshed);
            audit.record("identity_verified", userId, userId, ip, details);
            return identities.findById(identity.id()).orElseThrow(() -> notFound(identityId));
        });
        invalidation.invalidate("user", userId);
        return new Verified(updated, now);
    }

    private static boolean canRefresh(SigninProvider provider, ProviderProfile.Tokens tokens) {
        return provider.refreshes() && tokens.refreshToken() != null;
    }

    /**
     * Refreshes under a short lease on the identity ({@code refreshing_until}), not a row lock: no connection
     * or transaction is held while the provider answers. When another request refreshed first (the stored
     * refresh token is no longer the one read), its tokens are the ones to use: a spent refresh token is not
     * sent. When another request holds the lease, this one waits a little for the tokens it stores.
     */
    private ProviderProfile.Tokens refresh(LinkedIdentity identity, SigninProvider provider, ProviderProfile.Tokens seen) {
        long deadline = System.nanoTime() + REFRESH_WAIT.toNanos();
        while (true) {
            IdentityRepository.SealedTokens sealed = identities.tokens(identity.id(), false)
                    .orElseThrow(() -> notFound(identity.id()));
            ProviderProfile.Tokens current = open(identity, sealed);
            if (current == null || current.refreshToken() == null) {
                throw reauthenticate(identity, "No refresh token is stored for this identity.");
            }
            if (!Objects.equals(current.refreshToken(), seen.refreshToken())) {
                return current;
            }
            Instant now = clock.instant();
            // Micros: what timestamptz keeps, so the lease compares equal when it is ended.
            Instant until = now.plus(REFRESH_LEASE).truncatedTo(ChronoUnit.MICROS);
            if (identities.claimRefresh(identity.id(), sealed.refreshToken(), now, until)) {
                return refreshLeased(identity, provider, current, until);
            }
            if (System.nanoTime() > deadline) {
                throw new ApiProblem(HttpStatus.SERVICE_UNAVAILABLE, "refresh_in_progress", "Another request is "
                        + "refreshing this identity's token at the provider; retry shortly.", Map.of(),
                        Map.of(HttpHeaders.RETRY_AFTER, ProblemWriter.RETRY_AFTER_SECONDS));
            }
            pause();
        }
    }

    /** With the lease held: the provider asked with no connection held, then the tokens stored and the lease ended. */
    private ProviderProfile.Tokens refreshLeased(LinkedIdentity identity, SigninProvider provider,
            ProviderProfile.Tokens current, Instant until) {
        boolean stored = false;
        try {
            ProviderProfile.Tokens fresh;
            try {
                fresh = provider.refresh(identity, current);
            } catch (TokenRefused refused) {
                throw reauthenticate(identity, refused.getMessage());
            }
            String context = context(identity);
            identities.storeRefreshedTokens(identity.id(), cipher.seal(fresh.accessToken(), context),
                    fresh.refreshToken() == null ? null : cipher.seal(fresh.refreshToken(), context), fresh.expiresAt(),
                    fresh.proofKey() == null ? null : cipher.seal(fresh.proofKey(), context), until);
            stored = true;
            return fresh;
        } finally {
            if (!stored) {
                identities.releaseRefresh(identity.id(), until);
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(REFRESH_WAIT_STEP.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw GuardedHttp.unavailable("The verify was interrupted.");
        }
    }

    /** The stored tokens opened, or null when there is no access token (or it does not open as this identity's). */
    private ProviderProfile.Tokens open(LinkedIdentity identity, IdentityRepository.SealedTokens sealed) {
        if (sealed.accessToken() == null) {
            return null;
        }
        String context = context(identity);
        String access = cipher.open(sealed.accessToken(), context).orElse(null);
        if (access == null) {
            return null;
        }
        return new ProviderProfile.Tokens(access,
                sealed.refreshToken() == null ? null : cipher.open(sealed.refreshToken(), context).orElse(null),
                sealed.expiresAt(), sealed.proofKey() == null ? null : cipher.open(sealed.proofKey(), context).orElse(null));
    }

    private static String context(LinkedIdentity identity) {
        return LinkedIdentity.tokenContext(identity.platform(), identity.instance(), identity.platformUserId());
    }

    private ApiProblem reauthenticate(LinkedIdentity identity, String why) {
        return new ApiProblem(HttpStatus.CONFLICT, "reauthentication_required", why + " Sign in with "
                + identity.platform().key() + " again at linkUrl to renew the connection.",
                Map.of("linkUrl", linkUrl(identity)));
    }

    /** Where to link the identity anew: {@code /v1/auth/{platform}/link}, naming the instance or handle. */
    String linkUrl(LinkedIdentity identity) {
        String base = properties.publicUrl().toString();
        String url = (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/v1/auth/"
                + identity.platform().key() + "/link";
        if (identity.platform() == Platform.MASTODON) {
            return url + "?instance=" + URLEncoder.encode(identity.instance(), StandardCharsets.UTF_8);
        }
        if (identity.platform() == Platform.BLUESKY) {
            String handle = identity.platformUsername() == null ? identity.platformUserId() : identity.platformUsername();
            return url + "?handle=" + URLEncoder.encode(handle, StandardCharsets.UTF_8);
        }
        return url;
    }

    static ApiProblem notFound(long identityId) {
        return ApiProblem.notFound("No linked identity " + identityId + " on this account.");
    }

    static ApiProblem unsupported(Platform platform) {
        return new ApiProblem(HttpStatus.UNPROCESSABLE_ENTITY, "verification_unsupported", platform.key()
                + " gives Portal no token to re-read the account with; unlink it and link it again instead.");
    }
}
