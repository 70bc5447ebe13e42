package dev.portal.signin;

import java.net.URI;
import java.util.Map;

import dev.portal.identity.LinkedIdentity;
import dev.portal.identity.Platform;
import jakarta.servlet.http.HttpServletRequest;

/**
 * One platform's way of signing someone in: how to start, how to finish, and who it says signed in.
 * Everything around it is shared and lives in {@link SigninController} and {@link SigninService}: the
 * login, link and callback endpoints, the state bound to the browser, the PKCE verifier and nonce,
 * finding or creating the user, username derivation, linking rules, sessions and the audit.
 */
public interface SigninProvider {

    Platform platform();

    /** Offered only when the operator configured it (credentials set, or on by default for open platforms). */
    boolean offered();

    /**
     * Whether the provider sends Portal's {@code state} back on the callback. Those that cannot
     * (Telegram's widget) are bound to the browser by the flow cookie alone.
     */
    default boolean returnsState() {
        return true;
    }

    /**
     * What the login and link paths need to be told besides the redirect: {@code instance} (Mastodon),
     * {@code handle} (Bluesky), or null when the platform knows its own server.
     */
    default String input() {
        return null;
    }

    /**
     * Who the identity's stored access token says the person is now, read at the provider the way sign-in
     * reads it (re-verifying a linked identity). The default: this platform keeps no token to read with
     * (Telegram), 422 {@code verification_unsupported}.
     *
     * @throws TokenRefused when the provider does not accept the token
     */
    default ProviderProfile currentProfile(LinkedIdentity identity, ProviderProfile.Tokens tokens) {
        throw IdentityVerification.unsupported(platform());
    }

    /** Whether the provider exchanges refresh tokens for new tokens (Discord, X, LinkedIn, Bluesky). */
    default boolean refreshes() {
        return false;
    }

    /**
     * New tokens for the stored refresh token; the refresh token is kept when the provider gives no new one.
     *
     * @throws TokenRefused when the provider refuses the refresh token (revoked, or spent: Bluesky's are single use)
     */
    default ProviderProfile.Tokens refresh(LinkedIdentity identity, ProviderProfile.Tokens tokens) {
        throw IdentityVerification.unsupported(platform());
    }

    /** Begins a sign-in: where to send the browser, or the page to show it. */
    Started start(Start start);

    /** Finishes from the callback request and the flow that began it (taken, so it is used once). */
    ProviderProfile finish(Callback callback);

    /**
     * The secrets of a new flow, already stored once {@link #start} returns.
     *
     * @param state the value the provider must send back (and the flow cookie holds)
     * @param codeVerifier the PKCE verifier whose S256 challenge goes to the provider
     * @param nonce OpenID Connect's nonce, for providers that issue ID tokens
     * @param callbackUri Portal's callback for this platform, as registered with the provider
     */
    record Start(String state, String codeVerifier, String nonce, URI callbackUri, HttpServletRequest request) {
    }

    /**
     * What to answer the browser that starts a sign-in: a redirect to the provider, or a page of
     * Portal's own (Telegram's widget). {@code flowData} is kept with the flow for {@link #finish}.
     */
    record Started(URI redirect, String page, String contentSecurityPolicy, Map<String, String> flowData) {
        public static Started redirect(URI location) {
            return new Started(location, null, null, Map.of());
        }

        public static Started page(String html, String contentSecurityPolicy) {
            return new Started(null, html, contentSecurityPolicy, Map.of());
        }
    }

    /** The provider's callback, with the flow it belongs to. */
    record Callback(HttpServletRequest request, SigninFlowRepository.SigninFlow flow, URI callbackUri) {
        public String param(String name) {
            return request.getParameter(name);
        }
    }
}
