package dev.portal.platform;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Rate limits ({@code portal.rate-limit.*}, or {@code PORTAL_RATE_LIMIT_*} in the environment).
 *
 * @param exempt IPs or CIDR ranges never limited by address (an operator's monitoring, a load test)
 * @param signin sign-in starts and callbacks per client address
 */
@ConfigurationProperties("portal.rate-limit")
public record RateLimitProperties(
        @DefaultValue List<String> exempt,
        @DefaultValue Signin signin) {

    /**
     * Starts ({@code login}, {@code link}) and callbacks are counted apart, each against both numbers. Each
     * is a token bucket refilled evenly: a burst of {@code perMinute}, then one more every 60/perMinute
     * seconds, until {@code perHour} is spent, then one every 3600/perHour seconds.
     *
     * @param perMinute the burst, and how many come back in a minute
     * @param perHour how many in an hour, bursts included
     */
    public record Signin(
            @DefaultValue("10") int perMinute,
            @DefaultValue("60") int perHour) {
    }
}
