package dev.portal.platform;

import java.nio.file.Path;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Run in a JVM of its own by {@link EmbeddedDatabaseRestartTest}: starts PostgreSQL on a data directory
 * as Portal would, writes a row, says "ready", and waits to be killed with SIGKILL — leaving its
 * PostgreSQL running, as a Portal killed mid-flight does.
 */
public final class OrphanedPostgres {
    private OrphanedPostgres() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedPostgres postgres = EmbeddedPostgres.builder().setDataDirectory(Path.of(args[0]))
                .setCleanDataDirectory(false).setRegisterShutdownHook(false).start();
        try (var connection = postgres.getPostgresDatabase().getConnection();
                var statement = connection.createStatement()) {
            statement.execute("create schema leftover; create table leftover.marker (id int)");
            statement.execute("insert into leftover.marker values (42)");
        }
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
