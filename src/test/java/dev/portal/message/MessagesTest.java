package dev.portal.message;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Messages without cross-posting: what a body may be, visibility and its default, deleting, the author's and
 * everyone else's listings and their paging, and who may write.
 */
class MessagesTest extends MessageTestBase {

    private String postOk(Credential credential, String body, String visibility) {
        Response response = postMessage(credential, messageJson(body, visibility, null));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json().get("id").stringValue();
    }

    private void update(User user, String json) {
        Response response = send("PATCH", "/api/user/update", json, user.session());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
    }

    private static List<String> ids(Response page) {
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        page.json().get("messages").forEach(m -> ids.add(m.get("id").stringValue()));
        return ids;
    }

    // ---- posting ----

    @Test
    void aMessageWithoutCrossPostsIsStoredAndAnswered() {
        User alice = newUser();
        update(alice, "{\"displayName\": \"Alice A.\"}");

        Response response = postMessage(alice.session(), "{\"body\": \"Hello\"}");

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        JsonNode message = response.json();
        assertThat(message.get("body").stringValue()).isEqualTo("Hello");
        assertThat(message.get("visibility").stringValue()).isEqualTo("public");
        assertThat(message.get("author").get("username").stringValue()).isEqualTo(alice.username());
        assertThat(message.get("author").get("displayName").stringValue()).isEqualTo("Alice A.");
        assertThat(message.get("author").has("avatarUrl")).isTrue();
        assertThat(message.get("crossPosts").isArray()).isTrue();
        assertThat(message.get("crossPosts").size()).isZero();
        assertThat(messageRows(alice.id())).isEqualTo(1);
    }

    @Test
    void aBodyIsANonBlankStringWithinTheAuthorsLimit() {
        User alice = newUser();
        for (String body : List.of("{}", "{\"body\": null}", "{\"body\": 12}", "{\"body\": \"   \\n \"}",
                "{\"body\": \"" + "x".repeat(2001) + "\"}")) {
            JsonNode problem = assertProblem(postMessage(alice.session(), body), 400, "validation_failed");
            assertThat(problem.get("errors").has("body")).as(body).isTrue();
        }

        update(alice, "{\"maxMessageLength\": 5}");
        assertProblem(postMessage(alice.session(), messageJson("sixsix", null, null)), 400, "validation_failed");
        // Characters are code points: five emoji are ten UTF-16 units.
        postOk(alice.session(), "\uD83D\uDE00".repeat(5), null);

        update(alice, "{\"maxMessageLength\": 10000}");
        postOk(alice.session(), "y".repeat(10_000), null);
        JsonNode problem = assertProblem(postMessage(alice.session(), messageJson("y".repeat(10_001), null, null)), 400,
                "validation_failed");
        assertThat(problem.get("errors").get("body").stringValue()).contains("10000");
        // The longest body as a client that escapes every character sends it (120 KB of \\uXXXX).
        Response escaped = postMessage(alice.session(), "{\"body\": \"" + "\\uD83D\\uDE00".repeat(10_000) + "\"}");
        assertThat(escaped.status()).as(escaped.body()).isEqualTo(201);
        assertThat(messageRows(alice.id())).isEqualTo(3);
    }

    @Test
    void badInputIsRefusedWithAFieldMessageNeverA500() {
        User alice = newUser();
        for (String body : List.of("{\"body\": \"nul \\u0000 here\"}", "{\"body\": \"bell \\u0007\"}",
                "{\"body\": \"half \\ud83d a smile\"}")) {
            JsonNode problem = assertProblem(postMessage(alice.session(), body), 400, "validation_failed");
            assertThat(problem.get("errors").get("body").stringValue()).as(body).contains("control characters");
        }
        Response duplicate = postMessage(alice.session(), "{\"body\": \"a\", \"body\": \"b\"}");
        assertThat(duplicate.status()).as(duplicate.body()).isEqualTo(400);
        Response deep = postMessage(alice.session(), "{\"body\": \"a\", \"x\": " + "[".repeat(5000) + "]".repeat(5000) + "}");
        assertThat(deep.status()).as(deep.body()).isIn(400, 413);
        assertProblem(postMessage(alice.session(), "{\"body\": \"" + "x".repeat(200_000) + "\"}"), 413, "payload_too_large");
        assertProblem(postMessage(alice.session(), "{\"body\": "), 400, "malformed_request");
        assertThat(messageRows(alice.id())).isZero();

        // Tabs and line breaks are text.
        assertThat(postMessage(alice.session(), "{\"body\": \"a\\tb\\r\\nc\"}").json().get("body").stringValue())
                .isEqualTo("a\tb\r\nc");
    }

    @Test
    void theHardMaximumHoldsWhateverTheStoredSettingSays() {
        User alice = newUser();
        // A setting written around the API (an old row, an operator) is never more than the ceiling.
        changeInSql("update users set settings = '{\"maxMessageLength\": 50000}' where id = :id", "id", alice.id());
        assertProblem(postMessage(alice.session(), messageJson("z".repeat(10_001), null, null)), 400, "validation_failed");
    }

    @Test
    void visibilityIsPublicOrPrivateAndDefaultsToTheAuthorsDefault() {
        User alice = newUser();
        for (String body : List.of("{\"body\": \"a\", \"visibility\": \"unlisted\"}", "{\"body\": \"a\", \"visibility\": true}")) {
            JsonNode problem = assertProblem(postMessage(alice.session(), body), 400, "validation_failed");
            assertThat(problem.get("errors").has("visibility")).isTrue();
        }
        assertThat(postMessage(alice.session(), "{\"body\": \"a\"}").json().get("visibility").stringValue()).isEqualTo("public");

        update(alice, "{\"defaultVisibility\": \"private\"}");
        assertThat(postMessage(alice.session(), "{\"body\": \"b\"}").json().get("visibility").stringValue()).isEqualTo("private");
        assertThat(postMessage(alice.session(), "{\"body\": \"c\", \"visibility\": \"public\"}").json()
                .get("visibility").stringValue()).isEqualTo("public");
    }

    @Test
    void postingNeedsACallerAndJson() {
        assertProblem(postMessage(Credential.NONE, "{\"body\": \"a\"}"), 401, "unauthenticated");
        User alice = newUser();
        Response form = post("/api/messages", "body=a", alice.session(), "Content-Type", "application/x-www-form-urlencoded");
        assertProblem(form, 415, "unsupported_media_type");
        assertProblem(postMessage(alice.session(), "[\"a\"]"), 400, "malformed_request");
        assertThat(messageRows(alice.id())).isZero();
    }

    @Test
    void aBearerTokenMayPost() {
        User alice = newUser();
        Credential token = Credential.bearer(apiTokenService.create(alice.id(), "bot", null, "127.0.0.1").value());
        assertThat(postMessage(token, "{\"body\": \"from a bot\"}").status()).isEqualTo(201);
    }

    @Test
    void aTimedOutUserMayNotPostOrDelete() {
        User alice = newUser();
        String id = postOk(alice.session(), "before", null);
        moderate(alice.id(), "timeout", Duration.ofMinutes(10));

        assertProblem(postMessage(alice.session(), "{\"body\": \"during\"}"), 403, "timed_out");
        assertProblem(send("DELETE", "/api/messages/" + id, null, alice.session()), 403, "timed_out");
        assertThat(messageRows(alice.id())).isEqualTo(1);
        // Reading still works.
        assertThat(ids(get("/api/user/" + alice.username() + "/messages", alice.session()))).containsExactly(id);
    }

    @Test
    void writesPerUserAreLimited() {
        User alice = newUser();
        for (int i = 0; i < 30; i++) {
            postOk(alice.session(), "message " + i, null);
        }
        Response limited = postMessage(alice.session(), "{\"body\": \"one too many\"}");
        assertProblem(limited, 429, "rate_limited");
        assertThat(Long.parseLong(limited.header("Retry-After"))).isBetween(1L, 60L);
        assertThat(messageRows(alice.id())).isEqualTo(30);

        // Per user: someone else still writes.
        User bob = newUser();
        postOk(bob.session(), "mine", null);
    }

    // ---- deleting ----

    @Test
    void onlyTheAuthorDeletesAndOthersSeeNotFound() {
        User alice = newUser();
        User bob = newUser();
        String id = postOk(alice.session(), "to delete", null);

        assertProblem(send("DELETE", "/api/messages/" + id, null, bob.session()), 404, "not_found");
        assertProblem(send("DELETE", "/api/messages/999999999999", null, bob.session()), 404, "not_found");
        assertProblem(send("DELETE", "/api/messages/nonsense", null, alice.session()), 404, "not_found");
        assertThat(messageRows(alice.id())).isEqualTo(1);

        Response deleted = send("DELETE", "/api/messages/" + id, null, alice.session());
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(204);
        assertThat(messageRows(alice.id())).isZero();
        assertProblem(send("DELETE", "/api/messages/" + id, null, alice.session()), 404, "not_found");
        assertThat(ids(get("/api/profiles/" + alice.username() + "/messages", Credential.NONE))).isEmpty();
    }

    // ---- listing ----

    @Test
    void theAuthorSeesEverythingOthersThePublicOnesNewestFirst() {
        User alice = newUser();
        User bob = newUser();
        String first = postOk(alice.session(), "public one", "public");
        String secret = postOk(alice.session(), "private one", "private");
        String last = postOk(alice.session(), "public two", "public");

        Response own = get("/api/user/" + alice.username() + "/messages", alice.session());
        assertThat(ids(own)).containsExactly(last, secret, first);
        assertThat(own.json().get("nextCursor").isNull()).isTrue();
        assertThat(own.json().get("messages").get(0).has("crossPosts")).isTrue();
        // The author's own name in another case is still the author.
        assertThat(ids(get("/api/user/" + alice.username().toUpperCase() + "/messages", alice.session())))
                .containsExactly(last, secret, first);

        Response others = get("/api/user/" + alice.username() + "/messages", bob.session());
        assertThat(ids(others)).containsExactly(last, first);
        JsonNode shown = others.json().get("messages").get(0);
        assertThat(shown.has("crossPosts")).isFalse();
        assertThat(shown.get("author").get("username").stringValue()).isEqualTo(alice.username());
        assertThat(shown.get("body").stringValue()).isEqualTo("public two");

        Response anonymous = get("/api/profiles/" + alice.username() + "/messages", Credential.NONE);
        assertThat(ids(anonymous)).containsExactly(last, first);
        assertThat(anonymous.json().get("messages").get(0).has("crossPosts")).isFalse();
        assertThat(anonymous.body()).doesNotContain("private one");
    }

    @Test
    void theCursorWalksEveryPageOnce() {
        User alice = newUser();
        User bob = newUser();
        List<String> posted = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            posted.add(postOk(alice.session(), "m" + i, i % 3 == 2 ? "private" : "public"));
        }
        List<String> newestFirst = new ArrayList<>(posted);
        java.util.Collections.reverse(newestFirst);

        assertThat(walk("/api/user/" + alice.username() + "/messages", alice.session(), 2)).isEqualTo(newestFirst);
        List<String> publicOnes = newestFirst.stream().filter(id -> posted.indexOf(id) % 3 != 2).toList();
        assertThat(walk("/api/user/" + alice.username() + "/messages", bob.session(), 2)).isEqualTo(publicOnes);
        assertThat(walk("/api/profiles/" + alice.username() + "/messages", Credential.NONE, 3)).isEqualTo(publicOnes);
        assertThat(ids(get("/api/profiles/" + alice.username() + "/messages", Credential.NONE))).isEqualTo(publicOnes);
    }

    /** Every id the listing gives, page after page of {@code limit}, checking none repeats. */
    private List<String> walk(String path, Credential credential, int limit) {
        List<String> seen = new ArrayList<>();
        Set<String> unique = new HashSet<>();
        String cursor = null;
        for (int pages = 0; pages < 20; pages++) {
            Response page = get(path + "?limit=" + limit + (cursor == null ? "" : "&cursor=" + cursor), credential);
            List<String> ids = ids(page);
            assertThat(ids.size()).isLessThanOrEqualTo(limit);
            ids.forEach(id -> assertThat(unique.add(id)).as("repeated %s", id).isTrue());
            seen.addAll(ids);
            JsonNode next = page.json().get("nextCursor");
            if (next.isNull()) {
                return seen;
            }
            cursor = next.stringValue();
        }
        throw new AssertionError("the cursor never ended");
    }

    @Test
    void aBadCursorOrLimitIs400() {
        User alice = newUser();
        String path = "/api/user/" + alice.username() + "/messages";
        assertThat(assertProblem(get(path + "?cursor=garbage!", alice.session()), 400, "validation_failed")
                .get("errors").has("cursor")).isTrue();
        for (String limit : List.of("0", "101", "ten", "-1")) {
            assertThat(assertProblem(get(path + "?limit=" + limit, alice.session()), 400, "validation_failed")
                    .get("errors").has("limit")).as(limit).isTrue();
        }
        assertProblem(get("/api/profiles/" + alice.username() + "/messages?cursor=x", Credential.NONE), 400,
                "validation_failed");
        assertThat(get(path + "?limit=100", alice.session()).status()).isEqualTo(200);
    }

    @Test
    void unknownAndBannedUsersAnswerNotFound() {
        User bob = newUser();
        assertProblem(get("/api/user/nobody_" + unique("x") + "/messages", bob.session()), 404, "not_found");
        assertProblem(get("/api/profiles/nobody_" + unique("x") + "/messages", Credential.NONE), 404, "not_found");

        User alice = newUser();
        postOk(alice.session(), "before the ban", "public");
        moderate(alice.id(), "ban", null);
        assertProblem(get("/api/user/" + alice.username() + "/messages", bob.session()), 404, "not_found");
        assertProblem(get("/api/profiles/" + alice.username() + "/messages", Credential.NONE), 404, "not_found");
    }

    @Test
    void theUserListingIsForSessionsOnly() {
        User alice = newUser();
        postOk(alice.session(), "hi", null);
        Credential token = Credential.bearer(apiTokenService.create(alice.id(), "bot", null, "127.0.0.1").value());
        assertProblem(get("/api/user/" + alice.username() + "/messages", token), 403, "session_required");
        assertProblem(get("/api/user/" + alice.username() + "/messages", Credential.NONE), 401, "unauthenticated");
    }

    @Test
    void everyMessageEndpointIsDocumented() {
        JsonNode paths = get("/v3/api-docs", Credential.NONE).json().get("paths");
        assertThat(paths.get("/api/messages").has("post")).isTrue();
        assertThat(paths.get("/api/messages/{id}").has("delete")).isTrue();
        assertThat(paths.get("/api/user/{username}/messages").has("get")).isTrue();
        assertThat(paths.get("/api/profiles/{username}/messages").has("get")).isTrue();
        assertThat(paths.get("/api/messages").get("post").get("requestBody").toString()).contains("PostMessageRequest");
    }
}
