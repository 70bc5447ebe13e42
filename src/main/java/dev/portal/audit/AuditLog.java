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

    /**
     * One event per target, all with the same action, actor and IP, in one statement (a bulk import audits
     * each user it brings without a round trip each); {@code detailsByTarget} in the order to record them.
     */
    public void recordAll(String action, Long actorId, String ip, java.util.List<Map.Entry<Long, Map<String, ?>>> detailsByTarget) {
        if (detailsByTarget.isEmpty()) {
            return;
        }
        java.util.List<Map<String, Object>> rows = new java.util.ArrayList<>();
        for (Map.Entry<Long, Map<String, ?>> e : detailsByTarget) {
            Map<String, Object> row = new java.util.LinkedHashMap<>();
            row.put("target_id", e.getKey());
            row.put("details", e.getValue());
            rows.add(row);
        }
        jdbc.sql("""
                insert into audit_events (created_at, actor_id, target_id, action, ip, details)
                select :now, :actorId, r.target_id, :action, :ip, r.details
                from jsonb_to_recordset(cast(:rows as jsonb)) as r(target_id bigint, details jsonb)
                """)
                .param("now", Db.ts(clock.instant())).param("actorId", actorId).param("action", action)
                .param("ip", ip).param("rows", json.writeValueAsString(rows)).update();
    }

    /** One event as stored; {@code details} as JSON text. */
    public record Event(long id, java.time.Instant createdAt, Long actorId, Long targetId, String action, String ip,
            String details) {
    }

    /**
     * Events newest first (by id, which only grows, so pages stay stable while events are added), at most
     * {@code limit}, older than {@code beforeId} when given; each filter applies when not null.
     */
    public java.util.List<Event> find(Long actorId, Long targetId, String action, java.time.Instant since,
            java.time.Instant until, Long beforeId, int limit) {
        return jdbc.sql("""
                select id, created_at, actor_id, target_id, action, ip, details::text as details from audit_events
                where (cast(:actor as bigint) is null or actor_id = :actor)
                  and (cast(:target as bigint) is null or target_id = :target)
                  and (cast(:action as text) is null or action = :action)
                  and (cast(:since as timestamptz) is null or created_at >= :since)
                  and (cast(:until as timestamptz) is null or created_at < :until)
                  and (cast(:before as bigint) is null or id < :before)
                order by id desc
                limit :limit
                """).param("actor", actorId).param("target", targetId).param("action", action)
                .param("since", Db.ts(since)).param("until", Db.ts(until)).param("before", beforeId).param("limit", limit)
                .query((rs, row) -> new Event(rs.getLong("id"), Db.instant(rs, "created_at"), Db.nullableLong(rs, "actor_id"),
                        Db.nullableLong(rs, "target_id"), rs.getString("action"), rs.getString("ip"), rs.getString("details")))
                .list();
    }
}
