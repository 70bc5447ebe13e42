package dev.portal.subscription;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.portal.platform.Db;
import dev.portal.platform.Keyset;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The subscription columns of {@code users} and their history, {@code subscription_changes}. */
@Repository
public class SubscriptionRepository {
    /** Reason recorded for a lapse; the history of seed 001 shows it as is. */
    public static final String EXPIRED = "expired";

    private final JdbcClient jdbc;

    SubscriptionRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A lapse just recorded: the user, the tier that lapsed and when it did. */
    public record Lapse(long userId, int fromTier, Instant expiredAt, long changeId) {
    }

    /** Up to {@code limit} changes older than {@code before} (null: from the newest), newest first. */
    public List<SubscriptionChange> historyOf(long userId, Keyset before, int limit) {
        return Keyset.userPage(jdbc, "subscription_changes", userId, before, limit, (rs, row) -> new SubscriptionChange(rs.getLong("id"),
                rs.getInt("from_tier"), rs.getInt("to_tier"), Db.instant(rs, "expires_at"), Db.nullableLong(rs, "granted_by"),
                rs.getString("reason"), Db.instant(rs, "created_at")));
    }

    /** The stored subscription, read from the database (not a cache); call it with the user's row locked. */
    Optional<Subscription> storedOf(long userId) {
        return jdbc.sql("""
                select subscription_tier, subscription_expires_at, subscription_granted_by from users where id = :id
                """).param("id", userId)
                .query((rs, row) -> new Subscription(rs.getInt("subscription_tier"),
                        Db.instant(rs, "subscription_expires_at"), Db.nullableLong(rs, "subscription_granted_by")))
                .optional();
    }

    /** Sets the stored subscription; a Basic one has no expiry and no granter. */
    void set(long userId, Subscription subscription, Instant now) {
        int updated = jdbc.sql("""
                update users
                set subscription_tier = :tier, subscription_expires_at = :expiresAt, subscription_granted_by = :grantedBy,
                    updated_at = :now
                where id = :id
                """)
                .param("tier", subscription.tier()).param("expiresAt", Db.ts(subscription.expiresAt()))
                .param("grantedBy", subscription.grantedBy()).param("now", Db.ts(now)).param("id", userId).update();
        if (updated != 1) {
            throw new IllegalStateException("User " + userId + " vanished while its row was locked");
        }
    }

    long recordChange(long userId, int fromTier, int toTier, Instant expiresAt, Long grantedBy, String reason,
            Instant now) {
        return jdbc.sql("""
                insert into subscription_changes (user_id, from_tier, to_tier, expires_at, granted_by, reason, created_at)
                values (:userId, :fromTier, :toTier, :expiresAt, :grantedBy, :reason, :now)
                returning id
                """)
                .param("userId", userId).param("fromTier", fromTier).param("toTier", toTier)
                .param("expiresAt", Db.ts(expiresAt)).param("grantedBy", grantedBy).param("reason", reason)
                .param("now", Db.ts(now)).query(Long.class).single();
    }

    /**
     * Sets up to {@code limit} lapsed tiers (expiry at or before {@code now}) back to Basic and records each
     * lapse in the history, all in one statement; {@code onlyUser} narrows it to one user (null: everyone).
     *
     * <p>Why this cannot record a lapse twice: the rows are picked {@code for update skip locked}, so a
     * second sweep running at the same moment (this node or another) skips the rows the first holds, and one
     * that starts after the first committed no longer finds them lapsed (their tier is 0 by then). A row
     * locked by a grant in progress is skipped too; the grant records the lapse itself (see
     * {@link SubscriptionService}), or the next sweep does. The history row is dated at the expiry, when the
     * tier stopped counting, not at the sweep.
     */
    List<Lapse> resetLapsed(Instant now, Long onlyUser, int limit) {
        return jdbc.sql("""
                with due as (
                    select id, subscription_tier, subscription_expires_at
                    from users
                    where subscription_tier <> 0 and subscription_expires_at <= :now
                      and (cast(:onlyUser as bigint) is null or id = cast(:onlyUser as bigint))
                    order by subscription_expires_at
                    limit :limit
                    for update skip locked
                ), reset as (
                    update users u
                    set subscription_tier = 0, subscription_expires_at = null, subscription_granted_by = null,
                        updated_at = :now
                    from due
                    where u.id = due.id
                    returning u.id
                )
                insert into subscription_changes (user_id, from_tier, to_tier, expires_at, granted_by, reason, created_at)
                select due.id, due.subscription_tier, 0, null, null, :reason, due.subscription_expires_at
                from due join reset on reset.id = due.id
                returning id, user_id, from_tier, created_at
                """)
                .param("now", Db.ts(now)).param("onlyUser", onlyUser).param("limit", limit).param("reason", EXPIRED)
                .query((rs, row) -> new Lapse(rs.getLong("user_id"), rs.getInt("from_tier"), Db.instant(rs, "created_at"),
                        rs.getLong("id")))
                .list();
    }
}
