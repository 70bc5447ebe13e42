package dev.portal.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A web server standing in for the hosts users point avatar URLs at: every {@code *.images.test} name on
 * one loopback port (allowed for the suite, see {@link PortalTest}), answering each path with the script a
 * test put there, and counting the connections it gets. Scripts write raw HTTP, so tests can be slow,
 * endless or wrong in any way a real server could.
 */
public final class ImageHost implements AutoCloseable {
    /** Where the suite's Portal keeps avatar blobs (a fresh directory under target/). */
    public static final Path BLOB_DIR = Path.of("target", "test-blobs-" + ProcessHandle.current().pid()).toAbsolutePath();
    private static volatile ImageHost instance;

    public interface Script {
        void answer(Socket socket, String requestHead) throws IOException, InterruptedException;
    }

    private final ServerSocket socket;
    private final AtomicInteger connections = new AtomicInteger();
    private final Map<String, Script> scripts = new ConcurrentHashMap<>();

    public static synchronized ImageHost get() {
        if (instance == null) {
            instance = new ImageHost("127.0.0.1");
        }
        return instance;
    }

    /** A server of its own on {@code address} (a test's counting socket). */
    public ImageHost(String address) {
        try {
            socket = new ServerSocket();
            socket.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread acceptor = new Thread(this::accept, "image-host");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return socket.getLocalPort();
    }

    public int connections() {
        return connections.get();
    }

    /** {@code http://<name>.images.test:<port><path>} */
    public String url(String name, String path) {
        return "http://" + name + ".images.test:" + port() + path;
    }

    public void on(String path, Script script) {
        scripts.put(path, script);
    }

    /** Answers {@code path} with {@code body} and a Content-Type (which Portal must not believe). */
    public void serve(String path, String contentType, byte[] body) {
        on(path, (s, head) -> respond(s, 200, contentType, body, ""));
    }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                connections.incrementAndGet();
                Thread handler = new Thread(() -> handle(client), "image-host-request");
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
                if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                    break;
                }
            }
            String requestLine = head.toString().lines().findFirst().orElse("");
            String[] parts = requestLine.split(" ");
            Script script = parts.length > 1 ? scripts.get(parts[1]) : null;
            if (script == null) {
                respond(client, 404, "text/plain", "no script".getBytes(StandardCharsets.UTF_8), "");
            } else {
                script.answer(client, head.toString());
            }
        } catch (IOException | InterruptedException e) {
            // the client went away: several tests want exactly that
        }
    }

    public static void respond(Socket socket, int status, String contentType, byte[] body, String extraHeaders)
            throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(("HTTP/1.1 " + status + " X\r\nContent-Type: " + contentType + "\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n" + extraHeaders + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    public static void redirect(Socket socket, String location) throws IOException {
        respond(socket, 302, "text/plain", new byte[0], "Location: " + location + "\r\n");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
