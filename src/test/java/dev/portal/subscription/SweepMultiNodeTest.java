package dev.portal.subscription;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import dev.portal.support.Nodes;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 7: the lapse sweep records each lapse exactly once with several Portal nodes — two nodes on one
 * database sweep the same lapsed subscriptions at the same moment.
 */
@Tag("own-database")
class SweepMultiNodeTest {
    private static final int LAPSED = 300;

    @TempDir
    Path dataDir;

    @Test
    void twoNodesSweepingAtOnceRecordEachLapseOnce() throws Exception {
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            String url = postgres.getJdbcUrl("postgres", "postgres");
            // Their own schedules are off, so the two sweeps below are the only ones.
            List<Nodes.Node> nodes = Nodes.startTwo(dataDir, "--portal.database-url=" + url,
                    "--portal.subscription.sweep-interval=0");
            try (Nodes.Node a = nodes.get(0); Nodes.Node b = nodes.get(1)) {
                JdbcClient jdbc = a.context().getBean(JdbcClient.class);
                jdbc.sql("""
                        insert into users (username, subscription_tier, subscription_expires_at, last_activity_at, created_at,
                                           updated_at)
                        select 'lapsed_' || n, 1 + n % 2, now() - interval '1 minute', now(), now(), now()
                        from generate_series(1, :count) n
                        """).param("count", LAPSED).update();
                SubscriptionSweep sweepA = a.context().getBean(SubscriptionSweep.class);
                SubscriptionSweep sweepB = b.context().getBean(SubscriptionSweep.class);
                CountDownLatch start = new CountDownLatch(1);

                CompletableFuture<Integer> onA = CompletableFuture.supplyAsync(() -> await(start, sweepA));
                CompletableFuture<Integer> onB = CompletableFuture.supplyAsync(() -> await(start, sweepB));
                start.countDown();

                assertThat(onA.get() + onB.get()).as("lapses recorded by the two nodes together").isEqualTo(LAPSED);
                assertThat(jdbc.sql("""
                        select count(*) from subscription_changes c join users u on u.id = c.user_id
                        where u.username like 'lapsed\\_%' and c.to_tier = 0 and c.reason = 'expired'
                        """).query(Long.class).single()).isEqualTo(LAPSED);
                assertThat(jdbc.sql("""
                        select count(*) from (select user_id from subscription_changes group by user_id having count(*) > 1) d
                        """).query(Long.class).single()).as("users with a lapse recorded twice").isZero();
                assertThat(jdbc.sql("select count(*) from users where username like 'lapsed\\_%' and subscription_tier <> 0")
                        .query(Long.class).single()).isZero();
                assertThat(jdbc.sql("select count(*) from audit_events where action = 'subscription_lapsed'")
                        .query(Long.class).single()).isEqualTo(LAPSED);
                // A later sweep on either node finds nothing left.
                assertThat(sweepA.sweepOnce() + sweepB.sweepOnce()).isZero();
            }
        }
    }

    private static int await(CountDownLatch start, SubscriptionSweep sweep) {
        try {
            start.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return sweep.sweepOnce();
    }
}
