package dev.portal.subscription;

import java.util.List;

import dev.portal.platform.Db;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
public class SubscriptionRepository {
    private final JdbcClient jdbc;

    SubscriptionRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public List<SubscriptionChange> historyOf(long userId) {
        return jdbc.sql("""
                select * from subscription_changes where user_id = :userId order by created_at desc, id desc
                """).param("userId", userId)
                .query((rs, row) -> new SubscriptionChange(rs.getLong("id"), rs.getInt("from_tier"), rs.getInt("to_tier"),
                        Db.instant(rs, "expires_at"), Db.nullableLong(rs, "granted_by"), rs.getString("reason"),
                        Db.instant(rs, "created_at")))
                .list();
    }
}
