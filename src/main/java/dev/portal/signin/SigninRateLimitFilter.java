package dev.portal.signin;

import java.io.IOException;

import dev.portal.platform.ApiProblem;
import dev.portal.platform.ClientAddress;
import dev.portal.platform.ProblemWriter;
import dev.portal.platform.RateLimitProperties;
import dev.portal.platform.RateLimiter;
import dev.portal.platform.RequestFilter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.dao.DataAccessException;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.RequestPath;
import org.springframework.stereotype.Component;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * SECURITY 23: bursts of sign-in starts ({@code login}, {@code link}) and of callbacks from one client
 * address are answered 429 with {@code Retry-After}, before anything else happens (no flow is stored, no
 * cookie set, the state is not even looked at). Starts and callbacks have buckets of their own, so a
 * browser that started many times can still finish. A filter on the paths rather than code in the
 * controller, so the limit holds for every platform and whatever the controller does.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 15)
class SigninRateLimitFilter extends RequestFilter {
    private static final Logger log = LoggerFactory.getLogger(SigninRateLimitFilter.class);
    // Matched the way Spring MVC matches its mappings (decoded segments, ";params" ignored), so no
    // spelling of a path reaches the controller without passing here.
    private static final PathPattern STARTS = PathPatternParser.defaultInstance.parse("/v1/auth/{platform}/{step:login|link}");
    private static final PathPattern CALLBACKS = PathPatternParser.defaultInstance.parse("/v1/auth/{platform}/callback");

    private final RateLimiter rateLimiter;
    private final ClientAddress clientAddress;
    private final ProblemWriter problems;
    private final RateLimiter.Limit starts;
    private final RateLimiter.Limit callbacks;

    SigninRateLimitFilter(RateLimiter rateLimiter, ClientAddress clientAddress, ProblemWriter problems,
            RateLimitProperties properties) {
        this.rateLimiter = rateLimiter;
        this.clientAddress = clientAddress;
        this.problems = problems;
        RateLimitProperties.Signin signin = properties.signin();
        this.starts = new RateLimiter.Limit("signin-start", RateLimiter.Rate.perMinute(signin.perMinute()),
                RateLimiter.Rate.perHour(signin.perHour()));
        this.callbacks = new RateLimiter.Limit("signin-callback", RateLimiter.Rate.perMinute(signin.perMinute()),
                RateLimiter.Rate.perHour(signin.perHour()));
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return limitFor(request) == null;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String address = clientAddress.of(request);
        if (!rateLimiter.exempt(address)) {
            try {
                rateLimiter.consume(limitFor(request), RateLimiter.addressKey(address));
            } catch (ApiProblem refusal) {
                problems.write(request, response, refusal);
                return;
            } catch (DataAccessException e) {
                // Fails closed: the sign-in itself needs the database too, so letting it through would only
                // trade this 503 for the controller's, after a burst had gone unmetered.
                log.warn("Rate-limit buckets unavailable for {} {}: {}", request.getMethod(), request.getRequestURI(),
                        e.getClass().getSimpleName());
                problems.write(request, response, ApiProblem.unavailable());
                return;
            }
        }
        chain.doFilter(request, response);
    }

    /** The limit for this request, or null if it is not a sign-in start or callback. */
    private RateLimiter.Limit limitFor(HttpServletRequest request) {
        String method = request.getMethod();
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            return null;
        }
        String uri = request.getRequestURI();
        // Every request passes here; only those that could spell a sign-in path are parsed.
        if (!uri.contains("/auth/") && uri.indexOf('%') < 0 && uri.indexOf(';') < 0) {
            return null;
        }
        PathContainer path;
        try {
            path = RequestPath.parse(uri, request.getContextPath()).pathWithinApplication();
        } catch (IllegalArgumentException e) {
            return null; // not decodable, so Spring MVC cannot route it to the controller either
        }
        return STARTS.matches(path) ? starts : CALLBACKS.matches(path) ? callbacks : null;
    }
}
