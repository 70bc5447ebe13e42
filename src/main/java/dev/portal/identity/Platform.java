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

    public static Optional<Platform> fromKey(String key) {
        return Arrays.stream(values()).filter(p -> p.key().equals(key)).findFirst();
    }
}
