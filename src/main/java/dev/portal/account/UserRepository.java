package dev.portal.account;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

import dev.portal.platform.Db;
import dev.portal.subscription.Subscription;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
public class UserRepository {
    private final JdbcClient jdbc;

    UserRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The user's own columns; identities and restrictions are added by {@link AccountService}. */
    record UserRow(long id, String username, String avatarSource, String avatarUploadKey, Subscription subscription,
            int permissionLevel, Instant permissionSince, String prefix, Instant lastActivityAt, Instant createdAt,
            Instant updatedAt, Profile profile) {
    }

    /**
     * Ids of users matching every filter given (null: any), in id order after {@code afterId}, at most
     * {@code limit}. {@code query} is a username prefix (ignoring case) or an exact platform user id; state
     * and tier are read as they stand at {@code now} (a lapsed tier is Basic, an expired ban is none).
     */
    public java.util.List<Long> search(String query, String platform, Integer state, Integer tier, Integer permission,
            Long afterId, int limit, Instant now) {
        String prefix = query == null ? null
                : query.toLowerCase(java.util.Locale.ROOT).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
        // The query is a condition on the row itself (its username, or its id among the few that own the
        // platform id), not "id in (a union)", and it is left out when absent: the planner can then walk the
        // primary key in id order when the prefix matches many (stopping at the limit), or OR the prefix
        // index with the primary key when it matches few. The union form hashed every match, and a
        // "cast(:query as text) is null or ..." guard kept it from doing either (see bench/scale.sh).
        String byQuery = query == null ? "true" : """
                (lower(u.username) like :prefix
                        or u.id = any (array(select user_id from linked_identities where platform_user_id = :query)))""";
        return jdbc.sql("""
                select u.id from users u
                where %s
                  and (cast(:platform as text) is null
                       or exists (select 1 from linked_identities i where i.user_id = u.id and i.platform = :platform))
                  and (cast(:permission as int) is null or u.permission_level = :permission)
                  and (cast(:tier as int) is null
                       or (case when u.subscription_tier <> 0 and u.subscription_expires_at <= :now then 0
                                else u.subscription_tier end) = :tier)
                  and (cast(:state as int) is null or (
                       case when exists (select 1 from (select action, expires_at from moderation_actions m
                                                        where m.user_id = u.id and m.action in ('ban', 'unban')
                                                        order by m.created_at desc, m.id desc limit 1) b
                                         where b.action = 'ban' and (b.expires_at is null or b.expires_at > :now)) then 2
                            when exists (select 1 from (select action, expires_at from moderation_actions m
                                                        where m.user_id = u.id and m.action in ('timeout', 'untimeout')
                                                        order by m.created_at desc, m.id desc limit 1) t
                                         where t.action = 'timeout' and t.expires_at > :now) then 1
                            else 0 end) = :state)
                  and (cast(:after as bigint) is null or u.id > :after)
                order by u.id
                limit :limit
                """.formatted(byQuery)).param("query", query).param("prefix", prefix).param("platform", platform)
                .param("permission", permission).param("tier", tier).param("state", state).param("after", afterId)
                .param("limit", limit).param("now", Db.ts(now)).query(Long.class).list();
    }

    Optional<UserRow> findById(long id) {
        return jdbc.sql("""
                select * from users where id = :id
                """).param("id", id).query(UserRepository::map).optional();
    }

    public Optional<Long> findIdByUsername(String username) {
        return jdbc.sql("""
                select id from users where lower(username) = lower(:username)
                """).param("username", username).query(Long.class).optional();
    }

    /** Inserts a user; throws {@code DuplicateKeyException} if the name is taken (ignoring case). */
    public long insert(String username, int permissionLevel, Instant permissionSince, Instant now) {
        return jdbc.sql("""
                insert into users (username, permission_level, permission_since, last_activity_at, created_at, updated_at)
                values (:username, :level, :since, :now, :now, :now)
                returning id
                """)
                .param("username", username).param("level", permissionLevel).param("since", Db.ts(permissionSince))
                .param("now", Db.ts(now)).query(Long.class).single();
    }

    /**
     * Writes the profile fields that passed validation, all in one statement so a multi-field update is
     * all or nothing. Throws {@code DuplicateKeyException} if the username was claimed meanwhile.
     */
    int updateProfile(long id, boolean setUsername, String username, boolean setAvatarSource, String avatarSource,
            Instant now) {
        return jdbc.sql("""
                update users
                set username      = case when :setUsername then cast(:username as text) else username end,
                    avatar_source = case when :setAvatarSource then cast(:avatarSource as text) else avatar_source end,
                    updated_at    = :now
                where id = :id
                """)
                .param("setUsername", setUsername).param("username", username)
                .param("setAvatarSource", setAvatarSource).param("avatarSource", avatarSource)
                .param("now", Db.ts(now)).param("id", id).update();
    }

    /**
     * Writes an /api profile update in one statement (all or nothing); a null column argument with its flag
     * false keeps the stored value; {@code settingsPatch} (a JSON object, or null) is merged into the settings. Throws {@code DuplicateKeyException} if the username was claimed meanwhile.
     */
    int updateApiProfile(long id, String username, boolean setDisplayName, String displayName, boolean setBio,
            String bio, String defaultVisibility, String settingsPatch, Instant now) {
        return jdbc.sql("""
                update users
                set username           = coalesce(cast(:username as text), username),
                    display_name       = case when :setDisplayName then cast(:displayName as text) else display_name end,
                    bio                = case when :setBio then cast(:bio as text) else bio end,
                    default_visibility = coalesce(cast(:visibility as text), default_visibility),
                    settings           = settings || coalesce(cast(:settings as jsonb), '{}'),
                    updated_at         = :now
                where id = :id
                """)
                .param("username", username).param("setDisplayName", setDisplayName).param("displayName", displayName)
                .param("setBio", setBio).param("bio", bio).param("visibility", defaultVisibility)
                .param("settings", settingsPatch).param("now", Db.ts(now)).param("id", id).update();
    }

    /** Moves {@code last_activity_at} forward unless another request (on any node) did so recently. */
    int touchActivity(long id, Instant now, Instant notAfter) {
        return jdbc.sql("""
                update users set last_activity_at = :now where id = :id and last_activity_at < :notAfter
                """).param("now", Db.ts(now)).param("id", id).param("notAfter", Db.ts(notAfter)).update();
    }

    Optional<Instant> lastActivityAt(long id) {
        return jdbc.sql("""
                select last_activity_at from users where id = :id
                """).param("id", id).query((rs, row) -> Db.instant(rs, "last_activity_at")).optional();
    }

    /**
     * Holds the user's row until the transaction ends, so that two changes to one user's identities
     * (two unlinks at once) are judged one after the other; false if the user is gone.
     */
    public boolean lock(long id) {
        return jdbc.sql("""
                select id from users where id = :id for update
                """).param("id", id).query(Long.class).optional().isPresent();
    }

    /**
     * Sets the level and stamps {@code permission_since} (SPEC §2: the time of the latest change); the
     * caller holds the row ({@link #lock}) and records the change in the same transaction.
     */
    public int setPermissionLevel(long id, int level, Instant now) {
        return jdbc.sql("""
                update users set permission_level = :level, permission_since = :now, updated_at = :now where id = :id
                """).param("level", level).param("now", Db.ts(now)).param("id", id).update();
    }

    /** A stored avatar source naming a platform no longer linked falls back to the earliest one. */
    public void clearAvatarSource(long id, String source, Instant now) {
        jdbc.sql("""
                update users set avatar_source = null, updated_at = :now where id = :id and avatar_source = :source
                """).param("id", id).param("source", source).param("now", Db.ts(now)).update();
    }

    public boolean ownerExists() {
        return jdbc.sql("""
                select exists (select 1 from users where permission_level = 3)
                """).query(Boolean.class).single();
    }

    private static UserRow map(ResultSet rs, int row) throws SQLException {
        return new UserRow(rs.getLong("id"), rs.getString("username"), rs.getString("avatar_source"),
                rs.getString("avatar_upload_key"),
                new Subscription(rs.getInt("subscription_tier"), Db.instant(rs, "subscription_expires_at"),
                        Db.nullableLong(rs, "subscription_granted_by")),
                rs.getInt("permission_level"), Db.instant(rs, "permission_since"), rs.getString("prefix"),
                Db.instant(rs, "last_activity_at"), Db.instant(rs, "created_at"), Db.instant(rs, "updated_at"),
                new Profile(rs.getString("display_name"), rs.getString("bio"), rs.getString("email"),
                        rs.getBoolean("email_verified"), rs.getString("default_visibility"),
                        UserSettings.fromJson(rs.getString("settings"))));
    }
}
