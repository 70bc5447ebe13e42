package dev.portal.platform;

import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.http.Outcome;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.HandlerMapping;

/**
 * {@code http_server_requests_seconds{method,uri,status,outcome,exception}}, the names and tags of Spring
 * Boot's own request timing, recorded in a third of its cost: Boot's goes through Micrometer's Observation
 * API (a context, key values and a long-task timer per request), which took 11 % of a cached
 * {@code /v1/users/me} in a JFR profile. Here each request is two clock reads, one map lookup and one
 * {@link Timer#record}. {@code uri} is the route template Spring MVC matched, never the raw path.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
@ConditionalOnProperty(name = "portal.metrics.enabled", matchIfMissing = true)
class RequestMetricsFilter extends RequestFilter {
    private record Key(String method, String uri, int status, String exception) {
    }

    /** Any token is a method to Tomcat; others are counted together, so a client cannot add series at will. */
    private static final java.util.Set<String> METHODS = java.util.Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
            "OPTIONS", "TRACE");
    private final MeterRegistry registry;
    private final ConcurrentMap<Key, Timer> timers = new ConcurrentHashMap<>();

    RequestMetricsFilter(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    protected boolean shouldNotFilterAsyncDispatch() {
        return false;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long started = System.nanoTime();
        Throwable failure = null;
        try {
            chain.doFilter(request, response);
        } catch (IOException | ServletException | RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            int status = failure == null ? response.getStatus() : 500;
            if (request.isAsyncStarted()) {
                return; // timed when the async dispatch that finishes it comes back through here
            }
            String method = METHODS.contains(request.getMethod()) ? request.getMethod() : "OTHER";
            Key key = new Key(method, uri(request, status), status,
                    failure == null ? "none" : failure.getClass().getSimpleName());
            timers.computeIfAbsent(key, this::timer).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
    }

    /** The matched route; without one (a filter answered, or nothing matched), Boot's words for why. */
    private static String uri(HttpServletRequest request, int status) {
        Object pattern = request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
        if (pattern != null) {
            return pattern.toString();
        }
        if (status == 404) {
            return "NOT_FOUND";
        }
        return status >= 300 && status < 400 ? "REDIRECTION" : "UNKNOWN";
    }

    private Timer timer(Key key) {
        return Timer.builder("http.server.requests")
                .description("HTTP requests, by route template")
                .tag("method", key.method())
                .tag("uri", key.uri())
                .tag("status", Integer.toString(key.status()))
                .tag("outcome", Outcome.forStatus(key.status()).name())
                .tag("exception", key.exception())
                .register(registry);
    }
}
