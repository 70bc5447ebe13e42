package dev.portal.access;

import java.time.Instant;
import java.util.List;

import dev.portal.platform.Db;
import dev.portal.platform.Keyset;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
public class PermissionRepository {
    private final JdbcClient jdbc;

    PermissionRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Up to {@code limit} changes older than {@code before} (null: from the newest), newest first. */
    public List<PermissionChange> historyOf(long userId, Keyset before, int limit) {
        return Keyset.userPage(jdbc, "permission_changes", userId, before, limit, (rs, row) -> new PermissionChange(rs.getLong("id"),
                rs.getInt("from_level"), rs.getInt("to_level"), Db.nullableLong(rs, "changed_by"), rs.getString("reason"),
                Db.instant(rs, "created_at")));
    }

    public void record(long userId, int fromLevel, int toLevel, Long changedBy, String reason, Instant now) {
        jdbc.sql("""
                insert into permission_changes (user_id, from_level, to_level, changed_by, reason, created_at)
                values (:userId, :fromLevel, :toLevel, :changedBy, :reason, :now)
                """)
                .param("userId", userId).param("fromLevel", fromLevel).param("toLevel", toLevel)
                .param("changedBy", changedBy).param("reason", reason).param("now", Db.ts(now)).update();
    }
}
