package dev.portal.signin;

import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import dev.portal.support.FakeProviderApis;
import dev.portal.support.FaultFigures;
import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * GitHub, X and LinkedIn end to end against stand-ins that speak their shapes: the mock OAuth 2 server
 * issues codes and tokens (and LinkedIn's ID tokens), and {@link FakeProviderApis} answers GitHub's token
 * endpoint and /user and X's /2/users/me. Discord's own flow is in {@link DiscordSigninTest}.
 */
class OAuthProvidersTest extends PortalTest {
    /** {@code portal.signin.provider-timeout} in the tests (PortalTest). */
    private static final Duration PROVIDER_TIMEOUT = Duration.ofSeconds(2);

    private static Map<String, String> query(String location) {
        return DiscordSigninTest.query(location);
    }

    /** A sign-in that went through, naming the person as each of these platforms would. */
    private SignIn completedSignIn(String platform) {
        String name = unique("p");
        SignIn signIn = signIn(platform, uniqueDiscordId(), Map.of("login", name, "username", name, "name", "Pat Doe"), "/");
        assertThat(signIn.callback().status()).as(signIn.callback().body()).isEqualTo(302);
        return signIn;
    }

    /**
     * Redeems the code of one flow in the callback of a second flow started in the same browser: the
     * state is right, but the verifier and nonce Portal sends are the second flow's.
     */
    private Response crossedCallback(String platform) {
        Response first = get("/v1/auth/" + platform + "/login", Credential.NONE);
        Response firstCode = get(first.header("Location"), Credential.NONE);
        Response second = get("/v1/auth/" + platform + "/login", Credential.NONE);
        String code = query(firstCode.header("Location")).get("code");
        String state = second.cookie("psignin");
        return get("/v1/auth/" + platform + "/callback?code=" + code + "&state=" + state, Credential.NONE,
                "Cookie", "psignin=" + state);
    }

    @Test
    void theOfferedPlatformsAreListedWithTheirPaths() {
        JsonNode providers = get("/v1/auth/providers", Credential.NONE).json();

        assertThat(providers.valueStream().map(p -> p.get("platform").stringValue()))
                .containsExactly("discord", "telegram", "github", "mastodon", "bluesky", "linkedin", "x");
        JsonNode github = providers.get(2);
        assertThat(github.get("login_url").stringValue()).isEqualTo("/v1/auth/github/login");
        assertThat(github.get("link_url").stringValue()).isEqualTo("/v1/auth/github/link");
        assertThat(github.get("input").isNull()).isTrue();
        // Mastodon and Bluesky need no credentials (on by default) and ask where the account lives.
        assertThat(providers.get(3).get("input").stringValue()).isEqualTo("instance");
        assertThat(providers.get(4).get("input").stringValue()).isEqualTo("handle");
    }

    @Test
    void githubSignInCreatesTheUserFromUser() {
        String id = uniqueDiscordId();
        String login = unique("octo");

        SignIn signIn = signIn("github", id, Map.of("login", login, "name", "The Octocat"), "/home");

        assertThat(signIn.callback().status()).as(signIn.callback().body()).isEqualTo(302);
        assertThat(signIn.callback().header("Location")).isEqualTo("/home");
        Map<String, String> asked = query(signIn.login().header("Location"));
        assertThat(asked).containsEntry("code_challenge_method", "S256").containsEntry("client_id", clientId("github"))
                .containsKey("code_challenge").containsKey("state");
        JsonNode me = get("/v1/users/me", Credential.session(signIn.session())).json();
        assertThat(me.get("username").stringValue()).isEqualTo(login);
        assertThat(me.get("avatar_url").stringValue()).isEqualTo("https://avatars.githubusercontent.com/u/" + id + "?v=4");
        JsonNode linked = me.get("linked_platforms").get(0);
        assertThat(linked.get("platform").stringValue()).isEqualTo("github");
        assertThat(linked.get("platform_user_id").stringValue()).isEqualTo(id);
        assertThat(linked.get("platform_username").stringValue()).isEqualTo(login);
        assertThat(jdbc.sql("select platform from sessions where token_hash = sha256(convert_to(:t, 'UTF8'))")
                .param("t", signIn.session()).query(String.class).single()).isEqualTo("github");
    }

    @Test
    void xSignInReadsTheWrappedUserWithItsProfileImage() {
        String id = uniqueDiscordId();
        String handle = unique("xer");

        String session = signedInWith("x", id, Map.of("username", handle, "name", "Ex Er"));

        JsonNode me = get("/v1/users/me", Credential.session(session)).json();
        assertThat(me.get("username").stringValue()).isEqualTo(handle);
        assertThat(me.get("avatar_url").stringValue()).isEqualTo("https://pbs.twimg.com/profile_images/" + id + "/normal.jpg");
        assertThat(me.get("linked_platforms").get(0).get("platform").stringValue()).isEqualTo("x");
    }

    @Test
    void linkedinSignInBelievesOnlyAVerifiedIdTokenAndDerivesAUsernameFromTheName() {
        String sub = "li-" + uniqueDiscordId();

        SignIn signIn = signIn("linkedin", sub, Map.of("name", "Ada Lovelace", "picture", "https://media.licdn.com/ada.jpg",
                "email", "ada@example.com"), "/");

        assertThat(signIn.callback().status()).as(signIn.callback().body()).isEqualTo(302);
        Map<String, String> asked = query(signIn.login().header("Location"));
        // LinkedIn refuses a PKCE verifier from web apps; the nonce is what binds its ID token.
        assertThat(asked).containsKey("nonce").doesNotContainKey("code_challenge");
        assertThat(asked.get("scope")).contains("openid");
        JsonNode me = get("/v1/users/me", Credential.session(signIn.session())).json();
        assertThat(me.get("username").stringValue()).startsWith("Ada_Lovelace");
        assertThat(me.get("avatar_url").stringValue()).isEqualTo("https://media.licdn.com/ada.jpg");
        JsonNode linked = me.get("linked_platforms").get(0);
        assertThat(linked.get("platform_user_id").stringValue()).isEqualTo(sub);
        assertThat(linked.get("platform_username").stringValue()).isEqualTo("Ada Lovelace");
    }

    @Test
    void linkedinRefusesAnIdTokenIssuedForAnotherSignIn() {
        // A code from one flow carries that flow's nonce; redeemed in another flow, the nonce does not match.
        Response callback = crossedCallback("linkedin");

        assertProblem(callback, 400, "signin_failed");
        assertThat(callback.cookie("psession")).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"github", "x", "linkedin"})
    void aStateWorksOnceAndOnlyInTheBrowserThatStartedIt(String platform) {
        SignIn signIn = completedSignIn(platform);

        Response replay = get(signIn.authorize().header("Location"), Credential.NONE,
                "Cookie", "psignin=" + signIn.login().cookie("psignin"));
        assertProblem(replay, 400, "invalid_state");

        Response attackers = get("/v1/auth/" + platform + "/login", Credential.NONE);
        Response attackersCode = get(attackers.header("Location"), Credential.NONE);
        Response victims = get("/v1/auth/" + platform + "/login", Credential.NONE);
        Response foreign = get(attackersCode.header("Location"), Credential.NONE, "Cookie", "psignin=" + victims.cookie("psignin"));
        assertProblem(foreign, 400, "invalid_state");
        assertThat(foreign.cookie("psession")).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"github", "x", "linkedin"})
    void anAuthorizationCodeWorksOnce(String platform) {
        SignIn used = completedSignIn(platform);
        String code = query(used.authorize().header("Location")).get("code");

        Response again = get("/v1/auth/" + platform + "/login", Credential.NONE);
        String state = again.cookie("psignin");
        Response replay = get("/v1/auth/" + platform + "/callback?code=" + code + "&state=" + state, Credential.NONE,
                "Cookie", "psignin=" + state);

        assertProblem(replay, 400, "signin_failed");
        assertThat(replay.cookie("psession")).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"discord", "github", "x"})
    void aCodeRedeemedWithAnotherFlowsVerifierIsRefused(String platform) {
        // The state is the second flow's, so Portal sends the second flow's verifier: PKCE must fail.
        Response callback = crossedCallback(platform);

        assertProblem(callback, 400, "signin_failed");
        assertThat(callback.cookie("psession")).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"github", "x", "linkedin"})
    void aRefusalAtTheProviderEndsTheSignIn(String platform) {
        Response login = get("/v1/auth/" + platform + "/login", Credential.NONE);
        String state = login.cookie("psignin");

        Response callback = get("/v1/auth/" + platform + "/callback?error=access_denied&error_description=no&state=" + state,
                Credential.NONE, "Cookie", "psignin=" + state);

        assertProblem(callback, 400, "signin_failed");
        assertThat(callback.cookie("psession")).isNull();
    }

    /**
     * Down either way: the connection dropped without an answer, or refused because nothing listens there.
     * GitHub fails at its token endpoint, X at its user API (its tokens come from the OAuth server).
     */
    @ParameterizedTest
    @CsvSource({"github, DOWN", "x, DOWN", "github, REFUSED", "x, REFUSED"})
    void aProviderThatIsDownOrRefusesConnectionsAnswers502WhileTheOthersAreStillOffered(String platform,
            FakeProviderApis.Behaviour behaviour) throws Exception {
        providerApis().behave(platform, behaviour);
        if (behaviour == FakeProviderApis.Behaviour.REFUSED) {
            int port = URI.create(providerApis().baseUrl(platform)).getPort();
            assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
        }
        Response login = get("/v1/auth/" + platform + "/login", Credential.NONE);
        Response authorize = get(login.header("Location"), Credential.NONE);

        long started = System.nanoTime();
        Response callback = get(authorize.header("Location"), Credential.NONE, "Cookie", "psignin=" + login.cookie("psignin"));
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        FaultFigures.report("OAuthProvidersTest", String.format(Locale.ROOT, "%s %s: %d after %.2f s", platform,
                behaviour.name().toLowerCase(Locale.ROOT), callback.status(), took.toNanos() / 1e9));
        JsonNode problem = assertProblem(callback, 502, "provider_unavailable");
        assertThat(problem.get("detail").stringValue()).doesNotContain("127.0.0.1", "http");
        assertThat(callback.cookie("psession")).isNull();
        // Nothing is waited for at the provider that is down; the bound is the slow test's (X's token exchange
        // at the OAuth server comes first, with a deadline of its own).
        assertThat(took).isLessThan(Duration.ofMillis(4_500));
        // The others are offered as before (a full sign-in beside a pending one is the slow test's).
        assertThat(get("/v1/auth/discord/login", Credential.NONE).status()).isEqualTo(302);
        assertThat(get("/v1/auth/providers", Credential.NONE).status()).isEqualTo(200);
    }

    @Test
    void aSlowProviderAnswers504WithinTheTimeoutWhileAnotherStillSignsPeopleIn() throws Exception {
        providerApis().behave("github", FakeProviderApis.Behaviour.SLOW);
        String signedIn = signInWithDiscord(uniqueDiscordId(), unique("before"));
        Response login = get("/v1/auth/github/login", Credential.NONE);
        Response authorize = get(login.header("Location"), Credential.NONE);

        ExecutorService client = Executors.newSingleThreadExecutor();
        long started = System.nanoTime();
        CompletableFuture<Response> slow = CompletableFuture.supplyAsync(() -> get(authorize.header("Location"),
                Credential.NONE, "Cookie", "psignin=" + login.cookie("psignin")), client);
        // While GitHub keeps that sign-in waiting, everything else answers as usual: another provider's
        // sign-in, the signed-in API, the list of providers.
        String discord = signInWithDiscord(uniqueDiscordId(), unique("meanwhile"));
        Response me = get("/v1/users/me", Credential.session(signedIn));
        Response providers = get("/v1/auth/providers", Credential.NONE);
        Duration othersTook = Duration.ofNanos(System.nanoTime() - started);
        boolean othersFirst = !slow.isDone();
        Response callback = slow.get();
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        client.shutdown();

        FaultFigures.report("OAuthProvidersTest", String.format(Locale.ROOT,
                "github slow: %d after %.2f s (provider timeout %d s); meanwhile a Discord sign-in, /v1/users/me and"
                        + " /v1/auth/providers answered in %.2f s", callback.status(), took.toNanos() / 1e9,
                PROVIDER_TIMEOUT.toSeconds(), othersTook.toNanos() / 1e9));
        assertThat(othersFirst).as("the others answered while GitHub was still pending").isTrue();
        assertThat(me.status()).isEqualTo(200);
        assertThat(providers.status()).isEqualTo(200);
        assertThat(get("/v1/users/me", Credential.session(discord)).status()).isEqualTo(200);
        assertProblem(callback, 504, "provider_timeout");
        assertThat(callback.cookie("psession")).isNull();
        // The test timeout is 2 s; the stand-in would answer after 6 s.
        assertThat(took).isLessThan(Duration.ofMillis(4_500));
    }
}
