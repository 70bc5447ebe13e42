package dev.portal.account;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** Seed 002 and SECURITY 7, 8, 15–18: the per-field update of the current user. */
class ProfileUpdateTest extends PortalTest {

    private String usernameOf(long id) {
        return jdbc.sql("select username from users where id = :id").param("id", id).query(String.class).single();
    }

    private long userWithDiscord() {
        long id = createUser(0);
        linkDiscord(id, uniqueDiscordId(), unique("niels"));
        return id;
    }

    @Test
    void theSeedsExampleUpdatesBothFields() {
        long id = userWithDiscord();
        String name = unique("newname");

        Response response = post("/v1/users/me/update",
                "{\"username\": \"" + name + "\", \"avatar_source\": \"discord\"}", signedIn(id));

        assertThat(response.status()).isEqualTo(200);
        JsonNode body = response.json();
        assertThat(new ArrayList<>(body.propertyNames())).containsExactly("user", "errors");
        assertThat(body.get("errors").isNull()).isTrue();
        assertThat(body.get("user").get("username").stringValue()).isEqualTo(name);
        assertThat(body.get("user").get("avatar_source").stringValue()).isEqualTo("discord");
        assertThat(body.get("user").get("avatar_url").stringValue()).startsWith("https://cdn.discordapp.com/avatars/");
        assertThat(usernameOf(id)).isEqualTo(name);
        assertThat(jdbc.sql("select count(*) from audit_events where action = 'username_changed' and target_id = :id")
                .param("id", id).query(Long.class).single()).isEqualTo(1);
    }

    @Test
    void patchWorksToo() {
        long id = userWithDiscord();
        String name = unique("patched");

        Response response = send("PATCH", "/v1/users/me/update", "{\"username\": \"" + name + "\"}", signedIn(id));

        assertThat(response.status()).isEqualTo(200);
        assertThat(usernameOf(id)).isEqualTo(name);
    }

    @Test
    void fieldsAreIndependent() {
        long id = userWithDiscord();
        String name = unique("partial");

        JsonNode body = post("/v1/users/me/update", "{\"username\": \"" + name + "\", \"avatar_source\": \"telegram\"}",
                signedIn(id)).json();

        assertThat(body.get("user").get("username").stringValue()).isEqualTo(name);
        assertThat(body.get("errors").get("avatar_source").stringValue()).contains("telegram");
        assertThat(body.get("errors").has("username")).isFalse();
        assertThat(body.get("user").get("avatar_source").isNull()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ab", "this_name_is_far_too_long_for_portal", "has space", "emoji\uD83D\uDE00", "slash/name",
            "admin", "OWNER", "Me", "api", "system"})
    void invalidUsernamesFailTheirFieldOnly(String username) {
        long id = userWithDiscord();
        String before = usernameOf(id);

        JsonNode body = post("/v1/users/me/update",
                json.writeValueAsString(java.util.Map.of("username", username, "avatar_source", "discord_2")), signedIn(id)).json();

        assertThat(body.get("errors").get("username").stringValue()).isNotBlank();
        assertThat(usernameOf(id)).isEqualTo(before);
        assertThat(body.get("user").get("avatar_url").stringValue()).isEqualTo("https://cdn.discordapp.com/embed/avatars/2.png");
    }

    @Test
    void usernamesAreUniqueIgnoringCase() {
        String taken = unique("Taken");
        createUser(taken, 0);
        long id = userWithDiscord();

        JsonNode body = post("/v1/users/me/update", "{\"username\": \"" + taken.toLowerCase() + "\"}", signedIn(id)).json();

        assertThat(body.get("errors").get("username").stringValue()).contains("taken");
    }

    @Test
    void changingOnlyTheCaseOfYourOwnNameWorks() {
        String name = unique("casey");
        long id = createUser(name, 0);

        JsonNode body = post("/v1/users/me/update", "{\"username\": \"" + name.toUpperCase() + "\"}", signedIn(id)).json();

        assertThat(body.get("errors").isNull()).isTrue();
        assertThat(usernameOf(id)).isEqualTo(name.toUpperCase());
    }

    @Test
    void readOnlyAndUnknownFieldsAreNeverWritten() {
        long id = userWithDiscord();
        Credential credential = signedIn(id);

        Response response = post("/v1/users/me/update", """
                {"id": 1, "permission_level": 3, "subscription_tier": 3, "state": 0, "email_verified": true,
                 "subscription_expires_at": "2099-01-01T00:00:00Z", "created_at": "2000-01-01T00:00:00Z",
                 "prefix": "?", "is_admin": true}
                """, credential);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("errors").isNull()).isTrue();
        JsonNode me = get("/v1/users/me", credential).json();
        assertThat(me.get("id").longValue()).isEqualTo(id);
        assertThat(me.get("permission_level").intValue()).isZero();
        assertThat(me.get("subscription_tier").intValue()).isZero();
        assertThat(jdbc.sql("select email_verified from users where id = :id").param("id", id).query(Boolean.class).single()).isFalse();
        assertThat(jdbc.sql("select prefix from users where id = :id").param("id", id).query(String.class).single()).isEqualTo("!");
    }

    @Test
    void avatarSourceTakesEveryDocumentedValue() {
        long id = userWithDiscord();
        Credential credential = signedIn(id);

        for (int n = 0; n <= 5; n++) {
            JsonNode user = post("/v1/users/me/update", "{\"avatar_source\": \"discord_" + n + "\"}", credential).json().get("user");
            assertThat(user.get("avatar_source").stringValue()).isEqualTo("discord_" + n);
            assertThat(user.get("avatar_url").stringValue()).isEqualTo("https://cdn.discordapp.com/embed/avatars/" + n + ".png");
        }
        JsonNode cleared = post("/v1/users/me/update", "{\"avatar_source\": \"\"}", credential).json();
        assertThat(cleared.get("user").get("avatar_source").isNull()).isTrue();
        assertThat(cleared.get("user").get("avatar_url").stringValue())
                .isEqualTo(cleared.get("user").get("linked_platforms").get(0).get("platform_avatar_url").stringValue());
        assertThat(post("/v1/users/me/update", "{\"avatar_source\": \"upload\"}", credential).json()
                .get("errors").get("avatar_source").stringValue()).contains("upload");
        assertThat(post("/v1/users/me/update", "{\"avatar_source\": \"discord_6\"}", credential).json()
                .get("errors").has("avatar_source")).isTrue();
        assertThat(post("/v1/users/me/update", "{\"avatar_source\": \"github\"}", credential).json()
                .get("errors").has("avatar_source")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"username\": 42}", "{\"username\": null}", "{\"avatar_source\": [\"discord\"]}",
            "{\"username\": {\"first\": \"x\"}}", "{\"avatar_source\": true}"})
    void wrongJsonTypesAreRejectedWithAFieldMessageAndNothingWritten(String body) {
        long id = userWithDiscord();
        String before = usernameOf(id);

        JsonNode problem = assertProblem(post("/v1/users/me/update", body, signedIn(id)), 400, "validation_failed");

        assertThat(problem.get("errors").size()).isEqualTo(1);
        assertThat(usernameOf(id)).isEqualTo(before);
    }

    @Test
    void aValidFieldBesideAMalformedOneIsNotWritten() {
        long id = userWithDiscord();
        String before = usernameOf(id);

        assertProblem(post("/v1/users/me/update", "{\"username\": \"" + unique("fine") + "\", \"avatar_source\": 7}",
                signedIn(id)), 400, "validation_failed");

        assertThat(usernameOf(id)).isEqualTo(before);
    }

    @Test
    void anOversizedStringIsABadRequest() {
        long id = userWithDiscord();

        JsonNode problem = assertProblem(post("/v1/users/me/update", "{\"username\": \"" + "a".repeat(5000) + "\"}",
                signedIn(id)), 400, "validation_failed");

        assertThat(problem.get("errors").get("username").stringValue()).contains("long");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not json", "[1, 2]", "\"username\"", "{\"username\": \"a\", \"username\": \"b\"}",
            "{\"username\": \"abc\"", "null"})
    void malformedBodiesAreBadRequests(String body) {
        long id = userWithDiscord();

        Response response = post("/v1/users/me/update", body, signedIn(id));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().get("code").stringValue()).isIn("malformed_request", "validation_failed");
    }

    @Test
    void deepNestingIsABadRequest() {
        String deep = "{\"username\": " + "[".repeat(5000) + "]".repeat(5000) + "}";

        assertProblem(post("/v1/users/me/update", deep, signedIn(userWithDiscord())), 400, "malformed_request");
    }

    @Test
    void aHugeBodyIsRefusedUnread() {
        String huge = "{\"username\": \"" + "a".repeat(200_000) + "\"}";

        assertProblem(post("/v1/users/me/update", huge, signedIn(userWithDiscord())), 413, "payload_too_large");
    }

    @Test
    void otherContentTypesAre415() {
        long id = userWithDiscord();

        assertProblem(post("/v1/users/me/update", "username=x", signedIn(id), "Content-Type", "application/x-www-form-urlencoded"),
                415, "unsupported_media_type");
        assertProblem(post("/v1/users/me/update", "{\"username\": \"x\"}", signedIn(id), "Content-Type", "text/plain"),
                415, "unsupported_media_type");
    }

    @Test
    void twoConcurrentClaimsOfOneNameHaveOneWinner() throws Exception {
        String wanted = unique("contested");
        int claimants = 8;
        List<Long> ids = new ArrayList<>();
        List<Credential> credentials = new ArrayList<>();
        for (int i = 0; i < claimants; i++) {
            long id = userWithDiscord();
            ids.add(id);
            credentials.add(signedIn(id));
        }
        ExecutorService pool = Executors.newFixedThreadPool(claimants);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Response>> answers = new ArrayList<>();
        for (Credential credential : credentials) {
            answers.add(pool.submit(() -> {
                start.await();
                return post("/v1/users/me/update", "{\"username\": \"" + wanted + "\"}", credential);
            }));
        }
        start.countDown();
        int winners = 0;
        for (Future<Response> answer : answers) {
            Response response = answer.get();
            assertThat(response.status()).isEqualTo(200);
            JsonNode errors = response.json().get("errors");
            if (errors.isNull()) {
                winners++;
            } else {
                assertThat(errors.get("username").stringValue()).contains("taken");
            }
        }
        pool.shutdown();
        assertThat(winners).isEqualTo(1);
        assertThat(jdbc.sql("select count(*) from users where lower(username) = lower(:name)").param("name", wanted)
                .query(Long.class).single()).isEqualTo(1);
    }

    @Test
    void crossSiteWritesWithACookieAreRefusedAndWriteNothing() {
        long id = userWithDiscord();
        String before = usernameOf(id);
        Credential credential = signedIn(id);
        String body = "{\"username\": \"" + unique("csrf") + "\"}";

        assertProblem(post("/v1/users/me/update", body, credential, "Sec-Fetch-Site", "cross-site"), 403, "csrf");
        assertProblem(post("/v1/users/me/update", body, credential, "Origin", "https://evil.example"), 403, "csrf");
        assertProblem(post("/v1/users/me/update", body, credential, "Origin", "null"), 403, "csrf");
        assertProblem(send("PATCH", "/v1/users/me/update", body, credential, "Origin", "https://evil.example"), 403, "csrf");
        assertProblem(post("/v1/auth/logout", null, credential, "Sec-Fetch-Site", "cross-site"), 403, "csrf");
        assertThat(usernameOf(id)).isEqualTo(before);
        assertThat(get("/v1/users/me", credential).status()).isEqualTo(200);
    }

    @Test
    void sameSiteCookieWritesAndCrossSiteBearerWritesPass() {
        long id = userWithDiscord();
        String origin = url("").replaceAll("/$", "");

        assertThat(post("/v1/users/me/update", "{\"username\": \"" + unique("same") + "\"}", signedIn(id),
                "Origin", origin, "Sec-Fetch-Site", "same-origin").status()).isEqualTo(200);
        String token = apiTokenService.create(id, "test", null, "127.0.0.1").value();
        String name = unique("bearer");
        assertThat(post("/v1/users/me/update", "{\"username\": \"" + name + "\"}", Credential.bearer(token),
                "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site").status()).isEqualTo(200);
        assertThat(usernameOf(id)).isEqualTo(name);
    }

    @Test
    void aTimedOutUserMayReadAndSignOutButNotWrite() {
        long id = userWithDiscord();
        Credential credential = signedIn(id);
        moderate(id, "timeout", Duration.ofMinutes(10));

        JsonNode problem = assertProblem(post("/v1/users/me/update", "{\"username\": \"" + unique("muted") + "\"}", credential),
                403, "timed_out");
        assertThat(problem.get("until").stringValue()).endsWith("Z");
        assertThat(get("/v1/users/me", credential).json().get("state").intValue()).isEqualTo(1);
        clock.advance(Duration.ofMinutes(11));
        assertThat(post("/v1/users/me/update", "{\"avatar_source\": \"discord_1\"}", credential).status()).isEqualTo(200);
        clock.reset();
        assertThat(post("/v1/auth/logout", null, credential).status()).isEqualTo(204);
    }

    @Test
    void aBannedUsersSessionsAndTokensStopAtOnce() {
        long id = userWithDiscord();
        Credential session = signedIn(id);
        Credential token = Credential.bearer(apiTokenService.create(id, "bot", null, "127.0.0.1").value());
        assertThat(get("/v1/users/me", session).status()).isEqualTo(200);
        assertThat(get("/v1/users/me", token).status()).isEqualTo(200);

        moderate(id, "ban", Duration.ofDays(3));

        assertProblem(get("/v1/users/me", session), 403, "banned");
        JsonNode problem = assertProblem(get("/v1/users/me", token), 403, "banned");
        assertThat(problem.get("until").stringValue()).endsWith("Z");
    }
}
