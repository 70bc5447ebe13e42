package dev.portal.signin;

import java.net.URI;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Sign-in providers ({@code PORTAL_SIGNIN_<PLATFORM>_*}). A platform with no client id is not offered.
 *
 * @param flowLifetime how long a started sign-in may take before its state is refused
 */
@ConfigurationProperties("portal.signin")
public record SigninProperties(
        @DefaultValue Discord discord,
        @DefaultValue("10m") java.time.Duration flowLifetime,
        @DefaultValue("5s") java.time.Duration providerTimeout) {

    /** Discord's OAuth 2 endpoints; each can point elsewhere (a test provider, a proxy). */
    public record Discord(
            @DefaultValue("") String clientId,
            @DefaultValue("") String clientSecret,
            @DefaultValue("https://discord.com/oauth2/authorize") URI authorizeUrl,
            @DefaultValue("https://discord.com/api/oauth2/token") URI tokenUrl,
            @DefaultValue("https://discord.com/api") String apiUrl,
            @DefaultValue("identify") String scope) {

        public boolean configured() {
            return !clientId.isBlank() && !clientSecret.isBlank();
        }
    }
}
