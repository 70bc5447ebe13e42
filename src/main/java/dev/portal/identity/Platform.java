package dev.portal.identity;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The platforms people sign in from, by the key used in URLs, JSON and the database. */
public enum Platform {
    DISCORD, TELEGRAM, GITHUB, MASTODON, BLUESKY, LINKEDIN, X;

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Whether one user may link several accounts of this platform: Mastodon accounts live on many
     * instances (one may post to each); elsewhere one account per platform keeps unlinking by platform plain.
     */
    public boolean allowsSeveralPerUser() {
        return this == MASTODON;
    }

    public static Optional<Platform> fromKey(String key) {
        return Arrays.stream(values()).filter(p -> p.key().equals(key)).findFirst();
    }
}
