package dev.portal.web.account;

import dev.portal.identity.Platform;

/** Platforms as people know them (the names on the link buttons). */
final class PlatformNames {
    private PlatformNames() {
    }

    static String of(Platform platform) {
        return switch (platform) {
            case DISCORD -> "Discord";
            case TELEGRAM -> "Telegram";
            case GITHUB -> "GitHub";
            case MASTODON -> "Mastodon";
            case BLUESKY -> "Bluesky";
            case LINKEDIN -> "LinkedIn";
            case X -> "X";
        };
    }
}
