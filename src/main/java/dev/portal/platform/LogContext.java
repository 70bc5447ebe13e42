package dev.portal.platform;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.MDC;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * What every log line a request causes carries (MDC; fields of their own in {@code PORTAL_LOG_FORMAT=json}):
 * the request id ({@link RequestIdFilter}), the signed-in user's id (the authentication filter) and the
 * route template once Spring MVC has chosen a handler (never the raw path, which may hold tokens or ids).
 */
@Configuration(proxyBeanMethods = false)
public class LogContext implements WebMvcConfigurer {
    public static final String REQUEST_ID = "requestId";
    public static final String USER_ID = "userId";
    public static final String ROUTE = "route";

    static void clear() {
        MDC.remove(REQUEST_ID);
        MDC.remove(USER_ID);
        MDC.remove(ROUTE);
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new HandlerInterceptor() {
            @Override
            public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
                    throws IOException {
                Object route = request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
                if (route != null) {
                    MDC.put(ROUTE, request.getMethod() + " " + route);
                }
                return true;
            }

            @Override
            public void afterCompletion(HttpServletRequest request, HttpServletResponse response, Object handler,
                    Exception ex) {
                // An error dispatch (/error) comes after RequestIdFilter has cleared the rest.
                MDC.remove(ROUTE);
            }
        });
    }
}
