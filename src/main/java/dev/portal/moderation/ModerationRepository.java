package dev.portal.moderation;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

import dev.portal.platform.Db;
import dev.portal.platform.Keyset;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
public class ModerationRepository {
    private final JdbcClient jdbc;

    ModerationRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public List<ModerationAction> findByUser(long userId) {
        return jdbc.sql("""
                select * from moderation_actions where user_id = :userId order by created_at desc, id desc
                """).param("userId", userId).query(ModerationRepository::map).list();
    }

    /** Up to {@code limit} acts on the user older than {@code before} (null: from the newest), newest first. */
    public List<ModerationAction> pageOf(long userId, Keyset before, int limit) {
        return Keyset.userPage(jdbc, "moderation_actions", userId, before, limit, ModerationRepository::map);
    }

    /** Records an act; {@code expiresAt} only for timeouts and temporary bans. */
    public ModerationAction insert(long userId, long actorId, ModerationKind kind, String reason, Instant now,
            Instant expiresAt) {
        return jdbc.sql("""
                insert into moderation_actions (user_id, actor_id, action, reason, created_at, expires_at)
                values (:userId, :actorId, :action, :reason, :now, :expiresAt)
                returning *
                """).param("userId", userId).param("actorId", actorId).param("action", kind.key())
                .param("reason", reason).param("now", Db.ts(now)).param("expiresAt", Db.ts(expiresAt))
                .query(ModerationRepository::map).single();
    }

    /**
     * The latest ban-or-unban and the latest timeout-or-untimeout decide: a ban (or timeout) is in
     * force if it is the latest of its pair and has not expired.
     */
    public Restrictions restrictionsOf(long userId) {
        List<Object[]> latest = jdbc.sql("""
                select distinct on (kind) kind, action, expires_at
                from (select case when action in ('ban', 'unban') then 'ban' else 'timeout' end as kind,
                             action, expires_at, created_at, id
                      from moderation_actions
                      where user_id = :userId and action in ('ban', 'unban', 'timeout', 'untimeout')) a
                order by kind, created_at desc, id desc
                """).param("userId", userId)
                .query((rs, row) -> new Object[] {rs.getString("action"), Db.instant(rs, "expires_at")}).list();
        Instant bannedUntil = null;
        Instant timedOutUntil = null;
        for (Object[] r : latest) {
            String action = (String) r[0];
            Instant expires = (Instant) r[1];
            if ("ban".equals(action)) {
                bannedUntil = expires == null ? Instant.MAX : expires;
            } else if ("timeout".equals(action) && expires != null) {
                timedOutUntil = expires;
            }
        }
        return bannedUntil == null && timedOutUntil == null ? Restrictions.NONE
                : new Restrictions(bannedUntil, timedOutUntil);
    }

    private static ModerationAction map(ResultSet rs, int row) throws SQLException {
        return new ModerationAction(rs.getLong("id"), rs.getString("action"), rs.getString("reason"),
                Db.nullableLong(rs, "actor_id"), Db.instant(rs, "created_at"), Db.instant(rs, "expires_at"));
    }
}
