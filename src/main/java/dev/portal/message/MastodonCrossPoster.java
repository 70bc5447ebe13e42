package dev.portal.message;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import dev.portal.identity.LinkedIdentity;
import dev.portal.identity.Platform;
import dev.portal.outbound.GuardedHttp;
import dev.portal.outbound.OutboundProperties;
import dev.portal.outbound.OutboundTarget;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.SecretCipher;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Posts a message to the author's Mastodon accounts as statuses ({@code POST /api/v1/statuses}), all at
 * once, each through the {@link GuardedHttp} client with the identity's stored token. Each account ends in a
 * {@link CrossPost}: posted with the status's URL, or not with a short reason; one instance that fails or
 * hangs never fails the others. The whole call ends within the outbound deadline plus a second's grace,
 * whatever the instances do.
 */
@Component
public class MastodonCrossPoster {
    private static final Logger log = LoggerFactory.getLogger(MastodonCrossPoster.class);
    static final String UNAVAILABLE = "instance unavailable";
    static final String TIMED_OUT = "timed out";
    static final String TOKEN_REVOKED = "token revoked \u2014 sign in with Mastodon again";
    static final String NO_TOKEN = "no token stored \u2014 sign in with Mastodon again";
    static final String NOT_ALLOWED = "instance not allowed";
    static final String REFUSED = "refused by the instance";
    /** On Java 17, at most this many posts run at once on this node; later ones wait their turn. */
    private static final int PLATFORM_THREADS = 32;

    private final GuardedHttp http;
    private final SecretCipher cipher;
    private final JsonMapper json;
    private final Clock clock;
    private final Duration wait;
    private final ExecutorService executor;

    MastodonCrossPoster(GuardedHttp http, SecretCipher cipher, JsonMapper json, Clock clock,
            OutboundProperties outbound) {
        this.http = http;
        this.cipher = cipher;
        this.json = json;
        this.clock = clock;
        // The guarded client ends each exchange at its deadline; the grace covers a post that waited its turn.
        this.wait = outbound.timeout().plusSeconds(1);
        this.executor = executor();
    }

    @PreDestroy
    void close() {
        executor.shutdownNow();
    }

    /** Virtual threads from Java 21 on (Portal is built for 17, so found by reflection); else a small pool. */
    private static ExecutorService executor() {
        try {
            Object virtual = java.util.concurrent.Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
            return (ExecutorService) virtual;
        } catch (ReflectiveOperationException e) {
            AtomicInteger count = new AtomicInteger();
            ThreadPoolExecutor pool = new ThreadPoolExecutor(PLATFORM_THREADS, PLATFORM_THREADS, 60, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), runnable -> {
                        Thread thread = new Thread(runnable, "mastodon-crosspost-" + count.incrementAndGet());
                        thread.setDaemon(true);
                        return thread;
                    });
            pool.allowCoreThreadTimeOut(true);
            return pool;
        }
    }

    /** Posts {@code message} to every account, in parallel; the results in the accounts' order. */
    List<CrossPost> post(Message message, List<MastodonAccount> accounts) {
        long deadline = System.nanoTime() + wait.toNanos();
        List<Future<CrossPost>> running = new ArrayList<>();
        for (MastodonAccount account : accounts) {
            running.add(executor.submit(() -> postOne(message, account)));
        }
        List<CrossPost> results = new ArrayList<>();
        for (int i = 0; i < accounts.size(); i++) {
            Future<CrossPost> future = running.get(i);
            MastodonAccount account = accounts.get(i);
            try {
                results.add(future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (TimeoutException e) {
                future.cancel(true);
                results.add(failed(message, account, TIMED_OUT));
            } catch (ExecutionException e) {
                log.warn("Cross-posting message {} to {} failed: {}", message.id(), account.instance(), e.getCause().toString());
                results.add(failed(message, account, UNAVAILABLE));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                future.cancel(true);
                results.add(failed(message, account, TIMED_OUT));
            }
        }
        return results;
    }

    private CrossPost postOne(Message message, MastodonAccount account) {
        String context = LinkedIdentity.tokenContext(Platform.MASTODON, account.instance(), account.platformUserId());
        Optional<String> token = account.sealedToken() == null ? Optional.empty() : cipher.open(account.sealedToken(), context);
        if (token.isEmpty()) {
            return failed(message, account, NO_TOKEN);
        }
        String party = "The Mastodon server " + account.instance();
        String form = "status=" + URLEncoder.encode(message.body(), StandardCharsets.UTF_8)
                + "&visibility=" + mastodonVisibility(message.visibility());
        GuardedHttp.Response answer;
        try {
            URI endpoint = URI.create(origin(account.instance()) + "/api/v1/statuses");
            answer = http.send(new GuardedHttp.Request("POST", endpoint, List.of(
                    "Authorization", "Bearer " + token.get(),
                    "Accept", "application/json",
                    // The same message to the same account is one status, should this post be sent again.
                    "Idempotency-Key", idempotencyKey(message.id(), account.identityId())),
                    form.getBytes(StandardCharsets.UTF_8), "application/x-www-form-urlencoded"), party);
        } catch (ApiProblem problem) {
            return failed(message, account, switch (problem.code()) {
                case "provider_timeout" -> TIMED_OUT;
                case "host_not_allowed" -> NOT_ALLOWED;
                default -> UNAVAILABLE;
            });
        } catch (IllegalArgumentException | OutboundTarget.Refused e) {
            return failed(message, account, NOT_ALLOWED);
        }
        int status = answer.status();
        if (status == 401) {
            return failed(message, account, TOKEN_REVOKED);
        }
        if (status == 403) {
            // A token without write:statuses, or an account the instance suspended.
            return failed(message, account, "not allowed to post \u2014 sign in with Mastodon again");
        }
        if (status == 422 || status == 400) {
            return failed(message, account, REFUSED);
        }
        if (status / 100 != 2) {
            return failed(message, account, UNAVAILABLE);
        }
        JsonNode posted;
        try {
            posted = json.readTree(answer.body());
        } catch (RuntimeException e) {
            return failed(message, account, UNAVAILABLE);
        }
        String statusId = text(posted, "id");
        String url = webUrl(text(posted, "url"));
        if (url == null) {
            url = webUrl(text(posted, "uri"));
        }
        return new CrossPost(message.id(), account.identityId(), account.instance(), limited(statusId, 100), url, true,
                null, clock.instant());
    }

    /** Portal's {@code private} is Mastodon's {@code private} too: followers only. */
    static String mastodonVisibility(String visibility) {
        return "private".equals(visibility) ? "private" : "public";
    }

    static String idempotencyKey(long messageId, long identityId) {
        return "portal-message-" + messageId + "-" + identityId;
    }

    /**
     * Where an instance's API is, from the instance as stored with the identity ({@code host} or
     * {@code host:port}): https, but plain http for a host:port the operator allowed on a port other than
     * 443 (stand-ins, private deployments), as at sign-in.
     */
    private String origin(String instance) {
        OutboundTarget target = OutboundTarget.of(URI.create("https://" + instance));
        boolean plain = target.port() != 443 && http.allowedHosts().allows(target.host(), target.port());
        return (plain ? "http://" : "https://") + instance;
    }

    private CrossPost failed(Message message, MastodonAccount account, String error) {
        return new CrossPost(message.id(), account.identityId(), account.instance(), null, null, false, error,
                clock.instant());
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isString() ? value.stringValue() : null;
    }

    /** Only an http(s) link of sane length is shown to people; anything else from the instance is dropped. */
    private static String webUrl(String value) {
        if (value == null || value.length() > 2048) {
            return null;
        }
        String lower = value.toLowerCase(java.util.Locale.ROOT);
        return lower.startsWith("https://") || lower.startsWith("http://") ? value : null;
    }

    private static String limited(String value, int max) {
        return value == null || value.length() > max ? null : value;
    }
}
