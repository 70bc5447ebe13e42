package dev.portal.platform;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Counts, for each request, how long it has waited for database connections, so that the pool
 * ({@link DatabaseConfig}) can keep the sum within {@link #BUDGET_MS}. A request takes connections one after
 * another (its credential, its account, its transaction); when they come slowly (PostgreSQL just back
 * from an outage, the pool nearly exhausted) waits of up to the pool's timeout each would add up past
 * what a client may be kept waiting, where one answer of 503 is due.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
class RequestDatabaseWaits extends OncePerRequestFilter {
    /** In all, per request: the pool's 2 s timeout once, and a second wait cut short. */
    static final long BUDGET_MS = 3_000;
    private static final ThreadLocal<long[]> WAITED_NANOS = new ThreadLocal<>();

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        WAITED_NANOS.set(new long[1]);
        try {
            chain.doFilter(request, response);
        } finally {
            WAITED_NANOS.remove();
        }
    }

    /** The counter of the request this thread serves, or null outside requests (no budget there). */
    static long[] current() {
        return WAITED_NANOS.get();
    }
}
