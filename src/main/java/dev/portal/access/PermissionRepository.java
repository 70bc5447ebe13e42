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
        return jdbc.sql("""
                select * from permission_changes
                where user_id = :userId
                  and (cast(:beforeAt as timestamptz) is null
                       or (created_at, id) < (cast(:beforeAt as timestamptz), cast(:beforeId as bigint)))
                order by created_at desc, id desc
                limit :limit
                """).param("userId", userId)
                .param("beforeAt", before == null ? null : Db.ts(before.createdAt()))
                .param("beforeId", before == null ? null : before.id()).param("limit", limit)
                .query((rs, row) -> new PermissionChange(rs.getLong("id"), rs.getInt("from_level"), rs.getInt("to_level"),
                        Db.nullableLong(rs, "changed_by"), rs.getString("reason"), Db.instant(rs, "created_at")))
                .list();
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
