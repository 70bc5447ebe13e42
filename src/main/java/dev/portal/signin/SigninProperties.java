package dev.portal.signin;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What every sign-in shares ({@code PORTAL_SIGNIN_*}). Each platform's own settings are bound by its
 * provider ({@link ProviderSettings}, {@link TelegramProvider}).
 *
 * @param flowLifetime how long a started sign-in may take before its state is refused
 * @param providerTimeout the deadline of each request to a provider: connect, answer and body
 */
@ConfigurationProperties("portal.signin")
public record SigninProperties(
        @DefaultValue("10m") Duration flowLifetime,
        @DefaultValue("5s") Duration providerTimeout) {
}
