package dev.portal.platform;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/prometheus} only for {@code PORTAL_METRICS_ALLOWED} (loopback by default): the figures
 * name routes, pool sizes and sign-in counts, which are an operator's business, not the public's. The
 * container runs it for the endpoint's URL patterns only, so no other request passes through it.
 */
@Component
class MetricsAccessFilter extends RequestFilter {
    static final String PATH = "/actuator/prometheus";

    @Configuration(proxyBeanMethods = false)
    static class Registration {
        @Bean
        FilterRegistrationBean<MetricsAccessFilter> metricsAccessRegistration(MetricsAccessFilter filter) {
            FilterRegistrationBean<MetricsAccessFilter> registration = new FilterRegistrationBean<>(filter);
            // Matched by the container on the decoded, normalised path without ;parameters.
            registration.addUrlPatterns(PATH, PATH + "/*");
            registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 2);
            return registration;
        }
    }

    private final ClientAddress clientAddress;
    private final ProblemWriter problems;
    private final ClientAddress.Networks allowed;

    MetricsAccessFilter(ClientAddress clientAddress, ProblemWriter problems, MetricsProperties properties) {
        this.clientAddress = clientAddress;
        this.problems = problems;
        this.allowed = ClientAddress.Networks.parse(properties.allowed(), "PORTAL_METRICS_ALLOWED");
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        // The servlet path is decoded and normalised, without ;parameters: what Spring MVC matches on, so
        // /actuator/%70rometheus or /actuator/prometheus;x cannot pass here and still reach the endpoint.
        String path = request.getPathInfo() == null ? request.getServletPath()
                : request.getServletPath() + request.getPathInfo();
        return !(path.equals(PATH) || path.startsWith(PATH + "/"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (allowed.contains(clientAddress.of(request))) {
            chain.doFilter(request, response);
            return;
        }
        problems.write(response, ProblemWriter.problem(HttpStatus.FORBIDDEN, "metrics_forbidden",
                "Metrics are served only to the addresses in PORTAL_METRICS_ALLOWED.", java.util.Map.of(), request));
    }
}
