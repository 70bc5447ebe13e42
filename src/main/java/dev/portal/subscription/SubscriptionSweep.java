package dev.portal.subscription;

import dev.portal.platform.PeriodicSweep;
import org.springframework.stereotype.Component;

/**
 * Records lapsed subscriptions in the history, each exactly once, and resets their users rows to Basic.
 * A lapsed tier already reads as Basic everywhere ({@link Subscription#effectiveAt}); this only makes the
 * stored row and the history agree with that. Every node sweeps on its own schedule; the SQL
 * ({@link SubscriptionRepository#resetLapsed}) keeps concurrent sweeps from recording one lapse twice.
 */
@Component
public class SubscriptionSweep extends PeriodicSweep {
    /** Lapses per transaction: bounds how long a sweep holds row locks that grants may be waiting for. */
    static final int BATCH = 500;

    private final SubscriptionService service;

    SubscriptionSweep(SubscriptionService service, SubscriptionProperties properties) {
        super("portal-subscription-sweep", "record lapsed subscriptions", properties.sweepInterval());
        this.service = service;
    }

    /** Sweeps every lapse due by the injected clock, batch by batch; answers how many this call recorded. */
    @Override
    public int sweepOnce() {
        int total = 0;
        int recorded;
        do {
            recorded = service.lapseBatch(BATCH).size();
            total += recorded;
        } while (recorded == BATCH);
        return total;
    }
}
