package dev.portal.platform;

import java.util.HashSet;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.stereotype.Component;

/**
 * The cross-site rule for cookie-authenticated writes (SPEC §5): refused when the browser says
 * {@code Sec-Fetch-Site: cross-site}, or sends an {@code Origin} that is not one of Portal's own.
 * Requests with neither header (curl, servers) pass: they cannot be a victim's browser riding a cookie.
 */
@Component
public class CrossSiteGuard {
    private final Set<String> allowedOrigins = new HashSet<>();

    CrossSiteGuard(PortalProperties properties) {
        allowedOrigins.add(properties.publicOrigin());
        for (String origin : properties.allowedOrigins()) {
            String normalised = Origins.normalise(origin);
            if (normalised != null) {
                allowedOrigins.add(normalised);
            }
        }
    }

    /**
     * A navigation (a GET that starts something, such as a sign-in or a link) that a browser marks as
     * coming from another site, unless its {@code Referer} names one of Portal's origins (a front end on
     * another site that the operator configured). Same-origin, same-site, typed and non-browser requests pass.
     */
    public boolean isForeignNavigation(HttpServletRequest request) {
        if (!"cross-site".equalsIgnoreCase(request.getHeader("Sec-Fetch-Site"))) {
            return false;
        }
        String referer = request.getHeader("Referer");
        String origin = referer == null ? null : Origins.normalise(referer);
        return origin == null || !allowedOrigins.contains(origin);
    }

    public boolean isCrossSite(HttpServletRequest request) {
        if ("cross-site".equalsIgnoreCase(request.getHeader("Sec-Fetch-Site"))) {
            return true;
        }
        String origin = request.getHeader("Origin");
        if (origin == null) {
            return false;
        }
        String normalised = Origins.normalise(origin);
        return normalised == null || !allowedOrigins.contains(normalised);
    }
}
