package dev.portal.outbound;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import dev.portal.platform.ApiProblem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * SECURITY item 22 against the guarded client itself: every spelling of a refused address is refused
 * with no connection made (a listening socket on the loopback address counts what reaches it), names
 * are resolved once and the connection goes to the checked address, redirects are re-checked, and slow,
 * trickling and endless servers end within the deadline and the byte cap.
 */
class GuardedHttpTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    /** A tiny HTTP/1.1 server on a loopback address that counts connections and plays a scripted answer. */
    static final class Server implements AutoCloseable {
        interface Script {
            void answer(Socket socket, String requestHead) throws IOException, InterruptedException;
        }

        final ServerSocket socket;
        final AtomicInteger connections = new AtomicInteger();
        final List<String> requestHeads = new CopyOnWriteArrayList<>();
        volatile Script script = (s, head) -> respond(s, 200, "hello");
        private final Thread acceptor;

        Server(String address) throws IOException {
            socket = new ServerSocket();
            socket.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
            acceptor = new Thread(this::accept, "test-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void accept() {
            while (!socket.isClosed()) {
                try {
                    Socket client = socket.accept();
                    connections.incrementAndGet();
                    Thread handler = new Thread(() -> handle(client));
                    handler.setDaemon(true);
                    handler.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void handle(Socket client) {
            try (client) {
                InputStream in = client.getInputStream();
                StringBuilder head = new StringBuilder();
                int b;
                while ((b = in.read()) >= 0) {
                    head.append((char) b);
                    if (head.toString().endsWith("\r\n\r\n")) {
                        break;
                    }
                }
                requestHeads.add(head.toString());
                script.answer(client, head.toString());
            } catch (IOException | InterruptedException e) {
                // the client went away: that is what several tests want
            }
        }

        static void respond(Socket socket, int status, String body) throws IOException {
            respond(socket, status, body, "");
        }

        static void respond(Socket socket, int status, String body, String extraHeaders) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.1 " + status + " X\r\nContent-Length: " + bytes.length + "\r\nConnection: close\r\n"
                    + extraHeaders + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** DNS as the tests want it: names mapped to addresses, each lookup counted. */
    static final class FakeResolver implements HostResolver {
        final Map<String, List<InetAddress>> names = new ConcurrentHashMap<>();
        final AtomicInteger lookups = new AtomicInteger();
        volatile long delayMs;

        void map(String name, String... addresses) throws UnknownHostException {
            List<InetAddress> all = new ArrayList<>();
            for (String address : addresses) {
                all.add(InetAddress.getByName(address));
            }
            names.put(name, all);
        }

        @Override
        public List<InetAddress> addresses(String host) throws UnknownHostException {
            lookups.incrementAndGet();
            if (delayMs > 0) {
                try {
                    Thread.sleep(delayMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new UnknownHostException("interrupted");
                }
            }
            List<InetAddress> found = names.get(host);
            if (found == null) {
                throw new UnknownHostException(host);
            }
            return found;
        }

        @Override
        public List<String> txt(String name) {
            return List.of();
        }
    }

    private Server server;
    private FakeResolver resolver;

    @BeforeEach
    void start() throws IOException {
        server = new Server("127.0.0.1");
        resolver = new FakeResolver();
        resolver.map("localhost", "127.0.0.1");
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    private GuardedHttp client(String... allowedHosts) {
        return new GuardedHttp(new OutboundProperties(List.of(allowedHosts), Duration.ofMillis(500), TIMEOUT,
                DataSize.ofKilobytes(64)), resolver);
    }

    private static ApiProblem refusal(Runnable call) {
        try {
            call.run();
        } catch (ApiProblem e) {
            return e;
        }
        throw new AssertionError("the call was not refused");
    }

    private GuardedHttp.Response get(GuardedHttp http, String url) {
        return http.send(GuardedHttp.Request.get(URI.create(url)), "the test server");
    }

    /** Every loopback and unspecified spelling of SECURITY item 22, aimed at a port that is listening. */
    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.1", "0x7F.1", "0x7f.0.0.1", "017700000001", "2130706433", "0177.0.0.1",
            "127.0.0.1.", "[::1]", "[::ffff:127.0.0.1]", "[0:0:0:0:0:ffff:7f00:1]", "0.0.0.0", "0", "[::]", "localhost",
            "LOCALHOST"})
    void everySpellingOfThisMachineIsRefusedWithNoConnection(String host) {
        GuardedHttp http = client();

        ApiProblem refused = refusal(() -> get(http, "http://" + host + ":" + server.port() + "/"));

        assertThat(refused.status().value()).isEqualTo(400);
        assertThat(refused.code()).isEqualTo("host_not_allowed");
        assertThat(server.connections.get()).as("connections made").isZero();
    }

    /** Private, shared, link-local, multicast and unique-local addresses, as literals and behind names. */
    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.1", "192.168.1.1", "100.64.0.1",
            "100.127.255.254", "169.254.169.254", "[::ffff:a9fe:a9fe]", "[::ffff:10.0.0.1]", "[fc00::1]", "[fd12:3456::1]",
            "[fe80::1]", "[fec0::1]", "224.0.0.1", "239.255.255.250", "255.255.255.255", "[ff02::1]", "[64:ff9b::a00:1]",
            "[2002:a00:1::]", "[2001:0:4136:e378::1]", "[::10.0.0.1]", "0x0A.0.0.1", "012.0.0.1", "192.0.2.1"})
    void privateAndSpecialAddressesAreRefusedBeforeConnecting(String host) {
        ApiProblem refused = refusal(() -> get(client(), "http://" + host + "/"));

        assertThat(refused.code()).isEqualTo("host_not_allowed");
    }

    @Test
    void aNameIsRefusedWhenAnyOfItsAddressesIsPrivate() throws UnknownHostException {
        resolver.map("private.test", "10.1.2.3");
        resolver.map("metadata.test", "169.254.169.254");
        resolver.map("mixed.test", "93.184.216.34", "127.0.0.1");
        resolver.map("mapped.test", "::ffff:192.168.0.1");
        GuardedHttp http = client();

        for (String name : List.of("private.test", "metadata.test", "mixed.test", "mapped.test")) {
            assertThat(refusal(() -> get(http, "https://" + name + "/x")).code()).as(name).isEqualTo("host_not_allowed");
        }
        assertThat(server.connections.get()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://example.com/", "file:///etc/passwd", "gopher://example.com/", "jar:http://example.com!/",
            "http://user:secret@example.com/", "http://user@example.com/", "http:///nohost", "http://exa%6Dple.com/",
            "http://[::1%25lo]/", "http://256.0.0.1/", "http://1.2.3.4.5/", "http://0x100000000/", "http://example.com:99999/",
            "http://10.-1.0.1/", "http://1.+2.3.4/", "http://09.0.0.1/", "http://fa\u00df.de/"})
    void urlsThatAreNotPlainHttpToAHostAreRefused(String url) {
        ApiProblem refused = refusal(() -> get(client(), url));

        assertThat(refused.code()).isEqualTo("host_not_allowed");
    }

    @Test
    void publicAddressesPassTheCheck() throws UnknownHostException {
        for (String address : List.of("8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "2a00:1450:4001::1")) {
            assertThat(OutboundAddresses.isPublic(InetAddress.getByName(address))).as(address).isTrue();
        }
        resolver.map("example.test", "93.184.216.34");
        assertThat(client().check(URI.create("https://EXAMPLE.test/path")).address().getHostAddress())
                .isEqualTo("93.184.216.34");
    }

    @Test
    void anAllowedHostIsReachedAtTheAddressThatWasCheckedWithOneLookup() throws UnknownHostException {
        resolver.map("pinned.test", "127.0.0.1");
        GuardedHttp http = client("pinned.test:" + server.port());

        GuardedHttp.Response response = get(http, "http://pinned.test:" + server.port() + "/hello");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.text()).isEqualTo("hello");
        // The JDK could not resolve pinned.test: the connection went to the address the check found.
        assertThat(resolver.lookups.get()).isEqualTo(1);
        assertThat(server.requestHeads.get(0)).containsIgnoringCase("Host: pinned.test:" + server.port());
        // Allowed means this host on this port, not the address on any port.
        assertThat(refusal(() -> get(http, "http://pinned.test:" + (server.port() + 1) + "/")).code())
                .isEqualTo("host_not_allowed");
        assertThat(refusal(() -> get(http, "http://127.0.0.1:" + server.port() + "/")).code()).isEqualTo("host_not_allowed");
    }

    @Test
    void aRedirectToARefusedAddressIsRefusedWithoutFollowingIt() throws IOException {
        try (Server inside = new Server("127.0.0.2")) {
            server.script = (s, head) -> Server.respond(s, 302, "", "Location: http://127.0.0.2:" + inside.port() + "/admin\r\n");
            GuardedHttp http = client("127.0.0.1:" + server.port());

            ApiProblem refused = refusal(() -> get(http, "http://127.0.0.1:" + server.port() + "/"));

            assertThat(refused.code()).isEqualTo("host_not_allowed");
            assertThat(server.connections.get()).isEqualTo(1);
            assertThat(inside.connections.get()).as("connections to the redirect's target").isZero();
        }
    }

    @Test
    void atMostThreeRedirectsAreFollowed() {
        AtomicInteger hops = new AtomicInteger();
        server.script = (s, head) -> Server.respond(s, 302, "", "Location: /hop" + hops.incrementAndGet() + "\r\n");
        GuardedHttp http = client("127.0.0.1:" + server.port());

        ApiProblem refused = refusal(() -> get(http, "http://127.0.0.1:" + server.port() + "/"));

        assertThat(refused.code()).isEqualTo("provider_unavailable");
        assertThat(server.requestHeads).hasSize(4);

        hops.set(0);
        server.script = (s, head) -> {
            if (head.startsWith("GET /hop3 ")) {
                Server.respond(s, 200, "arrived");
            } else {
                Server.respond(s, 302, "", "Location: /hop" + hops.incrementAndGet() + "\r\n");
            }
        };
        assertThat(get(http, "http://127.0.0.1:" + server.port() + "/").text()).isEqualTo("arrived");
    }

    @Test
    void aServerThatNeverAnswersEndsInATimeout() {
        server.script = (s, head) -> Thread.sleep(10_000);
        GuardedHttp http = client("127.0.0.1:" + server.port());
        long started = System.nanoTime();

        ApiProblem refused = refusal(() -> get(http, "http://127.0.0.1:" + server.port() + "/"));

        assertThat(refused.status().value()).isEqualTo(504);
        assertThat(refused.code()).isEqualTo("provider_timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TIMEOUT.plusSeconds(2));
    }

    @Test
    void aServerThatTricklesItsAnswerEndsAtTheDeadline() {
        // Each byte comes well within the read timeout; only the deadline of the whole exchange stops it.
        server.script = (s, head) -> {
            OutputStream out = s.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 10_000; i++) {
                out.write('x');
                out.flush();
                Thread.sleep(100);
            }
        };
        GuardedHttp http = client("127.0.0.1:" + server.port());
        long started = System.nanoTime();

        ApiProblem refused = refusal(() -> get(http, "http://127.0.0.1:" + server.port() + "/"));

        assertThat(refused.code()).isEqualTo("provider_timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TIMEOUT.plusSeconds(2));
    }

    @Test
    void anEndlessBodyIsCutAtTheByteCap() {
        server.script = (s, head) -> {
            OutputStream out = s.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = ("1000\r\n" + "x".repeat(0x1000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            while (true) {
                out.write(chunk);
            }
        };
        GuardedHttp http = client("127.0.0.1:" + server.port());
        long started = System.nanoTime();

        ApiProblem refused = refusal(() -> get(http, "http://127.0.0.1:" + server.port() + "/"));

        assertThat(refused.status().value()).isEqualTo(502);
        assertThat(refused.getMessage()).contains("more than");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TIMEOUT);
    }

    @Test
    void aDeclaredBodyOverTheCapIsNotRead() {
        server.script = (s, head) -> s.getOutputStream().write(
                "HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

        assertThatThrownBy(() -> get(client("127.0.0.1:" + server.port()), "http://127.0.0.1:" + server.port() + "/"))
                .isInstanceOf(ApiProblem.class).hasMessageContaining("more than");
    }

    @Test
    void aServerThatIsDownIsUnavailable() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closed = socket.getLocalPort();
        }

        ApiProblem refused = refusal(() -> get(client("127.0.0.1:" + closed), "http://127.0.0.1:" + closed + "/"));

        assertThat(refused.status().value()).isEqualTo(502);
        assertThat(refused.code()).isEqualTo("provider_unavailable");
    }

    @Test
    void anUnknownNameIsUnavailableNotRefused() {
        ApiProblem refused = refusal(() -> get(client(), "https://nowhere.test/"));

        assertThat(refused.code()).isEqualTo("provider_unavailable");
    }

    @Test
    void wildcardEntriesAllowEveryNameBelowADomainOnTheirPort() throws UnknownHostException {
        resolver.map("a.stand-in.test", "127.0.0.1");
        resolver.map("stand-in.test", "127.0.0.1");
        GuardedHttp http = client("*.stand-in.test:" + server.port());

        assertThat(get(http, "http://a.stand-in.test:" + server.port() + "/").status()).isEqualTo(200);
        assertThat(refusal(() -> get(http, "http://stand-in.test:" + server.port() + "/")).code()).isEqualTo("host_not_allowed");
        assertThat(http.allowedHosts().portFor("b.stand-in.test")).contains(server.port());
    }

    @Test
    void endlessOrCountlessHeadersAreRefusedLikeAnEndlessBody() {
        GuardedHttp http = client("127.0.0.1:" + server.port());
        server.script = (s, head) -> {
            OutputStream out = s.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nX-Long: ".getBytes(StandardCharsets.US_ASCII));
            while (true) {
                out.write("x".repeat(4096).getBytes(StandardCharsets.US_ASCII));
            }
        };
        assertThat(refusal(() -> get(http, "http://127.0.0.1:" + server.port() + "/")).status().value()).isEqualTo(502);

        server.script = (s, head) -> {
            OutputStream out = s.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; ; i++) {
                out.write(("X-" + i + ": y\r\n").getBytes(StandardCharsets.US_ASCII));
            }
        };
        assertThat(refusal(() -> get(http, "http://127.0.0.1:" + server.port() + "/")).status().value()).isEqualTo(502);
    }

    @Test
    void aRedirectToAnotherOriginDropsTheCredentials() throws IOException {
        try (Server other = new Server("127.0.0.2")) {
            server.script = (s, head) -> {
                if (head.startsWith("GET /first ")) {
                    Server.respond(s, 302, "", "Location: /second\r\n");
                } else {
                    Server.respond(s, 302, "", "Location: http://127.0.0.2:" + other.port() + "/elsewhere\r\n");
                }
            };
            GuardedHttp http = client("127.0.0.1:" + server.port(), "127.0.0.2:" + other.port());

            GuardedHttp.Response response = http.send(GuardedHttp.Request.get(URI.create("http://127.0.0.1:" + server.port()
                    + "/first"), "Authorization", "Bearer secret-token", "DPoP", "proof", "Accept", "application/json"), "test");

            assertThat(response.status()).isEqualTo(200);
            assertThat(server.requestHeads).hasSize(2).allSatisfy(h -> assertThat(h).contains("Bearer secret-token"));
            assertThat(other.requestHeads.get(0)).doesNotContainIgnoringCase("authorization").doesNotContainIgnoringCase("dpop:")
                    .containsIgnoringCase("Accept: application/json");
        }
    }

    @Test
    void aLookupTheResolverDragsOutEndsAtTheDeadline() throws UnknownHostException {
        resolver.map("slow-dns.test", "93.184.216.34");
        resolver.delayMs = 10_000;
        long started = System.nanoTime();

        ApiProblem refused = refusal(() -> get(client(), "https://slow-dns.test/"));

        assertThat(refused.code()).isEqualTo("provider_timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TIMEOUT.plusSeconds(1));
    }
}
