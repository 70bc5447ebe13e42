package dev.portal.avatar;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.portal.platform.Db;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The user's avatar key ({@code users.avatar_upload_key}) and the queue of blob removals ({@code blob_deletions}). */
@Repository
class AvatarRepository {
    private final JdbcClient jdbc;

    AvatarRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The user's current upload key, holding the row until the transaction ends; empty for no such user. */
    Optional<CurrentKey> lockUploadKey(long userId) {
        return jdbc.sql("select avatar_upload_key from users where id = :id for update").param("id", userId)
                .query((rs, n) -> new CurrentKey(rs.getString(1))).optional();
    }

    record CurrentKey(String key) {
    }

    /** The uploaded avatar becomes the user's avatar. */
    void setUpload(long userId, String key, Instant now) {
        jdbc.sql("""
                update users set avatar_upload_key = :key, avatar_source = 'upload', updated_at = :now where id = :id
                """).param("key", key).param("now", Db.ts(now)).param("id", userId).update();
    }

    void scheduleRemoval(String key, Instant due) {
        jdbc.sql("""
                insert into blob_deletions (key, due_at) values (:key, :due)
                on conflict (key) do update set due_at = least(blob_deletions.due_at, excluded.due_at)
                """).param("key", key).param("due", Db.ts(due)).update();
    }

    /**
     * Takes up to {@code limit} removals due at {@code now}, pushing each to {@code retryAt} with one more
     * attempt counted, so that a node that dies halfway leaves them for a later sweep, and two nodes never
     * take the same row at once.
     */
    List<String> claimDue(Instant now, Instant retryAt, int limit) {
        return jdbc.sql("""
                update blob_deletions set attempts = attempts + 1, due_at = :retryAt
                where key in (select key from blob_deletions where due_at <= :now order by due_at limit :limit
                              for update skip locked)
                returning key
                """).param("now", Db.ts(now)).param("retryAt", Db.ts(retryAt)).param("limit", limit)
                .query(String.class).list();
    }

    /** A removal that failed: counted, and tried again at {@code at}. */
    void retryLater(String key, Instant at) {
        jdbc.sql("update blob_deletions set attempts = attempts + 1, due_at = :at where key = :key")
                .param("at", Db.ts(at)).param("key", key).update();
    }

    void removed(String key) {
        jdbc.sql("delete from blob_deletions where key = :key").param("key", key).update();
    }

    /** True if a user still shows this avatar: its blobs must then stay, whatever the queue says. */
    boolean inUse(String key) {
        return jdbc.sql("select exists (select 1 from users where avatar_upload_key = :key)").param("key", key)
                .query(Boolean.class).single();
    }
}
