package dev.portal.platform;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.portal.PortalApplication;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A start that fails at the database ({@link DatabaseStartup}, on a thread of its own) fails as a whole and
 * leaves nothing behind: no answering port, no embedded PostgreSQL still running, and the data kept for
 * the next start.
 */
@Tag("own-database")
class FailedStartTest {
    @TempDir
    Path dataDir;
    @TempDir
    Path extraMigrations;

    private static ConfigurableApplicationContext start(int port, Path dataDir, String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "--portal.data-dir=" + dataDir;
        all[1] = "--server.port=" + port;
        all[2] = "--portal.bootstrap-token=failed-start-token-0123456789abcdef0123";
        System.arraycopy(args, 0, all, 3, args.length);
        return new SpringApplicationBuilder(PortalApplication.class).run(all);
    }

    private static boolean listening(int port) {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void aMigrationThatFailsStopsTheStartAndTheEmbeddedPostgresWithIt() throws Exception {
        Files.writeString(extraMigrations.resolve("V900__broken.sql"), "insert into no_such_table values (1);\n");
        int port = freePort();

        assertThatThrownBy(() -> start(port, dataDir, "--portal.database-url=",
                "--spring.flyway.locations=classpath:db/migration,filesystem:" + extraMigrations))
                .hasStackTraceContaining("V900__broken.sql")
                .hasStackTraceContaining("no_such_table");

        assertThat(listening(port)).as("nothing answers on the port").isFalse();
        assertThat(dataDir.resolve("postgres/postmaster.pid")).as("PostgreSQL stopped with the failed start")
                .doesNotExist();
        assertThat(dataDir.resolve("postgres/PG_VERSION")).as("the data directory kept").exists();

        Files.delete(extraMigrations.resolve("V900__broken.sql"));
        int againPort = freePort();
        try (ConfigurableApplicationContext again = start(againPort, dataDir, "--portal.database-url=")) {
            assertThat(listening(againPort)).isTrue();
            assertThat(again.getBean(org.springframework.jdbc.core.simple.JdbcClient.class)
                    .sql("select count(*) from users where username = 'owner'").query(Long.class).single())
                    .as("the migrations the failed start ran are there").isEqualTo(1);
        }
    }

    @Test
    void aDatabaseThatCannotBeReachedStopsTheStartWithTheReason() {
        int port = freePort();
        int nothingThere = freePort();
        long started = System.nanoTime();

        assertThatThrownBy(() -> start(port, dataDir,
                "--portal.database-url=postgresql://portal:secret@127.0.0.1:" + nothingThere + "/portal"))
                .hasStackTraceContaining("Connection to 127.0.0.1:" + nothingThere + " refused");

        // It waits up to 60 s for a database that may be starting beside it, then gives up.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("it gives up, it does not hang")
                .isLessThan(Duration.ofSeconds(90));
        assertThat(listening(port)).as("nothing answers on the port").isFalse();
        assertThat(dataDir.resolve("postgres")).as("no embedded database made instead").doesNotExist();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
