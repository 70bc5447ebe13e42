package dev.portal.platform;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.portal.support.PortalTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The generic limiter under the sign-in limits, against the real database and the tests' movable clock. */
class RateLimiterTest extends PortalTest {
    @Autowired
    RateLimiter rateLimiter;

    private static RateLimitProperties exempting(String... entries) {
        return new RateLimitProperties(List.of(entries), new RateLimitProperties.Signin(10, 60));
    }

    @Test
    void aLimitRefusesWithRetryAfterUntilItsNextTokenAndRefillsWithTheClock() {
        RateLimiter.Limit limit = new RateLimiter.Limit("test-writes", RateLimiter.Rate.perMinute(2));
        String key = unique("key");
        rateLimiter.consume(limit, key);
        rateLimiter.consume(limit, key);

        ApiProblem refused = catchThrowableOfType(ApiProblem.class, () -> rateLimiter.consume(limit, key));

        assertThat(refused.status().value()).isEqualTo(429);
        assertThat(refused.code()).isEqualTo("rate_limited");
        assertThat(refused.headers()).containsEntry("Retry-After", "30");
        rateLimiter.consume(limit, unique("other-key"));
        clock.advance(Duration.ofSeconds(30));
        rateLimiter.consume(limit, key);
        assertThatThrownBy(() -> rateLimiter.consume(limit, key)).isInstanceOf(ApiProblem.class);
    }

    @Test
    void retryAfterIsWholeSecondsRoundedUpAndAtLeastOne() {
        assertThat(ApiProblem.rateLimited(Duration.ZERO).headers()).containsEntry("Retry-After", "1");
        assertThat(ApiProblem.rateLimited(Duration.ofMillis(1)).headers()).containsEntry("Retry-After", "1");
        assertThat(ApiProblem.rateLimited(Duration.ofSeconds(6)).headers()).containsEntry("Retry-After", "6");
        assertThat(ApiProblem.rateLimited(Duration.ofMillis(6_001)).headers()).containsEntry("Retry-After", "7");
    }

    @Test
    void changedRatesStartFreshBuckets() {
        String key = unique("key");
        rateLimiter.consume(new RateLimiter.Limit("test-changed", RateLimiter.Rate.perHour(1)), key);
        assertThatThrownBy(() -> rateLimiter.consume(new RateLimiter.Limit("test-changed", RateLimiter.Rate.perHour(1)), key))
                .isInstanceOf(ApiProblem.class);

        rateLimiter.consume(new RateLimiter.Limit("test-changed", RateLimiter.Rate.perHour(5)), key);
    }

    @Test
    void bucketsAreRowsAndExpiredOnesAreRemoved() {
        RateLimiter.Limit limit = new RateLimiter.Limit("test-cleanup", RateLimiter.Rate.perHour(1));
        String stale = unique("stale");
        String live = unique("live");
        rateLimiter.consume(limit, stale);
        rateLimiter.consume(limit, live);
        assertThat(jdbc.sql("select expires_at from rate_limit_buckets where id like :id").param("id", "test-cleanup@%:" + live)
                .query(Long.class).single()).as("expires once refilled, an hour from now")
                .isGreaterThan(System.currentTimeMillis() + Duration.ofMinutes(59).toMillis());
        jdbc.sql("update rate_limit_buckets set expires_at = 0 where id like :id").param("id", "test-cleanup@%:" + stale).update();

        rateLimiter.removeExpired();

        assertThat(jdbc.sql("select count(*) from rate_limit_buckets where id like :id").param("id", "test-cleanup@%:" + stale)
                .query(Long.class).single()).isZero();
        assertThatThrownBy(() -> rateLimiter.consume(limit, live)).isInstanceOf(ApiProblem.class);
    }

    @Test
    void aDatabaseThatIsAwayIsADataAccessExceptionWhichAnswers503() {
        RateLimiter away = new RateLimiter(new DriverManagerDataSource("jdbc:postgresql://127.0.0.1:1/portal?connectTimeout=1"),
                Clock.systemUTC(), exempting(), new SimpleMeterRegistry());

        DataAccessException e = catchThrowableOfType(DataAccessException.class,
                () -> away.consume(new RateLimiter.Limit("test-away", RateLimiter.Rate.perMinute(1)), "key"));

        // The types ProblemAdvice answers with 503 and Retry-After.
        assertThat(e).isInstanceOfAny(DataAccessResourceFailureException.class, TransientDataAccessException.class);
    }

    @Test
    void exemptAddressesAndRanges() {
        RateLimiter limiter = new RateLimiter(new DriverManagerDataSource(), Clock.systemUTC(),
                exempting("192.0.2.7", " 10.0.0.0/8", "fd00::/8", ""), new SimpleMeterRegistry());

        assertThat(limiter.exempt("192.0.2.7")).isTrue();
        assertThat(limiter.exempt("10.20.30.40")).isTrue();
        assertThat(limiter.exempt("fd12::1")).isTrue();
        assertThat(limiter.exempt("192.0.2.8")).isFalse();
        assertThat(limiter.exempt("not-an-address")).isFalse();
        assertThat(new RateLimiter(new DriverManagerDataSource(), Clock.systemUTC(), exempting(), new SimpleMeterRegistry()).exempt("127.0.0.1")).isFalse();
        assertThatThrownBy(() -> new RateLimiter(new DriverManagerDataSource(), Clock.systemUTC(), exempting("monitor.example"), new SimpleMeterRegistry()))
                .hasMessageContaining("PORTAL_RATE_LIMIT_EXEMPT");
    }

    @Test
    void ipv6AddressesAreLimitedByTheirSlash64() {
        assertThat(RateLimiter.addressKey("203.0.113.9")).isEqualTo("203.0.113.9");
        assertThat(RateLimiter.addressKey("2001:db8:1:2:3:4:5:6")).isEqualTo(RateLimiter.addressKey("2001:db8:1:2::9"))
                .isEqualTo("2001:db8:1:2:0:0:0:0/64");
        assertThat(RateLimiter.addressKey("::ffff:203.0.113.9")).isEqualTo("203.0.113.9");
    }

    @Test
    void settingsBindFromTheEnvironmentNamesInTheReadme() {
        StandardEnvironment environment = new StandardEnvironment();
        // Spring treats a source as the environment (with its relaxed names) by its name.
        environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.of(
                "PORTAL_RATE_LIMIT_SIGNIN_PER_MINUTE", "3",
                "PORTAL_RATE_LIMIT_SIGNIN_PER_HOUR", "20",
                "PORTAL_RATE_LIMIT_EXEMPT", "192.0.2.1,10.0.0.0/8")));

        RateLimitProperties properties = new Binder(ConfigurationPropertySources.get(environment))
                .bindOrCreate("portal.rate-limit", RateLimitProperties.class);

        assertThat(properties.signin().perMinute()).isEqualTo(3);
        assertThat(properties.signin().perHour()).isEqualTo(20);
        assertThat(properties.exempt()).containsExactly("192.0.2.1", "10.0.0.0/8");
    }
}
