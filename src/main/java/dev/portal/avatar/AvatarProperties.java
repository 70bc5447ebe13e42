package dev.portal.avatar;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Avatar settings ({@code portal.avatar.*}, or {@code PORTAL_AVATAR_*} in the environment). Each limit is a
 * token bucket per user (see {@link dev.portal.platform.RateLimiter}).
 *
 * @param fromUrl fetches of an image from a URL the user gives
 * @param uploadsPerHour uploads per user and hour (a burst of as many)
 * @param removalInterval how often each node removes the blobs of replaced and deleted avatars that are due;
 *        zero or negative turns the sweep off on that node (replacements still remove at once)
 * @param removalRetry how long a removal that failed waits before it is tried again
 * @param blobDir the local blob store's directory when no S3 bucket is set; empty: {@code PORTAL_DATA_DIR/blobs}
 */
@ConfigurationProperties("portal.avatar")
public record AvatarProperties(
        @DefaultValue FromUrl fromUrl,
        @DefaultValue("20") int uploadsPerHour,
        @DefaultValue("1m") Duration removalInterval,
        @DefaultValue("5m") Duration removalRetry,
        java.nio.file.Path blobDir) {

    /**
     * @param perMinute the burst, and how many come back in a minute
     * @param perHour how many in an hour, bursts included
     */
    public record FromUrl(
            @DefaultValue("10") int perMinute,
            @DefaultValue("60") int perHour) {
    }
}
