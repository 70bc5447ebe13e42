package dev.portal.outbound;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.nimbusds.oauth2.sdk.http.HTTPRequestSender;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import dev.portal.platform.ApiProblem;
import jakarta.annotation.PreDestroy;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Every request Portal makes to a host a user chose (a Mastodon instance, a Bluesky handle's domain, a
 * PDS, an authorization server, later an avatar URL). SECURITY item 22:
 * <ul>
 * <li>http and https only, no userinfo; the host read as a browser reads it ({@link OutboundTarget});</li>
 * <li>a name is resolved once, through {@link HostResolver}, and every address it has is checked
 * ({@link OutboundAddresses}); one refused address refuses the name, before any connection;</li>
 * <li>the connection goes to the checked address: Apache HttpClient is handed the address with the
 * name (for {@code Host}, SNI and the certificate check), and its own resolver refuses every lookup, so
 * there is no second lookup for DNS rebinding to answer differently;</li>
 * <li>at most {@value #MAX_REDIRECTS} redirects, each hop checked as the first;</li>
 * <li>one deadline for the whole exchange, redirects included, and a byte cap on every body, so slow,
 * trickling and endless servers end in time.</li>
 * </ul>
 * {@code PORTAL_OUTBOUND_ALLOWED_HOSTS} names {@code host:port}s exempt from the address check.
 * Refusals answer 400 {@code host_not_allowed}; an unreachable server 502 {@code provider_unavailable}, a
 * slow one 504 {@code provider_timeout}, each naming the party and nothing else.
 */
@Component
public class GuardedHttp {
    private static final Logger log = LoggerFactory.getLogger(GuardedHttp.class);
    static final int MAX_REDIRECTS = 3;
    static final int MAX_LINE_BYTES = 8192;
    static final int MAX_HEADERS = 100;
    /** Credentials meant for one origin; a redirect to another drops them. */
    private static final Set<String> CREDENTIAL_HEADERS = Set.of("authorization", "dpop", "cookie");
    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
    /** Set by the client itself; a Nimbus request's copies of these are dropped. */
    private static final Set<String> RESTRICTED = Set.of("host", "content-length", "connection", "transfer-encoding",
            "upgrade", "expect");

    private final HostResolver resolver;
    private final AllowedHosts allowed;
    private final Duration timeout;
    private final int maxBodyBytes;
    private final PoolingHttpClientConnectionManager connections;
    private final CloseableHttpClient client;
    private final ScheduledExecutorService deadlines;
    /** Name lookups run here, so that one the resolver is slow to answer ends at the exchange's deadline. */
    private final ExecutorService lookups;

    GuardedHttp(OutboundProperties properties, HostResolver resolver) {
        this.resolver = resolver;
        this.allowed = new AllowedHosts(properties.allowedHosts());
        this.timeout = properties.timeout();
        this.maxBodyBytes = (int) Math.min(Integer.MAX_VALUE - 8, properties.maxBodyBytes().toBytes());
        this.connections = PoolingHttpClientConnectionManagerBuilder.create()
                .setDnsResolver(new RefusingDnsResolver())
                // The byte cap covers bodies; these bound the status line, each header and chunk line, and their number.
                .setConnectionFactory(ManagedHttpClientConnectionFactory.builder()
                        .http1Config(Http1Config.custom().setMaxLineLength(MAX_LINE_BYTES).setMaxHeaderCount(MAX_HEADERS)
                                .build())
                        .build())
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(properties.connectTimeout()))
                        .setSocketTimeout(Timeout.of(timeout))
                        .setTimeToLive(TimeValue.ofMinutes(5))
                        .build())
                .setMaxConnTotal(200)
                .setMaxConnPerRoute(20)
                .build();
        this.client = HttpClients.custom()
                .setConnectionManager(connections)
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                // Compressed bodies would be capped after inflating, but nothing here needs them.
                .disableContentCompression()
                .setUserAgent("Portal")
                .evictIdleConnections(TimeValue.ofSeconds(30))
                .build();
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "outbound-deadlines");
            thread.setDaemon(true);
            return thread;
        });
        // A deadline that was not needed goes at once, and with it the request it would have aborted.
        scheduler.setRemoveOnCancelPolicy(true);
        this.deadlines = scheduler;
        this.lookups = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "outbound-lookup");
            thread.setDaemon(true);
            return thread;
        });
    }

    @PreDestroy
    void close() throws IOException {
        deadlines.shutdownNow();
        lookups.shutdownNow();
        client.close();
    }

    public AllowedHosts allowedHosts() {
        return allowed;
    }

    /** A request: {@code headers} are name, value pairs; {@code body} may be null. */
    public record Request(String method, URI uri, List<String> headers, byte[] body, String contentType) {
        public static Request get(URI uri, String... headers) {
            return new Request("GET", uri, List.of(headers), null, null);
        }
    }

    /** An answer read whole (at most the byte cap). Header names are lower case. */
    public record Response(int status, Map<String, List<String>> headers, byte[] body, URI uri) {
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The body as JSON; what is not JSON is the other side's fault: 502 with {@code unreadable} as detail. */
        public tools.jackson.databind.JsonNode json(tools.jackson.databind.json.JsonMapper mapper, String unreadable) {
            try {
                return mapper.readTree(body);
            } catch (RuntimeException e) {
                throw unavailable(unreadable);
            }
        }
    }

    /**
     * Sends a GET (or any request) and follows redirects for GET and HEAD, each hop checked.
     *
     * @param party who the other side is, for the messages a user sees ("the Mastodon instance mastodon.social")
     */
    public Response send(Request request, String party) {
        return send(request, party, maxBodyBytes);
    }

    /**
     * As {@link #send(Request, String)}, with its own byte cap for the answer's body (an avatar may be larger
     * than the default cap); a longer body fails with {@link BodyTooLarge}.
     */
    public Response send(Request request, String party, long maxBodyBytes) {
        int cap = (int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes);
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean follow = request.method().equals("GET") || request.method().equals("HEAD");
        Request current = request;
        for (int hop = 0; ; hop++) {
            Response response = exchange(current, party, deadline, cap);
            String location = response.header("location");
            if (!follow || !REDIRECTS.contains(response.status()) || location == null) {
                return response;
            }
            if (hop == MAX_REDIRECTS) {
                throw unavailable(party + " redirected more than " + MAX_REDIRECTS + " times.");
            }
            URI next;
            try {
                next = current.uri().resolve(URI.create(location.strip()));
            } catch (IllegalArgumentException e) {
                throw unavailable(party + " redirected to an address that is not a URL.");
            }
            if ("https".equalsIgnoreCase(current.uri().getScheme()) && !"https".equalsIgnoreCase(next.getScheme())) {
                throw hostNotAllowed(party + " redirected from https to an address that is not https.");
            }
            List<String> headers = current.headers();
            if (!sameOrigin(current.uri(), next)) {
                headers = withoutCredentials(headers);
            }
            current = new Request(current.method(), next, headers, null, null);
        }
    }

    private static boolean sameOrigin(URI a, URI b) {
        try {
            return OutboundTarget.of(a).origin().equals(OutboundTarget.of(b).origin());
        } catch (OutboundTarget.Refused e) {
            return false;
        }
    }

    private static List<String> withoutCredentials(List<String> headers) {
        List<String> kept = new ArrayList<>();
        for (int i = 0; i + 1 < headers.size(); i += 2) {
            if (!CREDENTIAL_HEADERS.contains(headers.get(i).toLowerCase(Locale.ROOT))) {
                kept.add(headers.get(i));
                kept.add(headers.get(i + 1));
            }
        }
        return kept;
    }

    /** For Nimbus requests (OAuth endpoints): sent as they are, redirects not followed. */
    public HTTPRequestSender nimbus(String party) {
        return request -> {
            List<String> headers = new ArrayList<>();
            request.getHeaderMap().forEach((name, values) -> {
                if (!RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
                    values.forEach(value -> {
                        headers.add(name);
                        headers.add(value);
                    });
                }
            });
            String body = request.getBody();
            Response response = exchange(new Request(request.getMethod().name(), request.getURI(), headers,
                    body == null ? null : body.getBytes(StandardCharsets.UTF_8), null), party,
                    System.nanoTime() + timeout.toNanos(), maxBodyBytes);
            HTTPResponse answer = new HTTPResponse(response.status());
            response.headers().forEach((name, values) -> answer.setHeader(name, values.toArray(String[]::new)));
            answer.setBody(response.text());
            return answer;
        };
    }

    /**
     * Checks a URL without fetching it: where it leads, resolved once, every address allowed. The answer
     * names the address to connect to.
     */
    public Pinned check(URI uri) {
        return check(uri, System.nanoTime() + timeout.toNanos());
    }

    private Pinned check(URI uri, long deadline) {
        OutboundTarget target;
        try {
            target = OutboundTarget.of(uri);
        } catch (OutboundTarget.Refused e) {
            throw hostNotAllowed(e.getMessage());
        }
        return pin(target, deadline);
    }

    /** A checked target and the one address it will be reached at. */
    public record Pinned(OutboundTarget target, InetAddress address) {
    }

    private Pinned pin(OutboundTarget target, long deadline) {
        boolean exempt = allowed.allows(target.host(), target.port());
        if (target.literal() != null) {
            if (!exempt && !OutboundAddresses.isPublic(target.literal())) {
                throw hostNotAllowed("The address " + target.authority() + " is not on the public internet.");
            }
            return new Pinned(target, target.literal());
        }
        List<InetAddress> addresses = lookUp(target.host(), deadline);
        if (addresses.isEmpty()) {
            throw unavailable("The host " + target.host() + " does not exist.");
        }
        if (!exempt) {
            for (InetAddress address : addresses) {
                if (!OutboundAddresses.isPublic(address)) {
                    throw hostNotAllowed("The host " + target.host() + " leads to an address that is not on the public internet.");
                }
            }
        }
        return new Pinned(target, addresses.get(0));
    }

    /** The resolver's answer, or 504 when it has none by the deadline (a lookup the system resolver drags out). */
    private List<InetAddress> lookUp(String host, long deadline) {
        Future<List<InetAddress>> lookup = lookups.submit(() -> resolver.addresses(host));
        try {
            return lookup.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownHostException) {
                throw new UnknownHost(host);
            }
            throw unavailable("The host " + host + " could not be looked up.");
        } catch (TimeoutException e) {
            lookup.cancel(true);
            throw timedOut("The lookup of " + host);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("The lookup of " + host + " was interrupted.");
        }
    }

    private Response exchange(Request request, String party, long deadline, int maxBodyBytes) {
        Pinned pinned = check(request.uri(), deadline);
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            throw timedOut(party);
        }
        HttpUriRequestBase outgoing = new HttpUriRequestBase(request.method(), request.uri());
        for (int i = 0; i + 1 < request.headers().size(); i += 2) {
            outgoing.addHeader(request.headers().get(i), request.headers().get(i + 1));
        }
        if (request.body() != null) {
            String contentType = request.contentType();
            if (contentType == null && outgoing.getFirstHeader("Content-Type") != null) {
                contentType = outgoing.getFirstHeader("Content-Type").getValue();
                outgoing.removeHeaders("Content-Type");
            }
            outgoing.setEntity(new ByteArrayEntity(request.body(),
                    contentType == null ? ContentType.APPLICATION_OCTET_STREAM : ContentType.parse(contentType)));
        }
        outgoing.setConfig(RequestConfig.custom()
                .setConnectionRequestTimeout(Timeout.ofMilliseconds(Math.max(1, remaining / 1_000_000)))
                .setResponseTimeout(Timeout.ofMilliseconds(Math.max(1, remaining / 1_000_000)))
                .build());
        OutboundTarget target = pinned.target();
        HttpHost host = new HttpHost(target.scheme(), pinned.address(), target.host(), target.port());
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledFuture<?> abort = deadlines.schedule(() -> {
            expired.set(true);
            outgoing.cancel();
        }, remaining, TimeUnit.NANOSECONDS);
        try (ClassicHttpResponse response = client.executeOpen(host, outgoing, null)) {
            byte[] body = read(response.getEntity(), outgoing, party, maxBodyBytes);
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (Header header : response.getHeaders()) {
                headers.computeIfAbsent(header.getName().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(header.getValue());
            }
            return new Response(response.getCode(), headers, body, request.uri());
        } catch (ApiProblem e) {
            throw e;
        } catch (IOException e) {
            if (expired.get() || e instanceof InterruptedIOException) {
                throw timedOut(party);
            }
            log.debug("{} could not be reached: {}", party, e.toString());
            throw unavailable(party + " could not be reached.");
        } catch (IllegalStateException e) {
            // Apache reports an aborted request this way when the abort wins the race with the send.
            if (expired.get()) {
                throw timedOut(party);
            }
            throw unavailable(party + " could not be reached.");
        } finally {
            abort.cancel(false);
        }
    }

    private static byte[] read(HttpEntity entity, HttpUriRequestBase outgoing, String party, int maxBodyBytes)
            throws IOException {
        if (entity == null) {
            return new byte[0];
        }
        if (entity.getContentLength() > maxBodyBytes) {
            outgoing.cancel();
            throw new BodyTooLarge(party, maxBodyBytes);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try (InputStream in = entity.getContent()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (out.size() + n > maxBodyBytes) {
                    // Closing would drain the rest of an endless body; aborting drops the connection.
                    outgoing.cancel();
                    throw new BodyTooLarge(party, maxBodyBytes);
                }
                out.write(buffer, 0, n);
            }
        }
        return out.toByteArray();
    }

    /** 502: the answer's body is over the byte cap. Callers for whom that is the user's fault may answer otherwise. */
    public static final class BodyTooLarge extends ApiProblem {
        BodyTooLarge(String party, long maxBodyBytes) {
            super(HttpStatus.BAD_GATEWAY, "provider_unavailable", party + " answered with more than " + maxBodyBytes + " bytes.");
        }
    }

    /** 502: the name does not resolve (or the resolver could not say). Protocols that look names up may take it as "no such". */
    public static final class UnknownHost extends ApiProblem {
        UnknownHost(String host) {
            super(HttpStatus.BAD_GATEWAY, "provider_unavailable", "The host " + host + " does not exist.");
        }
    }

    /**
     * {@code uri} if it is https, or http on a host:port that is allowed (stand-ins, private servers); else
     * 400 {@code host_not_allowed}. For URLs a server hands Portal to use next, where plain http would let
     * anyone on the way read or forge what passes.
     */
    public URI requireHttps(URI uri, String what) {
        OutboundTarget target;
        try {
            target = OutboundTarget.of(uri);
        } catch (OutboundTarget.Refused e) {
            throw hostNotAllowed(what + ": " + e.getMessage());
        }
        if (target.scheme().equals("http") && !allowed.allows(target.host(), target.port())) {
            throw hostNotAllowed(what + " is not an https address.");
        }
        return uri;
    }

    public static ApiProblem hostNotAllowed(String detail) {
        return new ApiProblem(HttpStatus.BAD_REQUEST, "host_not_allowed", detail);
    }

    public static ApiProblem unavailable(String detail) {
        return new ApiProblem(HttpStatus.BAD_GATEWAY, "provider_unavailable", detail);
    }

    public static ApiProblem timedOut(String party) {
        return new ApiProblem(HttpStatus.GATEWAY_TIMEOUT, "provider_timeout", party + " did not answer in time.");
    }

    /** Every target carries its checked address; a lookup here would be a second one, so none is made. */
    private static final class RefusingDnsResolver implements DnsResolver {
        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
            throw new UnknownHostException("guarded client: no lookup outside the check");
        }

        @Override
        public String resolveCanonicalHostname(String host) throws UnknownHostException {
            throw new UnknownHostException("guarded client: no lookup outside the check");
        }
    }
}
