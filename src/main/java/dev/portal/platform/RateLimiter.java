package dev.portal.platform;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.sql.DataSource;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.BucketExceptions;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import io.github.bucket4j.postgresql.PostgreSQLadvisoryLockBasedProxyManager;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.support.SQLExceptionSubclassTranslator;
import org.springframework.jdbc.support.SQLExceptionTranslator;
import org.springframework.stereotype.Component;

/**
 * Token-bucket rate limits whose buckets live in PostgreSQL ({@code rate_limit_buckets}), so every node
 * counts against the same ones. Each {@link #consume} is one short transaction under an advisory lock on
 * the bucket's key (two the first time a key is seen). Time comes from the injected {@link Clock}, so tests
 * can move it; nodes are assumed to agree on the time (NTP), as bucket states carry their timestamps.
 *
 * <p>When the database is away, {@link #consume} throws a {@link DataAccessException} (answered 503 with
 * {@code Retry-After}): it fails closed, since everything limited here needs the database anyway.
 */
@Component
public class RateLimiter implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(RateLimiter.class);
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    /** A bucket's row may go this long after the bucket has refilled completely. */
    private static final Duration KEEP_AFTER_REFILL = Duration.ofMinutes(1);
    private static final Duration CLEANUP_EVERY = Duration.ofMinutes(10);
    private static final int CLEANUP_BATCH = 1_000;

    /**
     * {@code tokens} per {@code period}: a burst of that many, then refilled evenly, one every
     * period/tokens.
     */
    public record Rate(long tokens, Duration period) {
        public Rate {
            if (tokens < 1 || period.isNegative() || period.isZero()) {
                throw new IllegalArgumentException("A rate needs at least one token per positive period: " + tokens + "/" + period);
            }
        }

        public static Rate perMinute(long tokens) {
            return new Rate(tokens, Duration.ofMinutes(1));
        }

        public static Rate perHour(long tokens) {
            return new Rate(tokens, Duration.ofHours(1));
        }

        @Override
        public String toString() {
            return tokens + "/" + period;
        }
    }

    /**
     * A named limit: every key (an address, a user id) gets its own bucket under it, which must allow each
     * of the rates.
     */
    public record Limit(String name, List<Rate> rates) {
        public Limit {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("A limit's name is lower-case letters, digits and '-': " + name);
            }
            if (rates.isEmpty()) {
                throw new IllegalArgumentException("A limit needs at least one rate: " + name);
            }
            rates = List.copyOf(rates);
        }

        public Limit(String name, Rate... rates) {
            this(name, List.of(rates));
        }

        /**
         * The rates are part of the id, so a changed setting starts fresh buckets rather than keeping the
         * configuration stored in the old ones (which then expire).
         */
        String bucketId(String key) {
            return name + "@" + rates.stream().map(Rate::toString).collect(Collectors.joining(",")) + ":" + key;
        }

        BucketConfiguration configuration() {
            var builder = BucketConfiguration.builder();
            rates.forEach(r -> builder.addLimit(Bandwidth.builder().capacity(r.tokens()).refillGreedy(r.tokens(), r.period()).build()));
            return builder.build();
        }
    }

    private final PostgreSQLadvisoryLockBasedProxyManager<String> buckets;
    private final ClientAddress.Networks exempt;
    private final SQLExceptionTranslator sqlErrors = new SQLExceptionSubclassTranslator();
    private volatile ScheduledExecutorService cleaner;
    private final MeterRegistry meters;

    RateLimiter(DataSource dataSource, Clock clock, RateLimitProperties properties,
            MeterRegistry meters) {
        this.meters = meters;
        this.buckets = Bucket4jPostgreSQL.advisoryLockBasedBuilder(dataSource)
                .primaryKeyMapper(PrimaryKeyMapper.STRING)
                .table("rate_limit_buckets")
                .idColumn("id")
                .stateColumn("state")
                .expiresAtColumn("expires_at")
                .lockColumn("lock_id")
                // String.hashCode (the default) is 32 bits; 64 bits of SHA-256 make two keys sharing a lock unlikely.
                .lockIdSupplier(RateLimiter::lockId)
                .clientClock(new ClockTimeMeter(clock))
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(KEEP_AFTER_REFILL))
                // Bounds the wait for a key's lock (and each statement) when PostgreSQL is slow.
                .requestTimeout(Duration.ofSeconds(2))
                .build();
        this.exempt = ClientAddress.Networks.parse(properties.exempt(), "PORTAL_RATE_LIMIT_EXEMPT");
    }

    /**
     * Takes one token from {@code key}'s bucket under {@code limit}, or throws 429 {@code rate_limited} with
     * {@code Retry-After} (when the next token is due) if there is none.
     *
     * @throws ApiProblem 429 when the limit is reached
     * @throws DataAccessException when the database cannot be asked (answered 503)
     */
    public void consume(Limit limit, String key) {
        ConsumptionProbe probe = inDatabase(() -> buckets.builder().build(limit.bucketId(key), limit::configuration)
                .tryConsumeAndReturnRemaining(1));
        if (!probe.isConsumed()) {
            meters.counter("portal.rate_limit.refusals", "limit", limit.name()).increment();
            throw ApiProblem.rateLimited(Duration.ofNanos(probe.getNanosToWaitForRefill()));
        }
    }

    /** True if limits by address do not apply to this client address ({@code PORTAL_RATE_LIMIT_EXEMPT}). */
    public boolean exempt(String address) {
        return exempt.contains(address);
    }

    /**
     * The key to limit a client address by: IPv4 addresses as they are, IPv6 addresses by their /64, since
     * one subscriber usually holds a whole /64 and could otherwise take a new address per request.
     */
    public static String addressKey(String address) {
        InetAddress parsed = ClientAddress.parse(address);
        if (parsed instanceof Inet6Address) {
            byte[] network = Arrays.copyOf(parsed.getAddress(), 16);
            Arrays.fill(network, 8, 16, (byte) 0);
            try {
                return InetAddress.getByAddress(network).getHostAddress() + "/64";
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        return parsed == null ? address : parsed.getHostAddress();
    }

    /** Deletes the rows of buckets that have refilled (and so mean no more than a missing row); returns how many. */
    int removeExpired() {
        int total = 0;
        int removed;
        do {
            removed = inDatabase(() -> buckets.removeExpired(CLEANUP_BATCH));
            total += removed;
        } while (removed == CLEANUP_BATCH);
        return total;
    }

    private <T> T inDatabase(Supplier<T> call) {
        try {
            return call.get();
        } catch (BucketExceptions.BucketExecutionException e) {
            // Bucket4j wraps the driver's SQLException; Spring's own types let ProblemAdvice and filters answer 503.
            if (e.getCause() instanceof SQLException sql) {
                DataAccessException translated = sqlErrors.translate("rate limit", null, sql);
                throw translated != null ? translated : new UncategorizedSQLException("rate limit", null, sql);
            }
            throw new DataAccessResourceFailureException("Rate-limit buckets unavailable: " + e.getMessage(), e);
        }
    }

    private static long lockId(String bucketId) {
        return ByteBuffer.wrap(Secrets.sha256(bucketId)).getLong();
    }

    private void cleanUp() {
        try {
            int removed = removeExpired();
            if (removed > 0) {
                log.debug("Removed {} expired rate-limit buckets", removed);
            }
        } catch (RuntimeException e) {
            log.warn("Could not remove expired rate-limit buckets: {}", e.toString());
        }
    }

    @Override
    public void start() {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "portal-rate-limit-cleanup");
            t.setDaemon(true);
            return t;
        });
        // Nodes started together should not all clean at the same moment.
        long every = CLEANUP_EVERY.toSeconds();
        executor.scheduleWithFixedDelay(this::cleanUp, every / 2 + ThreadLocalRandom.current().nextLong(every / 2), every,
                TimeUnit.SECONDS);
        cleaner = executor;
    }

    @Override
    public void stop() {
        ScheduledExecutorService executor = cleaner;
        cleaner = null;
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return cleaner != null;
    }

    /** Bucket4j's time, read from the injected clock (wall-clock based, as Bucket4j requires across nodes). */
    record ClockTimeMeter(Clock clock) implements TimeMeter {
        @Override
        public long currentTimeNanos() {
            Instant now = clock.instant();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        }

        @Override
        public boolean isWallClockBased() {
            return true;
        }
    }
}
