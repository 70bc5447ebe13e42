package dev.portal.platform;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import com.zaxxer.hikari.HikariDataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Keeps every node's caches honest. Database triggers ({@code V1__core.sql}) send
 * {@code pg_notify('portal_cache', 'kind:id')} whenever a user, identity, moderation action, session or
 * token changes — through Portal on any node, or through SQL by hand — and this class LISTENs on a
 * connection of its own and evicts. While that connection is down nothing may be cached, since a
 * notification could be missed; on every (re)connect all caches are emptied.
 *
 * <p>The trap is a load that races an invalidation: a reader queries, a writer commits and notifies,
 * the reader then stores its stale row. {@link #load} guards against it with a global epoch that every
 * invalidation bumps: a value is stored only if no invalidation happened while it was being read.
 */
@Component
public class CacheInvalidation implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(CacheInvalidation.class);
    static final String CHANNEL = "portal_cache";

    /** A cache that wants to hear about changes. */
    public interface Listener {
        void invalidate(String kind, long id);

        void clear();
    }

    private final HikariDataSource dataSource;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong epoch = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private volatile boolean listening;
    private volatile boolean running;
    private volatile Thread thread;
    private volatile Connection connection;

    CacheInvalidation(HikariDataSource dataSource) {
        this.dataSource = dataSource;
    }

    public void register(Listener listener) {
        listeners.add(listener);
    }

    /** True while notifications are being received, so cached values can be trusted. */
    public boolean cachingAllowed() {
        return listening;
    }

    /**
     * Reads a value and stores it under {@code key} only if no invalidation arrived meanwhile and
     * notifications are flowing. An invalidation that comes between that check and the store (its eviction
     * then finds nothing to evict) is caught by a second look, which takes the value out again (a removal of
     * exactly this value, so a newer one stays).
     */
    public <K, V> V load(Supplier<V> loader, java.util.concurrent.ConcurrentMap<K, V> cache, K key) {
        long before = epoch.get();
        V value = loader.get();
        if (value != null && listening && epoch.get() == before) {
            cache.put(key, value);
            if (epoch.get() != before || !listening) {
                cache.remove(key, value);
            }
        }
        return value;
    }

    /** Evicts on this node at once; the database trigger tells the other nodes. */
    public void invalidate(String kind, long id) {
        epoch.incrementAndGet();
        for (Listener listener : listeners) {
            listener.invalidate(kind, id);
        }
    }

    /**
     * Evicts once the surrounding transaction has committed (at once outside one): evicting earlier would
     * let a request reload the row as it stood before the commit and cache it again.
     */
    public void invalidateAfterCommit(String kind, java.util.Collection<Long> ids) {
        if (!org.springframework.transaction.support.TransactionSynchronizationManager.isSynchronizationActive()) {
            ids.forEach(id -> invalidate(kind, id));
            return;
        }
        org.springframework.transaction.support.TransactionSynchronizationManager.registerSynchronization(
                new org.springframework.transaction.support.TransactionSynchronization() {
                    @Override
                    public void afterCommit() {
                        ids.forEach(id -> invalidate(kind, id));
                    }
                });
    }

    private void clearAll() {
        epoch.incrementAndGet();
        listeners.forEach(Listener::clear);
    }

    @Override
    public void start() {
        running = true;
        Thread t = new Thread(this::listenLoop, "portal-cache-listener");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    @Override
    public void stop() {
        running = false;
        listening = false;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
        closeQuietly();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void listenLoop() {
        while (running) {
            try {
                if (connection == null) {
                    connect();
                }
                PGNotification[] notifications = connection.unwrap(PGConnection.class).getNotifications(1_000);
                if (notifications != null) {
                    for (PGNotification n : notifications) {
                        dispatch(n.getParameter());
                    }
                }
            } catch (SQLException e) {
                if (running) {
                    if (listening) {
                        log.warn("Cache invalidation feed lost ({}); caching is off until it is back", e.getMessage());
                    }
                    listening = false;
                    clearAll();
                    closeQuietly();
                    sleep(1_000);
                }
            }
        }
    }

    private void connect() throws SQLException {
        Properties props = new Properties();
        if (dataSource.getUsername() != null) {
            props.setProperty("user", dataSource.getUsername());
        }
        if (dataSource.getPassword() != null) {
            props.setProperty("password", dataSource.getPassword());
        }
        props.setProperty("connectTimeout", "3");
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("ApplicationName", "portal-cache-listener");
        Connection c = DriverManager.getConnection(dataSource.getJdbcUrl(), props);
        try (Statement s = c.createStatement()) {
            s.execute("LISTEN " + CHANNEL);
        }
        connection = c;
        // Anything cached before this point may have missed a notification.
        clearAll();
        listening = true;
        log.debug("Listening for cache invalidations");
    }

    /** How many notifications have arrived from PostgreSQL since start (for tests and metrics). */
    public long notificationsReceived() {
        return received.get();
    }

    private void dispatch(String payload) {
        log.debug("Invalidation {}", payload);
        int colon = payload.indexOf(':');
        try {
            if (colon > 0) {
                invalidate(payload.substring(0, colon), Long.parseLong(payload.substring(colon + 1)));
            }
        } catch (NumberFormatException e) {
            log.debug("Ignoring malformed invalidation {}", payload);
        } finally {
            // Counted only once the eviction is done: whoever waits on the count may rely on it.
            received.incrementAndGet();
        }
    }

    private void closeQuietly() {
        Connection c = connection;
        connection = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // Closing a broken connection; nothing to do.
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
