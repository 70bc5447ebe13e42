package dev.portal.subscription;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Subscription settings ({@code portal.subscription.*}, or {@code PORTAL_SUBSCRIPTION_*} in the environment).
 *
 * @param sweepInterval how often each node records lapsed tiers in the history and resets them to Basic
 *         (they read as Basic at once regardless); zero or negative turns the sweep off on that node
 */
@ConfigurationProperties("portal.subscription")
public record SubscriptionProperties(@DefaultValue("1m") Duration sweepInterval) {
}
