package dev.portal.session;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;

import dev.portal.platform.Secrets;
import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** SPEC §2–§3 and SECURITY 2–5: sessions, personal access tokens, expiry, and authority that is never stale. */
class SessionAndTokenTest extends PortalTest {

    @Test
    void onlyTheSha256OfASessionTokenIsStored() {
        long id = createUser(0);
        String token = sessionFor(id);

        assertThat(token).matches("[A-Za-z0-9_-]{43}");
        byte[] stored = jdbc.sql("select token_hash from sessions where user_id = :id").param("id", id).query(byte[].class).single();
        assertThat(stored).isEqualTo(Secrets.sha256(token));
        assertThat(jdbc.sql("select count(*) from sessions s where s::text like :t").param("t", "%" + token + "%")
                .query(Long.class).single()).isZero();
    }

    @Test
    void tokensInTheUrlAreIgnored() {
        long id = createUser(0);
        String session = sessionFor(id);
        String token = apiTokenService.create(id, "url", null, "127.0.0.1").value();

        assertProblem(get("/v1/users/me?psession=" + session, Credential.NONE), 401, "unauthenticated");
        assertProblem(get("/v1/users/me?access_token=" + token, Credential.NONE), 401, "unauthenticated");
    }

    @Test
    void aSessionUnusedForTheIdleTimeoutEnds() {
        Credential credential = signedIn(createUser(0));

        clock.advance(Duration.ofDays(6));
        assertThat(get("/v1/users/me", credential).status()).isEqualTo(200);
        clock.advance(Duration.ofDays(6));
        assertThat(get("/v1/users/me", credential).status()).isEqualTo(200);
        clock.advance(Duration.ofDays(7).plusMinutes(2));
        assertProblem(get("/v1/users/me", credential), 401, "unauthenticated");
    }

    @Test
    void aSessionEndsAtItsAbsoluteExpiryHoweverOftenUsed() {
        Credential credential = signedIn(createUser(0));

        for (int day = 0; day < 25; day += 5) {
            clock.advance(Duration.ofDays(5));
            assertThat(get("/v1/users/me", credential).status()).as("day %d", day + 5).isEqualTo(200);
        }
        clock.advance(Duration.ofDays(5).plusMinutes(1));
        assertProblem(get("/v1/users/me", credential), 401, "unauthenticated");
    }

    @Test
    void aSessionRevokedInTheDatabaseStopsOnTheNextRequest() {
        long id = createUser(0);
        Credential credential = signedIn(id);
        assertThat(get("/v1/users/me", credential).status()).isEqualTo(200);

        changeInSql("update sessions set revoked_at = now() where user_id = :id", "id", id);

        assertProblem(get("/v1/users/me", credential), 401, "unauthenticated");
    }

    @Test
    void aDeletedUsersCredentialsStopOnTheNextRequest() {
        long id = createUser(0);
        Credential session = signedIn(id);
        Credential token = Credential.bearer(apiTokenService.create(id, "gone", null, "127.0.0.1").value());
        assertThat(get("/v1/users/me", session).status()).isEqualTo(200);
        assertThat(get("/v1/users/me", token).status()).isEqualTo(200);

        changeInSql("delete from users where id = :id", "id", id);

        assertProblem(get("/v1/users/me", session), 401, "unauthenticated");
        assertProblem(get("/v1/users/me", token), 401, "unauthenticated");
    }

    @Test
    void aPermissionChangeMadeInSqlIsHonouredOnTheNextRequest() {
        long viewer = createUser(0);
        long target = createUser(0);
        Credential credential = signedIn(viewer);
        assertThat(get("/v1/users/" + target, credential).json().has("state")).isFalse();

        changeInSql("update users set permission_level = 2 where id = :id", "id", viewer);
        assertThat(get("/v1/users/" + target, credential).json().has("state")).isTrue();

        changeInSql("update users set permission_level = 0 where id = :id", "id", viewer);
        assertThat(get("/v1/users/" + target, credential).json().has("state")).isFalse();
    }

    @Test
    void personalAccessTokensAuthenticateAndAreStoredHashed() {
        long id = createUser(0);
        ApiTokenService.Issued issued = apiTokenService.create(id, "my bot", null, "127.0.0.1");

        assertThat(issued.value()).startsWith("ptl_").hasSize(47);
        JsonNode me = get("/v1/users/me", Credential.bearer(issued.value())).json();
        assertThat(me.get("id").longValue()).isEqualTo(id);
        byte[] stored = jdbc.sql("select token_hash from api_tokens where id = :id").param("id", issued.token().id())
                .query(byte[].class).single();
        assertThat(stored).isEqualTo(Secrets.sha256(issued.value()));
    }

    @Test
    void revokedExpiredAndUnknownTokensAre401() {
        long id = createUser(0);
        ApiTokenService.Issued revoked = apiTokenService.create(id, "revoked", null, "127.0.0.1");
        ApiTokenService.Issued expiring = apiTokenService.create(id, "expiring", Instant.now().plus(Duration.ofHours(1)), "127.0.0.1");
        assertThat(get("/v1/users/me", Credential.bearer(revoked.value())).status()).isEqualTo(200);
        assertThat(get("/v1/users/me", Credential.bearer(expiring.value())).status()).isEqualTo(200);

        changeInSql("update api_tokens set revoked_at = now() where id = :id", "id", revoked.token().id());
        clock.advance(Duration.ofHours(2));

        Response response = get("/v1/users/me", Credential.bearer(revoked.value()));
        assertProblem(response, 401, "unauthenticated");
        assertThat(response.header("WWW-Authenticate")).contains("invalid_token");
        assertProblem(get("/v1/users/me", Credential.bearer(expiring.value())), 401, "unauthenticated");
        assertProblem(get("/v1/users/me", Credential.bearer("ptl_" + "x".repeat(43))), 401, "unauthenticated");
    }

    @Test
    void anInvalidBearerIsRefusedEvenBesideAValidCookie() {
        long id = createUser(0);
        Response response = get("/v1/users/me", new Credential(sessionFor(id), "ptl_wrong"));

        assertProblem(response, 401, "unauthenticated");
    }

    @Test
    void theBootstrapOwnerHoldsTheConfiguredToken() {
        JsonNode me = get("/v1/users/me", Credential.bearer(BOOTSTRAP_TOKEN)).json();

        assertThat(me.get("username").stringValue()).isEqualTo("owner");
        assertThat(me.get("permission_level").intValue()).isEqualTo(3);
        assertThat(me.get("permission_since").isNull()).isFalse();
        assertThat(jdbc.sql("select count(*) from users where permission_level = 3 and username = 'owner'")
                .query(Long.class).single()).isEqualTo(1);
        assertThat(jdbc.sql("select count(*) from api_tokens where token_hash = :h").param("h", Secrets.sha256(BOOTSTRAP_TOKEN))
                .query(Long.class).single()).isEqualTo(1);
        assertThat(jdbc.sql("select count(*) from audit_events where action = 'bootstrap_owner_created'")
                .query(Long.class).single()).isEqualTo(1);
    }

    @Test
    void lastActivityAdvancesAtMostOnceAMinute() {
        long id = createUser(0);
        jdbc.sql("update users set last_activity_at = now() - interval '1 day' where id = :id").param("id", id).update();
        Credential credential = signedIn(id);

        String first = get("/v1/users/me", credential).json().get("last_activity_at").stringValue();
        OffsetDateTime stored = jdbc.sql("select last_activity_at from users where id = :id").param("id", id)
                .query(OffsetDateTime.class).single();
        get("/v1/users/me", credential);
        get("/v1/users/me", credential);
        OffsetDateTime storedAgain = jdbc.sql("select last_activity_at from users where id = :id").param("id", id)
                .query(OffsetDateTime.class).single();

        assertThat(Instant.parse(first)).isAfter(Instant.now().minus(Duration.ofMinutes(1)));
        assertThat(storedAgain).isEqualTo(stored);
        clock.advance(Duration.ofMinutes(2));
        String later = get("/v1/users/me", credential).json().get("last_activity_at").stringValue();
        assertThat(Instant.parse(later)).isAfter(Instant.parse(first).plus(Duration.ofSeconds(90)));
    }

    @Test
    void sessionsRecordTheClientAddressAndUserAgent() {
        String session = signInWithDiscord(uniqueDiscordId(), unique("where"), null, "/",
                "X-Forwarded-For", "198.51.100.7", "User-Agent", "PortalBrowser/1.0").session();

        JsonNode row = json.readTree(jdbc.sql("select json_build_object('ip', ip, 'ua', user_agent) from sessions where token_hash = :h")
                .param("h", Secrets.sha256(session)).query(String.class).single());
        assertThat(row.get("ip").stringValue()).isEqualTo("198.51.100.7");
        assertThat(row.get("ua").stringValue()).isEqualTo("PortalBrowser/1.0");
    }
}
