package dev.portal.subscription;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** SPEC §2–§4 and SECURITY 16: granting, ending and lapsing subscriptions, and who may. */
class SubscriptionTest extends PortalTest {
    @Autowired
    SubscriptionSweep sweep;

    private Response grant(Credential as, long target, String body) {
        return post("/v1/users/" + target + "/subscription", body, as);
    }

    private static String body(int tier, Instant expiresAt, String reason) {
        return "{\"tier\": " + tier + (expiresAt == null ? "" : ", \"expires_at\": \"" + expiresAt + "\"")
                + ", \"reason\": \"" + reason + "\"}";
    }

    private Instant inDays(int days) {
        return clock.instant().plus(Duration.ofDays(days)).truncatedTo(ChronoUnit.SECONDS);
    }

    private long historyRows(long user) {
        return jdbc.sql("select count(*) from subscription_changes where user_id = :u").param("u", user)
                .query(Long.class).single();
    }

    private long lapseRows(long user) {
        return jdbc.sql("select count(*) from subscription_changes where user_id = :u and reason = 'expired'")
                .param("u", user).query(Long.class).single();
    }

    private long auditRows(String action, long target) {
        return jdbc.sql("select count(*) from audit_events where action = :a and target_id = :t").param("a", action)
                .param("t", target).query(Long.class).single();
    }

    private int storedTier(long user) {
        return jdbc.sql("select subscription_tier from users where id = :u").param("u", user).query(Integer.class).single();
    }

    @Test
    void anAdminGrantsPremiumWithAnExpiry() {
        long admin = createUser(2);
        long target = createUser(0);
        Instant expires = inDays(30);

        Response response = grant(signedIn(admin), target, body(2, expires, "won the raffle"));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode user = response.json();
        assertThat(user.get("id").longValue()).isEqualTo(target);
        assertThat(user.get("subscription_tier").intValue()).isEqualTo(2);
        assertThat(user.get("subscription_expires_at").stringValue()).isEqualTo(expires.toString());
        assertThat(user.get("subscription_granted_by").longValue()).isEqualTo(admin);
        JsonNode history = user.get("subscription_history");
        assertThat(history.size()).isEqualTo(1);
        JsonNode change = history.get(0);
        assertThat(change.get("from_tier").intValue()).isZero();
        assertThat(change.get("to_tier").intValue()).isEqualTo(2);
        assertThat(change.get("expires_at").stringValue()).isEqualTo(expires.toString());
        assertThat(change.get("granted_by").longValue()).isEqualTo(admin);
        assertThat(change.get("reason").stringValue()).isEqualTo("won the raffle");
        assertThat(change.get("created_at").stringValue()).endsWith("Z");
        assertThat(jdbc.sql("select count(*) from audit_events where action = 'subscription_changed' and actor_id = :a "
                + "and target_id = :t and details ->> 'to_tier' = '2'").param("a", admin).param("t", target)
                .query(Long.class).single()).isEqualTo(1);
        // Every node and every view sees it: the target's own view too.
        assertThat(get("/v1/users/me", signedIn(target)).json().get("subscription_tier").intValue()).isEqualTo(2);
    }

    @Test
    void onlyAnOwnerGrantsLifetime() {
        long admin = createUser(2);
        long owner = createUser(3);
        long target = createUser(0);

        assertProblem(grant(signedIn(admin), target, body(3, null, "forever")), 403, "forbidden");
        assertThat(historyRows(target)).isZero();

        Response response = grant(signedIn(owner), target, body(3, null, "forever"));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("subscription_tier").intValue()).isEqualTo(3);
        assertThat(response.json().get("subscription_expires_at").isNull()).isTrue();
        assertThat(response.json().get("subscription_granted_by").longValue()).isEqualTo(owner);
        assertThat(auditRows("subscription_changed", target)).isEqualTo(1);
    }

    @Test
    void moderatorsAndUsersCannotGrant() {
        long target = createUser(0);
        for (int level : new int[] {0, 1}) {
            assertProblem(grant(signedIn(createUser(level)), target, body(2, inDays(7), "please")), 403, "forbidden");
        }
        assertThat(historyRows(target)).isZero();
        assertThat(storedTier(target)).isZero();
        assertProblem(grant(Credential.NONE, target, body(2, inDays(7), "please")), 401, "unauthenticated");
    }

    @Test
    void noOneGrantsToAPeerASuperiorOrThemselves() {
        long admin = createUser(2);
        long owner = createUser(3);
        Credential asAdmin = signedIn(admin);

        assertProblem(grant(asAdmin, createUser(2), body(2, inDays(7), "peer")), 403, "forbidden");
        assertProblem(grant(asAdmin, owner, body(2, inDays(7), "boss")), 403, "forbidden");
        assertProblem(grant(asAdmin, admin, body(2, inDays(7), "me")), 403, "forbidden");
        assertProblem(grant(signedIn(owner), owner, body(3, null, "me")), 403, "forbidden");
        assertThat(historyRows(admin) + historyRows(owner)).isZero();
    }

    @Test
    void trialAndPremiumNeedAFutureExpiryBasicAndLifetimeRefuseOne() {
        long owner = createUser(3);
        long target = createUser(0);
        Credential asOwner = signedIn(owner);

        JsonNode missing = assertProblem(grant(asOwner, target, body(1, null, "trial")), 400, "validation_failed");
        assertThat(missing.get("errors").get("expires_at").stringValue()).contains("required");
        JsonNode past = assertProblem(grant(asOwner, target, body(2, clock.instant().minusSeconds(1), "late")), 400,
                "validation_failed");
        assertThat(past.get("errors").get("expires_at").stringValue()).contains("future");
        // The injected clock decides what "the future" is.
        Instant soon = inDays(1);
        clock.advance(Duration.ofDays(2));
        assertProblem(grant(asOwner, target, body(2, soon, "by the clock")), 400, "validation_failed");
        clock.reset();
        for (int tier : new int[] {0, 3}) {
            JsonNode given = assertProblem(grant(asOwner, target, body(tier, inDays(7), "no expiry")), 400,
                    "validation_failed");
            assertThat(given.get("errors").get("expires_at").stringValue()).contains("absent");
        }
        assertThat(historyRows(target)).isZero();
    }

    @Test
    void badTypesAre400AndWriteNothing() {
        long admin = createUser(2);
        long target = createUser(0);
        Credential asAdmin = signedIn(admin);
        String future = inDays(7).toString();
        List<String> bodies = List.of(
                "{\"tier\": \"2\", \"expires_at\": \"" + future + "\", \"reason\": \"r\"}",
                "{\"tier\": 2.5, \"expires_at\": \"" + future + "\", \"reason\": \"r\"}",
                "{\"tier\": 7, \"reason\": \"r\"}",
                "{\"tier\": -1, \"reason\": \"r\"}",
                "{\"tier\": 99999999999, \"reason\": \"r\"}",
                "{\"tier\": null, \"reason\": \"r\"}",
                "{\"expires_at\": \"" + future + "\", \"reason\": \"r\"}",
                "{\"tier\": 2, \"expires_at\": 1893456000, \"reason\": \"r\"}",
                "{\"tier\": 2, \"expires_at\": \"tomorrow\", \"reason\": \"r\"}",
                "{\"tier\": 2, \"expires_at\": \"2099-01-01T00:00:00+02:00\", \"reason\": \"r\"}",
                "{\"tier\": 2, \"expires_at\": \"" + future + "\", \"reason\": 5}",
                "{\"tier\": 2, \"expires_at\": \"" + future + "\", \"reason\": \"   \"}",
                "{\"tier\": 2, \"expires_at\": \"" + future + "\"}",
                "{\"tier\": 2, \"expires_at\": \"" + future + "\", \"reason\": \"" + "x".repeat(1001) + "\"}");
        for (String body : bodies) {
            assertProblem(grant(asAdmin, target, body), 400, "validation_failed");
        }
        JsonNode all = assertProblem(grant(asAdmin, target, "{\"tier\": \"x\", \"reason\": []}"), 400, "validation_failed");
        assertThat(all.get("errors").has("tier")).isTrue();
        assertThat(all.get("errors").has("reason")).isTrue();
        assertThat(grant(asAdmin, target, "[1, 2]").status()).isEqualTo(400);
        assertThat(grant(asAdmin, target, "{\"tier\": 2, \"tier\": 0, \"reason\": \"dup\"}").status()).isEqualTo(400);
        assertThat(grant(asAdmin, target, "{not json").status()).isEqualTo(400);

        assertThat(historyRows(target)).isZero();
        assertThat(auditRows("subscription_changed", target)).isZero();
        assertThat(storedTier(target)).isZero();
        // 1000 characters is allowed.
        assertThat(grant(asAdmin, target, body(2, inDays(7), "y".repeat(1000))).status()).isEqualTo(200);
    }

    @Test
    void anUnknownUserIs404() {
        long admin = createUser(2);
        long missing = jdbc.sql("select coalesce(max(id), 0) + 100000 from users").query(Long.class).single();
        assertProblem(grant(signedIn(admin), missing, body(2, inDays(7), "ghost")), 404, "not_found");
    }

    @Test
    void backToBasicClearsExpiryAndGranter() {
        long admin = createUser(2);
        long target = createUser(0);
        Credential asAdmin = signedIn(admin);
        assertThat(grant(asAdmin, target, body(2, inDays(30), "promo")).status()).isEqualTo(200);

        Response ended = grant(asAdmin, target, body(0, null, "refunded"));

        assertThat(ended.status()).as(ended.body()).isEqualTo(200);
        JsonNode user = ended.json();
        assertThat(user.get("subscription_tier").intValue()).isZero();
        assertThat(user.get("subscription_expires_at").isNull()).isTrue();
        assertThat(user.get("subscription_granted_by").isNull()).isTrue();
        JsonNode latest = user.get("subscription_history").get(0);
        assertThat(latest.get("from_tier").intValue()).isEqualTo(2);
        assertThat(latest.get("to_tier").intValue()).isZero();
        assertThat(latest.get("expires_at").isNull()).isTrue();
        assertThat(latest.get("granted_by").longValue()).isEqualTo(admin);
        assertThat(latest.get("reason").stringValue()).isEqualTo("refunded");
        assertThat(jdbc.sql("select subscription_expires_at is null and subscription_granted_by is null from users "
                + "where id = :u").param("u", target).query(Boolean.class).single()).isTrue();
        // Ending it again would change nothing.
        assertProblem(grant(asAdmin, target, body(0, null, "again")), 409, "conflict");
        assertThat(historyRows(target)).isEqualTo(2);
    }

    @Test
    void aLapsedTrialReadsBasicAtOnceAndTheSweepRecordsItOnce() {
        long admin = createUser(2);
        long target = createUser(0);
        long bystander = createUser(0);
        Credential asAdmin = signedIn(admin);
        Credential asTarget = signedIn(target);
        Instant expires = clock.instant().plusSeconds(3);
        assertThat(grant(asAdmin, target, body(1, expires, "three seconds")).status()).isEqualTo(200);
        assertThat(get("/v1/users/me", asTarget).json().get("subscription_tier").intValue()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(4));

        JsonNode elevated = get("/v1/users/" + target, asAdmin).json();
        assertThat(elevated.get("subscription_tier").intValue()).isZero();
        assertThat(elevated.get("subscription_expires_at").isNull()).isTrue();
        assertThat(elevated.get("subscription_granted_by").isNull()).isTrue();
        JsonNode me = get("/v1/users/me", asTarget).json();
        assertThat(me.get("subscription_tier").intValue()).isZero();
        assertThat(me.get("subscription_expires_at").isNull()).isTrue();
        assertThat(get("/v1/users/" + target, signedIn(bystander)).json().get("subscription_tier").intValue()).isZero();

        sweep.sweepOnce();
        sweep.sweepOnce();

        assertThat(lapseRows(target)).isEqualTo(1);
        assertThat(auditRows("subscription_lapsed", target)).isEqualTo(1);
        assertThat(storedTier(target)).isZero();
        JsonNode history = get("/v1/users/" + target, asAdmin).json().get("subscription_history");
        assertThat(history.size()).isEqualTo(2);
        JsonNode lapse = history.get(0);
        assertThat(lapse.get("from_tier").intValue()).isEqualTo(1);
        assertThat(lapse.get("to_tier").intValue()).isZero();
        assertThat(lapse.get("granted_by").isNull()).isTrue();
        assertThat(lapse.get("expires_at").isNull()).isTrue();
        assertThat(lapse.get("reason").stringValue()).isEqualTo("expired");
        assertThat(lapse.get("created_at").stringValue()).isEqualTo(expires.truncatedTo(ChronoUnit.SECONDS).toString());
    }

    @Test
    void aGrantOverAnUnsweptLapseRecordsTheLapseFirst() {
        long admin = createUser(2);
        long target = createUser(0);
        Credential asAdmin = signedIn(admin);
        assertThat(grant(asAdmin, target, body(1, clock.instant().plusSeconds(3), "short")).status()).isEqualTo(200);
        clock.advance(Duration.ofSeconds(4));

        JsonNode user = grant(asAdmin, target, body(2, inDays(30), "converted")).json();

        JsonNode history = user.get("subscription_history");
        assertThat(history.size()).isEqualTo(3);
        assertThat(history.get(0).get("from_tier").intValue()).isZero();
        assertThat(history.get(0).get("to_tier").intValue()).isEqualTo(2);
        assertThat(history.get(1).get("reason").stringValue()).isEqualTo("expired");
        sweep.sweepOnce();
        assertThat(lapseRows(target)).isEqualTo(1);
        assertThat(storedTier(target)).isEqualTo(2);
    }

    @Test
    void twoSweepsAtOnceRecordEachLapseOnce() throws Exception {
        OffsetDateTime past = OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(5);
        List<Long> lapsed = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            long id = createUser(0);
            jdbc.sql("update users set subscription_tier = :tier, subscription_expires_at = :past where id = :id")
                    .param("tier", 1 + i % 2).param("past", past.minusSeconds(i)).param("id", id).update();
            lapsed.add(id);
        }

        List<Integer> recorded = race(2, sweep::sweepOnce);

        assertThat(recorded).hasSize(2);
        for (long id : lapsed) {
            assertThat(lapseRows(id)).as("lapse rows of %d", id).isEqualTo(1);
            assertThat(auditRows("subscription_lapsed", id)).as("lapse audit of %d", id).isEqualTo(1);
            assertThat(storedTier(id)).isZero();
        }
        assertThat(sweep.sweepOnce()).isZero();
    }

    @Test
    void twoIdenticalGrantsAtOnceOneWinsTheOtherIs409() throws Exception {
        long admin = createUser(2);
        for (int round = 0; round < 3; round++) {
            long target = createUser(0);
            String body = body(2, inDays(30), "twice");
            Credential asAdmin = signedIn(admin);

            List<Integer> statuses = race(2, () -> grant(asAdmin, target, body).status());

            assertThat(statuses).containsExactlyInAnyOrder(200, 409);
            assertThat(historyRows(target)).isEqualTo(1);
            assertThat(auditRows("subscription_changed", target)).isEqualTo(1);
        }
    }

    /** Runs {@code task} on {@code n} threads released together; answers their results. */
    private static <T> List<T> race(int n, Callable<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return task.call();
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
