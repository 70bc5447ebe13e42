package dev.portal.session;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.portal.platform.Db;
import dev.portal.platform.Keyset;
import dev.portal.platform.GeoLocator;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
public class SessionRepository {
    private final JdbcClient jdbc;

    SessionRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** {@code impersonatedBy}: the Owner holding an impersonation of the user, else null. */
    long insert(byte[] tokenHash, long userId, String platform, String ip, GeoLocator.Place place, String userAgent,
            Instant now, Instant expiresAt, Long impersonatedBy) {
        return jdbc.sql("""
                insert into sessions (token_hash, user_id, platform, ip, country, region, city, user_agent,
                                      created_at, last_seen_at, expires_at, impersonated_by)
                values (:hash, :userId, :platform, :ip, :country, :region, :city, :userAgent, :now, :now, :expiresAt,
                        :impersonatedBy)
                returning id
                """)
                .param("hash", tokenHash).param("userId", userId).param("platform", platform).param("ip", ip)
                .param("impersonatedBy", impersonatedBy)
                .param("country", place.country()).param("region", place.region()).param("city", place.city())
                .param("userAgent", userAgent).param("now", Db.ts(now)).param("expiresAt", Db.ts(expiresAt))
                .query(Long.class).single();
    }

    /** A session that is not revoked; expiry is judged by the caller against its clock. */
    Optional<SessionRecord> findLiveByHash(byte[] tokenHash) {
        return jdbc.sql("""
                select * from sessions where token_hash = :hash and revoked_at is null
                """).param("hash", tokenHash).query(SessionRepository::map).optional();
    }

    void touch(long id, Instant now) {
        jdbc.sql("""
                update sessions set last_seen_at = :now where id = :id and last_seen_at < :now
                """).param("now", Db.ts(now)).param("id", id).update();
    }


    /** Sessions still in force: not revoked, not past their absolute expiry, used within the idle timeout. */
    List<SessionRecord> findLiveByUser(long userId, Instant now, Instant seenAfter) {
        return jdbc.sql("""
                select * from sessions
                where user_id = :userId and revoked_at is null and expires_at > :now and last_seen_at > :seenAfter
                order by last_seen_at desc, id desc
                """).param("userId", userId).param("now", Db.ts(now)).param("seenAfter", Db.ts(seenAfter))
                .query(SessionRepository::map).list();
    }

    /** Ends the session if it is this user's and still live; false otherwise. */
    boolean revoke(long userId, long id, String reason, Instant now) {
        return jdbc.sql("""
                update sessions set revoked_at = :now, revoked_reason = :reason
                where id = :id and user_id = :userId and revoked_at is null
                """).param("now", Db.ts(now)).param("reason", reason).param("id", id).param("userId", userId)
                .update() == 1;
    }

    List<Long> revokeAllBut(long userId, long keepId, String reason, Instant now) {
        return jdbc.sql("""
                update sessions set revoked_at = :now, revoked_reason = :reason
                where user_id = :userId and id <> :keepId and revoked_at is null
                returning id
                """).param("now", Db.ts(now)).param("reason", reason).param("userId", userId).param("keepId", keepId)
                .query(Long.class).list();
    }

    /** Up to {@code limit} sessions older than {@code before} (null: from the newest), newest first. */
    public List<SessionRecord> findByUser(long userId, Keyset before, int limit) {
        return Keyset.userPage(jdbc, "sessions", userId, before, limit, SessionRepository::map);
    }

    private static SessionRecord map(ResultSet rs, int row) throws SQLException {
        return new SessionRecord(rs.getLong("id"), rs.getLong("user_id"), rs.getString("platform"), rs.getString("ip"),
                rs.getString("user_agent"), rs.getString("country"), rs.getString("region"), rs.getString("city"),
                Db.instant(rs, "created_at"), Db.instant(rs, "last_seen_at"), Db.instant(rs, "expires_at"),
                Db.instant(rs, "revoked_at"), Db.nullableLong(rs, "impersonated_by"));
    }
}
