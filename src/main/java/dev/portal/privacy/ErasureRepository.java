package dev.portal.privacy;

import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The SQL of an account's erasure; every method runs inside {@link AccountErasure}'s one transaction. */
@Repository
class ErasureRepository {
    private final JdbcClient jdbc;

    ErasureRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Opens the audit log's one exception (V13) for this user, until the transaction ends. */
    void declareErasure(long userId) {
        jdbc.sql("select set_config('portal.erasing_user', :id, true)").param("id", Long.toString(userId))
                .query(String.class).single();
    }

    /** Events about the user go; where they acted on someone else, the event stays without their address. */
    int eraseAuditTrail(long userId) {
        int deleted = jdbc.sql("""
                delete from audit_events
                where target_id = :id or (target_id is null and actor_id = :id)
                """).param("id", userId).update();
        jdbc.sql("""
                update audit_events set ip = null where actor_id = :id and ip is not null
                """).param("id", userId).update();
        return deleted;
    }

    /** The user's row; every table that holds their data refers to it with {@code on delete cascade}. */
    int deleteUser(long userId) {
        return jdbc.sql("delete from users where id = :id").param("id", userId).update();
    }

    java.util.Optional<String> avatarUploadKey(long userId) {
        return jdbc.sql("select avatar_upload_key from users where id = :id").param("id", userId)
                .query((rs, row) -> rs.getString(1)).optional().filter(java.util.Objects::nonNull);
    }

    List<Long> sessionIds(long userId) {
        return jdbc.sql("select id from sessions where user_id = :id").param("id", userId).query(Long.class).list();
    }

    List<Long> tokenIds(long userId) {
        return jdbc.sql("select id from api_tokens where user_id = :id").param("id", userId).query(Long.class).list();
    }

    /** The stored level, or -1 for a user who is gone. */
    int permissionLevel(long userId) {
        return jdbc.sql("select permission_level from users where id = :id").param("id", userId).query(Integer.class)
                .optional().orElse(-1);
    }

    /** Holds every Owner's row, in id order (so two such holders never deadlock), until the transaction ends. */
    void lockOwners() {
        jdbc.sql("select id from users where permission_level = 3 order by id for update").query(Long.class).list();
    }

    long otherOwners(long userId) {
        return jdbc.sql("select count(*) from users where permission_level = 3 and id <> :id").param("id", userId)
                .query(Long.class).single();
    }
}
