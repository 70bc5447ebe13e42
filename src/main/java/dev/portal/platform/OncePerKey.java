package dev.portal.platform;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Lets one caller at a time work on a key, and tells the others to skip. Used for bookkeeping writes
 * (last activity, last use) that every in-flight request of a user would otherwise make at once when
 * the minute turns.
 */
public final class OncePerKey {
    private final ConcurrentHashMap<Long, Boolean> busy = new ConcurrentHashMap<>();

    /** True if the caller got the key and must call {@link #end}; false if someone else has it. */
    public boolean begin(long key) {
        return busy.putIfAbsent(key, Boolean.TRUE) == null;
    }

    public void end(long key) {
        busy.remove(key);
    }
}
