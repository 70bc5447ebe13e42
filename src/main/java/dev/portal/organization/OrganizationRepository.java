package dev.portal.organization;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

import dev.portal.platform.Db;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
class OrganizationRepository {
    private final JdbcClient jdbc;

    OrganizationRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The user's memberships, by name (then id, so that equal names keep one order). */
    List<Membership> membershipsOf(long userId) {
        return jdbc.sql("""
                select o.id, o.name, o.slug, o.created_at, m.role, m.joined_at
                from organization_members m join organizations o on o.id = m.organization_id
                where m.user_id = :userId
                order by lower(o.name), o.name, o.id
                """).param("userId", userId).query(OrganizationRepository::membership).list();
    }

    long insert(String name, String slug, long createdBy, Instant now) {
        return jdbc.sql("""
                insert into organizations (name, slug, created_by, created_at) values (:name, :slug, :by, :now)
                returning id
                """).param("name", name).param("slug", slug).param("by", createdBy).param("now", Db.ts(now))
                .query(Long.class).single();
    }

    void addMember(long organizationId, long userId, Role role, Instant now) {
        jdbc.sql("""
                insert into organization_members (organization_id, user_id, role, joined_at)
                values (:org, :user, :role, :now)
                """).param("org", organizationId).param("user", userId).param("role", role.key())
                .param("now", Db.ts(now)).update();
    }

    int countCreatedBy(long userId) {
        return jdbc.sql("select count(*) from organizations where created_by = :userId")
                .param("userId", userId).query(Integer.class).single();
    }

    /**
     * The organizations the user owns, locked in id order: another owner leaving at the same time waits, so
     * two owners cannot each leave the other as the sole owner and both go.
     */
    List<Long> lockOwnedBy(long userId) {
        return jdbc.sql("""
                select o.id from organizations o join organization_members m on m.organization_id = o.id
                where m.user_id = :userId and m.role = 'owner'
                order by o.id
                for update of o
                """).param("userId", userId).query(Long.class).list();
    }

    /** Whether anyone but {@code userId} owns the organization; asked with its row locked. */
    boolean hasOtherOwner(long organizationId, long userId) {
        return jdbc.sql("""
                select exists (select 1 from organization_members
                               where organization_id = :org and user_id <> :userId and role = 'owner')
                """).param("org", organizationId).param("userId", userId).query(Boolean.class).single();
    }

    /** The member who has been an admin longest, other than the leaving user; null when there is none. */
    Long oldestAdmin(long organizationId, long exceptUserId) {
        return jdbc.sql("""
                select user_id from organization_members
                where organization_id = :org and role = 'admin' and user_id <> :except
                order by joined_at, user_id limit 1
                """).param("org", organizationId).param("except", exceptUserId).query(Long.class).optional().orElse(null);
    }

    void setRole(long organizationId, long userId, Role role) {
        jdbc.sql("update organization_members set role = :role where organization_id = :org and user_id = :user")
                .param("role", role.key()).param("org", organizationId).param("user", userId).update();
    }

    void delete(long organizationId) {
        jdbc.sql("delete from organizations where id = :id").param("id", organizationId).update();
    }

    int removeMemberships(long userId) {
        return jdbc.sql("delete from organization_members where user_id = :userId").param("userId", userId).update();
    }

    private static Membership membership(ResultSet rs, int row) throws SQLException {
        return new Membership(rs.getLong("id"), rs.getString("name"), rs.getString("slug"), Role.fromKey(rs.getString("role")),
                Db.instant(rs, "created_at"), Db.instant(rs, "joined_at"));
    }
}
