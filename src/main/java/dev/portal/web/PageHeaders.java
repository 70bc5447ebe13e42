package dev.portal.web;

import java.io.IOException;

import dev.portal.platform.RequestFilter;
import dev.portal.platform.WebPages;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The security headers of every page: no script but Portal's own files (no inline script, no eval), no
 * framing, no referrer to other sites, no type sniffing, and no caching of pages that show an account.
 * Avatars of linked platforms are images from their CDNs, hence {@code img-src https:}.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 5)
class PageHeaders extends RequestFilter {
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !WebPages.isPage(request);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        response.setHeader("Content-Security-Policy", CSP);
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("Referrer-Policy", "same-origin");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Cache-Control", "no-store");
        chain.doFilter(request, response);
    }
}
