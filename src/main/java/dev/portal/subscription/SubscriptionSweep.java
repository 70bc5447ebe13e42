package dev.portal.subscription;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Records lapsed subscriptions in the history, each exactly once, and resets their users rows to Basic.
 * A lapsed tier already reads as Basic everywhere ({@link Subscription#effectiveAt}); this only makes the
 * stored row and the history agree with that. Every node sweeps on its own schedule; the SQL
 * ({@link SubscriptionRepository#resetLapsed}) keeps concurrent sweeps from recording one lapse twice.
 */
@Component
public class SubscriptionSweep implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(SubscriptionSweep.class);
    /** Lapses per transaction: bounds how long a sweep holds row locks that grants may be waiting for. */
    static final int BATCH = 500;

    private final SubscriptionService service;
    private final Duration interval;
    private volatile ScheduledExecutorService sweeper;

    SubscriptionSweep(SubscriptionService service, SubscriptionProperties properties) {
        this.service = service;
        this.interval = properties.sweepInterval();
    }

    /** Sweeps every lapse due by the injected clock, batch by batch; answers how many this call recorded. */
    public int sweepOnce() {
        int total = 0;
        int recorded;
        do {
            recorded = service.lapseBatch(BATCH).size();
            total += recorded;
        } while (recorded == BATCH);
        return total;
    }

    private void sweep() {
        try {
            int recorded = sweepOnce();
            if (recorded > 0) {
                log.info("Recorded {} lapsed subscriptions", recorded);
            }
        } catch (RuntimeException e) {
            log.warn("Could not sweep lapsed subscriptions: {}", e.toString());
        }
    }

    @Override
    public void start() {
        if (interval.isZero() || interval.isNegative()) {
            return;
        }
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "portal-subscription-sweep");
            t.setDaemon(true);
            return t;
        });
        // Nodes started together should not all sweep at the same moment (they could; it is only wasteful).
        long every = Math.max(1, interval.toMillis());
        executor.scheduleWithFixedDelay(this::sweep, ThreadLocalRandom.current().nextLong(every), every,
                TimeUnit.MILLISECONDS);
        sweeper = executor;
    }

    @Override
    public void stop() {
        ScheduledExecutorService executor = sweeper;
        sweeper = null;
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return sweeper != null;
    }
}
