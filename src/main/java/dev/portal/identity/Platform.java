package dev.portal.identity;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The platforms people sign in from, by the key used in URLs, JSON and the database. */
public enum Platform {
    DISCORD("Discord"), TELEGRAM("Telegram"), GITHUB("GitHub"), MASTODON("Mastodon"), BLUESKY("Bluesky"),
    LINKEDIN("LinkedIn"), X("X");

    private final String displayName;

    Platform(String displayName) {
        this.displayName = displayName;
    }

    /** The name people know it by, as the pages' buttons say it. */
    public String displayName() {
        return displayName;
    }

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
