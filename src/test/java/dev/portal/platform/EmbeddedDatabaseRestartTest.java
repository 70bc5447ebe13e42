package dev.portal.platform;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.portal.PortalApplication;
import dev.portal.session.SessionService;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SPEC §6 and issue 2: with no database URL Portal runs its own PostgreSQL in PORTAL_DATA_DIR, a restart
 * keeps every user and session, and the database stops with Portal. (The one test that starts Portal
 * as an operator would, beside the shared test database.)
 */
@Tag("own-database")
class EmbeddedDatabaseRestartTest {
    @TempDir
    Path dataDir;

    private ConfigurableApplicationContext start(int port) {
        return new SpringApplicationBuilder(PortalApplication.class).run(
                "--portal.data-dir=" + dataDir, "--server.port=" + port, "--portal.database-url=",
                "--portal.bootstrap-token=restart-test-token-0123456789abcdef0123");
    }

    private static int status(int port, String session) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/v1/users/me")).header("Cookie", "psession=" + session).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.statusCode();
    }

    @Test
    void aRestartKeepsUsersAndSessionsAndTheDatabaseStopsWithPortal() throws Exception {
        int port = freePort();
        String session;
        try (ConfigurableApplicationContext first = start(port)) {
            long owner = first.getBean(org.springframework.jdbc.core.simple.JdbcClient.class)
                    .sql("select id from users where username = 'owner'").query(Long.class).single();
            session = first.getBean(SessionService.class).create(owner, "discord", "127.0.0.1", "restart").token();
            assertThat(status(port, session)).isEqualTo(200);
        }
        Path pidFile = dataDir.resolve("postgres/postmaster.pid");
        assertThat(pidFile).as("PostgreSQL stopped with Portal").doesNotExist();
        assertThat(Files.exists(dataDir.resolve("postgres/PG_VERSION"))).isTrue();

        try (ConfigurableApplicationContext second = start(port)) {
            assertThat(status(port, session)).isEqualTo(200);
            assertThat(second.getBean(org.springframework.jdbc.core.simple.JdbcClient.class)
                    .sql("select count(*) from users where username = 'owner'").query(Long.class).single()).isEqualTo(1);
        }
    }

    @Test
    void aPostgresLeftRunningByAKilledPortalIsStoppedAndTheDataKept() throws Exception {
        // What a SIGKILLed Portal leaves behind: its PostgreSQL still running on the data directory.
        Process jvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), OrphanedPostgres.class.getName(),
                dataDir.resolve("postgres").toString()).redirectErrorStream(true).start();
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(jvm.getInputStream()))) {
            String line;
            while ((line = out.readLine()) != null && !line.equals("ready")) {
                // PostgreSQL's start-up chatter
            }
            assertThat(line).as("the first JVM started PostgreSQL").isEqualTo("ready");
            jvm.destroyForcibly().waitFor();
        }
        long orphanPid = Long.parseLong(Files.readAllLines(dataDir.resolve("postgres/postmaster.pid")).get(0).trim());

        int port = freePort();
        try (ConfigurableApplicationContext portal = start(port)) {
            assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(portal.getBean(org.springframework.jdbc.core.simple.JdbcClient.class)
                    .sql("select id from leftover.marker").query(Integer.class).single()).isEqualTo(42);
            assertThat(status(port, "no-such-session")).isEqualTo(401);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
