package dev.portal.platform;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.portal.support.Nodes;
import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10: {@code /actuator/prometheus} shows what Portal does — requests by route template, sign-ins by
 * platform and outcome, rate-limit refusals, cache hits and misses, invalidations, the pool, the JVM — and
 * only to {@code PORTAL_METRICS_ALLOWED} (loopback by default); {@code PORTAL_METRICS_ENABLED=false} turns it off.
 */
class MetricsTest extends PortalTest {
    @TempDir
    Path dataDir;

    private String scrape() {
        Response response = get("/actuator/prometheus", Credential.NONE);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.header("Content-Type")).startsWith("text/plain");
        return response.body();
    }

    /** The sum of the samples named {@code name} that carry every one of {@code labels}; 0 if none yet. */
    private static double sample(String scrape, String name, String... labels) {
        double sum = 0;
        Matcher line = Pattern.compile("^" + Pattern.quote(name) + "(?:\\{(.*)\\})? (\\S+)$", Pattern.MULTILINE).matcher(scrape);
        while (line.find()) {
            String found = line.group(1) == null ? "" : line.group(1);
            boolean all = true;
            for (String label : labels) {
                all &= found.contains(label);
            }
            if (all) {
                sum += Double.parseDouble(line.group(2));
            }
        }
        return sum;
    }

    @Test
    void requestsAreTimedByRouteTemplateNeverByRawPath() {
        long id = createUser(0);
        for (int i = 0; i < 3; i++) {
            assertThat(get("/v1/users/" + id, Credential.bearer(BOOTSTRAP_TOKEN)).status()).isEqualTo(200);
        }
        get("/v1/no/such/path/" + id, Credential.NONE);
        for (int i = 0; i < 20; i++) {
            send("BREW" + i, "/v1/users/" + id, null, Credential.NONE);
        }

        String scrape = scrape();

        assertThat(sample(scrape, "http_server_requests_seconds_count", "uri=\"/v1/users/{user_id}\"", "status=\"200\""))
                .isGreaterThanOrEqualTo(3);
        assertThat(sample(scrape, "http_server_requests_seconds_sum", "uri=\"/v1/users/{user_id}\"")).isPositive();
        assertThat(scrape).doesNotContain("/v1/users/" + id + "\"", "/v1/no/such/path", "BREW");
        // Twenty made-up methods are one series, not twenty.
        assertThat(sample(scrape, "http_server_requests_seconds_count", "method=\"OTHER\"")).isGreaterThanOrEqualTo(20);
        assertThat(Pattern.compile("^http_server_requests_seconds_count\\{[^\\n]*method=\"OTHER\"", Pattern.MULTILINE)
                .matcher(scrape).results().count()).isEqualTo(1);
    }

    @Test
    void signInsAreCountedByPlatformAndOutcome() {
        String scrape = scrape();
        double succeeded = sample(scrape, "portal_signins_total", "outcome=\"success\"", "platform=\"discord\"");
        double refused = sample(scrape, "portal_signins_total", "outcome=\"invalid_state\"", "platform=\"discord\"");

        signInWithDiscord(uniqueDiscordId(), unique("metrics"));
        assertProblem(get("/v1/auth/discord/callback?code=abc&state=forged", Credential.NONE,
                "Cookie", "psignin=forged"), 400, "invalid_state");

        scrape = scrape();
        assertThat(sample(scrape, "portal_signins_total", "outcome=\"success\"", "platform=\"discord\"")).isEqualTo(succeeded + 1);
        assertThat(sample(scrape, "portal_signins_total", "outcome=\"invalid_state\"", "platform=\"discord\"")).isEqualTo(refused + 1);
    }

    @Test
    void rateLimitRefusalsAreCountedByLimit() {
        double before = sample(scrape(), "portal_rate_limit_refusals_total");
        String address = "198.51.100.201";
        int refusals = 0;
        for (int i = 0; i < 12; i++) {
            if (get("/v1/auth/discord/login?redirect=/", Credential.NONE, "X-Forwarded-For", address).status() == 429) {
                refusals++;
            }
        }
        assertThat(refusals).isPositive();

        String scrape = scrape();
        assertThat(sample(scrape, "portal_rate_limit_refusals_total")).isEqualTo(before + refusals);
        assertThat(scrape).containsPattern("portal_rate_limit_refusals_total\\{limit=\"[a-z-]+\"\\}");
    }

    @Test
    void theCurrentUserAnsweredAheadOfSpringMvcIsTimedUnderItsRoute() {
        Credential session = Credential.session(signInWithDiscord(uniqueDiscordId(), unique("timed")));
        String[] labels = {"uri=\"/v1/users/me\"", "method=\"GET\"", "status=\"200\""};
        double before = sample(scrape(), "http_server_requests_seconds_count", labels);

        for (int i = 0; i < 3; i++) {
            assertThat(get("/v1/users/me", session).status()).isEqualTo(200);
        }

        assertThat(sample(scrape(), "http_server_requests_seconds_count", labels)).isGreaterThanOrEqualTo(before + 3);
    }

    @Test
    void cachesInvalidationsThePoolAndTheJvmAreShown() {
        String session = signInWithDiscord(uniqueDiscordId(), unique("cached"));
        double hits = sample(scrape(), "cache_gets_total", "cache=\"sessions\"", "result=\"hit\"");
        double received = sample(scrape(), "portal_cache_invalidations_received_total");
        get("/v1/users/me", Credential.session(session));
        get("/v1/users/me", Credential.session(session));
        changeInSql("update users set display_name = 'Renamed' where id = :id", "id", userIdOf(session));

        String scrape = scrape();
        assertThat(sample(scrape, "cache_gets_total", "cache=\"sessions\"", "result=\"hit\"")).isGreaterThanOrEqualTo(hits + 2);
        assertThat(sample(scrape, "cache_gets_total", "cache=\"accounts\"", "result=\"miss\"")).isPositive();
        assertThat(sample(scrape, "cache_gets_total", "cache=\"tokens\"")).isPositive();
        assertThat(scrape).contains("portal_cache_invalidations_listening 1.0");
        assertThat(scrape).contains("hikaricp_connections_max{pool=\"portal\"}", "hikaricp_connections_active{pool=\"portal\"}",
                "jvm_memory_used_bytes{", "jvm_gc_pause_seconds", "process_cpu_usage", "jvm_threads_live_threads");
        // The change above was announced by PostgreSQL; its notice may take a moment to arrive.
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (sample(scrape, "portal_cache_invalidations_received_total") <= received && System.nanoTime() < deadline) {
            scrape = scrape();
        }
        assertThat(sample(scrape, "portal_cache_invalidations_received_total")).isGreaterThan(received);
    }

    @Test
    void onlyAllowedAddressesMayRead() {
        // 127.0.0.1 is a trusted proxy in the tests, so X-Forwarded-For names the client.
        Response outside = get("/actuator/prometheus", Credential.NONE, "X-Forwarded-For", "203.0.113.250");
        assertProblem(outside, 403, "metrics_forbidden");
        assertThat(outside.body()).doesNotContain("jvm_", "http_server");
        // Written so that the raw URI differs from the path Spring MVC matches: still refused.
        for (String disguised : new String[] {"/actuator/prometheus/anything", "/actuator/prometheus;x=1",
                "/actuator/%70rometheus", "/actuator/./prometheus"}) {
            assertProblem(get(disguised, Credential.NONE, "X-Forwarded-For", "203.0.113.250"), 403, "metrics_forbidden");
        }

        try (Nodes.Node node = startNode(Nodes.freePort(), dataDir, "--portal.metrics.allowed=203.0.113.0/24")) {
            assertThat(get(node.url("/actuator/prometheus"), Credential.NONE, "X-Forwarded-For", "203.0.113.250").status())
                    .isEqualTo(200);
            assertProblem(get(node.url("/actuator/prometheus"), Credential.NONE), 403, "metrics_forbidden");
        }
    }

    @Test
    void metricsCanBeTurnedOff() {
        try (Nodes.Node node = startNode(Nodes.freePort(), dataDir, "--portal.metrics.enabled=false")) {
            assertThat(get(node.url("/v1/users/me"), Credential.bearer(BOOTSTRAP_TOKEN)).status()).isEqualTo(200);
            assertThat(get(node.url("/actuator/prometheus"), Credential.NONE).status()).isEqualTo(404);
            assertThat(node.context().getBeansOfType(io.micrometer.prometheusmetrics.PrometheusMeterRegistry.class)).isEmpty();
        }
    }
}
