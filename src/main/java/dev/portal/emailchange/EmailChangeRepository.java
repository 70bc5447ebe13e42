package dev.portal.emailchange;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

import dev.portal.platform.Db;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code email_changes} table, and the one write of {@code users.email} Portal makes. */
@Repository
class EmailChangeRepository {
    private final JdbcClient jdbc;

    EmailChangeRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    long insert(long userId, String newEmail, String oldEmail, byte[] tokenHash, Instant now, Instant expiresAt) {
        return jdbc.sql("""
                insert into email_changes (user_id, new_email, old_email, token_hash, created_at, expires_at)
                values (:userId, :newEmail, :oldEmail, :hash, :now, :expiresAt)
                returning id
                """).param("userId", userId).param("newEmail", newEmail).param("oldEmail", oldEmail)
                .param("hash", tokenHash).param("now", Db.ts(now)).param("expiresAt", Db.ts(expiresAt))
                .query(Long.class).single();
    }

    /** Deletes the user's rows older than {@code keepId} (pending, used or expired): a new request supersedes them. */
    int deleteOlder(long userId, long keepId) {
        return jdbc.sql("""
                delete from email_changes where user_id = :userId and id < :keepId
                """).param("userId", userId).param("keepId", keepId).update();
    }

    /** Discards a request whose mail could not be sent. */
    void delete(long id) {
        jdbc.sql("""
                delete from email_changes where id = :id
                """).param("id", id).update();
    }

    /** The row this token's hash names, locked until the transaction ends, so two clicks are judged one after the other. */
    Optional<PendingEmailChange> lockByHash(byte[] tokenHash) {
        return jdbc.sql("""
                select * from email_changes where token_hash = :hash for update
                """).param("hash", tokenHash).query(EmailChangeRepository::map).optional();
    }

    void markUsed(long id, Instant now) {
        jdbc.sql("""
                update email_changes set used_at = :now where id = :id and used_at is null
                """).param("id", id).param("now", Db.ts(now)).update();
    }

    /**
     * The user's address as stored, with the user's row locked until the transaction ends; empty if the user
     * is gone. An {@link Optional} of an {@link Optional}: a user without an address is not a missing user.
     */
    Optional<Optional<String>> lockUserEmail(long userId) {
        return jdbc.sql("""
                select email from users where id = :id for update
                """).param("id", userId).query((rs, row) -> Optional.ofNullable(rs.getString("email"))).optional();
    }

    /** Sets the address and marks it verified (the link proved it); the users trigger tells every node. */
    int applyEmail(long userId, String email, Instant now) {
        return jdbc.sql("""
                update users set email = :email, email_verified = true, updated_at = :now where id = :id
                """).param("email", email).param("now", Db.ts(now)).param("id", userId).update();
    }

    private static PendingEmailChange map(ResultSet rs, int row) throws SQLException {
        return new PendingEmailChange(rs.getLong("id"), rs.getLong("user_id"), rs.getString("new_email"),
                rs.getString("old_email"), Db.instant(rs, "created_at"), Db.instant(rs, "expires_at"),
                Db.instant(rs, "used_at"));
    }
}
