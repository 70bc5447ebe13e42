package dev.portal.web;

import dev.portal.platform.ApiProblem;
import dev.portal.platform.WebPages;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Refuses an unsafe request to a page (a form post) that does not carry its session's form token: 403
 * {@code csrf}, nothing done. The cross-site rule (Sec-Fetch-Site, Origin) has already run in the
 * authentication filter; this is the second, independent check SPEC's web portal asks for.
 */
final class FormTokenGuard implements HandlerInterceptor {
    private final FormTokens tokens;

    FormTokenGuard(FormTokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        String method = request.getMethod();
        boolean safe = "GET".equals(method) || "HEAD".equals(method) || "OPTIONS".equals(method);
        if (!safe && WebPages.isPage(request) && !tokens.matches(request, request.getParameter(FormTokens.FIELD))) {
            throw new ApiProblem(HttpStatus.FORBIDDEN, "csrf",
                    "This form has expired or came from another site. Reload the page and try again.");
        }
        return true;
    }
}
