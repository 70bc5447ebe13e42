package dev.portal.signin;

import java.time.Instant;

import dev.portal.identity.Platform;

/**
 * Who the provider says signed in: the stable id, the name and avatar as they are now, and the tokens it
 * gave (kept encrypted, for re-verifying the identity later).
 *
 * @param platformUsername the name shown for the identity (may be null: Telegram users need not have one)
 * @param nameHint what a new Portal username is derived from
 * @param instance the server the account lives on (Mastodon); {@code ""} elsewhere
 * @param tokens null when the provider gave none Portal keeps
 */
public record ProviderProfile(Platform platform, String platformUserId, String platformUsername, String avatarUrl,
        String nameHint, String instance, Tokens tokens) {

    public ProviderProfile(Platform platform, String platformUserId, String platformUsername, String avatarUrl) {
        this(platform, platformUserId, platformUsername, avatarUrl, platformUsername, "", null);
    }

    public ProviderProfile withTokens(Tokens given) {
        return new ProviderProfile(platform, platformUserId, platformUsername, avatarUrl, nameHint, instance, given);
    }

    /**
     * The provider's tokens for this identity; the refresh token and expiry may be null.
     *
     * @param proofKey the private key (a JWK) the tokens are bound to by DPoP (Bluesky); null for bearer tokens
     */
    public record Tokens(String accessToken, String refreshToken, Instant expiresAt, String proofKey) {
        @Override
        public String toString() {
            return "Tokens[redacted]";
        }
    }
}
