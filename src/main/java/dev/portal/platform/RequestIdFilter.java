package dev.portal.platform;

import java.io.IOException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.MDC;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Gives every request an id, echoed in {@code X-Request-Id} and put on every log line it causes (and by
 * which {@link RequestDatabaseWaits} tells requests apart).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class RequestIdFilter extends RequestFilter {
    static final String HEADER = "X-Request-Id";
    /** An incoming id is kept only if it is short and plain, so it cannot forge log lines. */
    private static final Pattern ACCEPTABLE = Pattern.compile("[A-Za-z0-9._-]{8,64}");

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String id = request.getHeader(HEADER);
        if (id == null || !ACCEPTABLE.matcher(id).matches()) {
            id = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
        }
        response.setHeader(HEADER, id);
        MDC.put(LogContext.REQUEST_ID, id);
        try {
            chain.doFilter(request, response);
        } finally {
            LogContext.clear();
        }
    }
}
