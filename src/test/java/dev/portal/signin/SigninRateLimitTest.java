package dev.portal.signin;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SPEC "rate limits with 429 + Retry-After: sign-in and callback per IP"; SECURITY 23. Every test comes
 * from addresses of its own, sent in X-Forwarded-For (believed, since the tests' 127.0.0.1 is a trusted
 * proxy), and gets the default limits: 10 a minute, 60 an hour, starts and callbacks apart.
 */
class SigninRateLimitTest extends PortalTest {
    /** 203.0.113.0/24 is for documentation; no other test uses it. */
    private static final AtomicInteger ADDRESSES = new AtomicInteger(10);

    private static String freshAddress() {
        int n = ADDRESSES.getAndIncrement();
        assertThat(n).as("addresses left in 203.0.113.0/24").isLessThan(255);
        return "203.0.113." + n;
    }

    private Response start(String address) {
        return get("/v1/auth/discord/login?redirect=/", Credential.NONE, "X-Forwarded-For", address);
    }

    private Response callback(String address) {
        return get("/v1/auth/discord/callback?code=abc&state=not-a-state", Credential.NONE, "X-Forwarded-For", address);
    }

    /** Starts until one is refused; returns how many passed (each a 302 to Discord). */
    private int startsUntilRefused(String address, int atMost) {
        for (int passed = 0; passed <= atMost; passed++) {
            Response response = start(address);
            if (response.status() == 429) {
                return passed;
            }
            assertThat(response.status()).as(response.body()).isEqualTo(302);
        }
        throw new AssertionError("more than " + atMost + " starts passed");
    }

    private static long retryAfter(Response response) {
        assertThat(response.header("Retry-After")).as("Retry-After").matches("[1-9][0-9]*");
        return Long.parseLong(response.header("Retry-After"));
    }

    @Test
    void theEleventhStartInAMinuteIsRefusedWithRetryAfterAndNoFlow() {
        String address = freshAddress();
        for (int i = 0; i < 10; i++) {
            Response response = start(address);
            assertThat(response.status()).as("start %d: %s", i + 1, response.body()).isEqualTo(302);
            assertThat(response.cookie("psignin")).isNotNull();
        }
        long flows = jdbc.sql("select count(*) from signin_flows").query(Long.class).single();

        Response refused = start(address);

        assertProblem(refused, 429, "rate_limited");
        // A token comes back every 6 s; the client is told the whole seconds until then.
        assertThat(retryAfter(refused)).isBetween(1L, 6L);
        assertThat(refused.cookie("psignin")).isNull();
        assertThat(refused.header("Location")).isNull();
        assertThat(jdbc.sql("select count(*) from signin_flows").query(Long.class).single()).isEqualTo(flows);
    }

    @Test
    void mastodonAndBlueskyStartsCountInTheSameBucketAndALimitedOneAsksNoServer() {
        String address = freshAddress();
        for (int i = 0; i < 5; i++) {
            // Refused for what they ask (no instance, no handle), yet each is a start from this address.
            assertThat(get("/v1/auth/mastodon/login", Credential.NONE, "X-Forwarded-For", address).status()).isEqualTo(400);
            assertThat(get("/v1/auth/bluesky/login", Credential.NONE, "X-Forwarded-For", address).status()).isEqualTo(400);
        }
        String instance = "limited-" + ADDRESSES.get() + "-" + System.nanoTime() + ".mastodon.test";

        Response refused = get("/v1/auth/mastodon/login?instance=" + java.net.URLEncoder.encode(mastodon().url(instance),
                java.nio.charset.StandardCharsets.UTF_8), Credential.NONE, "X-Forwarded-For", address);

        assertProblem(refused, 429, "rate_limited");
        assertThat(mastodon().requests(instance)).as("requests that reached the instance").isZero();
        assertProblem(get("/v1/auth/bluesky/link?handle=someone.test", Credential.NONE, "X-Forwarded-For", address),
                429, "rate_limited");
    }

    @Test
    void linkIsAStartAndSharesItsBucket() {
        String address = freshAddress();
        for (int i = 0; i < 10; i++) {
            Response response = get("/v1/auth/discord/link", Credential.NONE, "X-Forwarded-For", address);
            assertThat(response.status()).as(response.body()).isNotEqualTo(429);
        }

        assertProblem(get("/v1/auth/discord/link", Credential.NONE, "X-Forwarded-For", address), 429, "rate_limited");
        assertProblem(start(address), 429, "rate_limited");
    }

    @Test
    void callbacksHaveABucketOfTheirOwnAndTheLimitComesBeforeTheState() {
        String address = freshAddress();
        assertThat(startsUntilRefused(address, 10)).isEqualTo(10);

        // Having started too often does not stop this address from finishing a sign-in...
        for (int i = 0; i < 10; i++) {
            assertProblem(callback(address), 400, "invalid_state");
        }
        // ...but callbacks are limited as well, before their state is looked at.
        Response refused = callback(address);
        assertProblem(refused, 429, "rate_limited");
        assertThat(retryAfter(refused)).isBetween(1L, 6L);
        assertThat(refused.cookie("psession")).isNull();
    }

    @Test
    void aMinuteLaterTheAddressMayStartAgainUntilTheHourlyLimit() {
        String address = freshAddress();
        List<Integer> perMinute = new ArrayList<>();
        perMinute.add(startsUntilRefused(address, 10));
        for (int minute = 1; minute <= 6; minute++) {
            clock.advance(Duration.ofMinutes(1));
            perMinute.add(startsUntilRefused(address, 10));
        }

        // 60 an hour, one back every minute: 60 + 6 by the seventh minute, so its burst is cut to 6.
        assertThat(perMinute).containsExactly(10, 10, 10, 10, 10, 10, 6);
        Response refused = start(address);
        assertProblem(refused, 429, "rate_limited");
        assertThat(retryAfter(refused)).as("the hourly limit's next token").isBetween(50L, 60L);
    }

    @Test
    void anotherAddressIsNotAffected() {
        String busy = freshAddress();
        assertThat(startsUntilRefused(busy, 10)).isEqualTo(10);

        assertThat(start(freshAddress()).status()).isEqualTo(302);
        assertThat(callback(freshAddress()).status()).isEqualTo(400);
    }

    @Test
    void anExemptAddressIsNeverLimited() {
        // The tests' own 127.0.0.1 is exempt (PORTAL_RATE_LIMIT_EXEMPT); with no X-Forwarded-For it is the client.
        for (int i = 0; i < 25; i++) {
            assertThat(get("/v1/auth/discord/login", Credential.NONE).status()).isEqualTo(302);
            assertThat(get("/v1/auth/discord/callback?state=x", Credential.NONE).status()).isEqualTo(400);
        }
    }

    @Test
    void anIpv6ClientIsLimitedByItsSlash64() {
        int n = ADDRESSES.getAndIncrement();
        for (int i = 1; i <= 10; i++) {
            assertThat(get("/v1/auth/discord/login", Credential.NONE, "X-Forwarded-For", "2001:db8:" + n + ":1::" + i)
                    .status()).isEqualTo(302);
        }

        assertProblem(get("/v1/auth/discord/login", Credential.NONE, "X-Forwarded-For", "2001:db8:" + n + ":1:ffff::99"),
                429, "rate_limited");
        assertThat(get("/v1/auth/discord/login", Credential.NONE, "X-Forwarded-For", "2001:db8:" + n + ":2::1").status())
                .isEqualTo(302);
    }

    @Test
    void otherSpellingsOfThePathAreCountedToo() {
        String address = freshAddress();
        assertThat(startsUntilRefused(address, 10)).isEqualTo(10);

        // Spring MVC routes these to the same endpoint, so the limit must see them as the same path.
        assertProblem(get("/v1/auth/discord/login;x=y", Credential.NONE, "X-Forwarded-For", address), 429, "rate_limited");
        assertProblem(get("/v1/auth/discord/%6Cogin", Credential.NONE, "X-Forwarded-For", address), 429, "rate_limited");
        assertProblem(get("/v1/%61uth/discord/login", Credential.NONE, "X-Forwarded-For", address), 429, "rate_limited");
        // Whatever else the container or Spring make of a spelling, it never starts a sign-in past the limit.
        for (String path : List.of("//v1/auth/discord/login", "/v1//auth/discord/login", "/v1/auth/discord/login/",
                "/v1/auth/discord/./login", "/v1/auth/x/../discord/login", "/v1/auth/discord/LOGIN",
                "/v1/auth/discord%2Flogin", "/v1/auth/discord/login%3B")) {
            Response response = get(path, Credential.NONE, "X-Forwarded-For", address);
            assertThat(response.status()).as("%s: %s", path, response.body()).isNotEqualTo(302);
            assertThat(response.cookie("psignin")).as(path).isNull();
        }
    }

    @Test
    void aForwardedForFromAnUntrustedPeerIsNotBelieved() throws IOException {
        // 127.0.0.2 is neither a trusted proxy nor exempt: its own address is counted, whatever it claims.
        for (int i = 0; i < 10; i++) {
            assertThat(rawGet("127.0.0.2", "/v1/auth/discord/login", freshAddress())).startsWith("HTTP/1.1 302");
        }

        assertThat(rawGet("127.0.0.2", "/v1/auth/discord/login", freshAddress())).startsWith("HTTP/1.1 429")
                .contains("Retry-After: ", "\"code\":\"rate_limited\"");
    }

    /** A GET sent from a chosen local address (java.net.http cannot choose one on Java 17). */
    private static String rawGet(String from, String path, String forwardedFor) throws IOException {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(from, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", java.net.URI.create(url("/")).getPort()), 5_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: " + forwardedFor
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
