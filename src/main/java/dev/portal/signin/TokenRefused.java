package dev.portal.signin;

import dev.portal.platform.ApiProblem;
import org.springframework.http.HttpStatus;

/**
 * The provider did not accept a stored token (revoked, expired, a spent refresh token). At sign-in, where
 * the token is fresh, it is the provider failing and answers 502 {@code provider_unavailable} like any other
 * failure; re-verifying an identity catches it and asks for a new sign-in instead.
 */
class TokenRefused extends ApiProblem {
    TokenRefused(String detail) {
        super(HttpStatus.BAD_GATEWAY, "provider_unavailable", detail);
    }
}
