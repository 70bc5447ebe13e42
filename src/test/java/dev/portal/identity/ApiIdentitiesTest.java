package dev.portal.identity;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** Seed 004's linked identities: the list's exact shape, and unlinking one by its id. */
class ApiIdentitiesTest extends PortalTest {
    private static final String PATH = "/api/user/identities";

    private long identity(long userId, String platform, String instance, String platformUserId, String username,
            OffsetDateTime linkedAt) {
        return jdbc.sql("""
                insert into linked_identities (user_id, platform, instance, platform_user_id, platform_username,
                                               linked_at, last_authenticated_at)
                values (:user, :platform, :instance, :pid, :name, :at, :at) returning id
                """).param("user", userId).param("platform", platform).param("instance", instance)
                .param("pid", platformUserId).param("name", username).param("at", linkedAt).query(Long.class).single();
    }

    private static String idBody(Object id) {
        return id instanceof String s ? "{\"id\": \"" + s + "\"}" : "{\"id\": " + id + "}";
    }

    private List<String> providersOf(Credential credential) {
        return get(PATH, credential).json().valueStream().map(i -> i.get("provider").stringValue()).toList();
    }

    @Test
    void everyIdentityIsListedOldestFirstInTheSeedShape() {
        long user = createUser(0);
        OffsetDateTime t = OffsetDateTime.of(2025, 4, 1, 9, 0, 0, 123_000_000, ZoneOffset.UTC);
        String ghName = unique("gh");
        long github = identity(user, "github", "", uniqueDiscordId(), ghName, t);
        long mastodon = identity(user, "mastodon", "mastodon.social", uniqueDiscordId(), "me@mastodon.social", t.plusDays(9));
        long discord = identity(user, "discord", "", uniqueDiscordId(), unique("dc"), t.plusDays(10));
        identity(user, "telegram", "", uniqueDiscordId().substring(0, 10), null, t.plusDays(11));

        Response list = get(PATH, signedIn(user));

        assertThat(list.status()).isEqualTo(200);
        JsonNode items = list.json();
        assertThat(items.valueStream().map(i -> i.get("provider").stringValue()).toList())
                .containsExactly("github", "mastodon", "discord", "telegram");
        JsonNode first = items.get(0);
        assertThat(first.propertyNames()).containsExactly("id", "provider", "providerUsername", "createdAt");
        assertThat(first.get("id").isString()).isTrue();
        assertThat(first.get("id").stringValue()).isEqualTo(Long.toString(github));
        assertThat(first.get("providerUsername").stringValue()).isEqualTo(ghName);
        assertThat(first.get("createdAt").stringValue()).isEqualTo("2025-04-01T09:00:00.123Z");
        JsonNode second = items.get(1);
        assertThat(second.propertyNames()).containsExactly("id", "provider", "providerUsername", "instanceName", "createdAt");
        assertThat(second.get("id").stringValue()).isEqualTo(Long.toString(mastodon));
        assertThat(second.get("providerUsername").stringValue()).isEqualTo("me@mastodon.social");
        assertThat(second.get("instanceName").stringValue()).isEqualTo("mastodon.social");
        assertThat(second.get("createdAt").stringValue()).isEqualTo("2025-04-10T09:00:00.123Z");
        assertThat(items.get(2).get("id").stringValue()).isEqualTo(Long.toString(discord));
        assertThat(items.get(2).has("instanceName")).isFalse();
        // A Telegram user need not have a name: null, not left out (only instanceName is left out).
        assertThat(items.get(3).get("providerUsername").isNull()).isTrue();
        assertThat(items.get(3).has("instanceName")).isFalse();

        assertThat(get(PATH, signedIn(createUser(0))).json().size()).isZero();
    }

    @Test
    void anIdentityIsUnlinkedByItsIdAndIsGoneEverywhere() {
        String session = signInWithDiscord(uniqueDiscordId(), unique("unlinker"));
        Credential me = Credential.session(session);
        long user = userIdOf(session);
        String githubId = uniqueDiscordId();
        assertThat(link("github", me, githubId, Map.of("login", unique("ghu")), "/").callback().status()).isEqualTo(302);
        String id = get(PATH, me).json().valueStream().filter(i -> i.get("provider").stringValue().equals("github"))
                .findFirst().orElseThrow().get("id").stringValue();

        Response deleted = send("DELETE", PATH, idBody(id), me);

        assertThat(deleted.status()).as(deleted.body()).isEqualTo(204);
        assertThat(providersOf(me)).containsExactly("discord");
        assertThat(get("/v1/users/me", me).json().get("linked_platforms").valueStream()
                .map(p -> p.get("platform").stringValue()).toList()).containsExactly("discord");
        assertThat(jdbc.sql("select count(*) from audit_events where action = 'unlink' and target_id = :id")
                .param("id", user).query(Integer.class).single()).isEqualTo(1);
        assertProblem(send("DELETE", PATH, idBody(id), me), 404, "not_found");
    }

    @Test
    void aNumberIdIsTakenToo() {
        long user = createUser(0);
        linkDiscord(user, uniqueDiscordId(), unique("n"));
        long github = identity(user, "github", "", uniqueDiscordId(), unique("g"), OffsetDateTime.now(ZoneOffset.UTC));
        Credential me = signedIn(user);
        assertThat(send("DELETE", PATH, idBody(github), me).status()).isEqualTo(204);
        assertThat(providersOf(me)).containsExactly("discord");
    }

    @Test
    void theLastWayToSignInStays() {
        long user = createUser(0);
        linkDiscord(user, uniqueDiscordId(), unique("last"));
        Credential me = signedIn(user);
        String id = get(PATH, me).json().get(0).get("id").stringValue();

        assertProblem(send("DELETE", PATH, idBody(id), me), 409, "last_identity");
        assertThat(providersOf(me)).containsExactly("discord");
    }

    @Test
    void someoneElsesIdIsNotFoundLikeAnUnknownOne() {
        long owner = createUser(0);
        linkDiscord(owner, uniqueDiscordId(), unique("owner"));
        long theirs = identity(owner, "github", "", uniqueDiscordId(), unique("theirs"), OffsetDateTime.now(ZoneOffset.UTC));
        long caller = createUser(0);
        linkDiscord(caller, uniqueDiscordId(), unique("caller"));
        identity(caller, "github", "", uniqueDiscordId(), unique("mine"), OffsetDateTime.now(ZoneOffset.UTC));
        Credential me = signedIn(caller);

        JsonNode foreign = assertProblem(send("DELETE", PATH, idBody(Long.toString(theirs)), me), 404, "not_found");
        JsonNode unknown = assertProblem(send("DELETE", PATH, idBody("999999999999"), me), 404, "not_found");
        assertThat(foreign.get("title")).isEqualTo(unknown.get("title"));
        assertProblem(send("DELETE", PATH, idBody("not-an-id"), me), 404, "not_found");
        assertThat(assertProblem(send("DELETE", PATH, "{}", me), 400, "validation_failed").get("errors").has("id")).isTrue();
        assertProblem(send("DELETE", PATH, "{\"id\": [1]}", me), 400, "validation_failed");
        assertThat(providersOf(signedIn(owner))).containsExactly("discord", "github");
        assertThat(providersOf(me)).containsExactly("discord", "github");
    }

    @Test
    void sessionOnlyAndSameSiteOnly() {
        long user = createUser(0);
        linkDiscord(user, uniqueDiscordId(), unique("guarded"));
        long github = identity(user, "github", "", uniqueDiscordId(), unique("g"), OffsetDateTime.now(ZoneOffset.UTC));
        Credential bearer = Credential.bearer(apiTokenService.create(user, "bot", null, "127.0.0.1").value());
        String body = idBody(Long.toString(github));

        assertProblem(get(PATH, bearer), 403, "session_required");
        assertProblem(send("DELETE", PATH, body, bearer), 403, "session_required");
        assertProblem(post(PATH + "/verify", body, bearer), 403, "session_required");
        assertProblem(get(PATH, Credential.NONE), 401, "unauthenticated");
        assertProblem(send("DELETE", PATH, body, Credential.NONE), 401, "unauthenticated");
        assertProblem(post(PATH + "/verify", body, Credential.NONE), 401, "unauthenticated");
        Credential me = signedIn(user);
        assertProblem(send("DELETE", PATH, body, me, "Origin", "https://evil.example"), 403, "csrf");
        assertProblem(send("DELETE", PATH, body, me, "Sec-Fetch-Site", "cross-site"), 403, "csrf");
        assertProblem(post(PATH + "/verify", body, me, "Origin", "https://evil.example"), 403, "csrf");
        assertThat(providersOf(me)).containsExactly("discord", "github");
    }

    @Test
    void theEndpointsAreDocumented() throws Exception {
        // Generating the document the first time takes a while on a busy machine: more than send's 20 seconds.
        var answer = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(url("/v3/api-docs"))).timeout(java.time.Duration.ofSeconds(120)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
        JsonNode paths = json.readTree(answer.body()).get("paths");
        assertThat(paths.get(PATH).has("get")).isTrue();
        assertThat(paths.get(PATH).has("delete")).isTrue();
        assertThat(paths.get(PATH + "/verify").has("post")).isTrue();
        assertThat(paths.get("/api/user/organizations").has("get")).isTrue();
        assertThat(paths.get("/api/user/organizations").has("post")).isTrue();
    }
}
