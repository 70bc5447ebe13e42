package dev.portal.message;

/**
 * One of the author's Mastodon identities as cross-posting needs it: where it lives, who it is there, and
 * its provider token as stored (sealed; opened only just before it is sent).
 */
record MastodonAccount(long identityId, String instance, String platformUserId, byte[] sealedToken) {
}
