package dev.portal.message;

import java.time.Duration;
import java.util.List;

import dev.portal.support.FakeMastodon;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /api/messages} with {@code mastodonProviderIds}, against the {@link FakeMastodon} stand-in: the
 * status each instance receives, per-identity results when instances fail, and the ids that are refused
 * before anything is stored or sent.
 */
class CrossPostingTest extends MessageTestBase {

    @AfterEach
    void instancesBackToNormal() {
        mastodon().reset();
    }

    @Test
    void aMessageIsPostedToTheAuthorsInstanceAsAStatus() {
        User alice = newUser();
        Linked linked = linkMastodon(alice, newInstance());

        Response response = postMessage(alice.session(), messageJson("Hello, fediverse & friends!", "public",
                List.of(linked.id())));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        JsonNode message = response.json();
        assertThat(message.get("id").isString()).isTrue();
        assertThat(message.get("body").stringValue()).isEqualTo("Hello, fediverse & friends!");
        assertThat(message.get("visibility").stringValue()).isEqualTo("public");
        assertThat(message.get("createdAt").stringValue()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(message.get("author").get("username").stringValue()).isEqualTo(alice.username());

        // The instance got the status with the author's token: their account, the text as written, public.
        List<FakeMastodon.Status> statuses = mastodon().statuses(linked.host());
        assertThat(statuses).hasSize(1);
        FakeMastodon.Status status = statuses.get(0);
        assertThat(status.account().id()).isEqualTo(linked.account().id());
        assertThat(status.text()).isEqualTo("Hello, fediverse & friends!");
        assertThat(status.visibility()).isEqualTo("public");
        assertThat(status.idempotencyKey()).isEqualTo("portal-message-" + message.get("id").stringValue() + "-" + linked.id());

        assertThat(message.get("crossPosts").size()).isEqualTo(1);
        JsonNode crossPost = crossPost(message, linked);
        assertThat(crossPost.get("instanceName").stringValue()).isEqualTo(linked.instance());
        assertThat(crossPost.get("posted").booleanValue()).isTrue();
        assertThat(crossPost.get("url").stringValue()).isEqualTo(status.url());
        assertThat(crossPost.get("error").isNull()).isTrue();

        // Recorded: the author's listing shows where it went, later too.
        JsonNode listed = get("/api/user/" + alice.username() + "/messages", alice.session()).json().get("messages").get(0);
        assertThat(listed.get("id").stringValue()).isEqualTo(message.get("id").stringValue());
        assertThat(crossPost(listed, linked).get("url").stringValue()).isEqualTo(status.url());
        assertThat(jdbc.sql("select status_id from message_crossposts where message_id = :id")
                .param("id", Long.parseLong(message.get("id").stringValue())).query(String.class).single())
                .isEqualTo(status.id());
    }

    @Test
    void aPrivateMessageGoesToTwoInstancesForFollowersOnly() {
        User alice = newUser();
        Linked one = linkMastodon(alice, newInstance());
        Linked two = linkMastodon(alice, newInstance());

        Response response = postMessage(alice.session(), messageJson("Only for my followers\nline two", "private",
                List.of(one.id(), two.id())));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        JsonNode message = response.json();
        assertThat(message.get("visibility").stringValue()).isEqualTo("private");
        for (Linked linked : List.of(one, two)) {
            List<FakeMastodon.Status> statuses = mastodon().statuses(linked.host());
            assertThat(statuses).hasSize(1);
            assertThat(statuses.get(0).text()).isEqualTo("Only for my followers\nline two");
            assertThat(statuses.get(0).visibility()).isEqualTo("private");
            assertThat(statuses.get(0).account().id()).isEqualTo(linked.account().id());
            assertThat(crossPost(message, linked).get("posted").booleanValue()).isTrue();
            assertThat(crossPost(message, linked).get("url").stringValue()).isEqualTo(statuses.get(0).url());
        }
        // In the order asked for.
        assertThat(message.get("crossPosts").get(0).get("mastodonProviderId").stringValue()).isEqualTo(one.id());
        assertThat(message.get("crossPosts").get(1).get("mastodonProviderId").stringValue()).isEqualTo(two.id());
    }

    @Test
    void anInstanceThatIsDownDoesNotFailTheOtherOrTheMessage() {
        User alice = newUser();
        Linked up = linkMastodon(alice, newInstance());
        Linked down = linkMastodon(alice, newInstance());
        mastodon().down(down.host());

        Response response = postMessage(alice.session(), messageJson("Still here", null, List.of(down.id(), up.id())));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        JsonNode message = response.json();
        assertThat(crossPost(message, up).get("posted").booleanValue()).isTrue();
        assertThat(mastodon().statuses(up.host())).hasSize(1);
        JsonNode failed = crossPost(message, down);
        assertThat(failed.get("posted").booleanValue()).isFalse();
        assertThat(failed.get("url").isNull()).isTrue();
        assertThat(failed.get("error").stringValue()).isEqualTo("instance unavailable");
        assertThat(mastodon().statuses(down.host())).isEmpty();
        assertThat(messageRows(alice.id())).isEqualTo(1);
        // The failure is recorded too.
        JsonNode listed = get("/api/user/" + alice.username() + "/messages", alice.session()).json().get("messages").get(0);
        assertThat(crossPost(listed, down).get("error").stringValue()).isEqualTo("instance unavailable");
    }

    @Test
    void aHangingInstanceIsGivenUpAtTheDeadline() {
        User alice = newUser();
        Linked up = linkMastodon(alice, newInstance());
        Linked hanging = linkMastodon(alice, newInstance());
        mastodon().slow(hanging.host());

        long started = System.nanoTime();
        Response response = postMessage(alice.session(), messageJson("Anyone there?", null, List.of(hanging.id(), up.id())));
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        // Answered at Portal's deadline (2 s in tests), not when the instance gave up (6 s).
        assertThat(took).isLessThan(Duration.ofSeconds(5));
        assertThat(crossPost(response.json(), hanging).get("posted").booleanValue()).isFalse();
        assertThat(crossPost(response.json(), hanging).get("error").stringValue()).isEqualTo("timed out");
        assertThat(crossPost(response.json(), up).get("posted").booleanValue()).isTrue();
        assertThat(messageRows(alice.id())).isEqualTo(1);
    }

    @Test
    void aRevokedTokenSaysToSignInAgain() {
        User alice = newUser();
        Linked linked = linkMastodon(alice, newInstance());
        mastodon().revokeTokens(linked.host());

        Response response = postMessage(alice.session(), messageJson("Hello?", null, List.of(linked.id())));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        JsonNode crossPost = crossPost(response.json(), linked);
        assertThat(crossPost.get("posted").booleanValue()).isFalse();
        assertThat(crossPost.get("error").stringValue()).isEqualTo("token revoked \u2014 sign in with Mastodon again");
        assertThat(mastodon().statuses(linked.host())).isEmpty();
    }

    @Test
    void anotherUsersIdentityIsRefusedAndNothingIsStoredOrPosted() {
        User alice = newUser();
        User mallory = newUser();
        Linked alices = linkMastodon(alice, newInstance());
        Linked mallorys = linkMastodon(mallory, newInstance());

        Response response = postMessage(mallory.session(), messageJson("Posting as Alice", null,
                List.of(mallorys.id(), alices.id())));

        JsonNode problem = assertProblem(response, 400, "validation_failed");
        String refusal = problem.get("errors").get("mastodonProviderIds").stringValue();
        assertThat(refusal).contains("\"" + alices.id() + "\"").doesNotContain("\"" + mallorys.id() + "\"");
        assertThat(messageRows(mallory.id())).isZero();
        assertThat(mastodon().statuses(alices.host())).isEmpty();
        assertThat(mastodon().statuses(mallorys.host())).isEmpty();

        // An id nobody has reads the same, so the answer does not say whether Alice's exists.
        long unknown = jdbc.sql("select coalesce(max(id), 0) + 1000000 from linked_identities").query(Long.class).single();
        JsonNode unknownProblem = assertProblem(postMessage(mallory.session(),
                messageJson("Posting", null, List.of(String.valueOf(unknown)))), 400, "validation_failed");
        assertThat(unknownProblem.get("errors").get("mastodonProviderIds").stringValue())
                .isEqualTo(refusal.replace(alices.id(), String.valueOf(unknown)));
    }

    @Test
    void aNonMastodonIdentityAndGarbageAreRefused() {
        User alice = newUser();
        linkDiscord(alice.id(), uniqueDiscordId(), unique("d"));
        String discordIdentity = String.valueOf(jdbc.sql("select id from linked_identities where user_id = :u and platform = 'discord'")
                .param("u", alice.id()).query(Long.class).single());
        Linked linked = linkMastodon(alice, newInstance());

        for (String bad : List.of(discordIdentity, "not-a-number", "-1", "0", "99999999999999999999", "")) {
            Response response = postMessage(alice.session(), messageJson("Hi", null, List.of(linked.id(), bad)));
            JsonNode problem = assertProblem(response, 400, "validation_failed");
            assertThat(problem.get("errors").get("mastodonProviderIds").stringValue()).as(bad)
                    .contains("not one of your Mastodon identities");
        }
        // Not strings, duplicates, too many, not an array.
        for (String body : List.of("{\"body\": \"Hi\", \"mastodonProviderIds\": [" + linked.id() + "]}",
                "{\"body\": \"Hi\", \"mastodonProviderIds\": [\"" + linked.id() + "\", \"" + linked.id() + "\"]}",
                "{\"body\": \"Hi\", \"mastodonProviderIds\": [\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\"]}",
                "{\"body\": \"Hi\", \"mastodonProviderIds\": \"" + linked.id() + "\"}")) {
            JsonNode problem = assertProblem(postMessage(alice.session(), body), 400, "validation_failed");
            assertThat(problem.get("errors").has("mastodonProviderIds")).as(body).isTrue();
        }
        assertThat(messageRows(alice.id())).isZero();
        assertThat(mastodon().statuses(linked.host())).isEmpty();
    }

    @Test
    void anUnlinkedIdentityCanNoLongerBePostedToButItsPastCrossPostsStay() {
        User alice = newUser();
        linkDiscord(alice.id(), uniqueDiscordId(), unique("d"));
        Linked linked = linkMastodon(alice, newInstance());
        String firstId = postMessage(alice.session(), messageJson("Before", null, List.of(linked.id()))).json()
                .get("id").stringValue();

        Response unlink = send("DELETE", "/v1/users/me/identities/mastodon?instance=" + linked.instance(), null,
                alice.session());
        assertThat(unlink.status()).as(unlink.body()).isEqualTo(204);

        assertProblem(postMessage(alice.session(), messageJson("After", null, List.of(linked.id()))), 400,
                "validation_failed");
        JsonNode listed = get("/api/user/" + alice.username() + "/messages", alice.session()).json().get("messages").get(0);
        assertThat(listed.get("id").stringValue()).isEqualTo(firstId);
        assertThat(crossPost(listed, linked).get("posted").booleanValue()).isTrue();
    }
}
