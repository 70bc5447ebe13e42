package dev.portal.signin;

import dev.portal.outbound.GuardedHttp;
import dev.portal.platform.ApiProblem;

/**
 * The provider did not accept a stored token (revoked, expired, a spent refresh token). At sign-in, where
 * the token is fresh, it is the provider failing and answers 502 like any other; re-verifying an identity
 * catches it and asks for a new sign-in instead.
 */
class TokenRefused extends ApiProblem {
    TokenRefused(String detail) {
        super(GuardedHttp.unavailable(detail).status(), GuardedHttp.unavailable(detail).code(), detail);
    }
}
