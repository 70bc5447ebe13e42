package dev.portal.signin;

import dev.portal.identity.Platform;

/** Who the provider says signed in: the stable id, and the name and avatar as they are now. */
public record ProviderProfile(Platform platform, String platformUserId, String platformUsername, String avatarUrl) {
}
