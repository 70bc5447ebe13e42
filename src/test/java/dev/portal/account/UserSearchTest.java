package dev.portal.account;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.portal.access.PermissionLevel;
import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 7 item 7: {@code GET /v1/users} for Admin+, by username prefix or platform id, filtered, paged. */
class UserSearchTest extends PortalTest {

    private List<Long> ids(JsonNode page) {
        return page.get("users").valueStream().map(u -> u.get("id").longValue()).toList();
    }

    @Test
    void anAdminFindsUsersByUsernamePrefixIgnoringCaseInIdOrder() {
        String stem = unique("Srch");
        long a = createUser(stem + "_a", PermissionLevel.USER);
        long b = createUser(stem.toUpperCase() + "_B", PermissionLevel.USER);
        createUser(unique("other"), PermissionLevel.USER);
        Credential admin = signedIn(createUser(PermissionLevel.ADMIN));

        JsonNode page = get("/v1/users?query=" + stem.toLowerCase(), admin).json();

        assertThat(ids(page)).containsExactly(a, b);
        assertThat(page.get("next_cursor").isNull()).isTrue();
        // The full view, as /v1/users/me shows it, for users the admin can act on.
        assertThat(page.get("users").get(0).get("permission_level").intValue()).isZero();
        assertThat(page.get("users").get(0).has("linked_platforms")).isTrue();
        // An underscore in the query is a character, not a wildcard.
        assertThat(ids(get("/v1/users?query=" + stem.substring(0, stem.length() - 1) + "_", admin).json())).isEmpty();
    }

    @Test
    void anExactPlatformUserIdFindsItsUser() {
        long user = createUser(PermissionLevel.USER);
        String discordId = uniqueDiscordId();
        linkDiscord(user, discordId, unique("disc"));
        Credential admin = signedIn(createUser(PermissionLevel.ADMIN));

        assertThat(ids(get("/v1/users?query=" + discordId, admin).json())).containsExactly(user);
        assertThat(ids(get("/v1/users?query=" + discordId + "&platform=discord", admin).json())).containsExactly(user);
        assertThat(ids(get("/v1/users?query=" + discordId + "&platform=github", admin).json())).isEmpty();
        assertThat(ids(get("/v1/users?query=" + discordId.substring(0, 10), admin).json())).doesNotContain(user);
    }

    @Test
    void filtersByStateTierAndPermissionAsTheyStandNow() {
        String stem = unique("filt");
        long banned = createUser(stem + "_banned", PermissionLevel.USER);
        long timedOut = createUser(stem + "_timed", PermissionLevel.USER);
        long premium = createUser(stem + "_premium", PermissionLevel.USER);
        long lapsed = createUser(stem + "_lapsed", PermissionLevel.USER);
        long moderator = createUser(stem + "_mod", PermissionLevel.MODERATOR);
        moderate(banned, "ban", null);
        moderate(timedOut, "timeout", Duration.ofHours(1));
        changeInSql("update users set subscription_tier = 2, subscription_expires_at = now() + interval '1 day' where id = :id",
                "id", premium);
        changeInSql("update users set subscription_tier = 1, subscription_expires_at = now() - interval '1 day' where id = :id",
                "id", lapsed);
        Credential admin = signedIn(createUser(PermissionLevel.ADMIN));
        String q = "/v1/users?query=" + stem;

        assertThat(ids(get(q + "&state=2", admin).json())).containsExactly(banned);
        assertThat(ids(get(q + "&state=1", admin).json())).containsExactly(timedOut);
        assertThat(ids(get(q + "&state=0", admin).json())).containsExactly(premium, lapsed, moderator);
        assertThat(ids(get(q + "&tier=2", admin).json())).containsExactly(premium);
        // A lapsed trial reads as Basic at once.
        assertThat(ids(get(q + "&tier=0", admin).json())).containsExactly(banned, timedOut, lapsed, moderator);
        assertThat(ids(get(q + "&permission=1", admin).json())).containsExactly(moderator);
    }

    @Test
    void pagesFollowTheCursorToTheEnd() {
        String stem = unique("page");
        List<Long> made = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            made.add(createUser(stem + "_" + i, PermissionLevel.USER));
        }
        Credential admin = signedIn(createUser(PermissionLevel.ADMIN));

        List<Long> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = get("/v1/users?query=" + stem + "&limit=2" + (cursor == null ? "" : "&cursor=" + cursor), admin)
                    .json();
            seen.addAll(ids(page));
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").stringValue();
            pages++;
        } while (cursor != null);

        assertThat(seen).isEqualTo(made);
        assertThat(pages).isEqualTo(3);
    }

    @Test
    void onlyAdminsSearchAndTheyGetThePublicViewOfPeersAndSuperiors() {
        String stem = unique("peer");
        long peerAdmin = createUser(stem + "_admin", PermissionLevel.ADMIN);
        long user = createUser(stem + "_user", PermissionLevel.USER);

        assertProblem(get("/v1/users?query=" + stem, signedIn(createUser(PermissionLevel.MODERATOR))), 403, "forbidden");
        assertProblem(get("/v1/users?query=" + stem, signedIn(user)), 403, "forbidden");
        assertProblem(get("/v1/users", Credential.NONE), 401, "unauthenticated");

        JsonNode page = get("/v1/users?query=" + stem, signedIn(createUser(PermissionLevel.ADMIN))).json();
        JsonNode peer = page.get("users").get(0);
        assertThat(peer.get("id").longValue()).isEqualTo(peerAdmin);
        assertThat(peer.has("permission_level")).as("a peer's private fields").isFalse();
        assertThat(page.get("users").get(1).has("permission_level")).isTrue();
    }

    @Test
    void filtersThatAreNotValuesAreRefused() {
        Credential admin = signedIn(createUser(PermissionLevel.ADMIN));

        JsonNode problem = assertProblem(get("/v1/users?state=5&tier=x&permission=-1&platform=myspace&limit=500&cursor=a",
                admin), 400, "validation_failed");

        assertThat(problem.get("errors").propertyNames()).containsExactlyInAnyOrder("state", "tier", "permission", "platform",
                "limit", "cursor");
    }
}
