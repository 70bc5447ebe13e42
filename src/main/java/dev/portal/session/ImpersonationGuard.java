package dev.portal.session;

import java.util.Arrays;
import java.util.List;

import dev.portal.platform.ApiProblem;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.PathContainer;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.util.ServletRequestPathUtils;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * The one place that keeps an impersonation session (an Owner acting as a user, {@link Authentication#impersonated()})
 * to the user's own side of Portal: it may not reach a governance endpoint (moderating, granting, setting
 * levels, searching users, reading the audit log, anything under {@code /v1/admin/}), nor make a credential
 * that would outlive its hour (a personal access token, a linked identity to sign in with), nor delete the
 * account, change its e-mail address or export its data. Those answer 403 {@code forbidden}.
 *
 * <p>An interceptor, not the authentication filter, so that the path is matched as Spring MVC matched it to
 * choose the handler (decoded, {@code ;params} dropped): {@code /v1/%61udit} or {@code /v1/audit;x} cannot
 * reach the controller around this check. Any other request pays one null check. The list is coupled to the
 * governance controllers' mappings; {@code ImpersonationTest} walks every entry.
 */
final class ImpersonationGuard implements HandlerInterceptor {
    private static final PathPatternParser PARSER = PathPatternParser.defaultInstance;

    /** Acts on another user: {@code {id}} is anyone but {@code me} ({@code GET /v1/users/me/moderation} is one's own record). */
    private static final List<PathPattern> ON_ANOTHER_USER = parse(
            "/v1/users/{id}/moderation", "/v1/users/{id}/subscription", "/v1/users/{id}/permission");
    private static final List<PathPattern> GOVERNANCE = parse("/v1/users", "/v1/audit/**", "/v1/admin/**");
    /** Credentials that would let whoever holds this session in after it ends: creating a token, linking an identity. */
    private static final PathPattern TOKENS = PARSER.parse("/v1/users/me/tokens");
    private static final PathPattern LINK = PARSER.parse("/v1/auth/{platform}/link");
    /**
     * Acts only the account's holder may take: leaving for good, moving the account to another e-mail address,
     * carrying off everything Portal holds about it.
     */
    private static final List<PathPattern> HOLDER_ONLY = parse("/api/user/delete", "/api/user/change-email/**",
            "/api/user/export");

    static final String DETAIL = "An impersonation session cannot reach governance endpoints or create lasting "
            + "credentials; use your own credentials.";

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        Authentication auth = Authentication.of(request);
        if (auth != null && auth.impersonated() && refused(request)) {
            throw new ApiProblem(HttpStatus.FORBIDDEN, "forbidden", DETAIL);
        }
        return true;
    }

    private static boolean refused(HttpServletRequest request) {
        PathContainer path = (ServletRequestPathUtils.hasParsedRequestPath(request)
                ? ServletRequestPathUtils.getParsedRequestPath(request)
                : ServletRequestPathUtils.parseAndCache(request)).pathWithinApplication();
        for (PathPattern pattern : ON_ANOTHER_USER) {
            PathPattern.PathMatchInfo match = pattern.matchAndExtract(path);
            if (match != null && !"me".equals(match.getUriVariables().get("id"))) {
                return true;
            }
        }
        if (GOVERNANCE.stream().anyMatch(p -> p.matches(path)) || HOLDER_ONLY.stream().anyMatch(p -> p.matches(path))) {
            return true;
        }
        // Listing one's tokens is reading as the user; creating one is not.
        return ("POST".equals(request.getMethod()) && TOKENS.matches(path)) || LINK.matches(path);
    }

    private static List<PathPattern> parse(String... patterns) {
        return Arrays.stream(patterns).map(PARSER::parse).toList();
    }
}
