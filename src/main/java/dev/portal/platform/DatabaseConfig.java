package dev.portal.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The one database. With no URL configured Portal runs its own PostgreSQL whose files live under
 * {@code PORTAL_DATA_DIR/postgres}, so a restart keeps everything and the server stops with Portal.
 */
@Configuration(proxyBeanMethods = false)
class DatabaseConfig {
    private static final Logger log = LoggerFactory.getLogger(DatabaseConfig.class);

    /** Holds the embedded server, if one was started; closing it stops PostgreSQL. */
    record EmbeddedDatabase(Optional<EmbeddedPostgres> server) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            if (server.isPresent()) {
                server.get().close();
            }
        }
    }

    /** The server {@link DatabaseStartup} started (or none, for a database URL); the context stops it. */
    @Bean(destroyMethod = "close")
    EmbeddedDatabase embeddedDatabase(DatabaseStartup.Started started) {
        return started.takeServer();
    }

    /**
     * The pool {@link DatabaseStartup} made, on a schema Flyway has migrated. It depends on the server, so the
     * context closes the pool before it stops PostgreSQL.
     */
    @Bean(destroyMethod = "close")
    HikariDataSource dataSource(DatabaseStartup.Started started, EmbeddedDatabase server) {
        return started.takePool();
    }

    /** Starts PostgreSQL in {@code PORTAL_DATA_DIR/postgres} unless a database URL is set. */
    static EmbeddedDatabase startEmbedded(PortalProperties properties) throws IOException {
        if (!properties.databaseUrl().isBlank()) {
            return new EmbeddedDatabase(Optional.empty());
        }
        Path dir = properties.dataDir().resolve("postgres").toAbsolutePath().normalize();
        Files.createDirectories(dir.getParent());
        stopOrphanedServer(dir);
        log.info("Starting embedded PostgreSQL in {}", dir);
        EmbeddedPostgres server = EmbeddedPostgres.builder()
                .setDataDirectory(dir)
                .setCleanDataDirectory(false)
                // Portal's own shutdown closes the bean; the hook covers a plain JVM exit.
                .setRegisterShutdownHook(true)
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("max_connections", "100")
                // The library's defaults are for throwaway test databases (-F, synchronous_commit off): a write
                // answered 2xx could be lost when PostgreSQL dies with Portal, or the whole cluster on power loss.
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .start();
        return new EmbeddedDatabase(Optional.of(server));
    }

    static HikariDataSource pool(PortalProperties properties, EmbeddedDatabase embedded) {
        DatabaseUrl url = embedded.server()
                .map(pg -> new DatabaseUrl(pg.getJdbcUrl("postgres", "postgres"), "postgres", null))
                .orElseGet(() -> DatabaseUrl.parse(properties.databaseUrl()));
        HikariConfig config = new HikariConfig();
        config.setPoolName("portal");
        config.setJdbcUrl(url.jdbcUrl());
        config.setUsername(url.username());
        config.setPassword(url.password());
        config.setMaximumPoolSize(properties.databasePoolSize());
        // Fail fast when the pool is exhausted or PostgreSQL is away: callers answer 503 instead of hanging.
        config.setConnectionTimeout(2_000);
        config.setValidationTimeout(1_000);
        config.setInitializationFailTimeout(60_000);
        config.addDataSourceProperty("connectTimeout", "3");
        config.addDataSourceProperty("socketTimeout", "30");
        config.addDataSourceProperty("ApplicationName", "portal");
        return new PortalDataSource(config);
    }

    /**
     * The pool, waiting within a request at most what is left of the request's budget for connections
     * ({@link RequestDatabaseWaits}); elsewhere (the start, sweeps) each wait has the pool's timeout alone.
     */
    static final class PortalDataSource extends HikariDataSource {
        PortalDataSource(HikariConfig config) {
            super(config);
        }

        @Override
        public Connection getConnection() throws SQLException {
            long waited = RequestDatabaseWaits.waitedNanos();
            if (waited < 0 || isClosed() || !(getHikariPoolMXBean() instanceof HikariPool pool)) {
                return super.getConnection();
            }
            long left = RequestDatabaseWaits.BUDGET_MS - TimeUnit.NANOSECONDS.toMillis(waited);
            if (left <= 0) {
                throw new SQLTransientConnectionException(getPoolName() + " - this request has waited for connections"
                        + " for " + RequestDatabaseWaits.BUDGET_MS + " ms already");
            }
            long started = System.nanoTime();
            try {
                return pool.getConnection(Math.min(left, getConnectionTimeout()));
            } finally {
                RequestDatabaseWaits.add(System.nanoTime() - started);
            }
        }
    }

    /**
     * A Portal killed with SIGKILL leaves its PostgreSQL running with the data directory locked; stop it
     * (SIGTERM, PostgreSQL's smart shutdown, which still writes a clean checkpoint) before starting anew.
     */
    private static void stopOrphanedServer(Path dataDir) {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        try {
            List<String> lines = Files.readAllLines(pidFile);
            long pid = Long.parseLong(lines.get(0).trim());
            // After PostgreSQL itself was killed the file stays behind, and its pid may since belong to another
            // PostgreSQL (the host's, another Portal's): only one started on this directory is stopped.
            String dir = dataDir.toString();
            Optional<ProcessHandle> process = ProcessHandle.of(pid)
                    .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false))
                    .filter(p -> p.info().arguments().map(a -> List.of(a).contains(dir)).orElse(true));
            if (process.isEmpty()) {
                return;
            }
            log.warn("Stopping a PostgreSQL (pid {}) left running on {} by an earlier Portal", pid, dataDir);
            process.get().destroy();
            process.get().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("Could not stop an earlier PostgreSQL on {}: {}", dataDir, e.toString());
        }
    }
}
