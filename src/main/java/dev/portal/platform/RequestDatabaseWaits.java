package dev.portal.platform;

/**
 * Counts, for each request, how long it has waited for database connections, so that the pool
 * ({@link DatabaseConfig}) can keep the sum within {@link #BUDGET_MS}. A request takes connections one after
 * another (its credential, its account, its transaction); when they come slowly (PostgreSQL just back
 * from an outage, the pool nearly exhausted) waits of up to the pool's timeout each would add up past
 * what a client may be kept waiting, where one answer of 503 is due. {@link RequestIdFilter}, the first
 * filter, opens and closes the count, so the hot path pays for no filter of its own.
 */
final class RequestDatabaseWaits {
    /** In all, per request: the pool's 2 s timeout once, and a second wait cut short. */
    static final long BUDGET_MS = 3_000;
    private static final ThreadLocal<long[]> WAITED_NANOS = new ThreadLocal<>();

    private RequestDatabaseWaits() {
    }

    static void begin() {
        WAITED_NANOS.set(new long[1]);
    }

    static void end() {
        WAITED_NANOS.remove();
    }

    /** The counter of the request this thread serves, or null outside requests (no budget there). */
    static long[] current() {
        return WAITED_NANOS.get();
    }
}
