package dev.portal.account;

import java.util.ArrayList;
import java.util.List;

import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** SPEC §3 and seeds 000, 001, 003: who sees which view of whom. */
class UserViewsTest extends PortalTest {
    static final List<String> PUBLIC_FIELDS = List.of("id", "username", "avatar_url", "subscription_tier");
    static final List<String> ME_FIELDS = List.of("id", "username", "avatar_url", "subscription_tier", "state",
            "permission_level", "subscription_expires_at", "subscription_granted_by", "last_activity_at",
            "permission_since", "avatar_source", "linked_platforms", "created_at", "updated_at");
    static final List<String> ELEVATED_LISTS = List.of("moderation_actions", "chats", "bots", "subscription_history",
            "permission_history");

    private static List<String> fields(JsonNode node) {
        return new ArrayList<>(node.propertyNames());
    }

    @Test
    void meAnswersExactlyTheSeedsFieldsWithTheirTypes() {
        long id = createUser(0);
        linkDiscord(id, uniqueDiscordId(), unique("me"));

        Response response = get("/v1/users/me", signedIn(id));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        JsonNode me = response.json();
        assertThat(fields(me)).containsExactlyElementsOf(ME_FIELDS);
        assertThat(me.get("id").isIntegralNumber()).isTrue();
        assertThat(me.get("subscription_tier").intValue()).isZero();
        assertThat(me.get("state").intValue()).isZero();
        assertThat(me.get("subscription_expires_at").isNull()).isTrue();
        assertThat(me.get("subscription_granted_by").isNull()).isTrue();
        assertThat(me.get("permission_since").isNull()).isTrue();
        assertThat(me.get("avatar_source").isNull()).isTrue();
        assertThat(me.get("created_at").stringValue()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        assertThat(fields(me.get("linked_platforms").get(0))).containsExactly("platform", "platform_user_id",
                "platform_username", "platform_avatar_url", "linked_at", "last_authenticated_at");
        assertThat(me.get("avatar_url").stringValue()).isEqualTo(me.get("linked_platforms").get(0).get("platform_avatar_url").stringValue());
    }

    @Test
    void meWithoutCredentialsIs401() {
        assertProblem(get("/v1/users/me", Credential.NONE), 401, "unauthenticated");
        assertProblem(get("/v1/users/me", Credential.session("not-a-session")), 401, "unauthenticated");
        assertProblem(get("/v1/users/me", Credential.bearer("ptl_not-a-token")), 401, "unauthenticated");
    }

    @Test
    void aPlainUserWalkingUserIdsSeesOnlyPublicViews() {
        long viewer = createUser(0);
        List<Long> others = List.of(createUser(0), createUser(1), createUser(2), createUser(3), viewer);
        moderate(others.get(0), "ban", null);
        Credential credential = signedIn(viewer);

        for (long id : others) {
            Response response = get("/v1/users/" + id, credential);
            assertThat(response.status()).isEqualTo(200);
            assertThat(fields(response.json())).containsExactlyElementsOf(PUBLIC_FIELDS);
        }
        long missing = others.stream().mapToLong(Long::longValue).max().orElseThrow() + 100_000;
        assertProblem(get("/v1/users/" + missing, credential), 404, "not_found");
    }

    @Test
    void anAdminSeesTheElevatedViewOfAUserButNoSessionHistory() {
        long admin = createUser(2);
        long target = createUser(0);
        sessionFor(target);

        JsonNode view = get("/v1/users/" + target, signedIn(admin)).json();

        assertThat(fields(view)).containsAll(ME_FIELDS).containsAll(ELEVATED_LISTS).doesNotContain("session_history");
        for (String list : ELEVATED_LISTS) {
            assertThat(view.get(list).isArray()).as(list).isTrue();
        }
    }

    @Test
    void theElevatedListsCarryTheDocumentedEntries() {
        long admin = createUser(2);
        long target = createUser(0);
        moderate(target, "warn", null);
        jdbc.sql("insert into chats (user_id, platform, platform_chat_id, title, created_at) values (:u, 'discord', :c, 'Guild', now())")
                .param("u", target).param("c", uniqueDiscordId()).update();
        jdbc.sql("insert into bots (user_id, platform, platform_bot_id, name, created_at) values (:u, 'discord', :b, 'Bot', now())")
                .param("u", target).param("b", uniqueDiscordId()).update();
        jdbc.sql("insert into subscription_changes (user_id, from_tier, to_tier, granted_by, reason, created_at) values (:u, 0, 2, :a, 'gift', now())")
                .param("u", target).param("a", admin).update();
        jdbc.sql("insert into permission_changes (user_id, from_level, to_level, changed_by, reason, created_at) values (:u, 0, 1, :a, 'helper', now())")
                .param("u", target).param("a", admin).update();

        JsonNode view = get("/v1/users/" + target, signedIn(admin)).json();

        assertThat(fields(view.get("moderation_actions").get(0))).containsExactly("id", "action", "reason", "actor_id", "created_at", "expires_at");
        assertThat(fields(view.get("chats").get(0))).containsExactly("id", "platform", "platform_chat_id", "title", "created_at");
        assertThat(fields(view.get("bots").get(0))).containsExactly("id", "platform", "platform_bot_id", "name", "created_at");
        assertThat(fields(view.get("subscription_history").get(0))).containsExactly("id", "from_tier", "to_tier", "expires_at", "granted_by", "reason", "created_at");
        assertThat(fields(view.get("permission_history").get(0))).containsExactly("id", "from_level", "to_level", "changed_by", "reason", "created_at");
        assertThat(view.get("moderation_actions").get(0).get("action").stringValue()).isEqualTo("warn");
    }

    @Test
    void anOwnerAlsoSeesSessionHistory() {
        long owner = createUser(3);
        long admin = createUser(2);
        sessionFor(admin);

        JsonNode view = get("/v1/users/" + admin, signedIn(owner)).json();

        JsonNode history = view.get("session_history");
        assertThat(history.isArray()).isTrue();
        assertThat(history.size()).isGreaterThanOrEqualTo(1);
        assertThat(fields(history.get(0))).containsExactly("id", "platform", "ip", "user_agent", "country", "region",
                "city", "created_at", "last_seen_at", "expires_at", "revoked_at", "impersonated_by");
        assertThat(history.get(0).get("country").isNull()).isTrue();
    }

    @Test
    void noOneSeesMoreThanThePublicViewOfAnEqualAHigherOrThemselves() {
        long moderator = createUser(1);
        long admin = createUser(2);
        long otherAdmin = createUser(2);
        long owner = createUser(3);
        long user = createUser(0);

        assertThat(fields(get("/v1/users/" + user, signedIn(moderator)).json())).isEqualTo(PUBLIC_FIELDS);
        assertThat(fields(get("/v1/users/" + otherAdmin, signedIn(admin)).json())).isEqualTo(PUBLIC_FIELDS);
        assertThat(fields(get("/v1/users/" + owner, signedIn(admin)).json())).isEqualTo(PUBLIC_FIELDS);
        assertThat(fields(get("/v1/users/" + admin, signedIn(admin)).json())).isEqualTo(PUBLIC_FIELDS);
        assertThat(fields(get("/v1/users/" + owner, signedIn(owner)).json())).isEqualTo(PUBLIC_FIELDS);
    }

    @Test
    void userIdMustBeAnInteger() {
        Credential credential = signedIn(createUser(0));
        assertProblem(get("/v1/users/abc", credential), 400, "validation_failed");
        assertProblem(get("/v1/users/99999999999999999999999", credential), 400, "validation_failed");
        assertProblem(get("/v1/users/1", Credential.NONE), 401, "unauthenticated");
    }

    @Test
    void profileFindsByDiscordUsernameThenPortalUsername() {
        long target = createUser(0);
        String discordId = uniqueDiscordId();
        String discordName = unique("discordname");
        linkDiscord(target, discordId, discordName);
        String portalName = jdbc.sql("select username from users where id = :id").param("id", target).query(String.class).single();
        Credential viewer = signedIn(createUser(0));

        JsonNode byDiscord = get("/v1/users/profile/" + discordName.toUpperCase(), viewer).json();
        JsonNode byPortal = get("/v1/users/profile/" + portalName, viewer).json();

        assertThat(fields(byDiscord)).containsExactly("discord_id", "username", "avatar_url", "subscription_tier", "state",
                "permission_level", "prefix", "subscription_expires_at", "last_activity_at", "source", "created_at", "updated_at");
        assertThat(byDiscord.get("discord_id").stringValue()).isEqualTo(discordId);
        assertThat(byDiscord.get("username").stringValue()).isEqualTo(discordName);
        assertThat(byDiscord.get("prefix").stringValue()).isEqualTo("!");
        assertThat(byDiscord.get("source").stringValue()).isIn("database", "cache");
        assertThat(byPortal.get("discord_id").stringValue()).isEqualTo(discordId);
        assertProblem(get("/v1/users/profile/" + unique("nobody"), viewer), 404, "not_found");
    }

    @Test
    void profileSaysWhetherItCameFromTheCache() {
        long target = createUser(0);
        String name = jdbc.sql("select username from users where id = :id").param("id", target).query(String.class).single();
        Credential viewer = signedIn(createUser(0));

        assertThat(get("/v1/users/profile/" + name, viewer).json().get("source").stringValue()).isEqualTo("database");
        assertThat(get("/v1/users/profile/" + name, viewer).json().get("source").stringValue()).isEqualTo("cache");
    }

    @Test
    void profileOfAUserWithoutDiscordHasNullDiscordId() {
        long target = createUser(0);
        String name = jdbc.sql("select username from users where id = :id").param("id", target).query(String.class).single();

        JsonNode profile = get("/v1/users/profile/" + name, signedIn(createUser(0))).json();

        assertThat(profile.has("discord_id")).isTrue();
        assertThat(profile.get("discord_id").isNull()).isTrue();
        assertThat(profile.get("username").stringValue()).isEqualTo(name);
    }

    @Test
    void privilegedViewersGetTheExtendedProfileOthersDoNot() {
        long target = createUser(0);
        String discordName = unique("extended");
        linkDiscord(target, uniqueDiscordId(), discordName);
        moderate(target, "note", null);

        JsonNode asAdmin = get("/v1/users/profile/" + discordName, signedIn(createUser(2))).json();
        JsonNode asModerator = get("/v1/users/profile/" + discordName, signedIn(createUser(1))).json();

        assertThat(fields(asAdmin)).contains("punishments", "guilds", "bots", "subscription_history", "permission_history");
        assertThat(asAdmin.get("punishments").get(0).get("action").stringValue()).isEqualTo("note");
        assertThat(fields(asModerator)).doesNotContain("punishments", "guilds", "bots", "subscription_history", "permission_history");
        assertProblem(get("/v1/users/profile/" + discordName, Credential.NONE), 401, "unauthenticated");
    }

    @Test
    void stateFollowsModerationAndExpiresByItself() {
        long admin = createUser(2);
        long target = createUser(0);
        moderate(target, "timeout", java.time.Duration.ofMinutes(10));
        Credential asAdmin = signedIn(admin);

        assertThat(get("/v1/users/" + target, asAdmin).json().get("state").intValue()).isEqualTo(1);
        clock.advance(java.time.Duration.ofMinutes(11));
        assertThat(get("/v1/users/" + target, asAdmin).json().get("state").intValue()).isZero();
        clock.reset();
        moderate(target, "ban", java.time.Duration.ofDays(1));
        assertThat(get("/v1/users/" + target, asAdmin).json().get("state").intValue()).isEqualTo(2);
    }

    @Test
    void anExpiredSubscriptionReadsAsBasic() {
        long target = createUser(0);
        jdbc.sql("update users set subscription_tier = 2, subscription_expires_at = now() + interval '1 hour' where id = :id")
                .param("id", target).update();
        Credential credential = signedIn(target);

        assertThat(get("/v1/users/me", credential).json().get("subscription_tier").intValue()).isEqualTo(2);
        clock.advance(java.time.Duration.ofHours(2));
        JsonNode me = get("/v1/users/me", credential).json();
        assertThat(me.get("subscription_tier").intValue()).isZero();
        assertThat(me.get("subscription_expires_at").isNull()).isTrue();
    }
}
