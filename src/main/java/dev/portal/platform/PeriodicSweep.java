package dev.portal.platform;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * A job each node runs on its own every {@code interval} (zero or negative: never on this node) while the
 * application runs, on one daemon thread. The first run waits a random part of the interval, so nodes
 * started together do not all sweep at once (they could; it is only wasteful). A failing run is logged and
 * the next one tried at its time; tests call {@link #sweepOnce()} themselves.
 */
public abstract class PeriodicSweep implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(PeriodicSweep.class);

    private final String threadName;
    private final String whatItDoes;
    private final Duration interval;
    private volatile ScheduledExecutorService sweeper;

    /** {@code whatItDoes} completes "Could not ..." and "... n" in the log, e.g. "record lapsed subscriptions". */
    protected PeriodicSweep(String threadName, String whatItDoes, Duration interval) {
        this.threadName = threadName;
        this.whatItDoes = whatItDoes;
        this.interval = interval;
    }

    /** One run; answers how many things it did. */
    public abstract int sweepOnce();

    private void sweep() {
        try {
            int done = sweepOnce();
            if (done > 0) {
                log.info("{}: {}", whatItDoes, done);
            }
        } catch (RuntimeException e) {
            log.warn("Could not {}: {}", whatItDoes, e.toString());
        }
    }

    @Override
    public void start() {
        if (interval.isZero() || interval.isNegative()) {
            return;
        }
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
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
