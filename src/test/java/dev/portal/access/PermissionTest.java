package dev.portal.access;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** SPEC §2, §3, §4 and SECURITY items 4, 14, 16: {@code POST /v1/users/{id}/permission}. */
class PermissionTest extends PortalTest {
    private static final Credential OWNER = Credential.bearer(BOOTSTRAP_TOKEN);

    private long ownerId() {
        return get("/v1/users/me", OWNER).json().get("id").longValue();
    }

    private Response setLevel(long userId, Object level, String reason, Credential credential) {
        String body = json.writeValueAsString(reason == null ? java.util.Map.of("level", level)
                : java.util.Map.of("level", level, "reason", reason));
        return post("/v1/users/" + userId + "/permission", body, credential);
    }

    private int levelOf(long userId) {
        return jdbc.sql("select permission_level from users where id = :id").param("id", userId).query(Integer.class).single();
    }

    private int historyRows(long userId) {
        return jdbc.sql("select count(*) from permission_changes where user_id = :id").param("id", userId)
                .query(Integer.class).single();
    }

    private int auditRows(long userId) {
        return jdbc.sql("select count(*) from audit_events where target_id = :id and action = 'permission_changed'")
                .param("id", userId).query(Integer.class).single();
    }

    private boolean isElevated(JsonNode view) {
        return view.has("permission_history");
    }

    /** Nothing about the user changed: level, history and audit as before. */
    private void assertUntouched(long userId, int level) {
        assertThat(levelOf(userId)).isEqualTo(level);
        assertThat(historyRows(userId)).isZero();
        assertThat(auditRows(userId)).isZero();
        assertThat(jdbc.sql("select permission_since is null from users where id = :id").param("id", userId)
                .query(Boolean.class).single()).isTrue();
    }

    @Test
    void ownerPromotesAUserToAdminAndGetsTheElevatedView() {
        long owner = ownerId();
        long target = createUser(0);

        Response response = setLevel(target, 2, "runs the events channel", OWNER);

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        JsonNode view = response.json();
        assertThat(view.get("id").longValue()).isEqualTo(target);
        assertThat(view.get("permission_level").intValue()).isEqualTo(2);
        assertThat(view.get("permission_since").stringValue()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        assertThat(view.has("session_history")).as("an Owner's elevated view").isTrue();
        JsonNode history = view.get("permission_history");
        assertThat(history.size()).isEqualTo(1);
        JsonNode change = history.get(0);
        assertThat(change.propertyNames()).containsExactly("id", "from_level", "to_level", "changed_by", "reason", "created_at");
        assertThat(change.get("from_level").intValue()).isZero();
        assertThat(change.get("to_level").intValue()).isEqualTo(2);
        assertThat(change.get("changed_by").longValue()).isEqualTo(owner);
        assertThat(change.get("reason").stringValue()).isEqualTo("runs the events channel");
        assertThat(change.get("created_at").stringValue()).isEqualTo(view.get("permission_since").stringValue());
        assertThat(levelOf(target)).isEqualTo(2);
    }

    @Test
    void anOwnerSignedInWithASessionMaySetLevelsToo() {
        long owner = createUser(3);
        long target = createUser(2);

        Response response = setLevel(target, 1, "steps back to moderating", signedIn(owner));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("permission_level").intValue()).isEqualTo(1);
        assertThat(response.json().get("permission_history").get(0).get("changed_by").longValue()).isEqualTo(owner);
    }

    @Test
    void thePromotedUserSeesElevatedViewsOfUsersBelowAtTheirNextRequest() {
        long promoted = createUser(0);
        long other = createUser(0);
        Credential credential = signedIn(promoted);
        assertThat(isElevated(get("/v1/users/" + other, credential).json())).isFalse();

        assertThat(setLevel(promoted, 2, "new admin", OWNER).status()).isEqualTo(200);

        JsonNode view = get("/v1/users/" + other, credential).json();
        assertThat(isElevated(view)).as("elevated view after promotion: %s", view).isTrue();
        assertThat(view.has("session_history")).as("session history is for Owners").isFalse();
        JsonNode me = get("/v1/users/me", credential).json();
        assertThat(me.get("permission_level").intValue()).isEqualTo(2);
        assertThat(me.get("permission_since").isNull()).isFalse();
    }

    @Test
    void aDemotedAdminLosesTheRightsAtTheNextRequestWithTheSameCredential() {
        long admin = createUser(2);
        long other = createUser(0);
        Credential session = signedIn(admin);
        String token = apiTokenService.create(admin, "admin tool", null, "127.0.0.1").value();
        assertThat(isElevated(get("/v1/users/" + other, session).json())).isTrue();
        assertThat(isElevated(get("/v1/users/" + other, Credential.bearer(token)).json())).isTrue();

        assertThat(setLevel(admin, 0, "left the team", OWNER).status()).isEqualTo(200);

        JsonNode viaSession = get("/v1/users/" + other, session).json();
        assertThat(viaSession.propertyNames()).containsExactly("id", "username", "avatar_url", "subscription_tier");
        assertThat(isElevated(get("/v1/users/" + other, Credential.bearer(token)).json())).isFalse();
        assertThat(get("/v1/users/me", session).json().get("permission_level").intValue()).isZero();
    }

    @Test
    void permissionSinceIsTheTimeOfTheLatestChange() {
        long target = createUser(0);
        JsonNode first = setLevel(target, 1, "trial moderator", OWNER).json();
        clock.advance(Duration.ofMinutes(5));

        JsonNode second = setLevel(target, 2, "promoted", OWNER).json();

        assertThat(second.get("permission_since").stringValue()).isNotEqualTo(first.get("permission_since").stringValue());
        JsonNode history = second.get("permission_history");
        assertThat(history.size()).isEqualTo(2);
        assertThat(history.get(0).get("from_level").intValue()).isEqualTo(1);
        assertThat(history.get(0).get("to_level").intValue()).isEqualTo(2);
        assertThat(history.get(0).get("created_at").stringValue()).isEqualTo(second.get("permission_since").stringValue());
        assertThat(get("/v1/users/me", signedIn(target)).json().get("permission_since").stringValue())
                .isEqualTo(second.get("permission_since").stringValue());
    }

    @Test
    void anAdminAModeratorAndAUserMayNotSetLevels() {
        for (int level : new int[] {2, 1, 0}) {
            long caller = createUser(level);
            long target = createUser(0);

            assertProblem(setLevel(target, 1, "why not", signedIn(caller)), 403, "forbidden");

            assertUntouched(target, 0);
        }
    }

    @Test
    void aCallerWhoMayNotSetLevelsIsRefusedBeforeTheirBodyIsJudged() {
        long admin = createUser(2);
        long target = createUser(0);

        assertProblem(setLevel(target, 3, null, signedIn(admin)), 403, "forbidden");
        assertProblem(setLevel(target, "two", "", signedIn(admin)), 403, "forbidden");

        assertUntouched(target, 0);
    }

    @Test
    void anOwnerMayNotChangeTheirOwnLevelNorAnotherOwners() {
        long owner = ownerId();
        long otherOwner = createUser(3);

        assertProblem(setLevel(owner, 2, "stepping down", OWNER), 403, "forbidden");
        assertProblem(setLevel(otherOwner, 2, "coup", OWNER), 403, "forbidden");
        assertProblem(setLevel(owner, 0, "coup", signedIn(otherOwner)), 403, "forbidden");

        assertThat(levelOf(owner)).isEqualTo(3);
        assertUntouched(otherOwner, 3);
    }

    @Test
    void ownerLevelAndLevelsOutOfRangeAreRefused() {
        long target = createUser(0);
        for (Object level : List.of(3, 4, -1, 2.5, "2", 9_999_999_999L, true)) {
            JsonNode problem = assertProblem(setLevel(target, level, "bad level", OWNER), 400, "validation_failed");
            assertThat(problem.get("errors").get("level").stringValue()).as("level %s", level).isNotBlank();
        }
        JsonNode missing = assertProblem(post("/v1/users/" + target + "/permission", "{\"reason\": \"no level\"}", OWNER),
                400, "validation_failed");
        assertThat(missing.get("errors").has("level")).isTrue();
        assertProblem(post("/v1/users/" + target + "/permission", "{\"level\": null, \"reason\": \"x\"}", OWNER),
                400, "validation_failed");

        assertUntouched(target, 0);
    }

    @Test
    void aReasonIsRequiredAndAtMostAThousandCharacters() {
        long target = createUser(0);

        for (String body : List.of("{\"level\": 1}", "{\"level\": 1, \"reason\": \"\"}", "{\"level\": 1, \"reason\": \"   \"}",
                "{\"level\": 1, \"reason\": null}", "{\"level\": 1, \"reason\": 7}",
                "{\"level\": 1, \"reason\": \"" + "x".repeat(1001) + "\"}")) {
            JsonNode problem = assertProblem(post("/v1/users/" + target + "/permission", body, OWNER), 400,
                    "validation_failed");
            assertThat(problem.get("errors").get("reason").stringValue()).as(body).isNotBlank();
        }
        assertUntouched(target, 0);

        Response longest = setLevel(target, 1, "é".repeat(1000), OWNER);
        assertThat(longest.status()).as(longest.body()).isEqualTo(200);
    }

    @Test
    void malformedBodiesAreRefused() {
        long target = createUser(0);

        assertProblem(post("/v1/users/" + target + "/permission", "[1]", OWNER), 400, "malformed_request");
        assertProblem(post("/v1/users/" + target + "/permission", "{\"level\": 1,", OWNER), 400, "malformed_request");
        assertProblem(post("/v1/users/" + target + "/permission", "level=1", OWNER, "Content-Type", "text/plain"),
                415, "unsupported_media_type");

        assertUntouched(target, 0);
    }

    @Test
    void anUnknownUserIs404AndNoCallerIs401() {
        long missing = jdbc.sql("select coalesce(max(id), 0) + 100000 from users").query(Long.class).single();

        assertProblem(setLevel(missing, 1, "ghost", OWNER), 404, "not_found");
        assertProblem(setLevel(createUser(0), 1, "anonymous", Credential.NONE), 401, "unauthenticated");
    }

    @Test
    void theLevelAlreadyHeldIsAConflictAndWritesNothing() {
        long target = createUser(1);

        JsonNode problem = assertProblem(setLevel(target, 1, "again", OWNER), 409, "conflict");

        assertThat(problem.get("detail").stringValue()).contains("already");
        assertUntouched(target, 1);
    }

    @Test
    void theChangeIsAudited() {
        long owner = ownerId();
        long target = createUser(0);

        assertThat(setLevel(target, 1, "helps in #support", OWNER).status()).isEqualTo(200);

        JsonNode event = json.readTree(jdbc.sql("""
                select jsonb_build_object('actor', actor_id, 'ip', ip, 'details', details)::text
                from audit_events where target_id = :id and action = 'permission_changed'
                """).param("id", target).query(String.class).single());
        assertThat(event.get("actor").longValue()).isEqualTo(owner);
        assertThat(event.get("ip").stringValue()).isEqualTo("127.0.0.1");
        assertThat(event.get("details").get("from").intValue()).isZero();
        assertThat(event.get("details").get("to").intValue()).isEqualTo(1);
        assertThat(event.get("details").get("reason").stringValue()).isEqualTo("helps in #support");
    }

    @Test
    void twoConcurrentChangesOfOneUserAreRecordedOneAfterTheOther() throws Exception {
        for (int round = 0; round < 5; round++) {
            long target = createUser(0);

            List<Response> answers = concurrently(() -> setLevel(target, 1, "to moderator", OWNER),
                    () -> setLevel(target, 2, "to admin", OWNER));

            assertThat(answers).extracting(Response::status).containsOnly(200);
            List<int[]> steps = jdbc.sql("""
                    select from_level, to_level from permission_changes where user_id = :id order by id
                    """).param("id", target).query((rs, row) -> new int[] {rs.getInt(1), rs.getInt(2)}).list();
            assertThat(steps).hasSize(2);
            assertThat(steps.get(0)[0]).isZero();
            assertThat(steps.get(1)[0]).as("the second change starts where the first ended").isEqualTo(steps.get(0)[1]);
            assertThat(levelOf(target)).isEqualTo(steps.get(1)[1]);
            assertThat(auditRows(target)).isEqualTo(2);
        }
    }

    @Test
    void twoConcurrentIdenticalChangesRecordOneAndRefuseTheOther() throws Exception {
        for (int round = 0; round < 5; round++) {
            long target = createUser(0);

            List<Response> answers = concurrently(() -> setLevel(target, 2, "to admin", OWNER),
                    () -> setLevel(target, 2, "to admin too", OWNER));

            assertThat(answers).extracting(Response::status).containsExactlyInAnyOrder(200, 409);
            assertThat(historyRows(target)).isEqualTo(1);
            assertThat(auditRows(target)).isEqualTo(1);
            assertThat(levelOf(target)).isEqualTo(2);
        }
    }

    @Test
    void openApiDescribesTheEndpointAndItsBody() {
        JsonNode api = get("/v3/api-docs", Credential.NONE).json();

        assertThat(api.get("paths").get("/v1/users/{user_id}/permission").has("post")).isTrue();
        assertThat(api.get("components").get("schemas").get("V1PermissionRequest").get("properties").propertyNames())
                .containsExactlyInAnyOrder("level", "reason");
    }

    @SafeVarargs
    private static List<Response> concurrently(Callable<Response>... calls) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(calls.length);
        try {
            CyclicBarrier start = new CyclicBarrier(calls.length);
            List<Future<Response>> futures = new ArrayList<>();
            for (Callable<Response> call : calls) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return call.call();
                }));
            }
            List<Response> answers = new ArrayList<>();
            for (Future<Response> future : futures) {
                answers.add(future.get());
            }
            return answers;
        } finally {
            pool.shutdownNow();
        }
    }
}
