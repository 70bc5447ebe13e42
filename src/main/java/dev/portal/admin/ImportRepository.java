package dev.portal.admin;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.portal.platform.Db;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.databind.json.JsonMapper;

/**
 * The writes of an import, one statement per table however many users it brings: the rows travel as one
 * JSON array read by {@code jsonb_to_recordset}, so 1,000 users cost five round trips, not five thousand.
 * The caller holds the transaction; the unique indexes on names and identities have the last word.
 */
@Repository
class ImportRepository {
    private final JdbcClient jdbc;
    private final JsonMapper json;

    ImportRepository(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    /** Which of these names (compared ignoring case) belong to someone already; answered lower-cased. */
    Set<String> takenUsernames(List<String> usernames) {
        return new HashSet<>(jdbc.sql("""
                select lower(username) from users
                where lower(username) in (select lower(n) from jsonb_array_elements_text(cast(:names as jsonb)) n)
                """).param("names", json.writeValueAsString(usernames)).query(String.class).list());
    }

    /** Which of these identities are linked to someone already, as {@link UserImport.Identity#key()}. */
    Set<String> takenIdentities(List<UserImport.Identity> identities) {
        List<Map<String, Object>> rows = identities.stream().map(i -> Map.<String, Object>of("platform",
                i.platform().key(), "instance", i.instance(), "platform_user_id", i.platformUserId())).toList();
        return new HashSet<>(jdbc.sql("""
                select l.platform, l.instance, l.platform_user_id
                from linked_identities l
                join jsonb_to_recordset(cast(:rows as jsonb)) as r(platform text, instance text, platform_user_id text)
                  on l.platform = r.platform and l.instance = r.instance and l.platform_user_id = r.platform_user_id
                """).param("rows", json.writeValueAsString(rows))
                .query((rs, row) -> new UserImport.Identity(dev.portal.identity.Platform.fromKey(rs.getString("platform"))
                        .orElseThrow(), rs.getString("instance"), rs.getString("platform_user_id"), null).key())
                .list());
    }

    /**
     * Inserts the users, their identities and the history rows of their level and tier; answers the new ids
     * in the order of {@code users}. Throws {@code DuplicateKeyException} if a name or identity was taken
     * since it was checked.
     */
    List<Long> insertAll(List<UserImport> users, long importedBy, Instant now) {
        List<Map<String, Object>> userRows = new ArrayList<>();
        for (UserImport u : users) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("username", u.username().value());
            row.put("level", u.permissionLevel());
            row.put("since", u.permissionLevel() > 0 ? now.toString() : null);
            row.put("tier", u.subscriptionTier());
            row.put("expires_at", u.subscriptionExpiresAt() == null ? null : u.subscriptionExpiresAt().toString());
            row.put("granted_by", u.subscriptionTier() > 0 ? importedBy : null);
            row.put("created_at", u.createdAt().toString());
            userRows.add(row);
        }
        Map<String, Long> idByName = new LinkedHashMap<>();
        jdbc.sql("""
                insert into users (username, permission_level, permission_since, subscription_tier,
                                   subscription_expires_at, subscription_granted_by, last_activity_at, created_at,
                                   updated_at)
                select r.username, r.level, r.since, r.tier, r.expires_at, r.granted_by, r.created_at, r.created_at, :now
                from jsonb_to_recordset(cast(:rows as jsonb))
                     as r(username text, level smallint, since timestamptz, tier smallint, expires_at timestamptz,
                          granted_by bigint, created_at timestamptz)
                returning id, username
                """).param("rows", json.writeValueAsString(userRows)).param("now", Db.ts(now))
                .query((rs, row) -> idByName.put(rs.getString("username").toLowerCase(Locale.ROOT), rs.getLong("id")))
                .list();
        List<Long> ids = users.stream().map(u -> idByName.get(u.username().value().toLowerCase(Locale.ROOT))).toList();

        List<Map<String, Object>> identityRows = new ArrayList<>();
        List<Map<String, Object>> permissionRows = new ArrayList<>();
        List<Map<String, Object>> subscriptionRows = new ArrayList<>();
        for (int i = 0; i < users.size(); i++) {
            UserImport u = users.get(i);
            long id = ids.get(i);
            for (UserImport.Identity identity : u.identities()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("user_id", id);
                row.put("platform", identity.platform().key());
                row.put("instance", identity.instance());
                row.put("platform_user_id", identity.platformUserId());
                row.put("platform_username", identity.platformUsername());
                identityRows.add(row);
            }
            if (u.permissionLevel() > 0) {
                permissionRows.add(Map.of("user_id", id, "to_level", u.permissionLevel()));
            }
            if (u.subscriptionTier() > 0) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("user_id", id);
                row.put("to_tier", u.subscriptionTier());
                row.put("expires_at", u.subscriptionExpiresAt() == null ? null : u.subscriptionExpiresAt().toString());
                subscriptionRows.add(row);
            }
        }
        // linked_at is the import; last_authenticated_at stays null until the person signs in to Portal.
        jdbc.sql("""
                insert into linked_identities (user_id, platform, instance, platform_user_id, platform_username, linked_at)
                select r.user_id, r.platform, r.instance, r.platform_user_id, r.platform_username, :now
                from jsonb_to_recordset(cast(:rows as jsonb))
                     as r(user_id bigint, platform text, instance text, platform_user_id text, platform_username text)
                """).param("rows", json.writeValueAsString(identityRows)).param("now", Db.ts(now)).update();
        if (!permissionRows.isEmpty()) {
            jdbc.sql("""
                    insert into permission_changes (user_id, from_level, to_level, changed_by, reason, created_at)
                    select r.user_id, 0, r.to_level, :by, :reason, :now
                    from jsonb_to_recordset(cast(:rows as jsonb)) as r(user_id bigint, to_level smallint)
                    """).param("rows", json.writeValueAsString(permissionRows)).param("by", importedBy)
                    .param("reason", ImportService.REASON).param("now", Db.ts(now)).update();
        }
        if (!subscriptionRows.isEmpty()) {
            jdbc.sql("""
                    insert into subscription_changes (user_id, from_tier, to_tier, expires_at, granted_by, reason, created_at)
                    select r.user_id, 0, r.to_tier, r.expires_at, :by, :reason, :now
                    from jsonb_to_recordset(cast(:rows as jsonb))
                         as r(user_id bigint, to_tier smallint, expires_at timestamptz)
                    """).param("rows", json.writeValueAsString(subscriptionRows)).param("by", importedBy)
                    .param("reason", ImportService.REASON).param("now", Db.ts(now)).update();
        }
        return ids;
    }
}
