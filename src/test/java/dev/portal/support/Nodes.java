package dev.portal.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.portal.PortalApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.event.ApplicationContextInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Portal processes of a test's own (the {@code own-database} tests): each on a free port, with the
 * test's data directory, so nothing (an embedded database, a generated {@code secret.key}) is written
 * into the project's {@code ./data}.
 */
public final class Nodes {
    private Nodes() {
    }

    /** A running Portal and the port it answers on. */
    public record Node(ConfigurableApplicationContext context, int port) implements AutoCloseable {
        public String url(String path) {
            return "http://127.0.0.1:" + port + path;
        }

        @Override
        public void close() {
            context.close();
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts Portal with {@code args} ({@code --name=value}) besides its port and data directory. */
    public static Node start(Path dataDir, String... args) {
        return start(freePort(), dataDir, new Class<?>[0], args);
    }

    /** The same on a chosen port (when the public URL must name it), with configuration of the test's own. */
    public static Node start(int port, Path dataDir, Class<?>[] configuration, String... args) {
        return start(port, dataDir, configuration, null, args);
    }

    private static Node start(int port, Path dataDir, Class<?>[] configuration, CountDownLatch loggingReady,
            String... args) {
        List<String> all = new ArrayList<>(List.of("--server.port=" + port, "--portal.data-dir=" + dataDir));
        all.addAll(List.of(args));
        SpringApplicationBuilder builder = new SpringApplicationBuilder(PortalApplication.class).sources(configuration);
        if (loggingReady != null) {
            builder.listeners((ApplicationListener<ApplicationContextInitializedEvent>) event -> loggingReady.countDown());
        }
        return new Node(builder.run(all.toArray(String[]::new)), port);
    }

    /**
     * Two nodes started at the same moment, as a deployment rolls out, sharing {@code dataDir}. The second
     * waits only until the first has set up logging (Spring Boot's logging setup is not safe to run twice at
     * once in one JVM); everything after that (migrations, the bootstrap Owner, key files) they do together.
     */
    public static List<Node> startTwo(Path dataDir, String... args) throws Exception {
        CountDownLatch loggingReady = new CountDownLatch(1);
        CompletableFuture<Node> a = CompletableFuture.supplyAsync(() -> start(freePort(), dataDir, new Class<?>[0],
                loggingReady, args));
        loggingReady.await(60, TimeUnit.SECONDS);
        CompletableFuture<Node> b = CompletableFuture.supplyAsync(() -> start(dataDir, args));
        return List.of(a.get(), b.get());
    }
}
