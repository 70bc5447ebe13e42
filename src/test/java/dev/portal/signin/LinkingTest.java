package dev.portal.signin;

import java.util.List;
import java.util.Map;

import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** SPEC §4 and SECURITY item 10: linking more platforms to one account, and unlinking them. */
class LinkingTest extends PortalTest {

    private List<String> platformsOf(String session) {
        return get("/v1/users/me", Credential.session(session)).json().get("linked_platforms").valueStream()
                .map(p -> p.get("platform").stringValue()).toList();
    }

    private long audited(String action, long userId) {
        return jdbc.sql("select count(*) from audit_events where action = :action and target_id = :id and ip is not null")
                .param("action", action).param("id", userId).query(Long.class).single();
    }

    @Test
    void aSignedInUserLinksGithubAndCanThenSignInWithEither() {
        String session = signInWithDiscord(uniqueDiscordId(), unique("linker"));
        long id = userIdOf(session);
        assertThat(platformsOf(session)).containsExactly("discord");
        String githubId = uniqueDiscordId();
        String login = unique("gh");

        SignIn linked = link("github", Credential.session(session), githubId, Map.of("login", login), "/account");

        assertThat(linked.callback().status()).as(linked.callback().body()).isEqualTo(302);
        assertThat(linked.callback().header("Location")).isEqualTo("/account");
        assertThat(linked.callback().cookie("psession")).as("linking issues no new session").isNull();
        // The account was cached before the link; the link is seen at once.
        assertThat(platformsOf(session)).containsExactly("discord", "github");
        assertThat(audited("link", id)).isEqualTo(1);

        String viaGithub = signedInWith("github", githubId, Map.of("login", login));
        assertThat(userIdOf(viaGithub)).isEqualTo(id);
    }

    @Test
    void linkingNeedsASignedInUserAndARedirectOnThisSite() {
        assertProblem(get("/v1/auth/github/link?redirect=/account", Credential.NONE), 401, "unauthenticated");
        String session = signInWithDiscord(uniqueDiscordId(), unique("redirect"));
        Response offSite = get("/v1/auth/github/link?redirect=//evil.example", Credential.session(session));
        assertProblem(offSite, 400, "invalid_redirect");
        assertThat(offSite.cookie("psignin")).isNull();
    }

    @Test
    void aTimedOutUserCannotLink() {
        String session = signInWithDiscord(uniqueDiscordId(), unique("timedout"));
        long id = userIdOf(session);
        moderate(id, "timeout", java.time.Duration.ofHours(1));

        SignIn attempt = link("github", Credential.session(session), uniqueDiscordId(), Map.of("login", unique("no")), "/");

        JsonNode problem = assertProblem(attempt.callback(), 403, "timed_out");
        assertThat(problem.get("until").isNull()).isFalse();
        assertThat(platformsOf(session)).containsExactly("discord");
        assertThat(audited("link", id)).isZero();
    }

    @Test
    void anIdentityOnAnotherAccountIsRefusedAndNothingChanges() {
        String githubId = uniqueDiscordId();
        String owner = signedInWith("github", githubId, Map.of("login", unique("owner")));
        String other = signInWithDiscord(uniqueDiscordId(), unique("other"));

        SignIn attempt = link("github", Credential.session(other), githubId, Map.of("login", "whatever"), "/account");

        assertProblem(attempt.callback(), 409, "identity_in_use");
        assertThat(platformsOf(other)).containsExactly("discord");
        assertThat(platformsOf(owner)).containsExactly("github");
        assertThat(audited("link_refused", userIdOf(other))).isEqualTo(1);
    }

    @Test
    void aBrowserIsSentBackWithTheErrorInsteadOfA409() {
        String githubId = uniqueDiscordId();
        signedInWith("github", githubId, Map.of("login", unique("taken")));
        String other = signInWithDiscord(uniqueDiscordId(), unique("browser"));

        SignIn attempt = link("github", Credential.session(other), githubId, Map.of("login", "x"), "/account?tab=links",
                "Accept", "text/html,application/xhtml+xml");

        assertThat(attempt.callback().status()).isEqualTo(302);
        assertThat(attempt.callback().header("Location")).isEqualTo("/account?tab=links&error=identity_in_use");
        assertThat(platformsOf(other)).containsExactly("discord");
    }

    @Test
    void aRefusedLinkDropsTheSuccessNoticeTheRedirectCarried() {
        String githubId = uniqueDiscordId();
        signedInWith("github", githubId, Map.of("login", unique("taken")));
        String other = signInWithDiscord(uniqueDiscordId(), unique("notice"));

        // The identities page asks to come back with ?flash=linked; a refusal must not say "linked".
        SignIn attempt = link("github", Credential.session(other), githubId, Map.of("login", "x"),
                "%2Faccount%2Fidentities%3Fflash%3Dlinked", "Accept", "text/html");

        assertThat(attempt.callback().header("Location")).isEqualTo("/account/identities?error=identity_in_use");
    }

    @Test
    void aSecondAccountOfTheSamePlatformIsRefused() {
        String session = signedInWith("github", uniqueDiscordId(), Map.of("login", unique("first")));

        SignIn second = link("github", Credential.session(session), uniqueDiscordId(), Map.of("login", unique("second")), "/");

        assertProblem(second.callback(), 409, "platform_already_linked");
        assertThat(platformsOf(session)).containsExactly("github");
    }

    @Test
    void aLinkFinishedInABrowserNowSignedInAsSomeoneElseIsRefused() {
        String alice = signInWithDiscord(uniqueDiscordId(), unique("alice"));
        String mallory = signInWithDiscord(uniqueDiscordId(), unique("mallory"));
        Response start = get("/v1/auth/github/link?redirect=/", Credential.session(alice));
        Response authorize = get(start.header("Location"), Credential.NONE);

        Response callback = get(authorize.header("Location"), Credential.session(mallory),
                "Cookie", "psignin=" + start.cookie("psignin"));

        assertProblem(callback, 400, "invalid_state");
        assertThat(platformsOf(alice)).containsExactly("discord");
        assertThat(platformsOf(mallory)).containsExactly("discord");
    }

    @Test
    void telegramLinksThroughItsWidget() {
        String session = signInWithDiscord(uniqueDiscordId(), unique("tglink"));
        String telegramId = uniqueDiscordId().substring(0, 10);

        Response callback = telegramCallback("/v1/auth/telegram/link?redirect=/account", Credential.session(session),
                telegramQuery(telegramUser(telegramId, unique("tgname"))));

        assertThat(callback.status()).as(callback.body()).isEqualTo(302);
        assertThat(callback.header("Location")).isEqualTo("/account");
        assertThat(platformsOf(session)).containsExactly("discord", "telegram");
    }

    @Test
    void unlinkingRemovesTheIdentityButNeverTheLastWayIn() {
        String session = signInWithDiscord(uniqueDiscordId(), unique("unlinker"));
        long id = userIdOf(session);
        link("github", Credential.session(session), uniqueDiscordId(), Map.of("login", unique("gone")), "/");
        assertThat(send("PATCH", "/v1/users/me/update", "{\"avatar_source\": \"github\"}", Credential.session(session))
                .status()).isEqualTo(200);

        Response unlink = send("DELETE", "/v1/users/me/identities/github", null, Credential.session(session));

        assertThat(unlink.status()).isEqualTo(204);
        JsonNode me = get("/v1/users/me", Credential.session(session)).json();
        assertThat(platformsOf(session)).containsExactly("discord");
        assertThat(me.get("avatar_source").isNull()).as("an avatar source naming the unlinked platform falls back").isTrue();
        assertThat(audited("unlink", id)).isEqualTo(1);

        assertProblem(send("DELETE", "/v1/users/me/identities/github", null, Credential.session(session)), 404, "not_found");
        assertProblem(send("DELETE", "/v1/users/me/identities/discord", null, Credential.session(session)), 409,
                "last_identity");
        assertProblem(send("DELETE", "/v1/users/me/identities/nonsense", null, Credential.session(session)), 404,
                "not_found");
        assertThat(platformsOf(session)).containsExactly("discord");
    }

    @Test
    void unlinkingFromAnotherSiteWithTheCookieIsRefused() {
        String session = signInWithDiscord(uniqueDiscordId(), unique("csrf"));
        link("github", Credential.session(session), uniqueDiscordId(), Map.of("login", unique("kept")), "/");

        Response unlink = send("DELETE", "/v1/users/me/identities/github", null, Credential.session(session),
                "Origin", "https://evil.example");

        assertProblem(unlink, 403, "csrf");
        assertThat(platformsOf(session)).containsExactly("discord", "github");
    }

    @Test
    void everySigninActIsAuditedWithItsAddress() {
        String session = signInWithDiscord(uniqueDiscordId(), unique("audited"));
        long id = userIdOf(session);
        String token = post("/v1/users/me/tokens", "{\"name\": \"ci\"}", Credential.session(session)).json().get("id").asString();
        send("DELETE", "/v1/users/me/tokens/" + token, null, Credential.session(session));
        String second = signInWithDiscord(jdbc.sql("select platform_user_id from linked_identities where user_id = :id")
                .param("id", id).query(String.class).single(), unique("again"));
        long secondId = jdbc.sql("select max(id) from sessions where user_id = :id").param("id", id).query(Long.class).single();
        send("DELETE", "/v1/users/me/sessions/" + secondId, null, Credential.session(session));
        post("/v1/auth/logout", null, Credential.session(session));

        List<String> actions = jdbc.sql("select action from audit_events where target_id = :id and actor_id = :id "
                + "and ip = '127.0.0.1' order by id").param("id", id).query(String.class).list();
        assertThat(actions).containsExactly("signin", "token_created", "token_revoked", "signin", "session_revoked", "signout");
        assertThat(jdbc.sql("select details ->> 'new_user' from audit_events where action = 'signin' and target_id = :id "
                + "order by id").param("id", id).query(String.class).list()).containsExactly("true", "false");
        assertProblem(get("/v1/users/me", Credential.session(second)), 401, "unauthenticated");
    }

    /**
     * With Mastodon or Bluesky another site can run the server that approves at once: were it able to start a
     * link in a signed-in visitor's browser, its own account would be linked to the visitor's (and it could
     * then sign in as them). Starts the browser marks cross-site are refused, unless they come from a front
     * end the operator configured.
     */
    @Test
    void anotherSiteCannotStartALinkOrASignInInAVisitorsBrowser() {
        String session = signInWithDiscord(uniqueDiscordId(), unique("victim"));
        String evilInstance = java.net.URLEncoder.encode(mastodon().url("127.0.0.1"), java.nio.charset.StandardCharsets.UTF_8);

        Response link = get("/v1/auth/mastodon/link?instance=" + evilInstance + "&redirect=/", Credential.session(session),
                "Sec-Fetch-Site", "cross-site", "Referer", "https://evil.example/page");
        Response login = get("/v1/auth/bluesky/login?handle=someone.test", Credential.NONE, "Sec-Fetch-Site", "cross-site");

        assertProblem(link, 403, "csrf");
        assertProblem(login, 403, "csrf");
        assertThat(link.cookie("psignin")).isNull();
        assertThat(login.cookie("psignin")).isNull();
        for (String site : List.of("same-origin", "same-site", "none")) {
            assertThat(get("/v1/auth/github/link?redirect=/", Credential.session(session), "Sec-Fetch-Site", site).status())
                    .as(site).isEqualTo(302);
        }
        // A front end on another site that the operator configured (here Portal's own origin) may start one.
        assertThat(get("/v1/auth/github/login?redirect=/", Credential.NONE, "Sec-Fetch-Site", "cross-site",
                "Referer", url("/account")).status()).isEqualTo(302);
    }
}
