package dev.portal.moderation;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import dev.portal.platform.Secrets;
import dev.portal.support.Nodes;
import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** SPEC §2–§3, SECURITY 4, 14, 16: who may moderate whom, what each act does, and what the member sees. */
class ModerationTest extends PortalTest {
    private static final int USER = 0;
    private static final int MODERATOR = 1;
    private static final int ADMIN = 2;
    private static final int OWNER = 3;

    @TempDir
    Path nodeDir;

    // ---- fixtures ----

    private Response act(long target, Credential by, String body) {
        return post("/v1/users/" + target + "/moderation", body, by);
    }

    private static String body(String action, String reason, Long durationSeconds) {
        return "{\"action\": \"" + action + "\", \"reason\": \"" + reason + "\""
                + (durationSeconds == null ? "" : ", \"duration_seconds\": " + durationSeconds) + "}";
    }

    private long actionsOn(long userId) {
        return jdbc.sql("select count(*) from moderation_actions where user_id = :id").param("id", userId)
                .query(Long.class).single();
    }

    private long auditEventsOn(long userId) {
        return jdbc.sql("select count(*) from audit_events where target_id = :id and action like 'moderation_%'")
                .param("id", userId).query(Long.class).single();
    }

    /** The target's state as an Owner sees it in the elevated view (a banned user cannot ask themselves). */
    private int stateOf(long userId) {
        return get("/v1/users/" + userId, signedIn(createUser(OWNER))).json().get("state").intValue();
    }

    // ---- timeouts ----

    @Test
    void aModeratorTimesOutAUserWhoMayThenOnlyRead() {
        long moderator = createUser(MODERATOR);
        long user = createUser(USER);
        Credential userSession = signedIn(user);

        Response done = act(user, signedIn(moderator), body("timeout", "spamming #general", 600L));

        assertThat(done.status()).as(done.body()).isEqualTo(201);
        JsonNode action = done.json();
        assertThat(new ArrayList<>(action.propertyNames()))
                .containsExactly("id", "action", "reason", "actor_id", "created_at", "expires_at");
        assertThat(action.get("action").stringValue()).isEqualTo("timeout");
        assertThat(action.get("reason").stringValue()).isEqualTo("spamming #general");
        assertThat(action.get("actor_id").longValue()).isEqualTo(moderator);
        assertThat(action.get("created_at").stringValue()).endsWith("Z");
        assertThat(Duration.between(Instant.parse(action.get("created_at").stringValue()),
                Instant.parse(action.get("expires_at").stringValue())).toSeconds()).isBetween(599L, 601L);
        JsonNode me = get("/v1/users/me", userSession).json();
        assertThat(me.get("state").intValue()).isEqualTo(1);
        JsonNode refused = assertProblem(post("/v1/users/me/update", "{\"username\": \"" + unique("muted") + "\"}", userSession),
                403, "timed_out");
        assertThat(refused.get("until").stringValue()).isEqualTo(action.get("expires_at").stringValue());
        assertThat(get("/v1/users/me/moderation", userSession).status()).isEqualTo(200);
    }

    @Test
    void aTimeoutEndsByItselfWhenItsTimeHasPassed() {
        long user = createUser(USER);
        Credential userSession = signedIn(user);
        assertThat(act(user, signedIn(createUser(MODERATOR)), body("timeout", "cool off", 600L)).status()).isEqualTo(201);
        assertThat(get("/v1/users/me", userSession).json().get("state").intValue()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(601));

        assertThat(get("/v1/users/me", userSession).json().get("state").intValue()).isZero();
        assertThat(post("/v1/users/me/update", "{\"username\": \"" + unique("free") + "\"}", userSession).status()).isEqualTo(200);
    }

    @Test
    void anUntimeoutEndsATimeoutAndWithoutOneIsAConflict() {
        long user = createUser(USER);
        Credential moderator = signedIn(createUser(MODERATOR));

        assertProblem(act(user, moderator, body("untimeout", "nothing to lift", null)), 409, "conflict");
        assertThat(act(user, moderator, body("timeout", "heated", 3600L)).status()).isEqualTo(201);
        assertThat(act(user, moderator, body("untimeout", "apologised", null)).status()).isEqualTo(201);
        assertThat(get("/v1/users/me", signedIn(user)).json().get("state").intValue()).isZero();
        assertProblem(act(user, moderator, body("untimeout", "twice", null)), 409, "conflict");
        assertThat(actionsOn(user)).isEqualTo(2);
    }

    @Test
    void aTimedOutModeratorCannotModerate() {
        long moderator = createUser(MODERATOR);
        long user = createUser(USER);
        Credential moderatorSession = signedIn(moderator);
        assertThat(act(moderator, signedIn(createUser(ADMIN)), body("timeout", "abused the role", 600L)).status()).isEqualTo(201);

        assertProblem(act(user, moderatorSession, body("warn", "would be a write", null)), 403, "timed_out");

        assertThat(actionsOn(user)).isZero();
    }

    // ---- bans ----

    @Test
    void anAdminsBanEndsEverySessionAndTokenOfTheUserAtOnce() {
        long admin = createUser(ADMIN);
        long user = createUser(USER);
        Credential session = signedIn(user);
        Credential otherSession = signedIn(user);
        Credential token = Credential.bearer(apiTokenService.create(user, "bot", null, "127.0.0.1").value());
        // Used first, so that each is cached on this node.
        assertThat(get("/v1/users/me", session).status()).isEqualTo(200);
        assertThat(get("/v1/users/me", otherSession).status()).isEqualTo(200);
        assertThat(get("/v1/users/me", token).status()).isEqualTo(200);

        Response done = act(user, signedIn(admin), body("ban", "raid organiser", null));

        assertThat(done.status()).as(done.body()).isEqualTo(201);
        assertThat(done.json().get("expires_at").isNull()).isTrue();
        assertProblem(get("/v1/users/me", session), 401, "unauthenticated");
        assertProblem(get("/v1/users/me", otherSession), 401, "unauthenticated");
        assertProblem(get("/v1/users/me", token), 401, "unauthenticated");
        assertThat(jdbc.sql("select count(*) from sessions where user_id = :id and (revoked_at is null or revoked_reason <> 'banned')")
                .param("id", user).query(Long.class).single()).isZero();
        assertThat(jdbc.sql("select count(*) from api_tokens where user_id = :id and revoked_at is null")
                .param("id", user).query(Long.class).single()).isZero();
        assertThat(stateOf(user)).isEqualTo(2);
        // A credential that outlived a ban (one made by hand) is refused as banned, with no end for a permanent ban.
        JsonNode refused = assertProblem(get("/v1/users/me", signedIn(user)), 403, "banned");
        assertThat(refused.get("until").isNull()).isTrue();
    }

    @Test
    void aBanIsAuditedWithActorTargetAndAddressInTheSameTransaction() {
        long admin = createUser(ADMIN);
        long user = createUser(USER);
        signedIn(user);

        long actionId = act(user, signedIn(admin), body("ban", "fraud", 86_400L)).json().get("id").longValue();

        var row = jdbc.sql("""
                select actor_id, ip, details ->> 'action_id' as action_id, details ->> 'sessions_revoked' as sessions,
                       details ->> 'tokens_revoked' as tokens, details::text as details
                from audit_events where action = 'moderation_ban' and target_id = :id
                """).param("id", user).query().singleRow();
        assertThat(((Number) row.get("actor_id")).longValue()).isEqualTo(admin);
        assertThat(row.get("ip")).isEqualTo("127.0.0.1");
        assertThat(row.get("action_id")).isEqualTo(Long.toString(actionId));
        assertThat(row.get("sessions")).isEqualTo("1");
        assertThat(row.get("tokens")).isEqualTo("0");
        // The reason stays with the action (deleted with the user); the append-only log keeps no personal data.
        assertThat((String) row.get("details")).doesNotContain("fraud");
    }

    @Test
    void aTemporaryBanEndsByItselfAndUnbanOfNothingIsAConflict() {
        long user = createUser(USER);
        Credential admin = signedIn(createUser(ADMIN));
        assertProblem(act(user, admin, body("unban", "nothing to lift", null)), 409, "conflict");

        assertThat(act(user, admin, body("ban", "cool off for an hour", 3600L)).status()).isEqualTo(201);
        JsonNode refused = assertProblem(get("/v1/users/me", signedIn(user)), 403, "banned");
        assertThat(refused.get("until").stringValue()).endsWith("Z");
        assertThat(stateOf(user)).isEqualTo(2);

        clock.advance(Duration.ofSeconds(3601));

        assertThat(stateOf(user)).isZero();
        assertThat(get("/v1/users/me", signedIn(user)).status()).isEqualTo(200);
        assertProblem(act(user, admin, body("unban", "already over", null)), 409, "conflict");
    }

    @Test
    void anUnbanLiftsABan() {
        long user = createUser(USER);
        Credential admin = signedIn(createUser(ADMIN));
        assertThat(act(user, admin, body("ban", "mistaken identity?", null)).status()).isEqualTo(201);

        assertThat(act(user, admin, body("unban", "it was", null)).status()).isEqualTo(201);

        assertThat(stateOf(user)).isZero();
        assertThat(get("/v1/users/me", signedIn(user)).status()).isEqualTo(200);
    }

    @Test
    void unbansOfOneBanAtOnceLiftItOnce() {
        long user = createUser(USER);
        List<Credential> admins = List.of(signedIn(createUser(ADMIN)), signedIn(createUser(ADMIN)),
                signedIn(createUser(ADMIN)), signedIn(createUser(ADMIN)));
        for (int round = 0; round < 5; round++) {
            assertThat(act(user, admins.get(0), body("ban", "race " + round, null)).status()).isEqualTo(201);
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<Integer>> racing = admins.stream().map(by -> CompletableFuture.supplyAsync(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return act(user, by, body("unban", "race", null)).status();
            })).toList();
            start.countDown();

            assertThat(racing.stream().map(CompletableFuture::join).toList()).as("round %d", round)
                    .containsExactlyInAnyOrder(201, 409, 409, 409);
        }
        assertThat(jdbc.sql("select count(*) from moderation_actions where user_id = :id and action = 'unban'")
                .param("id", user).query(Long.class).single()).isEqualTo(5);
    }

    // ---- who may ----

    @Test
    void aModeratorMayNotBan() {
        long user = createUser(USER);
        Credential moderator = signedIn(createUser(MODERATOR));

        assertProblem(act(user, moderator, body("ban", "overreach", null)), 403, "forbidden");
        assertProblem(act(user, moderator, body("unban", "overreach", null)), 403, "forbidden");

        assertThat(actionsOn(user)).isZero();
        assertThat(get("/v1/users/me", signedIn(user)).status()).isEqualTo(200);
    }

    @Test
    void peersSuperiorsSelfAndPlainUsersAreRefused() {
        long moderator = createUser(MODERATOR);
        long otherModerator = createUser(MODERATOR);
        long admin = createUser(ADMIN);
        long otherAdmin = createUser(ADMIN);
        long owner = createUser(OWNER);
        long user = createUser(USER);
        long otherUser = createUser(USER);

        assertProblem(act(otherModerator, signedIn(moderator), body("timeout", "peer", 60L)), 403, "forbidden");
        assertProblem(act(admin, signedIn(moderator), body("warn", "superior", null)), 403, "forbidden");
        assertProblem(act(otherAdmin, signedIn(admin), body("ban", "peer", null)), 403, "forbidden");
        assertProblem(act(owner, signedIn(admin), body("ban", "superior", null)), 403, "forbidden");
        assertProblem(act(owner, signedIn(admin), body("note", "superior", null)), 403, "forbidden");
        assertProblem(act(moderator, signedIn(moderator), body("warn", "self", null)), 403, "forbidden");
        assertProblem(act(admin, signedIn(admin), body("unban", "self", null)), 403, "forbidden");
        assertProblem(act(owner, signedIn(owner), body("note", "self", null)), 403, "forbidden");
        assertProblem(act(otherUser, signedIn(user), body("warn", "plain user", null)), 403, "forbidden");
        // A plain user is refused before the body is judged.
        assertProblem(act(otherUser, signedIn(user), "{}"), 403, "forbidden");

        for (long id : List.of(moderator, otherModerator, admin, otherAdmin, owner, user, otherUser)) {
            assertThat(actionsOn(id)).isZero();
            assertThat(auditEventsOn(id)).isZero();
        }
    }

    @Test
    void anOwnerMayBanAnAdmin() {
        long admin = createUser(ADMIN);
        assertThat(act(admin, signedIn(createUser(OWNER)), body("ban", "rogue admin", null)).status()).isEqualTo(201);
        assertThat(stateOf(admin)).isEqualTo(2);
    }

    @Test
    void anUnknownUserIsNotFoundAndAnonymousCallersAreUnauthenticated() {
        Credential admin = signedIn(createUser(ADMIN));

        assertProblem(act(Long.MAX_VALUE, admin, body("warn", "nobody", null)), 404, "not_found");
        assertProblem(act(createUser(USER), Credential.NONE, body("warn", "anon", null)), 401, "unauthenticated");
        assertProblem(get("/v1/users/me/moderation", Credential.NONE), 401, "unauthenticated");
    }

    // ---- bodies ----

    @Test
    void badBodiesAreRefusedFieldByFieldAndNothingIsWritten() {
        long user = createUser(USER);
        Credential admin = signedIn(createUser(ADMIN));

        assertThat(assertProblem(act(user, admin, "{\"action\": \"warn\"}"), 400, "validation_failed")
                .get("errors").get("reason").stringValue()).contains("required");
        assertThat(assertProblem(act(user, admin, body("warn", " ", null)), 400, "validation_failed")
                .get("errors").has("reason")).isTrue();
        assertThat(assertProblem(act(user, admin, body("warn", "r".repeat(1001), null)), 400, "validation_failed")
                .get("errors").get("reason").stringValue()).contains("1000");
        assertThat(act(user, admin, body("warn", "r".repeat(1000), null)).status()).isEqualTo(201);
        JsonNode wrongTypes = assertProblem(act(user, admin, "{\"action\": 5, \"reason\": [\"x\"], \"duration_seconds\": \"600\"}"),
                400, "validation_failed").get("errors");
        assertThat(new ArrayList<>(wrongTypes.propertyNames())).containsExactlyInAnyOrder("action", "reason", "duration_seconds");
        assertThat(assertProblem(act(user, admin, body("smite", "unknown", null)), 400, "validation_failed")
                .get("errors").get("action").stringValue()).contains("timeout");
        for (String duration : List.of("-5", "0", "315360001", "99999999999999999999999", "600.5", "true")) {
            assertThat(assertProblem(act(user, admin, "{\"action\": \"timeout\", \"reason\": \"x\", \"duration_seconds\": "
                    + duration + "}"), 400, "validation_failed").get("errors").has("duration_seconds")).as(duration).isTrue();
        }
        assertThat(assertProblem(act(user, admin, body("timeout", "forever?", null)), 400, "validation_failed")
                .get("errors").get("duration_seconds").stringValue()).contains("required");
        for (String action : List.of("warn", "note", "untimeout", "unban")) {
            assertThat(assertProblem(act(user, admin, body(action, "with a duration", 60L)), 400, "validation_failed")
                    .get("errors").has("duration_seconds")).as(action).isTrue();
        }
        assertProblem(act(user, admin, "[1, 2]"), 400, "malformed_request");
        assertProblem(act(user, admin, "{\"action\": "), 400, "malformed_request");
        assertProblem(post("/v1/users/" + user + "/moderation", "action=warn", admin, "Content-Type", "text/plain"),
                415, "unsupported_media_type");

        // Only the one valid warning got through.
        assertThat(actionsOn(user)).isEqualTo(1);
        assertThat(auditEventsOn(user)).isEqualTo(1);
    }

    // ---- what the member sees ----

    @Test
    void warnAndNoteAreRecordedAndTheMemberSeesTheirActionsWithoutActorOrNotes() {
        long moderator = createUser(MODERATOR);
        long user = createUser(USER);
        Credential by = signedIn(moderator);
        assertThat(act(user, by, body("warn", "first warning", null)).status()).isEqualTo(201);
        assertThat(act(user, by, body("note", "watch this one", null)).status()).isEqualTo(201);
        assertThat(act(user, by, body("timeout", "second strike", 60L)).status()).isEqualTo(201);

        JsonNode mine = get("/v1/users/me/moderation", signedIn(user)).json();

        assertThat(mine.size()).isEqualTo(2);
        assertThat(new ArrayList<>(mine.get(0).propertyNames()))
                .containsExactly("id", "action", "reason", "created_at", "expires_at");
        assertThat(mine.get(0).get("action").stringValue()).isEqualTo("timeout");
        assertThat(mine.get(1).get("action").stringValue()).isEqualTo("warn");
        assertThat(mine.get(1).get("reason").stringValue()).isEqualTo("first warning");
        assertThat(mine.get(1).get("expires_at").isNull()).isTrue();
        assertThat(mine.toString()).doesNotContain("watch this one", "actor_id");
        // Staff see everything, notes and actors included.
        JsonNode elevated = get("/v1/users/" + user, signedIn(createUser(ADMIN))).json().get("moderation_actions");
        assertThat(elevated.size()).isEqualTo(3);
        assertThat(elevated.get(1).get("action").stringValue()).isEqualTo("note");
        assertThat(elevated.get(1).get("actor_id").longValue()).isEqualTo(moderator);
        assertThat(auditEventsOn(user)).isEqualTo(3);
    }

    @Test
    void aBannedUsersSurvivingCredentialCannotReadTheirRecordEither() {
        long user = createUser(USER);
        // A ban written by hand, which ends no session: the session still answers 403 banned everywhere.
        Credential session = signedIn(user);
        moderate(user, "ban", null);

        assertProblem(get("/v1/users/me/moderation", session), 403, "banned");
    }

    @Test
    void withShowActorOnTheMemberSeesWhoActedAndABanReachesThatNodeToo() {
        long moderator = createUser(MODERATOR);
        long user = createUser(USER);
        String session = sessionFor(user);
        int port = Nodes.freePort();
        try (Nodes.Node other = startNode(port, nodeDir, "--portal.moderation.show-actor=true")) {
            assertThat(act(user, signedIn(moderator), body("warn", "named", null)).status()).isEqualTo(201);

            Response mine = get(other.url("/v1/users/me/moderation"), Credential.session(session));

            assertThat(mine.status()).as(mine.body()).isEqualTo(200);
            assertThat(new ArrayList<>(mine.json().get(0).propertyNames()))
                    .containsExactly("id", "action", "reason", "actor_id", "created_at", "expires_at");
            assertThat(mine.json().get(0).get("actor_id").longValue()).isEqualTo(moderator);

            // Cached on the other node now; a ban here must reach it within a second (SECURITY 4).
            assertThat(act(user, signedIn(createUser(ADMIN)), body("ban", "gone", null)).status()).isEqualTo(201);
            long started = System.nanoTime();
            while (get(other.url("/v1/users/me"), Credential.session(session)).status() != 401) {
                assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the ban reaching the other node")
                        .isLessThan(Duration.ofSeconds(1));
            }
        }
        assertThat(jdbc.sql("select revoked_reason from sessions where token_hash = :h").param("h", Secrets.sha256(session))
                .query(String.class).single()).isEqualTo("banned");
    }

    @Test
    void openApiDescribesTheModerationEndpoints() {
        JsonNode api = get("/v3/api-docs", Credential.NONE).json();

        assertThat(api.get("paths").get("/v1/users/{user_id}/moderation").has("post")).isTrue();
        assertThat(api.get("paths").get("/v1/users/me/moderation").has("get")).isTrue();
        assertThat(api.get("components").get("schemas").get("V1ModerationRequest").get("properties").propertyNames())
                .containsExactlyInAnyOrder("action", "reason", "duration_seconds");
        assertThat(api.get("components").get("schemas").get("V1MemberAction").get("properties").propertyNames())
                .containsExactlyInAnyOrder("id", "action", "reason", "created_at", "expires_at");
    }
}
