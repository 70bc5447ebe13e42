package dev.portal.signin;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;

import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import dev.portal.audit.AuditLog;
import dev.portal.identity.Platform;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.ClientAddress;
import dev.portal.platform.PortalProperties;
import dev.portal.platform.Secrets;
import dev.portal.session.Authentication;
import dev.portal.session.SessionCookie;
import dev.portal.session.SessionService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /v1/auth/{platform}/login} sends the browser to the provider with a fresh state and PKCE
 * challenge; {@code /callback} checks the state against the short-lived {@value #FLOW_COOKIE} cookie of
 * the same browser, takes the flow (once), exchanges the code and signs the user in with a new session.
 */
@RestController
@Tag(name = "v1 sign-in", description = "Sign in with a platform, and sign out")
class SigninController {
    /** Binds a sign-in's state to the browser that started it; scoped to the auth paths only. */
    static final String FLOW_COOKIE = "psignin";
    private static final String FLOW_COOKIE_PATH = "/v1/auth";

    private final DiscordProvider discord;
    private final SigninFlowRepository flows;
    private final SigninService signin;
    private final SessionService sessions;
    private final SessionCookie sessionCookie;
    private final SigninProperties signinProperties;
    private final PortalProperties properties;
    private final ClientAddress clientAddress;
    private final AuditLog audit;
    private final Clock clock;

    SigninController(DiscordProvider discord, SigninFlowRepository flows, SigninService signin, SessionService sessions,
            SessionCookie sessionCookie, SigninProperties signinProperties, PortalProperties properties,
            ClientAddress clientAddress, AuditLog audit, Clock clock) {
        this.discord = discord;
        this.flows = flows;
        this.signin = signin;
        this.sessions = sessions;
        this.sessionCookie = sessionCookie;
        this.signinProperties = signinProperties;
        this.properties = properties;
        this.clientAddress = clientAddress;
        this.audit = audit;
        this.clock = clock;
    }

    @GetMapping("/v1/auth/{platform}/login")
    @Operation(summary = "Start signing in", description = "302 to the provider; after the callback, 302 to redirect "
            + "(a relative path on this site; default /).")
    ResponseEntity<Void> login(@PathVariable String platform, @RequestParam(required = false) String redirect) {
        requireOffered(platform);
        String target = RedirectTarget.validate(redirect);
        String state = Secrets.randomToken();
        CodeVerifier verifier = new CodeVerifier();
        Instant now = clock.instant();
        flows.insert(Secrets.sha256(state), platform, verifier.getValue(), target, null, now,
                now.plus(signinProperties.flowLifetime()));
        return ResponseEntity.status(HttpStatus.FOUND)
                .location(discord.authorizationUri(state, verifier, callbackUri(platform)))
                .header(HttpHeaders.SET_COOKIE, flowCookie(state, signinProperties.flowLifetime()).toString())
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .build();
    }

    @GetMapping("/v1/auth/{platform}/callback")
    @Operation(summary = "Finish signing in", description = "Called by the provider. Sets psession and answers 302 "
            + "to the redirect given at login.")
    ResponseEntity<Void> callback(@PathVariable String platform, @RequestParam(required = false) String code,
            @RequestParam(required = false) String state, @RequestParam(required = false) String error,
            HttpServletRequest request) {
        requireOffered(platform);
        String bound = SessionCookie.read(request, FLOW_COOKIE);
        if (state == null || state.length() > 256 || !Secrets.constantTimeEquals(state, bound)) {
            throw invalidState();
        }
        SigninFlowRepository.SigninFlow flow = flows.take(Secrets.sha256(state))
                .filter(f -> f.platform().equals(platform) && f.expiresAt().isAfter(clock.instant()))
                .orElseThrow(SigninController::invalidState);
        if (error != null || code == null || code.isEmpty() || code.length() > 2048) {
            throw ApiProblem.badRequest("signin_failed", "The sign-in was not completed at the provider; start again.");
        }
        ProviderProfile profile = discord.exchange(code, flow.codeVerifier(), callbackUri(platform));
        SigninService.SignedIn result = signin.signIn(profile, clientAddress.of(request), request.getHeader("User-Agent"));
        return ResponseEntity.status(HttpStatus.FOUND)
                .location(URI.create(flow.redirect()))
                .header(HttpHeaders.SET_COOKIE,
                        sessionCookie.issue(result.session().token(), sessions.absoluteTimeout()).toString())
                .header(HttpHeaders.SET_COOKIE, flowCookie("", java.time.Duration.ZERO).toString())
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .build();
    }

    @PostMapping("/v1/auth/logout")
    @Operation(summary = "Sign out", description = "Ends the session of the psession cookie and clears the cookie. "
            + "Bearer tokens are not affected (revoke those under /v1/users/me/tokens).")
    ResponseEntity<Void> logout(@Parameter(hidden = true) Authentication auth, HttpServletRequest request) {
        if (auth.via() == Authentication.Via.SESSION) {
            sessions.revoke(auth.account().id(), auth.credentialId(), "logout");
            audit.record("signout", auth.account().id(), auth.account().id(), clientAddress.of(request),
                    Map.of("session_id", auth.credentialId()));
        }
        return ResponseEntity.noContent().header(HttpHeaders.SET_COOKIE, sessionCookie.clear().toString()).build();
    }

    private void requireOffered(String platform) {
        if (!Platform.DISCORD.key().equals(platform) || !discord.configured()) {
            throw ApiProblem.notFound("Signing in with '" + platform + "' is not offered here.");
        }
    }

    private URI callbackUri(String platform) {
        String base = properties.publicUrl().toString();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base)
                + "/v1/auth/" + platform + "/callback");
    }

    private ResponseCookie flowCookie(String value, java.time.Duration maxAge) {
        return ResponseCookie.from(FLOW_COOKIE, value).httpOnly(true).secure(properties.secureCookies())
                .sameSite("Lax").path(FLOW_COOKIE_PATH).maxAge(maxAge).build();
    }

    private static ApiProblem invalidState() {
        return ApiProblem.badRequest("invalid_state",
                "This sign-in is unknown, expired, already used, or was started in another browser; start again.");
    }
}
