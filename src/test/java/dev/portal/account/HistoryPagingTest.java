package dev.portal.account;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;

import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The elevated lists hold the latest 50, newest first; {@code GET /v1/users/{id}/{list}} pages the rest by a
 * keyset cursor, under the rules of the elevated view (anyone else: 404, as for an unknown user).
 */
class HistoryPagingTest extends PortalTest {
    static final List<String> LISTS = List.of("moderation_actions", "subscription_history", "permission_history",
            "session_history");

    /** {@code count} warns on the user, a second apart a day ago, every pair sharing a timestamp so ids break ties. */
    private void warns(long userId, int count) {
        OffsetDateTime base = OffsetDateTime.now(Clock.systemUTC()).minusDays(1).truncatedTo(ChronoUnit.MILLIS);
        for (int i = 0; i < count; i++) {
            jdbc.sql("""
                    insert into moderation_actions (user_id, action, reason, created_at)
                    values (:userId, 'warn', :reason, :at)
                    """).param("userId", userId).param("reason", "warn " + i)
                    .param("at", base.plusSeconds(i / 2).plusNanos(123_456_000L)).update();
        }
    }

    private void permissionChanges(long userId, int count) {
        OffsetDateTime base = OffsetDateTime.now(Clock.systemUTC()).minusDays(1);
        for (int i = 0; i < count; i++) {
            jdbc.sql("""
                    insert into permission_changes (user_id, from_level, to_level, reason, created_at)
                    values (:userId, 0, 1, :reason, :at)
                    """).param("userId", userId).param("reason", "change " + i).param("at", base.plusSeconds(i)).update();
        }
    }

    /** The ids of the user's rows in {@code table}, in the order the API promises. */
    private List<Long> idsNewestFirst(String table, long userId) {
        return jdbc.sql("select id from " + table + " where user_id = :userId order by created_at desc, id desc")
                .param("userId", userId).query(Long.class).list();
    }

    private static List<Long> ids(JsonNode list) {
        List<Long> ids = new ArrayList<>();
        list.forEach(entry -> ids.add(entry.get("id").longValue()));
        return ids;
    }

    private static String cursorOf(JsonNode page) {
        return page.get("next_cursor").isNull() ? null : page.get("next_cursor").stringValue();
    }

    private static String base64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void elevatedViewAndProfileHoldTheLatestFiftyNewestFirst() {
        String username = unique("warned");
        long target = createUser(username, 0);
        long admin = createUser(2);
        warns(target, 63);
        permissionChanges(target, 55);
        List<Long> latestWarns = idsNewestFirst("moderation_actions", target).subList(0, 50);
        List<Long> latestChanges = idsNewestFirst("permission_changes", target).subList(0, 50);

        JsonNode view = get("/v1/users/" + target, signedIn(admin)).json();
        assertThat(ids(view.get("moderation_actions"))).containsExactlyElementsOf(latestWarns);
        assertThat(ids(view.get("permission_history"))).containsExactlyElementsOf(latestChanges);
        assertThat(view.get("moderation_actions").get(0).get("reason").stringValue()).isEqualTo("warn 62");

        JsonNode profile = get("/v1/users/profile/" + username, signedIn(admin)).json();
        assertThat(ids(profile.get("punishments"))).containsExactlyElementsOf(latestWarns);
        assertThat(ids(profile.get("permission_history"))).containsExactlyElementsOf(latestChanges);
    }

    @Test
    void pagingWalksEveryActionOnceInOrderWhileNewOnesArrive() {
        long target = createUser(0);
        long admin = createUser(2);
        warns(target, 65);
        List<Long> expected = idsNewestFirst("moderation_actions", target);

        List<Long> walked = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            Response response = get("/v1/users/" + target + "/moderation_actions?limit=7"
                    + (cursor == null ? "" : "&cursor=" + cursor), signedIn(admin));
            assertThat(response.status()).as(response.body()).isEqualTo(200);
            JsonNode page = response.json();
            assertThat(new ArrayList<>(page.propertyNames())).containsExactly("items", "next_cursor");
            assertThat(page.get("items").size()).isLessThanOrEqualTo(7);
            walked.addAll(ids(page.get("items")));
            cursor = cursorOf(page);
            moderate(target, "warn", null); // a new act, newest of all, lands between pages
            pages++;
        } while (cursor != null && pages < 20);

        assertThat(walked).containsExactlyElementsOf(expected);
        assertThat(new HashSet<>(walked)).hasSize(65);
        assertThat(pages).isEqualTo(10);
    }

    @Test
    void pageEntriesHaveTheShapeOfTheElevatedView() {
        long target = createUser(0);
        long admin = createUser(2);
        warns(target, 3);

        JsonNode fromView = get("/v1/users/" + target, signedIn(admin)).json().get("moderation_actions");
        JsonNode fromPage = get("/v1/users/" + target + "/moderation_actions", signedIn(admin)).json();

        assertThat(new ArrayList<>(fromPage.get("items").get(0).propertyNames()))
                .containsExactly("id", "action", "reason", "actor_id", "created_at", "expires_at");
        assertThat(fromPage.get("items")).isEqualTo(fromView);
        assertThat(fromPage.get("next_cursor").isNull()).isTrue();
    }

    @Test
    void limitDefaultsToFiftyAndIsBoundedToTwoHundred() {
        long target = createUser(0);
        long admin = createUser(2);
        warns(target, 61);
        String path = "/v1/users/" + target + "/moderation_actions";

        JsonNode first = get(path, signedIn(admin)).json();
        assertThat(first.get("items").size()).isEqualTo(50);
        JsonNode rest = get(path + "?cursor=" + cursorOf(first), signedIn(admin)).json();
        assertThat(rest.get("items").size()).isEqualTo(11);
        assertThat(rest.get("next_cursor").isNull()).isTrue();

        JsonNode all = get(path + "?limit=200", signedIn(admin)).json();
        assertThat(all.get("items").size()).isEqualTo(61);
        assertThat(all.get("next_cursor").isNull()).isTrue();
        assertThat(get(path + "?limit=1", signedIn(admin)).json().get("items").size()).isEqualTo(1);

        for (String limit : List.of("0", "201", "-1", "abc", "")) {
            JsonNode problem = assertProblem(get(path + "?limit=" + limit, signedIn(admin)), 400, "validation_failed");
            assertThat(problem.get("errors").has("limit")).isTrue();
        }
    }

    @Test
    void aMalformedCursorIs400() {
        long target = createUser(0);
        long admin = createUser(2);
        warns(target, 2);
        String path = "/v1/users/" + target + "/moderation_actions?cursor=";

        for (String cursor : List.of("", "not*base64", base64("abc"), base64("123:"), base64(":5"), base64("1:x"),
                base64("1:2:3"), base64("99999999999999999999:1"), base64("9223372036854775807:1"), "A".repeat(100))) {
            JsonNode problem = assertProblem(get(path + cursor, signedIn(admin)), 400, "validation_failed");
            assertThat(problem.get("errors").has("cursor")).as(cursor).isTrue();
        }
    }

    @Test
    void viewersWhoMayNotSeeTheElevatedViewGet404OnEveryListAndThePublicViewOfTheUser() {
        long plain = createUser(0);
        long moderator = createUser(1);
        long admin = createUser(2);
        long otherAdmin = createUser(2);
        long owner = createUser(3);
        long otherOwner = createUser(3);
        warns(plain, 2);
        warns(otherAdmin, 2);

        record Case(long viewer, long target) {
        }
        for (Case c : List.of(new Case(plain, createUser(0)), new Case(moderator, plain), new Case(admin, otherAdmin),
                new Case(admin, admin), new Case(admin, owner), new Case(owner, otherOwner), new Case(owner, owner))) {
            for (String list : LISTS) {
                assertProblem(get("/v1/users/" + c.target() + "/" + list, signedIn(c.viewer())), 404, "not_found");
            }
            assertThat(new ArrayList<>(get("/v1/users/" + c.target(), signedIn(c.viewer())).json().propertyNames()))
                    .isEqualTo(UserViewsTest.PUBLIC_FIELDS);
        }
        assertProblem(get("/v1/users/" + plain + "/moderation_actions", Credential.NONE), 401, "unauthenticated");
    }

    @Test
    void sessionHistoryPagesOnlyForAnOwner() {
        long target = createUser(0);
        long admin = createUser(2);
        long owner = createUser(3);
        for (int i = 0; i < 3; i++) {
            sessionFor(target);
        }
        List<Long> expected = idsNewestFirst("sessions", target);

        assertProblem(get("/v1/users/" + target + "/session_history", signedIn(admin)), 404, "not_found");
        assertThat(get("/v1/users/" + target + "/moderation_actions", signedIn(admin)).status()).isEqualTo(200);

        JsonNode first = get("/v1/users/" + target + "/session_history?limit=2", signedIn(owner)).json();
        assertThat(new ArrayList<>(first.get("items").get(0).propertyNames())).containsExactly("id", "platform", "ip",
                "user_agent", "country", "region", "city", "created_at", "last_seen_at", "expires_at", "revoked_at",
                "impersonated_by");
        JsonNode second = get("/v1/users/" + target + "/session_history?limit=2&cursor=" + cursorOf(first),
                signedIn(owner)).json();
        List<Long> walked = new ArrayList<>(ids(first.get("items")));
        walked.addAll(ids(second.get("items")));
        assertThat(walked).containsExactlyElementsOf(expected);
        assertThat(second.get("next_cursor").isNull()).isTrue();
    }

    @Test
    void permissionHistoryPagesTheSameWay() {
        long target = createUser(0);
        long owner = createUser(3);
        permissionChanges(target, 55);
        List<Long> expected = idsNewestFirst("permission_changes", target);

        List<Long> walked = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = get("/v1/users/" + target + "/permission_history?limit=20"
                    + (cursor == null ? "" : "&cursor=" + cursor), signedIn(owner)).json();
            walked.addAll(ids(page.get("items")));
            cursor = cursorOf(page);
        } while (cursor != null);

        assertThat(walked).containsExactlyElementsOf(expected);
        assertThat(new ArrayList<>(get("/v1/users/" + target + "/permission_history", signedIn(owner)).json()
                .get("items").get(0).propertyNames()))
                .containsExactly("id", "from_level", "to_level", "changed_by", "reason", "created_at");
        JsonNode subscriptions = get("/v1/users/" + target + "/subscription_history", signedIn(owner)).json();
        assertThat(subscriptions.get("items").isEmpty()).isTrue();
        assertThat(subscriptions.get("next_cursor").isNull()).isTrue();
    }

    @Test
    void anUnknownListOrUserIs404() {
        long target = createUser(0);
        long owner = createUser(3);

        for (String list : List.of("chats", "nope", "history", "moderation_actionsx")) {
            assertProblem(get("/v1/users/" + target + "/" + list, signedIn(owner)), 404, "not_found");
        }
        // The paged names are spelled out in the route, so the POST-only governance paths keep their 405.
        assertProblem(get("/v1/users/" + target + "/moderation", signedIn(owner)), 405, "method_not_allowed");
        long missing = target + 1_000_000;
        assertProblem(get("/v1/users/" + missing + "/moderation_actions", signedIn(owner)), 404, "not_found");
    }
}
