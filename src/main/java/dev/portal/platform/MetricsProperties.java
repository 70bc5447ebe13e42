package dev.portal.platform;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Prometheus metrics ({@code PORTAL_METRICS_*}).
 *
 * @param enabled records metrics and serves {@code /actuator/prometheus}; off, neither happens
 * @param allowed addresses or CIDR ranges that may read {@code /actuator/prometheus} (the client address,
 *     as {@code PORTAL_TRUSTED_PROXIES} decides it); everyone else gets 403
 */
@ConfigurationProperties("portal.metrics")
public record MetricsProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue({"127.0.0.0/8", "::1"}) List<String> allowed) {
}
