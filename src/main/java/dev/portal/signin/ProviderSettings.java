package dev.portal.signin;

import java.net.URI;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * One OAuth or OpenID Connect platform's settings, {@code portal.signin.<platform>.*} (so
 * {@code PORTAL_SIGNIN_GITHUB_CLIENT_ID} and so on, by Spring's relaxed binding). Each provider class
 * states its real endpoints as defaults; an operator overrides any of them (a proxy, a test stand-in).
 * A platform is offered only when both the client id and secret are set.
 *
 * @param apiUrl base of the provider's user API (Discord, GitHub, X)
 * @param issuer the OpenID Connect issuer, whose discovery document names every endpoint (LinkedIn)
 * @param scope space-separated scopes to ask for
 */
public record ProviderSettings(String clientId, String clientSecret, String authorizeUrl, String tokenUrl,
        String apiUrl, String issuer, String scope) {

    /** Binds {@code portal.signin.<key>.*}, falling back field by field to the provider's defaults. */
    static ProviderSettings bind(Environment environment, String key, ProviderSettings defaults) {
        ProviderSettings set = Binder.get(environment).bind("portal.signin." + key, ProviderSettings.class)
                .orElse(new ProviderSettings(null, null, null, null, null, null, null));
        return new ProviderSettings(or(set.clientId, defaults.clientId), or(set.clientSecret, defaults.clientSecret),
                or(set.authorizeUrl, defaults.authorizeUrl), or(set.tokenUrl, defaults.tokenUrl),
                or(set.apiUrl, defaults.apiUrl), or(set.issuer, defaults.issuer), or(set.scope, defaults.scope));
    }

    /** The real provider's endpoints and scopes, with no credentials. */
    static ProviderSettings defaults(String authorizeUrl, String tokenUrl, String apiUrl, String issuer, String scope) {
        return new ProviderSettings("", "", authorizeUrl, tokenUrl, apiUrl, issuer, scope);
    }

    boolean hasCredentials() {
        return clientId != null && !clientId.isBlank() && clientSecret != null && !clientSecret.isBlank();
    }

    URI authorizeUri() {
        return URI.create(authorizeUrl);
    }

    URI tokenUri() {
        return URI.create(tokenUrl);
    }

    /** {@code apiUrl} + {@code path}, with exactly one slash between them. */
    URI api(String path) {
        return URI.create((apiUrl.endsWith("/") ? apiUrl.substring(0, apiUrl.length() - 1) : apiUrl) + path);
    }

    private static String or(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value.strip();
    }
}
