package dev.portal.audit;

import java.time.Clock;
import java.util.Map;

import dev.portal.platform.Db;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.databind.json.JsonMapper;

/** Appends audit events. Details must never hold a secret: names and ids only. */
@Repository
public class AuditLog {
    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final Clock clock;

    AuditLog(JdbcClient jdbc, JsonMapper json, Clock clock) {
        this.jdbc = jdbc;
        this.json = json;
        this.clock = clock;
    }

    public void record(String action, Long actorId, Long targetId, String ip, Map<String, ?> details) {
        jdbc.sql("""
                insert into audit_events (created_at, actor_id, target_id, action, ip, details)
                values (:now, :actorId, :targetId, :action, :ip, cast(:details as jsonb))
                """)
                .param("now", Db.ts(clock.instant())).param("actorId", actorId).param("targetId", targetId)
                .param("action", action).param("ip", ip).param("details", json.writeValueAsString(details))
                .update();
    }
}
