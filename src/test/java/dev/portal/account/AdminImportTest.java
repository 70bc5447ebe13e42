package dev.portal.account;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import dev.portal.access.PermissionLevel;
import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue: {@code POST /v1/admin/users} and {@code POST /v1/admin/users/import}, moving a bot's user table over. */
class AdminImportTest extends PortalTest {
    private static final Logger log = LoggerFactory.getLogger(AdminImportTest.class);
    private static final Credential OWNER = Credential.bearer(BOOTSTRAP_TOKEN);

    /** An entry with one Discord identity; {@code extra} is more JSON fields, e.g. {@code "permission_level": 1}. */
    private static String entry(String username, String discordId, String extra) {
        return "{\"username\": \"" + username + "\", \"linked_platforms\": [{\"platform\": \"discord\", "
                + "\"platform_user_id\": \"" + discordId + "\", \"platform_username\": \"" + username + "_d\"}]"
                + (extra == null ? "" : ", " + extra) + "}";
    }

    private static String entry(String username, String discordId) {
        return entry(username, discordId, null);
    }

    private Credential admin() {
        return signedIn(createUser(PermissionLevel.ADMIN));
    }

    private long usersNamed(String username) {
        return jdbc.sql("select count(*) from users where lower(username) = lower(:name)").param("name", username)
                .query(Long.class).single();
    }

    private long usersStartingWith(String prefix) {
        return jdbc.sql("select count(*) from users where lower(username) like :prefix").param("prefix", prefix + "%")
                .query(Long.class).single();
    }

    private static String batch(List<String> entries) {
        return "{\"users\": [" + String.join(", ", entries) + "]}";
    }

    @Test
    void anAdminImportsAUserWithADiscordIdentityWhoThenSignsInToIt() {
        Credential admin = admin();
        String name = unique("imported");
        String discordId = uniqueDiscordId();

        Response response = post("/v1/admin/users",
                entry(name, discordId, "\"created_at\": \"2021-03-04T05:06:07Z\""), admin);

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        JsonNode user = response.json();
        long id = user.get("id").longValue();
        assertThat(user.get("username").stringValue()).isEqualTo(name);
        assertThat(user.get("created_at").stringValue()).isEqualTo("2021-03-04T05:06:07Z");
        assertThat(user.get("permission_level").intValue()).isZero();
        assertThat(user.get("permission_history").isEmpty()).isTrue();
        assertThat(user.get("subscription_history").isEmpty()).isTrue();
        JsonNode linked = user.get("linked_platforms").get(0);
        assertThat(linked.get("platform").stringValue()).isEqualTo("discord");
        assertThat(linked.get("platform_user_id").stringValue()).isEqualTo(discordId);
        assertThat(linked.get("platform_username").stringValue()).isEqualTo(name + "_d");

        JsonNode elevated = get("/v1/users/" + id, admin).json();
        assertThat(elevated.has("moderation_actions")).isTrue();
        assertThat(elevated.get("linked_platforms").get(0).get("platform_user_id").stringValue()).isEqualTo(discordId);
        assertThat(elevated.get("created_at").stringValue()).isEqualTo("2021-03-04T05:06:07Z");

        assertThat(jdbc.sql("select count(*) from audit_events where action = 'user_imported' and target_id = :id")
                .param("id", id).query(Long.class).single()).isEqualTo(1);

        // The point of importing a bot's table: the person's first sign-in lands on the imported account.
        String session = signInWithDiscord(discordId, name + "_d");
        assertThat(userIdOf(session)).isEqualTo(id);
        assertThat(usersStartingWith(name.toLowerCase())).isEqualTo(1);
    }

    @Test
    void aLevelBelowTheCallersIsRecordedAndOneEqualOrAboveIs403() {
        Credential admin = admin();
        long adminId = get("/v1/users/me", admin).json().get("id").longValue();

        Response moderator = post("/v1/admin/users", entry(unique("mod"), uniqueDiscordId(), "\"permission_level\": 1"),
                admin);

        assertThat(moderator.status()).as(moderator.body()).isEqualTo(201);
        assertThat(moderator.json().get("permission_level").intValue()).isEqualTo(1);
        assertThat(moderator.json().get("permission_since").isNull()).isFalse();
        JsonNode change = moderator.json().get("permission_history").get(0);
        assertThat(change.get("from_level").intValue()).isZero();
        assertThat(change.get("to_level").intValue()).isEqualTo(1);
        assertThat(change.get("changed_by").longValue()).isEqualTo(adminId);
        assertThat(change.get("reason").stringValue()).isEqualTo("import");

        for (int level : new int[] {2, 3}) {
            String name = unique("peer");
            assertProblem(post("/v1/admin/users", entry(name, uniqueDiscordId(), "\"permission_level\": " + level),
                    admin), 403, "forbidden");
            assertThat(usersNamed(name)).isZero();
        }
        Response byOwner = post("/v1/admin/users", entry(unique("adm"), uniqueDiscordId(), "\"permission_level\": 2"),
                OWNER);
        assertThat(byOwner.status()).as(byOwner.body()).isEqualTo(201);
        assertProblem(post("/v1/admin/users", entry(unique("own"), uniqueDiscordId(), "\"permission_level\": 3"),
                OWNER), 403, "forbidden");
    }

    @Test
    void subscriptionsFollowTheGrantRulesAndLifetimeIsTheOwners() {
        Credential admin = admin();
        String expiry = Instant.now().plus(Duration.ofDays(30)).truncatedTo(ChronoUnit.SECONDS).toString();

        Response premium = post("/v1/admin/users", entry(unique("prem"), uniqueDiscordId(),
                "\"subscription_tier\": 2, \"subscription_expires_at\": \"" + expiry + "\""), admin);

        assertThat(premium.status()).as(premium.body()).isEqualTo(201);
        assertThat(premium.json().get("subscription_tier").intValue()).isEqualTo(2);
        assertThat(premium.json().get("subscription_expires_at").stringValue()).isEqualTo(expiry);
        JsonNode change = premium.json().get("subscription_history").get(0);
        assertThat(change.get("to_tier").intValue()).isEqualTo(2);
        assertThat(change.get("reason").stringValue()).isEqualTo("import");

        String lifetime = unique("life");
        assertProblem(post("/v1/admin/users", entry(lifetime, uniqueDiscordId(), "\"subscription_tier\": 3"), admin),
                403, "forbidden");
        assertThat(usersNamed(lifetime)).isZero();
        Response byOwner = post("/v1/admin/users", entry(lifetime, uniqueDiscordId(), "\"subscription_tier\": 3"), OWNER);
        assertThat(byOwner.status()).as(byOwner.body()).isEqualTo(201);
        assertThat(byOwner.json().get("subscription_tier").intValue()).isEqualTo(3);

        JsonNode noExpiry = assertProblem(post("/v1/admin/users", entry(unique("trial"), uniqueDiscordId(),
                "\"subscription_tier\": 1"), admin), 400, "validation_failed");
        assertThat(noExpiry.get("errors").has("subscription_expires_at")).isTrue();
        JsonNode past = assertProblem(post("/v1/admin/users", entry(unique("trial"), uniqueDiscordId(),
                "\"subscription_tier\": 1, \"subscription_expires_at\": \"2020-01-01T00:00:00Z\""), admin), 400,
                "validation_failed");
        assertThat(past.get("errors").get("subscription_expires_at").stringValue()).contains("future");
    }

    @Test
    void anIdentityAlreadyLinkedIs409AndNothingIsWritten() {
        String discordId = uniqueDiscordId();
        long existing = createUser(PermissionLevel.USER);
        linkDiscord(existing, discordId, unique("there"));
        String name = unique("thief");

        JsonNode problem = assertProblem(post("/v1/admin/users", entry(name, discordId), admin()), 409, "identity_in_use");

        assertThat(problem.get("errors").has("linked_platforms[0]")).isTrue();
        assertThat(usersNamed(name)).isZero();
        assertThat(jdbc.sql("select user_id from linked_identities where platform = 'discord' and platform_user_id = :id")
                .param("id", discordId).query(Long.class).single()).isEqualTo(existing);
    }

    @Test
    void aTakenUsernameIgnoringCaseIs409() {
        String name = unique("taken");
        createUser(name, PermissionLevel.USER);
        String discordId = uniqueDiscordId();

        JsonNode problem = assertProblem(post("/v1/admin/users", entry(name.toUpperCase(), discordId), admin()), 409,
                "username_taken");

        assertThat(problem.get("errors").get("username").stringValue()).isEqualTo("is already taken");
        assertThat(jdbc.sql("select count(*) from linked_identities where platform_user_id = :id").param("id", discordId)
                .query(Long.class).single()).isZero();
    }

    @Test
    void badFieldsAre400WithAFieldMessage() {
        Credential admin = admin();
        String id = uniqueDiscordId();
        assertThat(assertProblem(post("/v1/admin/users", entry("Admin", id), admin), 400, "validation_failed")
                .get("errors").get("username").stringValue()).isEqualTo("is reserved");
        assertThat(assertProblem(post("/v1/admin/users", entry("no spaces here", id), admin), 400, "validation_failed")
                .get("errors").has("username")).isTrue();
        assertThat(assertProblem(post("/v1/admin/users", entry("ab", id), admin), 400, "validation_failed")
                .get("errors").has("username")).isTrue();
        JsonNode wrongTypes = assertProblem(post("/v1/admin/users", "{\"username\": 5, \"linked_platforms\": []}",
                admin), 400, "validation_failed").get("errors");
        assertThat(wrongTypes.has("username")).isTrue();
        assertThat(wrongTypes.has("linked_platforms")).isTrue();
        String name = unique("fields");
        JsonNode errors = assertProblem(post("/v1/admin/users", "{\"username\": \"" + name + "\", \"linked_platforms\": "
                + "[{\"platform\": \"myspace\", \"platform_user_id\": \"1\"}, {\"platform\": \"discord\", "
                + "\"platform_user_id\": \"" + "9".repeat(129) + "\", \"instance\": \"x.example\"}], "
                + "\"created_at\": \"2999-01-01T00:00:00Z\", \"permision_level\": 1}", admin), 400, "validation_failed")
                .get("errors");
        assertThat(errors.has("linked_platforms[0].platform")).isTrue();
        assertThat(errors.has("linked_platforms[1].platform_user_id")).isTrue();
        assertThat(errors.has("linked_platforms[1].instance")).isTrue();
        assertThat(errors.get("created_at").stringValue()).contains("future");
        assertThat(errors.has("permision_level")).isTrue();
        assertThat(usersNamed(name)).isZero();
        assertProblem(post("/v1/admin/users", "[]", admin), 400, "validation_failed");
        assertProblem(post("/v1/admin/users", "{\"username\": \"a\", \"username\": \"b\"}", admin), 400, "malformed_request");
    }

    @Test
    void moderatorsAndUsersAre403() {
        for (int level : new int[] {PermissionLevel.USER, PermissionLevel.MODERATOR}) {
            Credential caller = signedIn(createUser(level));
            String name = unique("nope");
            assertProblem(post("/v1/admin/users", entry(name, uniqueDiscordId()), caller), 403, "forbidden");
            assertProblem(post("/v1/admin/users/import", batch(List.of(entry(name, uniqueDiscordId()))), caller), 403,
                    "forbidden");
            assertThat(usersNamed(name)).isZero();
        }
        assertProblem(post("/v1/admin/users", entry(unique("anon"), uniqueDiscordId()), Credential.NONE), 401,
                "unauthenticated");
    }

    @Test
    void aThousandUsersImportInOneRequest() {
        Credential admin = admin();
        String prefix = unique("bulk").toLowerCase() + "_";
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            entries.add(i % 2 == 0 ? entry(prefix + i, uniqueDiscordId())
                    : entry(prefix + i, uniqueDiscordId(), "\"permission_level\": 1, \"created_at\": \"2020-01-01T00:00:00Z\""));
        }
        String body = batch(entries);
        // A small batch first, so the log shows the import's cost rather than a cold JVM's.
        String warmUp = unique("warm").toLowerCase() + "_";
        assertThat(post("/v1/admin/users/import", batch(List.of(entry(warmUp + 0, uniqueDiscordId()),
                entry(warmUp + 1, uniqueDiscordId(), "\"permission_level\": 1"))), admin).status()).isEqualTo(201);

        long started = System.nanoTime();
        Response response = post("/v1/admin/users/import", body, admin);
        long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
        log.info("Imported 1,000 users ({} bytes of JSON) in {} ms", body.length(), millis);

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().get("imported").intValue()).isEqualTo(1000);
        List<Long> ids = response.json().get("ids").valueStream().map(JsonNode::longValue).toList();
        assertThat(ids).hasSize(1000).doesNotHaveDuplicates();
        assertThat(usersStartingWith(prefix)).isEqualTo(1000);
        // Ids come back in the order of the entries.
        assertThat(jdbc.sql("select username from users where id = :id").param("id", ids.get(777)).query(String.class)
                .single()).isEqualTo(prefix + 777);
        assertThat(jdbc.sql("select count(*) from permission_changes where user_id in (:ids) and reason = 'import'")
                .param("ids", ids).query(Long.class).single()).isEqualTo(500);
        assertThat(jdbc.sql("select count(*) from audit_events where action = 'user_imported' and target_id in (:ids)")
                .param("ids", ids).query(Long.class).single()).isEqualTo(1000);
    }

    @Test
    void oneBadEntryRefusesTheWholeBatchNamingItsIndex() {
        Credential admin = admin();
        String prefix = unique("half").toLowerCase() + "_";
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            entries.add(entry(i == 500 ? "system" : prefix + i, uniqueDiscordId()));
        }

        JsonNode problem = assertProblem(post("/v1/admin/users/import", batch(entries), admin), 400, "validation_failed");

        assertThat(problem.get("index").intValue()).isEqualTo(500);
        assertThat(problem.get("errors").get("users[500].username").stringValue()).isEqualTo("is reserved");
        assertThat(usersStartingWith(prefix)).isZero();
    }

    @Test
    void duplicatesWithinTheBatchAndTakenIdentitiesAreRefused() {
        Credential admin = admin();
        String prefix = unique("dup").toLowerCase() + "_";
        String repeated = uniqueDiscordId();
        JsonNode sameIdentity = assertProblem(post("/v1/admin/users/import", batch(List.of(entry(prefix + 0, repeated),
                entry(prefix + 1, uniqueDiscordId()), entry(prefix + 2, repeated))), admin), 400, "validation_failed");
        assertThat(sameIdentity.get("index").intValue()).isEqualTo(2);
        assertThat(sameIdentity.get("errors").has("users[2].linked_platforms[0]")).isTrue();

        JsonNode sameName = assertProblem(post("/v1/admin/users/import", batch(List.of(entry(prefix + "a", uniqueDiscordId()),
                entry(prefix.toUpperCase() + "A", uniqueDiscordId()))), admin), 400, "validation_failed");
        assertThat(sameName.get("errors").has("users[1].username")).isTrue();

        String taken = uniqueDiscordId();
        linkDiscord(createUser(PermissionLevel.USER), taken, unique("owner"));
        JsonNode inUse = assertProblem(post("/v1/admin/users/import", batch(List.of(entry(prefix + 3, uniqueDiscordId()),
                entry(prefix + 4, taken))), admin), 409, "identity_in_use");
        assertThat(inUse.get("index").intValue()).isEqualTo(1);
        assertThat(inUse.get("errors").has("users[1].linked_platforms[0]")).isTrue();

        JsonNode lifetime = assertProblem(post("/v1/admin/users/import", batch(List.of(entry(prefix + 5, uniqueDiscordId()),
                entry(prefix + 6, uniqueDiscordId(), "\"subscription_tier\": 3"))), admin), 403, "forbidden");
        assertThat(lifetime.get("index").intValue()).isEqualTo(1);
        assertThat(usersStartingWith(prefix)).isZero();
    }

    @Test
    void moreThanAThousandOrNoneIs400() {
        Credential admin = admin();
        String prefix = unique("over").toLowerCase() + "_";
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            entries.add(entry(prefix + i, uniqueDiscordId()));
        }
        assertThat(assertProblem(post("/v1/admin/users/import", batch(entries), admin), 400, "validation_failed")
                .get("errors").has("users")).isTrue();
        assertProblem(post("/v1/admin/users/import", batch(List.of()), admin), 400, "validation_failed");
        assertProblem(post("/v1/admin/users/import", "{\"users\": {}}", admin), 400, "validation_failed");
        assertThat(usersStartingWith(prefix)).isZero();
    }

    @Test
    void theBulkPathTakesTwoMebibytesAndRefusesMoreUnread() throws IOException {
        // Declared, not sent: the answer must come before the body does.
        String head = rawHead("/v1/admin/users/import", 3L * 1024 * 1024);
        assertThat(head).startsWith("HTTP/1.1 413");
        assertThat(head).contains("payload_too_large");
        // The single import keeps the 64 KiB cap of every other JSON body.
        assertThat(rawHead("/v1/admin/users", 100 * 1024)).startsWith("HTTP/1.1 413");

        // A body over 64 KiB but under the bulk cap is read: here it fails validation, not on size.
        String padding = "x".repeat(200 * 1024);
        Response big = post("/v1/admin/users/import", "{\"users\": [], \"pad\": \"" + padding + "\"}", admin());
        assertProblem(big, 400, "validation_failed");
    }

    /** Sends only the request head, declaring {@code length} bytes of JSON, and reads whatever answer comes. */
    private static String rawHead(String path, long length) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", java.net.URI.create(url("/")).getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Authorization: Bearer " + BOOTSTRAP_TOKEN + "\r\nContent-Length: " + length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            int n;
            try {
                while ((n = in.read(buffer)) > 0) {
                    answer.write(buffer, 0, n);
                    if (answer.toString(StandardCharsets.UTF_8).contains("}")) {
                        break;
                    }
                }
            } catch (java.net.SocketTimeoutException e) {
                // Whatever arrived is the answer.
            }
            return answer.toString(StandardCharsets.UTF_8);
        }
    }
}
