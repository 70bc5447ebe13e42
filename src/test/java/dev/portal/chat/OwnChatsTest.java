package dev.portal.chat;

import java.time.Duration;

import dev.portal.access.PermissionLevel;
import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** SPEC §4: users' own chats and bots, one owner per platform id, shown in the elevated views. */
class OwnChatsTest extends PortalTest {

    private static String chat(String platform, String id, String title) {
        return "{\"platform\": \"" + platform + "\", \"platform_chat_id\": \"" + id + "\", \"title\": \"" + title + "\"}";
    }

    private long audited(String action, long userId) {
        return jdbc.sql("select count(*) from audit_events where action = :action and actor_id = :id")
                .param("action", action).param("id", userId).query(Long.class).single();
    }

    @Test
    void aUserAddsListsAndRemovesTheirChats() {
        long userId = createUser(PermissionLevel.USER);
        Credential me = signedIn(userId);
        String guild = uniqueDiscordId();

        Response added = post("/v1/users/me/chats", chat("discord", guild, "My Guild"), me);

        assertThat(added.status()).as(added.body()).isEqualTo(201);
        JsonNode chat = added.json();
        assertThat(chat.get("platform").stringValue()).isEqualTo("discord");
        assertThat(chat.get("platform_chat_id").stringValue()).isEqualTo(guild);
        assertThat(chat.get("title").stringValue()).isEqualTo("My Guild");
        assertThat(chat.get("created_at").stringValue()).endsWith("Z");
        // A bot announcing its guilds at every start gets the same chat back.
        Response again = post("/v1/users/me/chats", chat("discord", guild, "My Guild"), me);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("id").longValue()).isEqualTo(chat.get("id").longValue());
        assertThat(get("/v1/users/me/chats", me).json().valueStream().map(c -> c.get("platform_chat_id").stringValue()))
                .containsExactly(guild);
        assertThat(audited("chat_added", userId)).isEqualTo(1);

        Response removed = send("DELETE", "/v1/users/me/chats/" + chat.get("id").longValue(), null, me);

        assertThat(removed.status()).isEqualTo(204);
        assertThat(get("/v1/users/me/chats", me).json().isEmpty()).isTrue();
        assertThat(audited("chat_removed", userId)).isEqualTo(1);
    }

    @Test
    void aChatOrBotBelongsToOneAccountOnly() {
        Credential owner = signedIn(createUser(PermissionLevel.USER));
        long otherId = createUser(PermissionLevel.USER);
        Credential other = signedIn(otherId);
        String group = "-100" + uniqueDiscordId().substring(0, 10);
        String bot = uniqueDiscordId();
        assertThat(post("/v1/users/me/chats", chat("telegram", group, "Group"), owner).status()).isEqualTo(201);
        assertThat(post("/v1/users/me/bots", "{\"platform\": \"discord\", \"platform_bot_id\": \"" + bot
                + "\", \"name\": \"Helper\"}", owner).status()).isEqualTo(201);

        assertProblem(post("/v1/users/me/chats", chat("telegram", group, "Mine now"), other), 409, "conflict");
        assertProblem(post("/v1/users/me/bots", "{\"platform\": \"discord\", \"platform_bot_id\": \"" + bot + "\"}", other),
                409, "conflict");

        assertThat(get("/v1/users/me/chats", other).json().isEmpty()).isTrue();
        assertThat(audited("chat_added", otherId)).isZero();
        // The same id on another platform is another chat.
        assertThat(post("/v1/users/me/chats", chat("discord", group.substring(1), "Elsewhere"), other).status()).isEqualTo(201);
    }

    @Test
    void someoneElsesChatOrBotIdAnswersNotFound() {
        Credential owner = signedIn(createUser(PermissionLevel.USER));
        Credential other = signedIn(createUser(PermissionLevel.USER));
        long chatId = post("/v1/users/me/chats", chat("discord", uniqueDiscordId(), "G"), owner).json().get("id").longValue();
        long botId = post("/v1/users/me/bots", "{\"platform\": \"mastodon\", \"platform_bot_id\": \"bot@example.social\"}",
                owner).json().get("id").longValue();

        assertProblem(send("DELETE", "/v1/users/me/chats/" + chatId, null, other), 404, "not_found");
        assertProblem(send("DELETE", "/v1/users/me/bots/" + botId, null, other), 404, "not_found");
        assertProblem(send("DELETE", "/v1/users/me/chats/" + Long.MAX_VALUE, null, owner), 404, "not_found");

        assertThat(get("/v1/users/me/chats", owner).json().size()).isEqualTo(1);
        assertThat(get("/v1/users/me/bots", owner).json().get(0).get("platform_bot_id").stringValue())
                .isEqualTo("bot@example.social");
    }

    @Test
    void badBodiesAreRefusedFieldByFieldAndNothingIsWritten() {
        long userId = createUser(PermissionLevel.USER);
        Credential me = signedIn(userId);

        JsonNode problem = assertProblem(post("/v1/users/me/chats", "{\"platform\": \"myspace\", \"platform_chat_id\": 5, "
                + "\"title\": [\"x\"]}", me), 400, "validation_failed");
        assertThat(problem.get("errors").propertyNames()).containsExactlyInAnyOrder("platform", "platform_chat_id", "title");
        assertProblem(post("/v1/users/me/bots", "{\"platform\": \"discord\", \"platform_bot_id\": \"../../etc\"}", me), 400,
                "validation_failed");
        assertProblem(post("/v1/users/me/chats", chat("discord", "1", "x".repeat(201)), me), 400, "validation_failed");
        assertProblem(post("/v1/users/me/chats", "[]", me), 400, "malformed_request");
        // Chats live on Discord and Telegram; bots on any platform.
        assertProblem(post("/v1/users/me/chats", chat("github", "1", "x"), me), 400, "validation_failed");

        assertThat(get("/v1/users/me/chats", me).json().isEmpty()).isTrue();
        assertThat(get("/v1/users/me/bots", me).json().isEmpty()).isTrue();
    }

    @Test
    void aTimedOutUserMayListButNotAdd() {
        long userId = createUser(PermissionLevel.USER);
        Credential me = signedIn(userId);
        moderate(userId, "timeout", Duration.ofHours(1));

        assertProblem(post("/v1/users/me/chats", chat("discord", uniqueDiscordId(), "G"), me), 403, "timed_out");
        assertThat(get("/v1/users/me/chats", me).status()).isEqualTo(200);
    }

    @Test
    void chatsAndBotsAppearInTheElevatedViewsAndDiscordChatsAsGuilds() {
        long userId = createUser(PermissionLevel.USER);
        Credential me = signedIn(userId);
        String guild = uniqueDiscordId();
        post("/v1/users/me/chats", chat("discord", guild, "Guild"), me);
        post("/v1/users/me/chats", chat("telegram", "-1001", "Group " + userId), me);
        post("/v1/users/me/bots", "{\"platform\": \"discord\", \"platform_bot_id\": \"" + guild + "\", \"name\": \"B\"}", me);
        String username = get("/v1/users/me", me).json().get("username").stringValue();
        Credential admin = signedIn(createUser(PermissionLevel.ADMIN));
        Credential peer = signedIn(createUser(PermissionLevel.USER));

        JsonNode elevated = get("/v1/users/" + userId, admin).json();
        assertThat(elevated.get("chats").valueStream().map(c -> c.get("platform").stringValue()))
                .containsExactly("discord", "telegram");
        assertThat(elevated.get("bots").get(0).get("name").stringValue()).isEqualTo("B");
        JsonNode profile = get("/v1/users/profile/" + username, admin).json();
        assertThat(profile.get("guilds").valueStream().map(c -> c.get("platform_chat_id").stringValue())).containsExactly(guild);
        // Someone who may not act on the user sees none of it.
        JsonNode publicView = get("/v1/users/" + userId, peer).json();
        assertThat(publicView.has("chats")).isFalse();
        assertThat(publicView.has("bots")).isFalse();
    }
}
