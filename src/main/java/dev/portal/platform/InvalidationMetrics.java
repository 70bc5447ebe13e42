package dev.portal.platform;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.stereotype.Component;

/**
 * Cache invalidations as Prometheus sees them: how many arrived, and whether the listener is connected
 * (while it is not, the caches are bypassed and every request asks PostgreSQL).
 */
@Component
class InvalidationMetrics implements MeterBinder {
    private final CacheInvalidation invalidation;

    InvalidationMetrics(CacheInvalidation invalidation) {
        this.invalidation = invalidation;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("portal.cache.invalidations.received", invalidation, CacheInvalidation::notificationsReceived)
                .description("Cache invalidations received from PostgreSQL (LISTEN portal_cache)")
                .register(registry);
        Gauge.builder("portal.cache.invalidations.listening", invalidation, i -> i.cachingAllowed() ? 1 : 0)
                .description("1 while invalidations are being received and caches are used, else 0")
                .register(registry);
    }
}
