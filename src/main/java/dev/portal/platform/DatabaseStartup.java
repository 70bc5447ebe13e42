package dev.portal.platform;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;

/**
 * The database every request needs — the embedded PostgreSQL when no URL is set, the pool, then Flyway's
 * migrations — made on a thread of its own as soon as the settings are known, so it runs while Spring reads
 * the configuration and builds the rest of the context instead of before it (on 2 cores about a second of
 * the start). {@link DatabaseConfig}'s beans wait for it. Boot's own Flyway runner is off for this
 * ({@code spring.flyway.enabled: false}); the locations are still {@code spring.flyway.locations}.
 */
public class DatabaseStartup implements ApplicationContextInitializer<ConfigurableApplicationContext> {
    static final String BEAN = "portalDatabaseStartup";

    /** What the start made. */
    record Made(DatabaseConfig.EmbeddedDatabase embedded, HikariDataSource pool) {
    }

    /**
     * The start under way. If the context fails before its beans took over the server and the pool, it
     * stops them itself, so a failed start leaves no PostgreSQL behind.
     */
    static final class Started implements DisposableBean {
        private final CompletableFuture<Made> made;
        private volatile boolean serverTaken;
        private volatile boolean poolTaken;

        Started(CompletableFuture<Made> made) {
            this.made = made;
        }

        DatabaseConfig.EmbeddedDatabase takeServer() {
            DatabaseConfig.EmbeddedDatabase server = await().embedded();
            serverTaken = true;
            return server;
        }

        HikariDataSource takePool() {
            HikariDataSource pool = await().pool();
            poolTaken = true;
            return pool;
        }

        private Made await() {
            try {
                return made.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while the database started", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r
                        : new IllegalStateException("The database did not start: " + e.getCause(), e.getCause());
            }
        }

        @Override
        public void destroy() {
            Made result;
            try {
                result = made.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException e) {
                return;
            }
            closeQuietly(poolTaken ? null : result.pool(), serverTaken ? null : result.embedded());
        }
    }

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        Environment environment = context.getEnvironment();
        PortalProperties properties = Binder.get(environment).bindOrCreate("portal", PortalProperties.class);
        String[] locations = environment.getProperty("spring.flyway.locations", String[].class,
                new String[] {"classpath:db/migration"});
        ClassLoader classLoader = context.getClassLoader() != null ? context.getClassLoader()
                : Thread.currentThread().getContextClassLoader();
        CompletableFuture<Made> made = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            DatabaseConfig.EmbeddedDatabase embedded = null;
            HikariDataSource pool = null;
            try {
                embedded = DatabaseConfig.startEmbedded(properties);
                pool = DatabaseConfig.pool(properties, embedded);
                Flyway.configure(classLoader).dataSource(pool).locations(locations).load().migrate();
                made.complete(new Made(embedded, pool));
            } catch (Throwable e) {
                closeQuietly(pool, embedded);
                made.completeExceptionally(e);
            }
        }, "database-startup");
        thread.setContextClassLoader(classLoader);
        thread.setDaemon(true);
        thread.start();
        Started started = new Started(made);
        context.getBeanFactory().registerSingleton(BEAN, started);
        if (context.getBeanFactory() instanceof DefaultListableBeanFactory factory) {
            factory.registerDisposableBean(BEAN, started);
        }
    }

    /** Each apart, so a pool that fails to close still lets PostgreSQL stop. */
    private static void closeQuietly(HikariDataSource pool, DatabaseConfig.EmbeddedDatabase embedded) {
        try {
            if (pool != null) {
                pool.close();
            }
        } catch (RuntimeException ignored) {
            // Nothing more to do for a pool that will not close.
        }
        try {
            if (embedded != null) {
                embedded.close();
            }
        } catch (java.io.IOException | RuntimeException ignored) {
            // Its shutdown hook is the last resort.
        }
    }
}
