package dev.portal.outbound;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The guarded outbound client ({@code portal.outbound.*}, or {@code PORTAL_OUTBOUND_*}).
 *
 * @param allowedHosts {@code host:port} (or {@code *.domain:port}) that may be reached even though they
 *        resolve to a private or loopback address, for tests and private deployments; empty by default
 * @param connectTimeout how long a connection may take to open
 * @param timeout the deadline of a whole exchange, connect to last byte, redirects included
 * @param maxBodyBytes the largest answer read; a longer one fails the exchange
 */
@ConfigurationProperties("portal.outbound")
public record OutboundProperties(
        @DefaultValue List<String> allowedHosts,
        @DefaultValue("3s") Duration connectTimeout,
        @DefaultValue("5s") Duration timeout,
        @DefaultValue("1MB") DataSize maxBodyBytes) {
}
