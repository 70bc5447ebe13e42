package dev.portal.session;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** SPEC §4: an Owner's impersonation of a user — a marked, audited, one-hour session kept off governance. */
class ImpersonationTest extends PortalTest {
    private static final Credential OWNER = Credential.bearer(BOOTSTRAP_TOKEN);

    private long ownerId() {
        return get("/v1/users/me", OWNER).json().get("id").longValue();
    }

    private Response impersonate(long userId, Credential as) {
        return post("/v1/admin/users/" + userId + "/impersonate", null, as);
    }

    /** The impersonation's answer, after checking it is a 201. */
    private JsonNode impersonation(long userId) {
        Response response = impersonate(userId, OWNER);
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json();
    }

    private Credential impersonating(long userId) {
        return Credential.session(impersonation(userId).get("token").stringValue());
    }

    @Test
    void anOwnerImpersonatesAUserAndIsThemOnTheirOwnSide() {
        long user = createUser(0);
        Instant before = clock.instant();

        Response response = impersonate(user, OWNER);

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.header("Cache-Control")).contains("no-store");
        JsonNode body = response.json();
        assertThat(new java.util.ArrayList<>(body.propertyNames())).containsExactly("session_id", "token", "expires_at");
        assertThat(Instant.parse(body.get("expires_at").stringValue()))
                .isCloseTo(before.plus(Duration.ofHours(1)), within(Duration.ofSeconds(10)));
        Credential session = Credential.session(body.get("token").stringValue());
        JsonNode me = get("/v1/users/me", session).json();
        assertThat(me.get("id").longValue()).isEqualTo(user);
        assertThat(get("/v1/users/me/moderation", session).status()).isEqualTo(200);
        assertThat(get("/v1/users/me/tokens", session).status()).isEqualTo(200);
        var row = jdbc.sql("select platform, impersonated_by from sessions where id = :id")
                .param("id", body.get("session_id").longValue()).query().singleRow();
        assertThat(row.get("platform")).isEqualTo("impersonation");
        assertThat(((Number) row.get("impersonated_by")).longValue()).isEqualTo(ownerId());
    }

    @Test
    void theImpersonationIsAuditedWithOwnerTargetAndSession() {
        long user = createUser(0);

        long sessionId = impersonation(user).get("session_id").longValue();

        var audit = jdbc.sql("""
                select actor_id, details ->> 'session_id' as session_id from audit_events
                where action = 'impersonation_started' and target_id = :id
                """).param("id", user).query().listOfRows();
        assertThat(audit).hasSize(1);
        assertThat(((Number) audit.get(0).get("actor_id")).longValue()).isEqualTo(ownerId());
        assertThat(audit.get(0).get("session_id")).isEqualTo(Long.toString(sessionId));
    }

    @Test
    void theUserSeesTheImpersonationMarkedAmongTheirSessions() {
        long user = createUser(0);
        Credential own = signedIn(user);
        long sessionId = impersonation(user).get("session_id").longValue();

        JsonNode list = get("/v1/users/me/sessions", own).json();

        assertThat(list.size()).isEqualTo(2);
        for (JsonNode session : list) {
            if (session.get("id").longValue() == sessionId) {
                assertThat(session.get("impersonated_by").longValue()).isEqualTo(ownerId());
                assertThat(session.get("platform").stringValue()).isEqualTo("impersonation");
                assertThat(session.get("current").booleanValue()).isFalse();
            } else {
                assertThat(session.get("impersonated_by").isNull()).as("the user's own session").isTrue();
                assertThat(session.get("current").booleanValue()).isTrue();
            }
        }
    }

    @Test
    void anOwnerSeesTheImpersonationMarkedInTheSessionHistory() {
        long user = createUser(0);
        long sessionId = impersonation(user).get("session_id").longValue();

        JsonNode history = get("/v1/users/" + user, OWNER).json().get("session_history");

        assertThat(history.size()).isEqualTo(1);
        assertThat(history.get(0).get("id").longValue()).isEqualTo(sessionId);
        assertThat(history.get(0).get("impersonated_by").longValue()).isEqualTo(ownerId());
    }

    @Test
    void anImpersonatedAdminReachesNoGovernanceEndpoint() {
        long admin = createUser(2);
        long member = createUser(0);
        Credential own = signedIn(admin);
        Credential session = impersonating(admin);
        // The admin's own session may do these; the same admin impersonated may not.
        assertThat(get("/v1/audit", own).status()).isEqualTo(200);
        assertThat(get("/v1/users?query=user", own).status()).isEqualTo(200);

        List<Response> refused = List.of(
                post("/v1/users/" + member + "/moderation", "{\"action\": \"warn\", \"reason\": \"impersonated\"}", session),
                post("/v1/users/" + member + "/subscription",
                        "{\"tier\": 2, \"expires_at\": \"2031-01-01T00:00:00Z\", \"reason\": \"impersonated\"}", session),
                post("/v1/users/" + member + "/permission", "{\"level\": 1, \"reason\": \"impersonated\"}", session),
                get("/v1/users?query=user", session),
                get("/v1/audit", session),
                get("/v1/audit?target=" + member, session),
                // The same paths as Spring MVC reads them: decoded, path parameters dropped.
                get("/v1/%61udit", session),
                get("/v1/audit;x=1", session),
                post("/v1/admin/users/" + member + "/impersonate", null, session),
                post("/v1/admin/users", "{\"username\": \"" + unique("imp") + "\", \"linked_platforms\": []}", session),
                // Credentials that would outlive the hour.
                post("/v1/users/me/tokens", "{\"name\": \"stays\"}", session),
                get("/v1/auth/discord/link?redirect=/", session),
                // Acts only the account's holder may take.
                post("/api/user/delete", null, session),
                post("/api/user/change-email/request", "{\"email\": \"imp@example.com\"}", session),
                get("/api/user/export", session));

        for (Response response : refused) {
            JsonNode problem = assertProblem(response, 403, "forbidden");
            assertThat(problem.get("detail").stringValue()).contains("impersonation");
        }
        assertThat(jdbc.sql("select count(*) from moderation_actions where user_id = :id").param("id", member)
                .query(Long.class).single()).isZero();
        assertThat(jdbc.sql("select count(*) from api_tokens where user_id = :id").param("id", admin)
                .query(Long.class).single()).isZero();
        assertThat(jdbc.sql("select count(*) from signin_flows where link_user_id = :id").param("id", admin)
                .query(Long.class).single()).isZero();
        assertThat(jdbc.sql("select count(*) from users where id = :id").param("id", admin).query(Long.class).single())
                .isOne();
    }

    @Test
    void anImpersonationEndsAfterOneHour() {
        Credential session = impersonating(createUser(0));

        clock.advance(Duration.ofMinutes(59));
        assertThat(get("/v1/users/me", session).status()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(2));
        assertProblem(get("/v1/users/me", session), 401, "unauthenticated");
    }

    @Test
    void anImpersonationEndsWhenItsOwnerMayNoLongerImpersonate() {
        long owner = createUser(3);
        long user = createUser(0);
        Credential session = Credential.session(impersonate(user, signedIn(owner)).json().get("token").stringValue());
        assertThat(get("/v1/users/me", session).status()).isEqualTo(200);

        changeInSql("update users set permission_level = 2 where id = :id", "id", owner);

        assertProblem(get("/v1/users/me", session), 401, "unauthenticated");
    }

    @Test
    void anImpersonationEndsWhenTheUserBecomesAnOwner() {
        long user = createUser(2);
        Credential session = impersonating(user);
        assertThat(get("/v1/users/me", session).status()).isEqualTo(200);

        changeInSql("update users set permission_level = 3 where id = :id", "id", user);

        assertProblem(get("/v1/users/me", session), 401, "unauthenticated");
    }

    @Test
    void onlyAnOwnerMayImpersonate() {
        long member = createUser(0);

        assertProblem(impersonate(member, signedIn(createUser(2))), 403, "forbidden");
        assertProblem(impersonate(member, signedIn(createUser(1))), 403, "forbidden");
        assertProblem(impersonate(member, signedIn(createUser(0))), 403, "forbidden");
        assertProblem(impersonate(member, Credential.NONE), 401, "unauthenticated");
        // Someone who may not impersonate learns nothing about which ids exist.
        assertProblem(impersonate(Long.MAX_VALUE, signedIn(createUser(2))), 403, "forbidden");
        assertThat(jdbc.sql("select count(*) from sessions where user_id = :id").param("id", member)
                .query(Long.class).single()).isZero();
    }

    @Test
    void anOwnerMayNotImpersonateAnotherOwnerOrThemselves() {
        long otherOwner = createUser(3);

        assertProblem(impersonate(otherOwner, OWNER), 403, "forbidden");
        assertProblem(impersonate(ownerId(), OWNER), 403, "forbidden");
        long owner = createUser(3);
        assertProblem(impersonate(owner, signedIn(owner)), 403, "forbidden");
        assertThat(jdbc.sql("select count(*) from sessions where platform = 'impersonation' and user_id in (:a, :b)")
                .param("a", otherOwner).param("b", owner).query(Long.class).single()).isZero();
    }

    @Test
    void impersonatingAnUnknownUserIsNotFound() {
        assertProblem(impersonate(Long.MAX_VALUE, OWNER), 404, "not_found");
    }

    @Test
    void theUserCanEndAnImpersonation() {
        long user = createUser(0);
        Credential own = signedIn(user);
        JsonNode impersonation = impersonation(user);
        Credential session = Credential.session(impersonation.get("token").stringValue());
        assertThat(get("/v1/users/me", session).status()).isEqualTo(200);

        Response ended = send("DELETE", "/v1/users/me/sessions/" + impersonation.get("session_id").longValue(), null, own);

        assertThat(ended.status()).as(ended.body()).isEqualTo(204);
        assertProblem(get("/v1/users/me", session), 401, "unauthenticated");
    }
}
