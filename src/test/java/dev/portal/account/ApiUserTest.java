package dev.portal.account;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /api/user}, {@code PATCH /api/user/update} and {@code GET /api/user/settings} (seed 004). */
class ApiUserTest extends PortalTest {
    private static final String API_TIME = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";

    private Credential bearer(long userId) {
        return Credential.bearer(apiTokenService.create(userId, "test", null, "127.0.0.1").value());
    }

    @Test
    void currentUserHasExactlyTheSeedsFieldsWithAStringIdAndMillisecondTimestamps() {
        long id = createUser(0);
        changeInSql("update users set email = 'you@example.com', email_verified = true, display_name = 'Your Name', "
                + "bio = 'I build things with APIs.', created_at = '2025-03-12T18:00:00Z' where id = :id", "id", id);

        Response response = get("/api/user", bearer(id));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        JsonNode user = response.json();
        List<String> fields = new ArrayList<>();
        user.propertyNames().forEach(fields::add);
        assertThat(fields).containsExactly("id", "username", "email", "displayName", "bio", "avatarUrl", "emailVerified",
                "customerStatus", "defaultVisibility", "createdAt");
        assertThat(user.get("id").isString()).isTrue();
        assertThat(user.get("id").stringValue()).isEqualTo(Long.toString(id));
        assertThat(user.get("email").stringValue()).isEqualTo("you@example.com");
        assertThat(user.get("displayName").stringValue()).isEqualTo("Your Name");
        assertThat(user.get("bio").stringValue()).isEqualTo("I build things with APIs.");
        assertThat(user.get("emailVerified").booleanValue()).isTrue();
        assertThat(user.get("customerStatus").stringValue()).isEqualTo("free");
        assertThat(user.get("defaultVisibility").stringValue()).isEqualTo("public");
        assertThat(user.get("createdAt").stringValue()).isEqualTo("2025-03-12T18:00:00.000Z");
    }

    @Test
    void aSessionCookieWorksAndNoCredentialIsRefused() {
        long id = createUser(0);
        assertThat(get("/api/user", signedIn(id)).json().get("id").stringValue()).isEqualTo(Long.toString(id));
        assertProblem(get("/api/user", Credential.NONE), 401, "unauthenticated");
        assertProblem(get("/api/user", Credential.bearer("ptl_not-a-token")), 401, "unauthenticated");
    }

    @Test
    void customerStatusNamesEachTierAndALapsedTierIsFreeAtOnce() {
        long id = createUser(0);
        Credential me = bearer(id);
        String future = OffsetDateTime.now(ZoneOffset.UTC).plusDays(30).toString();
        assertThat(statusWith(id, me, 1, future)).isEqualTo("trial");
        assertThat(statusWith(id, me, 2, future)).isEqualTo("subscriber:premium");
        assertThat(statusWith(id, me, 3, null)).isEqualTo("subscriber:lifetime");
        assertThat(statusWith(id, me, 0, null)).isEqualTo("free");

        statusWith(id, me, 2, OffsetDateTime.now(ZoneOffset.UTC).plusHours(1).toString());
        clock.advance(Duration.ofHours(2));
        assertThat(get("/api/user", me).json().get("customerStatus").stringValue())
                .as("no job has run, yet the lapsed Premium reads as free").isEqualTo("free");
    }

    private String statusWith(long id, Credential me, int tier, String expiresAt) {
        changeInSql("update users set subscription_tier = :tier, subscription_expires_at = cast(:expires as timestamptz) "
                + "where id = :id", "tier", tier, "expires", expiresAt, "id", id);
        return get("/api/user", me).json().get("customerStatus").stringValue();
    }

    @Test
    void updateWritesTheProfileAndAnswersTheUpdatedUser() {
        long id = createUser(0);
        Credential me = bearer(id);

        Response response = send("PATCH", "/api/user/update",
                "{\"displayName\": \"New Display Name\", \"bio\": \"Updated bio text.\", \"defaultVisibility\": \"private\"}", me);

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode user = response.json();
        assertThat(user.get("displayName").stringValue()).isEqualTo("New Display Name");
        assertThat(user.get("bio").stringValue()).isEqualTo("Updated bio text.");
        assertThat(user.get("defaultVisibility").stringValue()).isEqualTo("private");
        assertThat(user.get("createdAt").stringValue()).matches(API_TIME);
        // The same row v1 reads: display_name, bio and default_visibility.
        var row = jdbc.sql("select display_name, bio, default_visibility from users where id = :id").param("id", id)
                .query((rs, n) -> List.of(rs.getString(1), rs.getString(2), rs.getString(3))).single();
        assertThat(row).containsExactly("New Display Name", "Updated bio text.", "private");
        assertThat(get("/api/user", me).json()).isEqualTo(user);
    }

    @Test
    void settingsAreWrittenAndReadBack() {
        long id = createUser(0);
        Credential me = bearer(id);
        JsonNode defaults = get("/api/user/settings", me).json();
        assertThat(defaults.get("theme").stringValue()).isEqualTo("system");
        assertThat(defaults.get("maxMessageLength").intValue()).isEqualTo(2000);
        assertThat(defaults.get("defaultPubliclyVisible").booleanValue()).isTrue();
        assertThat(defaults.get("viewingPreference").stringValue()).isEqualTo("all");

        Response response = send("PATCH", "/api/user/update", """
                {"theme": "dark", "maxMessageLength": 280, "defaultPubliclyVisible": false, "viewingPreference": "public"}
                """, me);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("defaultVisibility").stringValue()).isEqualTo("private");

        JsonNode settings = get("/api/user/settings", me).json();
        assertThat(settings.get("theme").stringValue()).isEqualTo("dark");
        assertThat(settings.get("maxMessageLength").intValue()).isEqualTo(280);
        assertThat(settings.get("defaultPubliclyVisible").booleanValue()).isFalse();
        assertThat(settings.get("viewingPreference").stringValue()).isEqualTo("public");

        // A later update of one setting keeps the others.
        send("PATCH", "/api/user/update", "{\"theme\": \"light\"}", me);
        assertThat(get("/api/user/settings", me).json().get("maxMessageLength").intValue()).isEqualTo(280);
    }

    @Test
    void twoUpdatesOfDifferentSettingsAtOnceBothLand() throws Exception {
        for (int round = 1; round <= 5; round++) {
            long id = createUser(0);
            Credential me = bearer(id);
            get("/api/user/settings", me); // cached on this node, as a busy user's account is
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
            int length = 100 + round;
            var executor = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                var theme = executor.submit(() -> {
                    start.await();
                    return send("PATCH", "/api/user/update", "{\"theme\": \"dark\"}", me).status();
                });
                var max = executor.submit(() -> {
                    start.await();
                    return send("PATCH", "/api/user/update", "{\"maxMessageLength\": " + length + "}", me).status();
                });
                assertThat(theme.get()).isEqualTo(200);
                assertThat(max.get()).isEqualTo(200);
            } finally {
                executor.shutdown();
            }
            JsonNode settings = get("/api/user/settings", me).json();
            assertThat(settings.get("theme").stringValue()).as("round %d", round).isEqualTo("dark");
            assertThat(settings.get("maxMessageLength").intValue()).as("round %d", round).isEqualTo(length);
        }
    }

    @Test
    void anyFailingFieldAnswersAMessagePerFieldAndWritesNothing() {
        long id = createUser(0);
        Credential me = bearer(id);
        send("PATCH", "/api/user/update", "{\"displayName\": \"Before\"}", me);

        Response response = send("PATCH", "/api/user/update", """
                {"displayName": "%s", "bio": "%s", "defaultVisibility": "friends", "theme": 3,
                 "maxMessageLength": 100001, "viewingPreference": "everything", "defaultPubliclyVisible": "yes"}
                """.formatted("x".repeat(65), "y".repeat(1001)), me);

        JsonNode errors = assertProblem(response, 400, "validation_failed").get("errors");
        assertThat(errors.get("displayName").stringValue()).contains("64");
        assertThat(errors.get("bio").stringValue()).contains("1000");
        assertThat(errors.get("defaultVisibility").stringValue()).contains("public, private");
        assertThat(errors.get("theme").stringValue()).contains("system, light, dark");
        assertThat(errors.get("maxMessageLength").stringValue()).contains("1 to 10000");
        assertThat(errors.get("viewingPreference").stringValue()).contains("all, public");
        assertThat(errors.get("defaultPubliclyVisible").stringValue()).contains("true or false");

        // One bad field among good ones: still nothing written.
        Response mixed = send("PATCH", "/api/user/update", "{\"displayName\": \"After\", \"maxMessageLength\": 0}", me);
        assertProblem(mixed, 400, "validation_failed");
        assertThat(get("/api/user", me).json().get("displayName").stringValue()).isEqualTo("Before");
    }

    @Test
    void lengthsAreCountedInCharactersAndTheLimitsThemselvesPass() {
        long id = createUser(0);
        Credential me = bearer(id);
        String name = "\uD83D\uDE00".repeat(64); // 64 emoji: 128 UTF-16 units, 64 characters
        Response response = send("PATCH", "/api/user/update",
                "{\"displayName\": \"" + name + "\", \"bio\": \"" + "b".repeat(1000) + "\", \"maxMessageLength\": 10000}", me);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("displayName").stringValue()).isEqualTo(name);
    }

    @Test
    void controlCharactersAreRefusedButABioMayHaveLineBreaks() {
        long id = createUser(0);
        Credential me = bearer(id);
        JsonNode errors = assertProblem(send("PATCH", "/api/user/update", "{\"displayName\": \"a\\nb\"}", me), 400,
                "validation_failed").get("errors");
        assertThat(errors.has("displayName")).isTrue();
        assertProblem(send("PATCH", "/api/user/update", "{\"bio\": \"a\\u0000b\"}", me), 400, "validation_failed");

        Response ok = send("PATCH", "/api/user/update", "{\"bio\": \"line one\\nline two\"}", me);
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(ok.json().get("bio").stringValue()).isEqualTo("line one\nline two");
    }

    @Test
    void nullOrEmptyClearsDisplayNameAndBio() {
        long id = createUser(0);
        Credential me = bearer(id);
        send("PATCH", "/api/user/update", "{\"displayName\": \"Named\", \"bio\": \"Some bio\"}", me);
        JsonNode cleared = send("PATCH", "/api/user/update", "{\"displayName\": null, \"bio\": \"  \"}", me).json();
        assertThat(cleared.get("displayName").isNull()).isTrue();
        assertThat(cleared.get("bio").isNull()).isTrue();
    }

    @Test
    void readOnlyAndUnknownFieldsAreNeverWritten() {
        long id = createUser(0);
        Credential me = bearer(id);
        Response response = send("PATCH", "/api/user/update", """
                {"id": "1", "email": "evil@example.com", "emailVerified": true, "customerStatus": "subscriber:lifetime",
                 "createdAt": "2000-01-01T00:00:00.000Z", "permission_level": 3, "subscription_tier": 3, "whatever": 1}
                """, me);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode user = response.json();
        assertThat(user.get("id").stringValue()).isEqualTo(Long.toString(id));
        assertThat(user.get("email").isNull()).isTrue();
        assertThat(user.get("emailVerified").booleanValue()).isFalse();
        assertThat(user.get("customerStatus").stringValue()).isEqualTo("free");
        var row = jdbc.sql("select permission_level, subscription_tier, email from users where id = :id").param("id", id)
                .query((rs, n) -> rs.getInt(1) + "/" + rs.getInt(2) + "/" + rs.getString(3)).single();
        assertThat(row).isEqualTo("0/0/null");
    }

    @Test
    void usernameChangesAreJudgedLikeEverywhereElse() {
        long id = createUser(0);
        String taken = unique("taken");
        createUser(taken, 0);
        Credential me = bearer(id);
        assertThat(assertProblem(send("PATCH", "/api/user/update", "{\"username\": \"" + taken.toUpperCase() + "\"}", me),
                400, "validation_failed").get("errors").get("username").stringValue()).isEqualTo("is already taken");
        assertThat(assertProblem(send("PATCH", "/api/user/update", "{\"username\": \"admin\"}", me), 400,
                "validation_failed").get("errors").get("username").stringValue()).isEqualTo("is reserved");
        String fresh = unique("fresh");
        assertThat(send("PATCH", "/api/user/update", "{\"username\": \"" + fresh + "\"}", me).json().get("username")
                .stringValue()).isEqualTo(fresh);
    }

    @Test
    void malformedBodiesAndOtherContentTypesAreRefused() {
        long id = createUser(0);
        Credential me = bearer(id);
        assertProblem(send("PATCH", "/api/user/update", "[1, 2]", me), 400, "malformed_request");
        assertThat(send("PATCH", "/api/user/update", "{\"displayName\": ", me).status()).isEqualTo(400);
        assertProblem(send("PATCH", "/api/user/update", "displayName=x", me, "Content-Type",
                "application/x-www-form-urlencoded"), 415, "unsupported_media_type");
    }

    @Test
    void aCrossSiteCookieUpdateIsRefusedAndABearerOnePasses() {
        long id = createUser(0);
        assertProblem(send("PATCH", "/api/user/update", "{\"bio\": \"csrf\"}", signedIn(id), "Sec-Fetch-Site",
                "cross-site"), 403, "csrf");
        assertThat(get("/api/user", bearer(id)).json().get("bio").isNull()).isTrue();
        assertThat(send("PATCH", "/api/user/update", "{\"bio\": \"mine\"}", bearer(id), "Sec-Fetch-Site", "cross-site")
                .status()).isEqualTo(200);
    }

    @Test
    void aTimedOutUserMayReadButNotUpdate() {
        long id = createUser(0);
        Credential me = bearer(id);
        moderate(id, "timeout", Duration.ofMinutes(10));
        assertThat(get("/api/user", me).status()).isEqualTo(200);
        assertProblem(send("PATCH", "/api/user/update", "{\"bio\": \"x\"}", me), 403, "timed_out");
    }
}
