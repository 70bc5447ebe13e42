package dev.portal.message;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Messages ({@code portal.messages.*}, or {@code PORTAL_MESSAGES_*}).
 *
 * @param writesPerMinute message posts and deletes per user: a burst of this many, then one more every 60/n
 *        seconds (SPEC §5, "writes per user")
 */
@ConfigurationProperties("portal.messages")
public record MessageProperties(@DefaultValue("30") int writesPerMinute) {
    public MessageProperties {
        if (writesPerMinute < 1) {
            throw new IllegalStateException("PORTAL_MESSAGES_WRITES_PER_MINUTE must be at least 1");
        }
    }
}
