package dev.portal.session;

import java.time.Duration;
import java.util.ArrayList;

import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** SPEC §4 "own sessions and tokens": each user sees and ends only their own. */
class OwnCredentialsTest extends PortalTest {

    @Test
    void aUserSeesTheirLiveSessionsWithTheCurrentOneMarked() {
        long id = createUser(0);
        String current = sessionFor(id);
        sessionFor(id);
        String ended = sessionFor(id);
        post("/v1/auth/logout", null, Credential.session(ended));
        sessionFor(createUser(0));

        JsonNode list = get("/v1/users/me/sessions", Credential.session(current)).json();

        assertThat(list.size()).isEqualTo(2);
        assertThat(new ArrayList<>(list.get(0).propertyNames())).containsExactly("id", "platform", "ip", "user_agent",
                "country", "region", "city", "created_at", "last_seen_at", "expires_at", "impersonated_by", "current");
        long marked = 0;
        for (JsonNode session : list) {
            marked += session.get("current").booleanValue() ? 1 : 0;
        }
        assertThat(marked).isEqualTo(1);
    }

    @Test
    void endingOneOfYourSessionsStopsItAtOnce() {
        long id = createUser(0);
        Credential mine = signedIn(id);
        String other = sessionFor(id);
        long otherId = jdbc.sql("select id from sessions where token_hash = :h").param("h", dev.portal.platform.Secrets.sha256(other))
                .query(Long.class).single();
        assertThat(get("/v1/users/me", Credential.session(other)).status()).isEqualTo(200);

        assertThat(send("DELETE", "/v1/users/me/sessions/" + otherId, null, mine).status()).isEqualTo(204);

        assertProblem(get("/v1/users/me", Credential.session(other)), 401, "unauthenticated");
        assertThat(get("/v1/users/me", mine).status()).isEqualTo(200);
        assertProblem(send("DELETE", "/v1/users/me/sessions/" + otherId, null, mine), 404, "not_found");
    }

    @Test
    void someoneElsesSessionIsNotFoundAndKeepsWorking() {
        String victim = sessionFor(createUser(0));
        long victimSession = jdbc.sql("select id from sessions where token_hash = :h")
                .param("h", dev.portal.platform.Secrets.sha256(victim)).query(Long.class).single();
        get("/v1/users/me", Credential.session(victim));

        assertProblem(send("DELETE", "/v1/users/me/sessions/" + victimSession, null, signedIn(createUser(3))), 404, "not_found");

        assertThat(get("/v1/users/me", Credential.session(victim)).status()).isEqualTo(200);
    }

    @Test
    void revokeOthersKeepsOnlyTheCurrentSession() {
        long id = createUser(0);
        Credential current = signedIn(id);
        Credential second = signedIn(id);
        Credential third = signedIn(id);
        get("/v1/users/me", second);

        JsonNode answer = post("/v1/users/me/sessions/revoke-others", null, current).json();

        assertThat(answer.get("revoked").intValue()).isEqualTo(2);
        assertThat(get("/v1/users/me", current).status()).isEqualTo(200);
        assertProblem(get("/v1/users/me", second), 401, "unauthenticated");
        assertProblem(get("/v1/users/me", third), 401, "unauthenticated");
    }

    @Test
    void aCreatedTokenIsShownOnceAndWorks() {
        long id = createUser(0);
        Credential session = signedIn(id);

        Response created = post("/v1/users/me/tokens", "{\"name\": \"deploy bot\", \"expires_at\": \"2099-01-01T00:00:00Z\"}", session);

        assertThat(created.status()).isEqualTo(201);
        JsonNode token = created.json();
        assertThat(token.get("token").stringValue()).startsWith("ptl_");
        assertThat(token.get("expires_at").stringValue()).isEqualTo("2099-01-01T00:00:00Z");
        assertThat(get("/v1/users/me", Credential.bearer(token.get("token").stringValue())).json().get("id").longValue()).isEqualTo(id);
        JsonNode list = get("/v1/users/me/tokens", session).json();
        assertThat(list.size()).isEqualTo(1);
        assertThat(new ArrayList<>(list.get(0).propertyNames())).containsExactly("id", "name", "created_at", "expires_at", "last_used_at");
        assertThat(list.get(0).get("last_used_at").isNull()).isFalse();
        assertThat(list.toString()).doesNotContain(token.get("token").stringValue());
    }

    @Test
    void aTokenCanMakeAnotherSoTheBootstrapOwnerIsNotStuckWithOne() {
        Response created = post("/v1/users/me/tokens", "{\"name\": \"second\"}", Credential.bearer(BOOTSTRAP_TOKEN));

        assertThat(created.status()).isEqualTo(201);
        assertThat(created.json().get("expires_at").isNull()).isTrue();
        String second = created.json().get("token").stringValue();
        assertThat(get("/v1/users/me", Credential.bearer(second)).json().get("permission_level").intValue()).isEqualTo(3);
        assertThat(send("DELETE", "/v1/users/me/tokens/" + created.json().get("id").longValue(), null,
                Credential.bearer(BOOTSTRAP_TOKEN)).status()).isEqualTo(204);
    }

    @Test
    void tokenRequestsAreValidatedPerField() {
        Credential session = signedIn(createUser(0));

        assertThat(assertProblem(post("/v1/users/me/tokens", "{}", session), 400, "validation_failed")
                .get("errors").has("name")).isTrue();
        assertThat(assertProblem(post("/v1/users/me/tokens", "{\"name\": \"x\", \"expires_at\": \"2001-01-01T00:00:00Z\"}", session),
                400, "validation_failed").get("errors").get("expires_at").stringValue()).contains("future");
        assertThat(assertProblem(post("/v1/users/me/tokens", "{\"name\": 5, \"expires_at\": \"tomorrow\"}", session),
                400, "validation_failed").get("errors").size()).isEqualTo(2);
        assertProblem(post("/v1/users/me/tokens", "{\"name\": \"" + "n".repeat(101) + "\"}", session), 400, "validation_failed");
        assertProblem(post("/v1/users/me/tokens", "name=x", session, "Content-Type", "text/plain"), 415, "unsupported_media_type");
        assertThat(jdbc.sql("select count(*) from api_tokens where name in ('x', '')").query(Long.class).single()).isZero();
    }

    @Test
    void revokingATokenStopsItAndOthersTokensAreNotFound() {
        long id = createUser(0);
        Credential session = signedIn(id);
        JsonNode token = post("/v1/users/me/tokens", "{\"name\": \"short-lived\"}", session).json();
        Credential bearer = Credential.bearer(token.get("token").stringValue());
        assertThat(get("/v1/users/me", bearer).status()).isEqualTo(200);

        assertProblem(send("DELETE", "/v1/users/me/tokens/" + token.get("id").longValue(), null, signedIn(createUser(3))),
                404, "not_found");
        assertThat(get("/v1/users/me", bearer).status()).isEqualTo(200);
        assertThat(send("DELETE", "/v1/users/me/tokens/" + token.get("id").longValue(), null, session).status()).isEqualTo(204);
        assertProblem(get("/v1/users/me", bearer), 401, "unauthenticated");
        assertThat(get("/v1/users/me/tokens", session).json().size()).isZero();
        assertThat(jdbc.sql("select count(*) from audit_events where action in ('token_created', 'token_revoked') and actor_id = :id")
                .param("id", id).query(Long.class).single()).isEqualTo(2);
    }

    @Test
    void aTimedOutUserMayEndSessionsButNotMintTokens() {
        long id = createUser(0);
        Credential current = signedIn(id);
        Credential other = signedIn(id);
        moderate(id, "timeout", Duration.ofMinutes(10));

        assertProblem(post("/v1/users/me/tokens", "{\"name\": \"muted\"}", current), 403, "timed_out");
        assertThat(post("/v1/users/me/sessions/revoke-others", null, current).status()).isEqualTo(200);
        assertProblem(get("/v1/users/me", other), 401, "unauthenticated");
    }

    @Test
    void crossSiteAndAnonymousCallsAreRefused() {
        long id = createUser(0);
        Credential session = signedIn(id);
        Credential other = signedIn(id);

        assertProblem(post("/v1/users/me/sessions/revoke-others", null, session, "Sec-Fetch-Site", "cross-site"), 403, "csrf");
        assertProblem(post("/v1/users/me/tokens", "{\"name\": \"csrf\"}", session, "Origin", "https://evil.example"), 403, "csrf");
        assertThat(get("/v1/users/me", other).status()).isEqualTo(200);
        assertProblem(get("/v1/users/me/sessions", Credential.NONE), 401, "unauthenticated");
        assertProblem(get("/v1/users/me/tokens", Credential.NONE), 401, "unauthenticated");
        assertProblem(post("/v1/users/me/tokens", "{\"name\": \"anon\"}", Credential.NONE), 401, "unauthenticated");
    }
}
