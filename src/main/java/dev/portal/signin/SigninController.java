package dev.portal.signin;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.Nonce;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.ClientAddress;
import dev.portal.platform.CrossSiteGuard;
import dev.portal.platform.PortalProperties;
import dev.portal.platform.Secrets;
import dev.portal.session.Authentication;
import dev.portal.session.SessionCookie;
import dev.portal.session.SessionService;
import io.micrometer.core.instrument.MeterRegistry;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The sign-in endpoints every platform shares. {@code /login} and {@code /link} start a flow: a fresh
 * state (whose hash is stored with the PKCE verifier, nonce and redirect) bound to this browser by the
 * short-lived {@value #FLOW_COOKIE} cookie, then the provider's redirect or page. {@code /callback}
 * takes that flow (once), lets the provider finish, and signs the person in with a new session or
 * attaches the identity to the account that asked to link it.
 */
@RestController
@Tag(name = "v1 sign-in", description = "Sign in with a platform, link more platforms, and sign out")
class SigninController {
    /** Binds a sign-in's state to the browser that started it; scoped to the auth paths only. */
    static final String FLOW_COOKIE = "psignin";
    private static final String FLOW_COOKIE_PATH = "/v1/auth";

    private final SigninProviders providers;
    private final SigninFlowRepository flows;
    private final SigninService signin;
    private final SessionService sessions;
    private final SessionCookie sessionCookie;
    private final SigninProperties signinProperties;
    private final PortalProperties properties;
    private final ClientAddress clientAddress;
    private final CrossSiteGuard crossSite;
    private final Clock clock;
    private final MeterRegistry meters;
    private static final Logger log = LoggerFactory.getLogger(SigninController.class);

    SigninController(SigninProviders providers, SigninFlowRepository flows, SigninService signin,
            SessionService sessions, SessionCookie sessionCookie, SigninProperties signinProperties,
            PortalProperties properties, ClientAddress clientAddress, CrossSiteGuard crossSite, Clock clock,
            MeterRegistry meters) {
        this.meters = meters;
        this.crossSite = crossSite;
        this.providers = providers;
        this.flows = flows;
        this.signin = signin;
        this.sessions = sessions;
        this.sessionCookie = sessionCookie;
        this.signinProperties = signinProperties;
        this.properties = properties;
        this.clientAddress = clientAddress;
        this.clock = clock;
    }

    /** {@code input} names the query parameter login and link need besides redirect (instance, handle), or null. */
    record V1Provider(String platform, @JsonProperty("login_url") String loginUrl,
            @JsonProperty("link_url") String linkUrl, String input) {
    }

    @GetMapping(path = "/v1/auth/providers", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "The platforms offered here", description = "Each with the path that starts a sign-in "
            + "(login_url) and the one that links it to the signed-in account (link_url).")
    List<V1Provider> providers() {
        return providers.offered().stream().map(p -> new V1Provider(p.platform().key(),
                "/v1/auth/" + p.platform().key() + "/login", "/v1/auth/" + p.platform().key() + "/link", p.input())).toList();
    }

    @GetMapping("/v1/auth/{platform}/login")
    @Operation(summary = "Start signing in", description = "302 to the provider (Telegram: a page with its widget); "
            + "after the callback, 302 to redirect (a relative path on this site; default /).")
    @Parameter(name = "instance", in = ParameterIn.QUERY, description = "Mastodon only: the account's server, as "
            + "alice@mastodon.social or mastodon.social")
    @Parameter(name = "handle", in = ParameterIn.QUERY, description = "Bluesky only: the handle (alice.bsky.social) or DID")
    ResponseEntity<String> login(@PathVariable String platform, @RequestParam(required = false) String redirect,
            HttpServletRequest request) {
        SigninProvider provider = offered(platform);
        return begin(provider, RedirectTarget.validate(redirect), null, request);
    }

    @GetMapping("/v1/auth/{platform}/link")
    @Operation(summary = "Link another platform to your account", description = "Like login, for a signed-in user: "
            + "the identity is attached to this account. One linked to another account is refused (409 identity_in_use).")
    @Parameter(name = "instance", in = ParameterIn.QUERY, description = "Mastodon only: the account's server")
    @Parameter(name = "handle", in = ParameterIn.QUERY, description = "Bluesky only: the handle or DID")
    ResponseEntity<String> link(@PathVariable String platform, @RequestParam(required = false) String redirect,
            @Parameter(hidden = true) Authentication auth, HttpServletRequest request) {
        SigninProvider provider = offered(platform);
        return begin(provider, RedirectTarget.validate(redirect), auth.account().id(), request);
    }

    private ResponseEntity<String> begin(SigninProvider provider, String target, Long linkUserId,
            HttpServletRequest request) {
        // Another site must not start a sign-in or link in a visitor's browser: with Mastodon or Bluesky the
        // other site can run the server that approves, at once, an account of its own — linked to the
        // visitor's Portal account, or signed in to in place of it.
        if (crossSite.isForeignNavigation(request)) {
            throw new ApiProblem(HttpStatus.FORBIDDEN, "csrf", "Sign-ins and links start from this site or a front end "
                    + "configured for it, not from another site.");
        }
        String state = Secrets.randomToken();
        String verifier = new CodeVerifier().getValue();
        String nonce = new Nonce().getValue();
        URI callback = callbackUri(provider);
        SigninProvider.Started started = provider.start(new SigninProvider.Start(state, verifier, nonce, callback, request));
        Instant now = clock.instant();
        flows.insert(Secrets.sha256(state), new SigninFlowRepository.SigninFlow(provider.platform().key(), verifier, nonce,
                target, linkUserId, started.flowData(), now.plus(signinProperties.flowLifetime())), now);
        ResponseEntity.BodyBuilder answer = (started.redirect() != null
                ? ResponseEntity.status(HttpStatus.FOUND).location(started.redirect())
                : ResponseEntity.ok().contentType(new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8))
                        .header("Content-Security-Policy", started.contentSecurityPolicy())
                        .header("X-Frame-Options", "DENY"))
                .header(HttpHeaders.SET_COOKIE, flowCookie(state, signinProperties.flowLifetime()).toString())
                .header(HttpHeaders.CACHE_CONTROL, "no-store");
        return answer.body(started.page());
    }

    @GetMapping("/v1/auth/{platform}/callback")
    @Operation(summary = "Finish signing in or linking", description = "Called by the provider (Telegram: with the "
            + "widget's fields). Sets psession and answers 302 to the redirect given at login.")
    ResponseEntity<Void> callback(@PathVariable String platform, HttpServletRequest request) {
        SigninProvider provider = offered(platform);
        try {
            Finished finished = finish(provider, platform, request);
            countSignin(platform, finished.outcome());
            return finished.answer();
        } catch (ApiProblem e) {
            countSignin(platform, e.code());
            throw e;
        } catch (org.springframework.dao.DataAccessException e) {
            countSignin(platform, "unavailable");
            throw e;
        } catch (RuntimeException e) {
            countSignin(platform, "error");
            throw e;
        }
    }

    /** {@code portal_signins_total{platform, outcome}}: outcome is success or the refusal's code. */
    private void countSignin(String platform, String outcome) {
        meters.counter("portal.signins", "platform", platform, "outcome", outcome).increment();
        log.info("Sign-in with {}: {}", platform, outcome);
    }

    /** A finished callback's answer, and its outcome for the metric (a link refused by redirect is not a success). */
    private record Finished(ResponseEntity<Void> answer, String outcome) {
    }

    private Finished finish(SigninProvider provider, String platform, HttpServletRequest request) {
        String bound = SessionCookie.read(request, FLOW_COOKIE);
        if (bound == null || bound.length() > 256) {
            throw invalidState();
        }
        if (provider.returnsState()) {
            String state = request.getParameter("state");
            if (state == null || state.length() > 256 || !Secrets.constantTimeEquals(state, bound)) {
                throw invalidState();
            }
        }
        SigninFlowRepository.SigninFlow flow = flows.take(Secrets.sha256(bound))
                .filter(f -> f.platform().equals(platform) && f.expiresAt().isAfter(clock.instant()))
                .orElseThrow(SigninController::invalidState);
        Authentication caller = Authentication.of(request);
        if (flow.linkUserId() != null && (caller == null || caller.account().id() != flow.linkUserId())) {
            // The browser that asked to link is no longer signed in as the account it asked for.
            throw invalidState();
        }
        ProviderProfile profile = provider.finish(new SigninProvider.Callback(request, flow, callbackUri(provider)));
        String ip = clientAddress.of(request);
        if (flow.linkUserId() != null) {
            return linkAndReturn(flow, profile, ip, request);
        }
        SessionService.Issued session = signin.signIn(profile, ip, request.getHeader("User-Agent"));
        return new Finished(ResponseEntity.status(HttpStatus.FOUND)
                .location(URI.create(flow.redirect()))
                .header(HttpHeaders.SET_COOKIE,
                        sessionCookie.issue(session.token(), sessions.absoluteTimeout()).toString())
                .header(HttpHeaders.SET_COOKIE, flowCookie("", Duration.ZERO).toString())
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .build(), "success");
    }

    /**
     * A browser (one that asks for HTML) that cannot link is sent back to where it came from with
     * {@code ?error=identity_in_use}, so the page can say why; an API client gets the 409 itself.
     */
    private Finished linkAndReturn(SigninFlowRepository.SigninFlow flow, ProviderProfile profile, String ip,
            HttpServletRequest request) {
        URI back = URI.create(flow.redirect());
        String outcome = "success";
        try {
            signin.link(flow.linkUserId(), profile, ip);
        } catch (ApiProblem e) {
            String accept = request.getHeader(HttpHeaders.ACCEPT);
            if (e.status() != HttpStatus.CONFLICT || accept == null || !accept.contains(MediaType.TEXT_HTML_VALUE)) {
                throw e;
            }
            back = UriComponentsBuilder.fromUriString(flow.redirect()).replaceQueryParam("error", e.code())
                    .replaceQueryParam("flash").build().toUri();
            outcome = e.code();
        }
        return new Finished(ResponseEntity.status(HttpStatus.FOUND).location(back)
                .header(HttpHeaders.SET_COOKIE, flowCookie("", Duration.ZERO).toString())
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .build(), outcome);
    }

    @PostMapping("/v1/auth/logout")
    @Operation(summary = "Sign out", description = "Ends the session of the psession cookie and clears the cookie. "
            + "Bearer tokens are not affected (revoke those under /v1/users/me/tokens).")
    ResponseEntity<Void> logout(@Parameter(hidden = true) Authentication auth, HttpServletRequest request) {
        if (auth.via() == Authentication.Via.SESSION) {
            sessions.revoke(auth.account().id(), auth.credentialId(), "logout", "signout", clientAddress.of(request));
        }
        return ResponseEntity.noContent().header(HttpHeaders.SET_COOKIE, sessionCookie.clear().toString()).build();
    }

    private SigninProvider offered(String platform) {
        return providers.offered(platform)
                .orElseThrow(() -> ApiProblem.notFound("Signing in with '" + platform + "' is not offered here."));
    }

    private URI callbackUri(SigninProvider provider) {
        return callbackUri(properties.publicUrl(), provider.platform());
    }

    /** Portal's callback for a platform, as registered with it (Bluesky's client metadata names it too). */
    static URI callbackUri(URI publicUrl, dev.portal.identity.Platform platform) {
        String base = publicUrl.toString();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base)
                + "/v1/auth/" + platform.key() + "/callback");
    }

    private ResponseCookie flowCookie(String value, Duration maxAge) {
        return ResponseCookie.from(FLOW_COOKIE, value).httpOnly(true).secure(properties.secureCookies())
                .sameSite("Lax").path(FLOW_COOKIE_PATH).maxAge(maxAge).build();
    }

    private static ApiProblem invalidState() {
        return ApiProblem.badRequest("invalid_state",
                "This sign-in is unknown, expired, already used, or was started in another browser; start again.");
    }
}
