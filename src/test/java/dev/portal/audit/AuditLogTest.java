package dev.portal.audit;

import java.util.ArrayList;
import java.util.List;

import dev.portal.access.PermissionLevel;
import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** SPEC §3 and issue 7 item 8: the audit log for Admin+, filtered and paged, and append-only in the database. */
class AuditLogTest extends PortalTest {

    /** Three audited acts by a fresh user: creating tokens. */
    private long userWithTokens(int count) {
        long userId = createUser(PermissionLevel.USER);
        Credential me = signedIn(userId);
        for (int i = 0; i < count; i++) {
            assertThat(post("/v1/users/me/tokens", "{\"name\": \"t" + i + "\"}", me).status()).isEqualTo(201);
        }
        return userId;
    }

    @Test
    void anAdminReadsWhoDidWhatNewestFirst() {
        long userId = userWithTokens(2);
        Credential admin = signedIn(createUser(PermissionLevel.ADMIN));

        JsonNode page = get("/v1/audit?target=" + userId + "&action=token_created", admin).json();

        List<JsonNode> events = page.get("events").valueStream().toList();
        assertThat(events).hasSize(2);
        assertThat(events.get(0).get("id").longValue()).isGreaterThan(events.get(1).get("id").longValue());
        JsonNode event = events.get(0);
        assertThat(event.get("action").stringValue()).isEqualTo("token_created");
        assertThat(event.get("actor_id").longValue()).isEqualTo(userId);
        assertThat(event.get("target_id").longValue()).isEqualTo(userId);
        assertThat(event.get("ip").stringValue()).isEqualTo("127.0.0.1");
        assertThat(event.get("created_at").stringValue()).endsWith("Z");
        assertThat(event.get("details").isObject()).isTrue();
        assertThat(page.get("next_cursor").isNull()).isTrue();
        assertThat(get("/v1/audit?actor=" + userId + "&action=signin", admin).json().get("events").isEmpty()).isTrue();
    }

    @Test
    void onlyAdminsMayReadIt() {
        for (int level : new int[] {PermissionLevel.USER, PermissionLevel.MODERATOR}) {
            assertProblem(get("/v1/audit", signedIn(createUser(level))), 403, "forbidden");
        }
        assertProblem(get("/v1/audit", Credential.NONE), 401, "unauthenticated");
        assertThat(get("/v1/audit", Credential.bearer(BOOTSTRAP_TOKEN)).status()).isEqualTo(200);
    }

    @Test
    void pagesStayStableWhileEventsAreAdded() {
        long userId = userWithTokens(5);
        Credential admin = signedIn(createUser(PermissionLevel.ADMIN));
        Credential owner = signedIn(userId);

        List<Long> seen = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = get("/v1/audit?target=" + userId + "&limit=2" + (cursor == null ? "" : "&cursor=" + cursor), admin)
                    .json();
            page.get("events").valueStream().forEach(e -> seen.add(e.get("id").longValue()));
            // A new event arrives between pages: it is newer than every page already read, so none shifts.
            post("/v1/users/me/tokens", "{\"name\": \"meanwhile\"}", owner);
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").stringValue();
        } while (cursor != null);

        assertThat(seen).hasSize(5).doesNotHaveDuplicates().isSortedAccordingTo((a, b) -> Long.compare(b, a));
    }

    @Test
    void filtersThatAreNotValuesAreRefused() {
        Credential admin = signedIn(createUser(PermissionLevel.ADMIN));

        JsonNode problem = assertProblem(get("/v1/audit?actor=me&since=yesterday&limit=1000&cursor=x", admin), 400,
                "validation_failed");

        assertThat(problem.get("errors").propertyNames()).containsExactlyInAnyOrder("actor", "since", "limit", "cursor");
    }

    @Test
    void theDatabaseRefusesToChangeOrRemoveWhatWasAudited() {
        long userId = userWithTokens(1);
        long count = jdbc.sql("select count(*) from audit_events where target_id = :id").param("id", userId)
                .query(Long.class).single();

        assertThatThrownBy(() -> jdbc.sql("update audit_events set action = 'nothing' where target_id = :id")
                .param("id", userId).update()).isInstanceOf(DataAccessException.class).hasStackTraceContaining("append-only");
        assertThatThrownBy(() -> jdbc.sql("delete from audit_events where target_id = :id").param("id", userId).update())
                .isInstanceOf(DataAccessException.class).hasStackTraceContaining("append-only");
        assertThatThrownBy(() -> jdbc.sql("truncate audit_events").update())
                .isInstanceOf(DataAccessException.class).hasStackTraceContaining("append-only");

        assertThat(jdbc.sql("select count(*) from audit_events where target_id = :id and action = 'token_created'")
                .param("id", userId).query(Long.class).single()).isEqualTo(count);
    }
}
