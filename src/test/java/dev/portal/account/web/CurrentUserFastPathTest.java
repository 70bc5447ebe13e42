package dev.portal.account.web;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.portal.account.Account;
import dev.portal.account.AccountService;
import dev.portal.platform.LogContext;
import dev.portal.session.Authentication;
import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.servlet.HandlerMapping;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /v1/users/me} is answered ahead of Spring MVC when the caller is signed in and takes JSON
 * ({@code CurrentUserFastPath}); any other {@code Accept} goes through Spring MVC. The two answers are the
 * same, byte for byte, and the fast one follows every change to the user, including those that only the
 * passing of time makes.
 */
class CurrentUserFastPathTest extends PortalTest {
    /** Not one of the fast path's Accept values, so Spring MVC negotiates it, and takes it as JSON. */
    private static final String[] THROUGH_SPRING_MVC = {"Accept", "application/json, text/plain;q=0.5"};

    @Autowired
    private CurrentUserFastPath fastPath;
    @Autowired
    private AccountService accounts;

    /** Every header but the two that differ on every answer. */
    private static Map<String, List<String>> headers(Response response) {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.putAll(response.headers().map());
        headers.remove("Date");
        headers.remove("X-Request-Id");
        return headers;
    }

    private void assertSameAnswer(Credential credential) {
        Response fast = get("/v1/users/me", credential);
        Response mvc = get("/v1/users/me", credential, THROUGH_SPRING_MVC);
        Response fastAgain = get("/v1/users/me", credential, "Accept", "application/json");
        for (Response response : new Response[] {fast, mvc, fastAgain}) {
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("Content-Type")).isEqualTo("application/json");
            assertThat(response.header("Content-Length"))
                    .isEqualTo(Integer.toString(response.body().getBytes(StandardCharsets.UTF_8).length));
        }
        assertThat(headers(fast)).isEqualTo(headers(mvc)).isEqualTo(headers(fastAgain));
        assertThat(fast.body()).isEqualTo(mvc.body()).isEqualTo(fastAgain.body());
    }

    /** The filter on its own, with a chain that fails if reached: the answer is its, not Spring MVC's. */
    @Test
    void theFilterAnswersByItselfAndPassesOnWhatItDoesNotTake() throws Exception {
        long id = createUser(0);
        Credential session = signedIn(id);
        get("/v1/users/me", session); // records the activity, so the cached account holds still from here
        Account account = accounts.find(id).orElseThrow();
        Authentication auth = new Authentication(account, Authentication.Via.SESSION, 1);

        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/v1/users/me");
        request.setAttribute(Authentication.class.getName(), auth);
        MockHttpServletResponse response = new MockHttpServletResponse();
        try {
            fastPath.doFilter(request, response, (req, res) -> {
                throw new AssertionError("passed on to Spring MVC");
            });
        } finally {
            MDC.remove(LogContext.ROUTE);
        }
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getContentType()).isEqualTo("application/json");
        assertThat(response.getContentAsString(StandardCharsets.UTF_8))
                .isEqualTo(get("/v1/users/me", session, THROUGH_SPRING_MVC).body());
        assertThat(request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE)).isEqualTo("/v1/users/me");

        for (String accept : new String[] {"text/html", THROUGH_SPRING_MVC[1]}) {
            MockHttpServletRequest other = new MockHttpServletRequest("GET", "/v1/users/me");
            other.setAttribute(Authentication.class.getName(), auth);
            other.addHeader("Accept", accept);
            AtomicBoolean passedOn = new AtomicBoolean();
            fastPath.doFilter(other, new MockHttpServletResponse(), (req, res) -> passedOn.set(true));
            assertThat(passedOn).as(accept).isTrue();
        }
        AtomicBoolean anonymousPassedOn = new AtomicBoolean();
        fastPath.doFilter(new MockHttpServletRequest("GET", "/v1/users/me"), new MockHttpServletResponse(),
                (req, res) -> anonymousPassedOn.set(true));
        assertThat(anonymousPassedOn).isTrue();
    }

    private JsonNode me(Credential credential) {
        return get("/v1/users/me", credential).json();
    }

    @Test
    void theFastAnswerIsSpringMvcsAnswerForASessionAndForAToken() {
        long id = createUser(0);
        linkDiscord(id, uniqueDiscordId(), unique("fast"));
        Credential session = signedIn(id);
        Credential token = Credential.bearer(apiTokenService.create(id, "bot", null, "127.0.0.1").value());
        get("/v1/users/me", session); // records the activity, so last_activity_at holds still from here

        assertSameAnswer(session);
        assertSameAnswer(token);
        assertThat(get("/v1/users/me", session).body()).isEqualTo(get("/v1/users/me", token).body());
    }

    @Test
    void otherAcceptHeadersHeadAndNoCallerGetSpringMvcsAnswers() {
        Credential session = signedIn(createUser(0));

        Response html = get("/v1/users/me", session, "Accept", "text/html");
        assertProblem(html, 406, "not_acceptable");
        assertThat(html.header("Accept")).isEqualTo("application/json");
        Response head = send("HEAD", "/v1/users/me", null, session);
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.header("Content-Type")).isEqualTo("application/json");
        assertProblem(get("/v1/users/me", Credential.NONE), 401, "unauthenticated");
        assertProblem(get("/v1/users/me", Credential.session("not-a-session")), 401, "unauthenticated");
    }

    @Test
    void aChangeToTheUserIsInTheNextAnswer() {
        long id = createUser(0);
        Credential session = signedIn(id);
        String before = me(session).get("username").stringValue();
        String renamed = unique("renamed");

        assertThat(post("/v1/users/me/update", "{\"username\": \"" + renamed + "\"}", session).status()).isEqualTo(200);
        assertThat(me(session).get("username").stringValue()).isEqualTo(renamed).isNotEqualTo(before);

        changeInSql("update users set permission_level = 1 where id = :id", "id", id);
        assertThat(me(session).get("permission_level").intValue()).isEqualTo(1);
        assertSameAnswer(session);
    }

    /**
     * Within a minute of the last request, the user's account stays the very same cached object (activity is
     * recorded to the minute), so only the moment of asking can end the timeout and the subscription.
     */
    @Test
    void aTimeoutAndASubscriptionThatEndWhileTheUserStaysTheSameEndInTheAnswer() {
        long user = createUser(0);
        Credential session = signedIn(user);
        Credential admin = signedIn(createUser(2));
        String expires = Instant.now().plusSeconds(46).truncatedTo(ChronoUnit.SECONDS).toString();
        assertThat(post("/v1/users/" + user + "/subscription",
                "{\"tier\": 2, \"expires_at\": \"" + expires + "\", \"reason\": \"trial run\"}", admin).status())
                .isEqualTo(200);
        moderate(user, "timeout", Duration.ofSeconds(20));

        JsonNode during = me(session);
        assertThat(during.get("state").intValue()).isEqualTo(1);
        assertThat(during.get("subscription_tier").intValue()).isEqualTo(2);
        assertThat(during.get("subscription_expires_at").stringValue()).isEqualTo(expires);
        assertSameAnswer(session);

        clock.advance(Duration.ofSeconds(25));
        JsonNode timeoutOver = me(session);
        assertThat(timeoutOver.get("state").intValue()).isZero();
        assertThat(timeoutOver.get("subscription_tier").intValue()).isEqualTo(2);
        assertThat(timeoutOver.get("last_activity_at")).isEqualTo(during.get("last_activity_at"));
        assertSameAnswer(session);

        clock.advance(Duration.ofSeconds(25));
        JsonNode subscriptionOver = me(session);
        assertThat(subscriptionOver.get("state").intValue()).isZero();
        assertThat(subscriptionOver.get("subscription_tier").intValue()).isZero();
        assertThat(subscriptionOver.get("last_activity_at")).isEqualTo(during.get("last_activity_at"));
        assertSameAnswer(session);
    }
}
