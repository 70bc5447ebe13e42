package dev.portal.signin;

import java.net.URI;
import java.net.URISyntaxException;

import dev.portal.platform.ApiProblem;

/**
 * Where to send the browser after sign-in: a path on Portal's own site only. Anything that a browser
 * could read as another host ({@code //host}, {@code /\host}, a scheme, control characters) is refused,
 * so sign-in cannot be used as an open redirect.
 */
final class RedirectTarget {
    static final int MAX_LENGTH = 2048;

    private RedirectTarget() {
    }

    static String validate(String redirect) {
        if (redirect == null || redirect.isEmpty()) {
            return "/";
        }
        if (redirect.length() > MAX_LENGTH || !redirect.startsWith("/") || redirect.startsWith("//")
                || redirect.indexOf('\\') >= 0) {
            throw invalid();
        }
        for (int i = 0; i < redirect.length(); i++) {
            char c = redirect.charAt(i);
            if (c < 0x21 || c == 0x7f) {
                throw invalid();
            }
        }
        try {
            URI uri = new URI(redirect);
            if (uri.getScheme() != null || uri.getRawAuthority() != null) {
                throw invalid();
            }
        } catch (URISyntaxException e) {
            throw invalid();
        }
        return redirect;
    }

    private static ApiProblem invalid() {
        return ApiProblem.badRequest("invalid_redirect", "redirect must be a relative path on this site, like /account.");
    }
}
