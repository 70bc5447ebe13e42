package dev.portal.session;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

import dev.portal.access.AccessRules;
import dev.portal.account.Account;
import dev.portal.account.AccountService;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.CrossSiteGuard;
import dev.portal.platform.LogContext;
import dev.portal.platform.ProblemWriter;
import dev.portal.platform.RequestFilter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.MDC;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Finds who is calling ({@code Authorization: Bearer} first, else the {@code psession} cookie — never a
 * token in the URL), then applies the rules that hold for every endpoint: a banned user is refused, a
 * timed-out user may only read (and sign out), and a cookie-authenticated write from another site is
 * refused. Endpoints that need a caller ask for an {@link Authentication} parameter.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
class AuthenticationFilter extends RequestFilter {
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    static final String LOGOUT_PATH = "/v1/auth/logout";

    private final SessionService sessions;
    private final ApiTokenService tokens;
    private final AccountService accounts;
    private final CrossSiteGuard crossSite;
    private final ProblemWriter problems;
    private final Clock clock;

    AuthenticationFilter(SessionService sessions, ApiTokenService tokens, AccountService accounts,
            CrossSiteGuard crossSite, ProblemWriter problems, Clock clock) {
        this.sessions = sessions;
        this.tokens = tokens;
        this.accounts = accounts;
        this.crossSite = crossSite;
        this.problems = problems;
        this.clock = clock;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI();
        return !(path.startsWith("/v1/") || path.startsWith("/api/") || dev.portal.platform.WebPages.isPage(path));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        boolean admitted;
        try {
            admitted = admit(request, response);
        } catch (DataAccessException e) {
            // Outside Spring MVC, so ProblemAdvice cannot answer: a database that is away is a 503 here too.
            problems.write(request, response, ApiProblem.unavailable());
            return;
        }
        if (admitted) {
            chain.doFilter(request, response);
        }
    }

    /**
     * Puts the caller, if any, on the request; returns false when a refusal has been written instead and
     * the request must go no further.
     */
    private boolean admit(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Authentication auth;
        String authorization = request.getHeader("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            auth = tokens.authenticate(authorization.substring(7).trim())
                    .flatMap(t -> accounts.find(t.userId()).map(a -> new Authentication(a, Authentication.Via.TOKEN, t.id())))
                    .orElse(null);
            if (auth == null) {
                response.setHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
                problems.write(request, response, ApiProblem.unauthenticated());
                return false;
            }
        } else {
            auth = Optional.ofNullable(SessionCookie.read(request, SessionCookie.NAME))
                    .flatMap(sessions::authenticate)
                    .flatMap(s -> accounts.find(s.userId())
                            .map(a -> new Authentication(a, Authentication.Via.SESSION, s.id(), s.impersonatedBy())))
                    .filter(this::impersonationStillAllowed)
                    .orElse(null);
        }
        if (auth != null) {
            ApiProblem refusal = refusal(auth, request);
            if (refusal != null) {
                problems.write(request, response, refusal);
                return false;
            }
            // An Owner acting as the user is not the user being active.
            Account current = auth.impersonated() ? auth.account() : accounts.recordActivity(auth.account());
            request.setAttribute(Authentication.ATTRIBUTE, auth.withAccount(current));
            // On every log line the request causes from here on; RequestIdFilter clears it.
            MDC.put(LogContext.USER_ID, Long.toString(current.id()));
        }
        return true;
    }

    /**
     * An impersonation works only while its Owner may still impersonate the user (SECURITY 4): an Owner
     * demoted, banned or deleted, or a user who became an Owner, ends it at the next request. Only
     * impersonations pay for this, one account lookup from the same cache as the user's.
     */
    private boolean impersonationStillAllowed(Authentication auth) {
        if (!auth.impersonated()) {
            return true;
        }
        return accounts.find(auth.impersonatedBy())
                .filter(owner -> !owner.restrictions().bannedAt(clock.instant()))
                .filter(owner -> AccessRules.mayImpersonate(owner, auth.account()))
                .isPresent();
    }

    /** Ending one's own sessions or tokens is a security act, like signing out: a timeout does not stop it. */
    private static boolean endsOwnCredentials(HttpServletRequest request) {
        String path = request.getRequestURI();
        return ("DELETE".equals(request.getMethod())
                && (path.startsWith("/v1/users/me/sessions/") || path.startsWith("/v1/users/me/tokens/")))
                || "/v1/users/me/sessions/revoke-others".equals(path);
    }

    private ApiProblem refusal(Authentication auth, HttpServletRequest request) {
        boolean write = !SAFE_METHODS.contains(request.getMethod());
        if (write && auth.via() == Authentication.Via.SESSION && crossSite.isCrossSite(request)) {
            return new ApiProblem(HttpStatus.FORBIDDEN, "csrf",
                    "Cross-site requests may not change anything with a session cookie.");
        }
        boolean logout = LOGOUT_PATH.equals(request.getRequestURI());
        Instant now = clock.instant();
        Account account = auth.account();
        if (account.restrictions().bannedAt(now) && !logout) {
            return ApiProblem.restricted("banned", "This account is banned.", account.restrictions().bannedUntil());
        }
        if (write && account.restrictions().timedOutAt(now) && !logout && !endsOwnCredentials(request)) {
            return ApiProblem.restricted("timed_out", "This account is timed out and may only read.",
                    account.restrictions().timedOutUntil());
        }
        return null;
    }

}
