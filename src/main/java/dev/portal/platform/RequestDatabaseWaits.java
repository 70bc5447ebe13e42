package dev.portal.platform;

import org.slf4j.MDC;

/**
 * Counts, for each request, how long it has waited for database connections, so that the pool
 * ({@link DatabaseConfig}) can keep the sum within {@link #BUDGET_MS}. A request takes connections one after
 * another (its credential, its account, its transaction); when they come slowly (PostgreSQL just back
 * from an outage, the pool nearly exhausted) waits of up to the pool's timeout each would add up past
 * what a client may be kept waiting, where one answer of 503 is due. A request is known by the id
 * {@link RequestIdFilter} puts in the MDC, and its count is made at its first wait, so a request served
 * from the caches pays nothing.
 */
final class RequestDatabaseWaits {
    /** In all, per request: the pool's 2 s timeout once, and a second wait cut short. */
    static final long BUDGET_MS = 3_000;

    /** The waits of the request with this id (a thread serves one request at a time). */
    private static final class Count {
        final String requestId;
        long waitedNanos;

        Count(String requestId) {
            this.requestId = requestId;
        }
    }

    private static final ThreadLocal<Count> COUNT = new ThreadLocal<>();

    private RequestDatabaseWaits() {
    }

    /** Nanoseconds the current request has waited so far, or -1 outside requests (no budget there). */
    static long waitedNanos() {
        Count count = current();
        return count == null ? -1 : count.waitedNanos;
    }

    static void add(long nanos) {
        Count count = current();
        if (count != null) {
            count.waitedNanos += nanos;
        }
    }

    private static Count current() {
        String requestId = MDC.get(LogContext.REQUEST_ID);
        if (requestId == null) {
            return null;
        }
        Count count = COUNT.get();
        // A platform thread serves one request after another; an id of its own starts a new count.
        if (count == null || !count.requestId.equals(requestId)) {
            count = new Count(requestId);
            COUNT.set(count);
        }
        return count;
    }
}
