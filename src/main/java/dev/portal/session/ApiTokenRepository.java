package dev.portal.session;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.portal.platform.Db;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
class ApiTokenRepository {
    private final JdbcClient jdbc;

    ApiTokenRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    long insert(byte[] tokenHash, long userId, String name, Instant now, Instant expiresAt) {
        return jdbc.sql("""
                insert into api_tokens (token_hash, user_id, name, created_at, expires_at)
                values (:hash, :userId, :name, :now, :expiresAt)
                returning id
                """)
                .param("hash", tokenHash).param("userId", userId).param("name", name).param("now", Db.ts(now))
                .param("expiresAt", Db.ts(expiresAt)).query(Long.class).single();
    }

    Optional<ApiToken> findByHash(byte[] tokenHash) {
        return jdbc.sql("""
                select * from api_tokens where token_hash = :hash
                """).param("hash", tokenHash).query(ApiTokenRepository::map).optional();
    }

    List<ApiToken> findByUser(long userId) {
        return jdbc.sql("""
                select * from api_tokens where user_id = :userId and revoked_at is null order by created_at desc, id desc
                """).param("userId", userId).query(ApiTokenRepository::map).list();
    }

    void touch(long id, Instant now) {
        jdbc.sql("""
                update api_tokens set last_used_at = :now where id = :id
                """).param("now", Db.ts(now)).param("id", id).update();
    }

    boolean revoke(long id, long userId, Instant now) {
        return jdbc.sql("""
                update api_tokens set revoked_at = :now where id = :id and user_id = :userId and revoked_at is null
                """).param("now", Db.ts(now)).param("id", id).param("userId", userId).update() == 1;
    }

    /** Revokes every live token of the user; answers their ids. */
    List<Long> revokeAllOf(long userId, Instant now) {
        return jdbc.sql("""
                update api_tokens set revoked_at = :now where user_id = :userId and revoked_at is null
                returning id
                """).param("now", Db.ts(now)).param("userId", userId).query(Long.class).list();
    }

    private static ApiToken map(ResultSet rs, int row) throws SQLException {
        return new ApiToken(rs.getLong("id"), rs.getLong("user_id"), rs.getString("name"), Db.instant(rs, "created_at"),
                Db.instant(rs, "expires_at"), Db.instant(rs, "last_used_at"), Db.instant(rs, "revoked_at"));
    }
}
