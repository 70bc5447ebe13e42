package dev.portal.privacy;

import java.util.ArrayList;
import java.util.List;

import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /api/user/export}: everything Portal holds about the caller, and no secret. */
class DataExportTest extends PortalTest {

    @Test
    void theExportHoldsEachKindOfDataAndNoSecret() {
        String discordName = unique("exporter");
        String session = signInWithDiscord(uniqueDiscordId(), discordName);
        Credential me = Credential.session(session);
        long id = userIdOf(session);
        String token = post("/v1/users/me/tokens", "{\"name\": \"exported bot\"}", me).json().get("token").stringValue();
        send("PATCH", "/api/user/update", "{\"displayName\": \"Exporter\", \"theme\": \"dark\"}", me);
        post("/v1/users/me/chats", "{\"platform\": \"discord\", \"platform_chat_id\": \"" + uniqueDiscordId()
                + "\", \"title\": \"my guild\"}", me);
        post("/v1/users/me/bots", "{\"platform\": \"discord\", \"platform_bot_id\": \"" + uniqueDiscordId()
                + "\", \"name\": \"my bot\"}", me);
        assertThat(post("/api/messages", "{\"body\": \"a private thought\", \"visibility\": \"private\"}", me)
                .status()).isEqualTo(201);
        String newAddress = unique("export").toLowerCase() + "@example.com";
        assertThat(post("/api/user/change-email/request", "{\"email\": \"" + newAddress + "\"}", me).status())
                .isEqualTo(202);
        String slug = unique("exp").toLowerCase().replace('_', '-');
        assertThat(post("/api/user/organizations", "{\"name\": \"Export Club\", \"slug\": \"" + slug + "\"}", me)
                .status()).isEqualTo(201);
        long moderator = createUser(1);
        post("/v1/users/" + id + "/moderation", "{\"action\": \"warn\", \"reason\": \"be nice\"}", signedIn(moderator),
                "X-Forwarded-For", "203.0.113.77");
        post("/v1/users/" + id + "/moderation", "{\"action\": \"note\", \"reason\": \"staff-only remark\"}",
                signedIn(moderator));
        long admin = createUser(2);
        assertThat(post("/v1/users/" + id + "/subscription", "{\"tier\": 1, \"expires_at\": \"2031-01-01T00:00:00Z\", "
                + "\"reason\": \"trial\"}", signedIn(admin)).status()).isEqualTo(200);
        jdbc.sql("""
                insert into permission_changes (user_id, from_level, to_level, changed_by, reason, created_at)
                values (:id, 0, 0, null, 'recorded', now())
                """).param("id", id).update();

        assertProblem(get("/api/user/export", Credential.bearer(token)), 403, "session_required");
        Response response = get("/api/user/export", me);

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.header("Content-Disposition")).startsWith("attachment; filename=\"portal-export-");
        assertThat(response.header("Cache-Control")).isEqualTo("no-store");
        JsonNode export = response.json();
        List<String> sections = new ArrayList<>();
        export.propertyNames().forEach(sections::add);
        assertThat(sections).contains("user", "account", "identities", "sessions", "apiTokens", "moderationActions",
                "subscriptionHistory", "permissionHistory", "chats", "bots", "organizations", "messages", "emailChanges", "auditEvents");
        assertThat(export.get("organizations").get(0).get("slug").stringValue()).isEqualTo(slug);
        assertThat(export.get("organizations").get(0).get("role").stringValue()).isEqualTo("owner");
        assertThat(export.get("emailChanges").get(0).get("newEmail").stringValue()).isEqualTo(newAddress);
        assertThat(export.get("messages").get(0).get("body").stringValue()).isEqualTo("a private thought");
        assertThat(export.get("messages").get(0).get("crossPosts").isArray()).isTrue();
        assertThat(export.get("user").get("displayName").stringValue()).isEqualTo("Exporter");
        assertThat(export.get("account").get("settings").get("theme").stringValue()).isEqualTo("dark");
        assertThat(export.get("identities").get(0).get("provider").stringValue()).isEqualTo("discord");
        assertThat(export.get("identities").get(0).get("providerUsername").stringValue()).isEqualTo(discordName);
        assertThat(export.get("sessions").size()).isPositive();
        assertThat(export.get("sessions").get(0).get("ip").stringValue()).isNotBlank();
        assertThat(export.get("apiTokens").get(0).get("name").stringValue()).isEqualTo("exported bot");
        assertThat(export.get("moderationActions").get(0).get("reason").stringValue()).isEqualTo("be nice");
        assertThat(export.get("moderationActions").get(0).has("actorId")).as("moderators are not shown by default").isFalse();
        assertThat(export.get("subscriptionHistory").get(0).get("toTier").intValue()).isEqualTo(1);
        assertThat(export.get("permissionHistory").get(0).get("reason").stringValue()).isEqualTo("recorded");
        assertThat(export.get("chats").get(0).get("title").stringValue()).isEqualTo("my guild");
        assertThat(export.get("bots").get(0).get("name").stringValue()).isEqualTo("my bot");
        assertThat(export.get("sessions").get(0).get("createdAt").stringValue()).matches(".*\\.\\d{3}Z");

        List<String> actions = new ArrayList<>();
        export.get("auditEvents").forEach(e -> actions.add(e.get("action").stringValue()));
        assertThat(actions).contains("signin", "token_created", "subscription_changed", "moderation_warn");
        for (JsonNode event : export.get("auditEvents")) {
            if (!Long.toString(id).equals(event.get("actorId").stringValue())) {
                assertThat(event.get("ip").isNull()).as("another person's address is not this user's data").isTrue();
            }
        }
        assertThat(response.body()).doesNotContain(token, session, "203.0.113.77", "token_hash", "access_token",
                "staff-only remark", "moderation_note");
    }

    @Test
    void anExportNeedsACaller() {
        assertProblem(get("/api/user/export", Credential.NONE), 401, "unauthenticated");
    }
}
