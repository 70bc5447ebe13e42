package dev.portal.privacy;

import java.time.Duration;
import java.util.List;

import dev.portal.support.AvatarFixtures;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code POST /api/user/delete}: a hard delete that leaves only the audit's tombstone, or nothing at all changed. */
class AccountDeletionTest extends AvatarFixtures {

    /** A user with one of every kind of data Portal keeps, made through the API where there is one. */
    private long userWithEverything(Credential session) {
        long id = userIdOf(session.cookie());
        Credential me = session;
        assertThat(post("/v1/users/me/tokens", "{\"name\": \"bot\"}", me).status()).isEqualTo(201);
        assertThat(send("PATCH", "/api/user/update", "{\"displayName\": \"Leaving\", \"bio\": \"bye\"}", me).status())
                .isEqualTo(200);
        assertThat(post("/v1/users/me/chats", "{\"platform\": \"discord\", \"platform_chat_id\": \"" + uniqueDiscordId()
                + "\", \"title\": \"guild\"}", me).status()).isEqualTo(201);
        assertThat(post("/v1/users/me/bots", "{\"platform\": \"discord\", \"platform_bot_id\": \"" + uniqueDiscordId()
                + "\", \"name\": \"helper\"}", me).status()).isEqualTo(201);
        assertThat(post("/api/messages", "{\"body\": \"goodbye\"}", me).status()).isEqualTo(201);
        assertThat(post("/api/user/organizations", "{\"name\": \"Solo\", \"slug\": \""
                + unique("solo").toLowerCase().replace('_', '-') + "\"}", me).status()).isEqualTo(201);
        assertThat(post("/api/user/change-email/request", "{\"email\": \"" + unique("gone").toLowerCase()
                + "@example.com\"}", me).status()).isEqualTo(202);
        long moderator = createUser(1);
        assertThat(post("/v1/users/" + id + "/moderation", "{\"action\": \"warn\", \"reason\": \"spam\"}",
                signedIn(moderator)).status()).isEqualTo(201);
        jdbc.sql("""
                insert into subscription_changes (user_id, from_tier, to_tier, reason, created_at)
                values (:id, 0, 2, 'gift', now())
                """).param("id", id).update();
        return id;
    }

    private long rowsReferring(long id) {
        // Every column that can hold a user id, in every table (new tables are covered without editing this).
        List<String> columns = jdbc.sql("""
                select format('select count(*) from %I where %I = :id', table_name, column_name)
                from information_schema.columns
                where table_schema = 'public' and data_type = 'bigint' and table_name <> 'audit_events'
                  and column_name in ('user_id', 'actor_id', 'granted_by', 'changed_by', 'created_by', 'link_user_id',
                                      'subscription_granted_by', 'impersonated_by')
                """).query(String.class).list();
        long total = jdbc.sql("select count(*) from users where id = :id").param("id", id).query(Long.class).single();
        for (String sql : columns) {
            total += jdbc.sql(sql).param("id", id).query(Long.class).single();
        }
        return total;
    }

    @Test
    void deletingLeavesNoRowButTheTombstoneAndEveryCredentialStopsWorking() {
        String discordName = unique("leaver");
        String session = signInWithDiscord(uniqueDiscordId(), discordName);
        Credential me = Credential.session(session);
        long id = userWithEverything(me);
        String token = post("/v1/users/me/tokens", "{\"name\": \"second\"}", me).json().get("token").stringValue();
        // Something the user did to someone else stays in that person's history, without the user's address.
        long other = createUser(0);
        changeInSql("update users set permission_level = 1 where id = :id", "id", id);
        assertThat(post("/v1/users/" + other + "/moderation", "{\"action\": \"note\", \"reason\": \"kept\"}", me).status())
                .isEqualTo(201);
        assertThat(rowsReferring(id)).isGreaterThan(8);

        Response deleted = post("/api/user/delete", null, me);

        assertThat(deleted.status()).as(deleted.body()).isEqualTo(204);
        assertThat(deleted.setCookies()).anyMatch(c -> c.startsWith("psession=;") && c.contains("Max-Age=0"));
        assertThat(rowsReferring(id)).isZero();
        assertThat(jdbc.sql("select count(*) from organizations where name = 'Solo' and created_by is null")
                .query(Long.class).single()).as("an organization only the user owned goes with them").isZero();
        var trail = jdbc.sql("""
                select action || '|' || coalesce(ip, '-') || '|' || details::text from audit_events
                where target_id = :id or actor_id = :id order by id
                """).param("id", id).query(String.class).list();
        assertThat(trail).containsExactly("moderation_note|-|" + jdbc.sql("select details::text from audit_events where actor_id = :id "
                + "and target_id = :other").param("id", id).param("other", other).query(String.class).single(),
                "account_deleted|-|{}");
        assertThat(jdbc.sql("select count(*) from moderation_actions where user_id = :other and actor_id is null")
                .param("other", other).query(Long.class).single()).as("the act stays, its actor gone").isOne();
        assertThat(jdbc.sql("select count(*) from audit_events where details::text like :name")
                .param("name", "%" + discordName + "%").query(Long.class).single()).isZero();

        assertProblem(get("/api/user", me), 401, "unauthenticated");
        assertProblem(get("/v1/users/me", Credential.bearer(token)), 401, "unauthenticated");
        assertProblem(get("/v1/users/" + id, signedIn(createUser(0))), 404, "not_found");
    }

    @Test
    void theUploadedAvatarGoesWithTheAccount() {
        long id = createUser(0);
        Credential me = signedIn(id);
        Response uploaded = upload(png(300, 200), me);
        assertThat(uploaded.status()).as(uploaded.body()).isEqualTo(200);
        String avatarUrl = uploaded.json().get("avatarUrl").stringValue();
        String key = jdbc.sql("select avatar_upload_key from users where id = :id").param("id", id)
                .query(String.class).single();
        assertThat(get(avatarUrl, Credential.NONE).status()).isEqualTo(200);

        assertThat(post("/api/user/delete", null, me).status()).isEqualTo(204);

        assertProblem(get(avatarUrl, Credential.NONE), 404, "not_found");
        assertThat(jdbc.sql("select count(*) from blob_deletions where key = :key").param("key", key)
                .query(Long.class).single()).as("removed after the commit, nothing left to retry").isZero();
    }

    @Test
    void theSameIdentityCanSignUpAgainAsANewUser() {
        String discordId = uniqueDiscordId();
        String name = unique("again");
        Credential first = Credential.session(signInWithDiscord(discordId, name));
        long firstId = userIdOf(first.cookie());
        assertThat(post("/api/user/delete", null, first).status()).isEqualTo(204);

        long secondId = userIdOf(signInWithDiscord(discordId, name));

        assertThat(secondId).isNotEqualTo(firstId);
    }

    @Test
    void aBearerTokenMayNotDeleteTheAccount() {
        long id = createUser(0);
        String token = apiTokenService.create(id, "bot", null, "127.0.0.1").value();
        assertProblem(post("/api/user/delete", null, Credential.bearer(token)), 403, "session_required");
        assertThat(rowsReferring(id)).isPositive();
        assertProblem(post("/api/user/delete", null, Credential.NONE), 401, "unauthenticated");
    }

    @Test
    void aCrossSiteDeleteIsRefused() {
        long id = createUser(0);
        assertProblem(post("/api/user/delete", null, signedIn(id), "Origin", "https://evil.example"), 403, "csrf");
        assertThat(jdbc.sql("select count(*) from users where id = :id").param("id", id).query(Long.class).single()).isOne();
    }

    @Test
    void aTimedOutUserCannotDeleteUntilTheTimeoutEnds() {
        long id = createUser(0);
        Credential me = signedIn(id);
        moderate(id, "timeout", Duration.ofHours(1));
        // SPEC §3: a timed-out user may read; every write but signing out waits for the timeout's end.
        assertProblem(post("/api/user/delete", null, me), 403, "timed_out");
        assertThat(rowsReferring(id)).isPositive();
        clock.advance(Duration.ofHours(2));
        assertThat(post("/api/user/delete", null, me).status()).isEqualTo(204);
    }

    @Test
    void theOnlyOwnerCannotLeaveButAnOwnerWithAPeerCan() {
        long owners = jdbc.sql("select count(*) from users where permission_level = 3").query(Long.class).single();
        // The suite's bootstrap owner exists, so a second Owner has a peer and may leave.
        assertThat(owners).isPositive();
        long owner = createUser(3);
        assertThat(post("/api/user/delete", null, signedIn(owner)).status()).isEqualTo(204);

        long onlyOwner = jdbc.sql("select min(id) from users where permission_level = 3").query(Long.class).single();
        Credential session = signedIn(onlyOwner);
        List<Long> peers = jdbc.sql("update users set permission_level = 2 where permission_level = 3 and id <> :id "
                + "returning id").param("id", onlyOwner).query(Long.class).list();
        try {
            assertProblem(post("/api/user/delete", null, session), 409, "last_owner");
            assertThat(rowsReferring(onlyOwner)).isPositive();
        } finally {
            if (!peers.isEmpty()) {
                changeInSql("update users set permission_level = 3 where id in (:ids)", "ids", peers);
            }
        }
    }

    @Test
    void twoOwnersLeavingAtOnceLeaveOneOwner() throws Exception {
        long a = createUser(3);
        long b = createUser(3);
        Credential asA = signedIn(a);
        Credential asB = signedIn(b);
        List<Long> others = jdbc.sql("update users set permission_level = 2 where permission_level = 3 and id not in (:ids) "
                + "returning id").param("ids", List.of(a, b)).query(Long.class).list();
        var executor = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
            var first = executor.submit(() -> {
                start.await();
                return post("/api/user/delete", null, asA).status();
            });
            var second = executor.submit(() -> {
                start.await();
                return post("/api/user/delete", null, asB).status();
            });
            assertThat(List.of(first.get(), second.get())).containsExactlyInAnyOrder(204, 409);
            assertThat(jdbc.sql("select count(*) from users where permission_level = 3").query(Long.class).single())
                    .isOne();
        } finally {
            executor.shutdown();
            if (!others.isEmpty()) {
                changeInSql("update users set permission_level = 3 where id in (:ids)", "ids", others);
            }
        }
    }

    @Test
    void aFailureAtAnyStepLeavesTheAccountWhole() {
        String session = signInWithDiscord(uniqueDiscordId(), unique("whole"));
        Credential me = Credential.session(session);
        long id = userWithEverything(me);
        long before = rowsReferring(id);
        long auditBefore = jdbc.sql("select count(*) from audit_events where target_id = :id or actor_id = :id")
                .param("id", id).query(Long.class).single();
        // A fault late in the deletion: removing the user's bots fails.
        jdbc.sql("""
                create or replace function test_refuse_bot_delete() returns trigger language plpgsql as $$
                begin raise exception 'injected fault'; end $$
                """).update();
        jdbc.sql("create trigger test_refuse_bot_delete before delete on bots for each row when (old.user_id = " + id
                + ") execute function test_refuse_bot_delete()").update();
        try {
            Response response = post("/api/user/delete", null, me);
            assertThat(response.status()).as(response.body()).isGreaterThanOrEqualTo(500);
            assertThat(response.body()).doesNotContain("injected", "Exception", "SQL");
        } finally {
            jdbc.sql("drop trigger test_refuse_bot_delete on bots").update();
        }

        assertThat(rowsReferring(id)).isEqualTo(before);
        assertThat(jdbc.sql("select count(*) from audit_events where target_id = :id or actor_id = :id")
                .param("id", id).query(Long.class).single()).isEqualTo(auditBefore);
        JsonNode user = get("/api/user", me).json();
        assertThat(user.get("displayName").stringValue()).isEqualTo("Leaving");
        assertThat(post("/api/user/delete", null, me).status()).isEqualTo(204);
        assertThat(rowsReferring(id)).isZero();
    }

    @org.springframework.beans.factory.annotation.Autowired
    private org.springframework.transaction.PlatformTransactionManager transactions;

    @Test
    void theAuditLogStaysAppendOnlyOutsideAnErasureAndBeyondTheErasedUser() {
        long id = createUser(0);
        long other = createUser(0);
        post("/v1/users/me/tokens", "{\"name\": \"x\"}", signedIn(id));
        post("/v1/users/me/tokens", "{\"name\": \"y\"}", signedIn(other));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> jdbc.sql(
                "delete from audit_events where target_id = :id").param("id", id).update())
                .rootCause().hasMessageContaining("append-only");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> jdbc.sql(
                "update audit_events set ip = null where actor_id = :id").param("id", id).update())
                .rootCause().hasMessageContaining("append-only");
        // Erasing one user opens nothing about another, and never the tombstone or any other change.
        var tx = new org.springframework.transaction.support.TransactionTemplate(transactions);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> tx.executeWithoutResult(status -> {
            jdbc.sql("select set_config('portal.erasing_user', :id, true)").param("id", Long.toString(id))
                    .query(String.class).single();
            jdbc.sql("delete from audit_events where target_id = :other").param("other", other).update();
        })).rootCause().hasMessageContaining("append-only");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> tx.executeWithoutResult(status -> {
            jdbc.sql("select set_config('portal.erasing_user', :id, true)").param("id", Long.toString(id))
                    .query(String.class).single();
            jdbc.sql("update audit_events set action = 'forged', ip = null where actor_id = :id").param("id", id).update();
        })).rootCause().hasMessageContaining("append-only");
        assertThat(jdbc.sql("select count(*) from audit_events where target_id in (:ids)")
                .param("ids", List.of(id, other)).query(Long.class).single()).isEqualTo(2);
    }
}
