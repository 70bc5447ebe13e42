package dev.portal.signin;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

class DiscordSigninTest extends PortalTest {

    static Map<String, String> query(String location) {
        return Arrays.stream(URI.create(location).getRawQuery().split("&")).map(p -> p.split("=", 2))
                .collect(Collectors.toMap(p -> p[0], p -> URLDecoder.decode(p[1], StandardCharsets.UTF_8)));
    }

    @Test
    void loginRedirectsToDiscordWithStateBoundToACookieAndPkceS256() {
        Response login = get("/v1/auth/discord/login?redirect=/settings", Credential.NONE);

        assertThat(login.status()).isEqualTo(302);
        Map<String, String> params = query(login.header("Location"));
        assertThat(params).containsEntry("response_type", "code").containsEntry("client_id", DISCORD_CLIENT_ID)
                .containsEntry("code_challenge_method", "S256").containsEntry("scope", "identify openid")
                .containsKey("code_challenge");
        assertThat(params.get("redirect_uri")).endsWith("/v1/auth/discord/callback");
        assertThat(params.get("state")).hasSizeGreaterThanOrEqualTo(43).isEqualTo(login.cookie("psignin"));
        String cookie = login.setCookies().stream().filter(c -> c.startsWith("psignin=")).findFirst().orElseThrow();
        assertThat(cookie).contains("HttpOnly", "SameSite=Lax", "Path=/v1/auth", "Max-Age=600");
    }

    @Test
    void firstSignInCreatesTheUserAndASessionThenRedirects() {
        String discordId = uniqueDiscordId();
        String name = unique("niels");
        SignIn signIn = signInWithDiscord(discordId, name, "0123456789abcdef0123456789abcdef", "/welcome");

        assertThat(signIn.callback().status()).isEqualTo(302);
        assertThat(signIn.callback().header("Location")).isEqualTo("/welcome");
        String cookie = signIn.callback().setCookies().stream().filter(c -> c.startsWith("psession=")).findFirst().orElseThrow();
        assertThat(cookie).contains("HttpOnly", "SameSite=Lax", "Path=/").doesNotContain("Secure");
        assertThat(signIn.session()).hasSizeGreaterThanOrEqualTo(43);

        JsonNode me = get("/v1/users/me", Credential.session(signIn.session())).json();
        assertThat(me.get("username").stringValue()).isEqualTo(name);
        assertThat(me.get("avatar_url").stringValue())
                .isEqualTo("https://cdn.discordapp.com/avatars/" + discordId + "/0123456789abcdef0123456789abcdef.png");
        JsonNode linked = me.get("linked_platforms").get(0);
        assertThat(linked.get("platform").stringValue()).isEqualTo("discord");
        assertThat(linked.get("platform_user_id").stringValue()).isEqualTo(discordId);
        assertThat(linked.get("platform_username").stringValue()).isEqualTo(name);
        assertThat(linked.get("last_authenticated_at").stringValue()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        assertThat(jdbc.sql("select count(*) from audit_events where action = 'signin' and target_id = :id")
                .param("id", me.get("id").longValue()).query(Long.class).single()).isEqualTo(1);
    }

    @Test
    void laterSignInRefreshesTheIdentityAndKeepsTheUser() {
        String discordId = uniqueDiscordId();
        String first = signInWithDiscord(discordId, unique("before"));
        long id = get("/v1/users/me", Credential.session(first)).json().get("id").longValue();

        String firstSeen = get("/v1/users/me", Credential.session(first)).json().get("linked_platforms").get(0)
                .get("last_authenticated_at").stringValue();
        clock.advance(java.time.Duration.ofMinutes(5));
        String renamed = unique("after");
        SignIn again = signInWithDiscord(discordId, renamed, "a_0123456789abcdef0123456789abcdef", "/");

        JsonNode me = get("/v1/users/me", Credential.session(again.session())).json();
        assertThat(me.get("id").longValue()).isEqualTo(id);
        assertThat(me.get("linked_platforms")).hasSize(1);
        assertThat(me.get("linked_platforms").get(0).get("platform_username").stringValue()).isEqualTo(renamed);
        assertThat(me.get("avatar_url").stringValue()).endsWith("/a_0123456789abcdef0123456789abcdef.gif");
        assertThat(java.time.Instant.parse(me.get("linked_platforms").get(0).get("last_authenticated_at").stringValue()))
                .isAfter(java.time.Instant.parse(firstSeen).plus(java.time.Duration.ofMinutes(4)));
        assertThat(again.session()).isNotEqualTo(first);
    }

    @Test
    void userWithoutAvatarGetsDiscordsDefaultAvatar() {
        String discordId = "1185865881356615713";
        jdbc.sql("delete from users where id in (select user_id from linked_identities where platform_user_id = :id)")
                .param("id", discordId).update();
        String session = signInWithDiscord(discordId, unique("noavatar"));

        long index = (Long.parseLong(discordId) >> 22) % 6;
        assertThat(get("/v1/users/me", Credential.session(session)).json().get("avatar_url").stringValue())
                .isEqualTo("https://cdn.discordapp.com/embed/avatars/" + index + ".png");
    }

    @Test
    void discordNamesAreMadeValidAndUnique() {
        String taken = unique("dup");
        createUser(taken, 0);
        String a = signInWithDiscord(uniqueDiscordId(), taken);
        String b = signInWithDiscord(uniqueDiscordId(), "x");
        String c = signInWithDiscord(uniqueDiscordId(), "Admin");

        assertThat(get("/v1/users/me", Credential.session(a)).json().get("username").stringValue()).isEqualTo(taken + "_2");
        assertThat(get("/v1/users/me", Credential.session(b)).json().get("username").stringValue()).matches("x__(_\\d+)?");
        assertThat(get("/v1/users/me", Credential.session(c)).json().get("username").stringValue()).startsWith("Admin_");
    }

    @Test
    void callbackWithoutTheBrowsersCookieIsRefused() {
        Response login = get("/v1/auth/discord/login", Credential.NONE);
        Response authorize = get(login.header("Location"), Credential.NONE);

        Response callback = get(authorize.header("Location"), Credential.NONE);

        assertProblem(callback, 400, "invalid_state");
        assertThat(callback.cookie("psession")).isNull();
    }

    @Test
    void callbackWithAForeignStateIsRefused() {
        Response attackers = get("/v1/auth/discord/login", Credential.NONE);
        Response authorize = get(attackers.header("Location"), Credential.NONE);
        Response victims = get("/v1/auth/discord/login", Credential.NONE);

        Response callback = get(authorize.header("Location"), Credential.NONE, "Cookie", "psignin=" + victims.cookie("psignin"));

        assertProblem(callback, 400, "invalid_state");
        assertThat(callback.cookie("psession")).isNull();
    }

    @Test
    void aStateWorksOnce() {
        SignIn signIn = signInWithDiscord(uniqueDiscordId(), unique("once"), null, "/");
        assertThat(signIn.callback().status()).isEqualTo(302);

        Response replay = get(signIn.authorize().header("Location"), Credential.NONE,
                "Cookie", "psignin=" + signIn.login().cookie("psignin"));

        assertProblem(replay, 400, "invalid_state");
    }

    @Test
    void callbackWithoutStateOrWithAnErrorIsRefused() {
        assertProblem(get("/v1/auth/discord/callback?code=abc", Credential.NONE), 400, "invalid_state");
        Response login = get("/v1/auth/discord/login", Credential.NONE);
        String state = login.cookie("psignin");
        Response denied = get("/v1/auth/discord/callback?error=access_denied&state=" + state, Credential.NONE,
                "Cookie", "psignin=" + state);
        assertProblem(denied, 400, "signin_failed");
    }

    @Test
    void aPlantedSessionIsNeverAdopted() {
        String planted = "planted-session-value-0123456789abcdefghijklmnop";
        SignIn signIn = signInWithDiscord(uniqueDiscordId(), unique("fixation"), null, "/", "Cookie", "psession=" + planted);

        assertThat(signIn.session()).isNotEqualTo(planted);
        assertThat(get("/v1/users/me", Credential.session(signIn.session())).status()).isEqualTo(200);
        assertProblem(get("/v1/users/me", Credential.session(planted)), 401, "unauthenticated");
    }

    @ParameterizedTest
    @ValueSource(strings = {"//evil.example", "https://evil.example/", "/\\evil.example", "javascript:alert(1)",
            "evil.example", "/%0d%0aSet-Cookie:x=y", "/%09/evil.example", "http:/evil.example"})
    void redirectMustBeARelativePath(String redirect) {
        Response login = get("/v1/auth/discord/login?redirect=" + redirect.replace("\\", "%5C"), Credential.NONE);

        assertProblem(login, 400, "invalid_redirect");
        assertThat(login.cookie("psignin")).isNull();
    }

    @Test
    void aBannedUserCannotSignIn() {
        String discordId = uniqueDiscordId();
        String session = signInWithDiscord(discordId, unique("banned"));
        long id = get("/v1/users/me", Credential.session(session)).json().get("id").longValue();
        moderate(id, "ban", null);

        SignIn again = signInWithDiscord(discordId, unique("banned"), null, "/");

        JsonNode problem = assertProblem(again.callback(), 403, "banned");
        assertThat(problem.has("until")).isTrue();
        assertThat(problem.get("until").isNull()).isTrue();
        assertThat(again.callback().cookie("psession")).isNull();
    }

    @Test
    void platformsWithoutCredentialsAreNotOffered() {
        GithubProvider unconfigured = new GithubProvider(new org.springframework.mock.env.MockEnvironment(), null, null,
                java.time.Clock.systemUTC());
        assertThat(unconfigured.offered()).isFalse();
        assertProblem(get("/v1/auth/unknown/login", Credential.NONE), 404, "not_found");
        assertProblem(get("/v1/auth/nonsense/callback?state=x", Credential.NONE), 404, "not_found");
    }

    @Test
    void logoutEndsTheSessionAndClearsTheCookie() {
        String session = signInWithDiscord(uniqueDiscordId(), unique("leaving"));

        Response logout = post("/v1/auth/logout", null, Credential.session(session));

        assertThat(logout.status()).isEqualTo(204);
        assertThat(logout.setCookies()).anySatisfy(c -> assertThat(c).startsWith("psession=;").contains("Max-Age=0"));
        assertProblem(get("/v1/users/me", Credential.session(session)), 401, "unauthenticated");
        assertThat(jdbc.sql("select revoked_reason from sessions where revoked_at is not null order by id desc limit 1")
                .query(String.class).single()).isEqualTo("logout");
    }
}
