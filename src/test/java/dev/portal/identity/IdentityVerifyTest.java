package dev.portal.identity;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.portal.platform.SecretCipher;
import dev.portal.support.FakeAtproto;
import dev.portal.support.FakeMastodon;
import dev.portal.support.FakeProviderApis;
import dev.portal.support.PortalTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /api/user/identities/verify}: the profile re-read at the provider with the stored token,
 * an expired token refreshed (and stored sealed), a revoked one answered with a new sign-in's link.
 */
class IdentityVerifyTest extends PortalTest {
    private static final String VERIFY = "/api/user/identities/verify";

    @Autowired
    SecretCipher cipher;

    @AfterEach
    void normal() {
        providerApis().reset();
    }

    /** A signed-in user and one of their identities. */
    private record Linked(Credential session, long userId, long identityId, Platform platform, String instance,
            String platformUserId) {
        String context() {
            return LinkedIdentity.tokenContext(platform, instance, platformUserId);
        }

        String body() {
            return "{\"id\": \"" + identityId + "\"}";
        }
    }

    private record Stored(byte[] accessToken, byte[] refreshToken, Instant expiresAt, String username, String avatar,
            Instant lastAuthenticatedAt) {
    }

    private Stored stored(long identityId) {
        return jdbc.sql("""
                select access_token, refresh_token, token_expires_at, platform_username, platform_avatar_url,
                       last_authenticated_at
                from linked_identities where id = :id
                """).param("id", identityId).query((rs, row) -> new Stored(rs.getBytes("access_token"),
                rs.getBytes("refresh_token"),
                rs.getObject("token_expires_at", OffsetDateTime.class) == null ? null
                        : rs.getObject("token_expires_at", OffsetDateTime.class).toInstant(),
                rs.getString("platform_username"), rs.getString("platform_avatar_url"),
                rs.getObject("last_authenticated_at", OffsetDateTime.class).toInstant())).single();
    }

    private String open(byte[] sealed, Linked linked) {
        return cipher.open(sealed, linked.context()).orElseThrow();
    }

    private Linked linked(String session, Platform platform) {
        Credential credential = Credential.session(session);
        long userId = userIdOf(session);
        return jdbc.sql("select id, instance, platform_user_id from linked_identities where user_id = :u and platform = :p")
                .param("u", userId).param("p", platform.key())
                .query((rs, row) -> new Linked(credential, userId, rs.getLong("id"), platform, rs.getString("instance"),
                        rs.getString("platform_user_id"))).single();
    }

    /** What the shown name and avatar were before: stale, so that a verify visibly reads them anew. */
    private void makeStale(Linked linked) {
        jdbc.sql("""
                update linked_identities set platform_username = 'stale-name', platform_avatar_url = null,
                       last_authenticated_at = '2020-01-01T00:00:00Z' where id = :id
                """).param("id", linked.identityId()).update();
    }

    private Linked discord(String username, String avatarHash) {
        String id = uniqueDiscordId();
        var signIn = signInWithDiscord(id, username, avatarHash, "/");
        assertThat(signIn.callback().status()).as(signIn.callback().body()).isEqualTo(302);
        return linked(signIn.session(), Platform.DISCORD);
    }

    private static JsonNode assertVerified(Response response, Linked linked) {
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode body = response.json();
        assertThat(body.get("id").stringValue()).isEqualTo(Long.toString(linked.identityId()));
        assertThat(body.get("provider").stringValue()).isEqualTo(linked.platform().key());
        assertThat(body.get("verified").booleanValue()).isTrue();
        assertThat(body.get("verifiedAt").stringValue()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(body.get("createdAt").stringValue()).endsWith("Z");
        return body;
    }

    private JsonNode assertReauthentication(Response response, String linkUrlEnding) {
        JsonNode problem = assertProblem(response, 409, "reauthentication_required");
        assertThat(problem.get("linkUrl").stringValue()).startsWith(url("/v1/auth/")).endsWith(linkUrlEnding);
        return problem;
    }

    private int audited(long userId, String action) {
        return jdbc.sql("select count(*) from audit_events where action = :a and target_id = :id")
                .param("a", action).param("id", userId).query(Integer.class).single();
    }

    /** A refresh at Discord's token endpoint, as Portal would make it; the status it answers. */
    private static int refreshAtDiscord(String refreshToken) throws Exception {
        String basic = Base64.getEncoder().encodeToString((DISCORD_CLIENT_ID + ":portal-test-secret")
                .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(providerApis().discordTokenUrl())).header("Authorization", "Basic " + basic)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=refresh_token&refresh_token="
                        + URLEncoder.encode(refreshToken, StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
        return answer.statusCode();
    }

    // ---- Discord and GitHub ----

    @Test
    void discordIsReadAnewWithTheStoredToken() {
        String name = unique("fresh");
        Linked linked = discord(name, "a_0123456789abcdef0123456789abcdef");
        makeStale(linked);
        byte[] tokenBefore = stored(linked.identityId()).accessToken();

        JsonNode body = assertVerified(post(VERIFY, linked.body(), linked.session()), linked);

        assertThat(body.get("providerUsername").stringValue()).isEqualTo(name);
        assertThat(body.has("instanceName")).isFalse();
        Stored after = stored(linked.identityId());
        assertThat(after.username()).isEqualTo(name);
        assertThat(after.avatar()).isEqualTo("https://cdn.discordapp.com/avatars/" + linked.platformUserId()
                + "/a_0123456789abcdef0123456789abcdef.gif");
        assertThat(after.lastAuthenticatedAt()).isAfter(Instant.parse("2024-01-01T00:00:00Z"));
        // A token that still works is not refreshed.
        assertThat(after.accessToken()).isEqualTo(tokenBefore);
        assertThat(audited(linked.userId(), "identity_verified")).isEqualTo(1);
        // The list shows the fresh name too, and so does v1.
        assertThat(get("/api/user/identities", linked.session()).json().get(0).get("providerUsername").stringValue())
                .isEqualTo(name);
        assertThat(get("/v1/users/me", linked.session()).json().get("linked_platforms").get(0)
                .get("platform_username").stringValue()).isEqualTo(name);
    }

    @Test
    void githubIsReadAnewWithTheStoredToken() {
        String login = unique("octo");
        String githubId = uniqueDiscordId();
        Linked linked = linked(signedInWith("github", githubId, Map.of("login", login)), Platform.GITHUB);
        makeStale(linked);

        JsonNode body = assertVerified(post(VERIFY, "{\"id\": " + linked.identityId() + "}", linked.session()), linked);

        assertThat(body.get("providerUsername").stringValue()).isEqualTo(login);
        assertThat(stored(linked.identityId()).avatar()).isEqualTo("https://avatars.githubusercontent.com/u/" + githubId + "?v=4");
    }

    @Test
    void xIsReadAnewWithTheStoredToken() {
        String id = uniqueDiscordId();
        String handle = unique("xv");
        Linked linked = linked(signedInWith("x", id, Map.of("username", handle, "name", "Ex Vee")), Platform.X);
        makeStale(linked);

        assertThat(assertVerified(post(VERIFY, linked.body(), linked.session()), linked).get("providerUsername")
                .stringValue()).isEqualTo(handle);
        assertThat(stored(linked.identityId()).avatar()).isEqualTo("https://pbs.twimg.com/profile_images/" + id + "/normal.jpg");
    }

    @Test
    void linkedinIsReadAnewAtItsUserinfoEndpoint() {
        String sub = "li-" + uniqueDiscordId();
        Linked linked = linked(signedInWith("linkedin", sub, Map.of("name", "Grace Hopper",
                "picture", "https://media.licdn.com/grace.jpg")), Platform.LINKEDIN);
        makeStale(linked);

        assertThat(assertVerified(post(VERIFY, linked.body(), linked.session()), linked).get("providerUsername")
                .stringValue()).isEqualTo("Grace Hopper");
        assertThat(stored(linked.identityId()).avatar()).isEqualTo("https://media.licdn.com/grace.jpg");
    }

    @Test
    void anExpiredTokenIsRefreshedStoredSealedAndTheOldRefreshTokenIsSpent() throws Exception {
        Linked linked = discord(unique("expired"), null);
        Stored before = stored(linked.identityId());
        String oldAccess = open(before.accessToken(), linked);
        String oldRefresh = open(before.refreshToken(), linked);
        jdbc.sql("update linked_identities set token_expires_at = :past where id = :id")
                .param("past", OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(5)).param("id", linked.identityId()).update();

        assertVerified(post(VERIFY, linked.body(), linked.session()), linked);

        Stored after = stored(linked.identityId());
        String newAccess = open(after.accessToken(), linked);
        String newRefresh = open(after.refreshToken(), linked);
        assertThat(newAccess).isNotEqualTo(oldAccess);
        assertThat(newRefresh).isNotEqualTo(oldRefresh);
        assertThat(new String(after.accessToken(), StandardCharsets.ISO_8859_1)).doesNotContain(newAccess);
        assertThat(new String(after.refreshToken(), StandardCharsets.ISO_8859_1)).doesNotContain(newRefresh);
        assertThat(after.expiresAt()).isAfter(clock.instant());
        assertThat(refreshAtDiscord(oldRefresh)).isEqualTo(400);
        // The new tokens work: a second verify uses them without refreshing.
        assertVerified(post(VERIFY, linked.body(), linked.session()), linked);
        assertThat(open(stored(linked.identityId()).accessToken(), linked)).isEqualTo(newAccess);
    }

    private Instant refreshingUntil(Linked linked) {
        OffsetDateTime until = jdbc.sql("select refreshing_until from linked_identities where id = :id")
                .param("id", linked.identityId()).query(OffsetDateTime.class).optional().orElse(null);
        return until == null ? null : until.toInstant();
    }

    @Test
    void aSlowRefreshHoldsNoConnectionNorTheIdentitysRow() throws Exception {
        Linked linked = discord(unique("slowref"), null);
        String oldRefresh = open(stored(linked.identityId()).refreshToken(), linked);
        expire(linked);
        providerApis().holdDiscordRefreshes();
        CompletableFuture<Response> verify;
        try {
            verify = CompletableFuture.supplyAsync(() -> post(VERIFY, linked.body(), linked.session()));
            assertThat(providerApis().awaitDiscordRefresh(5_000)).isTrue();
            // While Discord takes its time: the lease is taken, but no transaction is open and nothing is locked.
            assertThat(refreshingUntil(linked)).isAfter(clock.instant());
            assertThat(jdbc.sql("""
                    select count(*) from pg_locks l join pg_class c on c.oid = l.relation
                    where c.relname = 'linked_identities' and l.pid <> pg_backend_pid()
                    """).query(Integer.class).single()).isZero();
            assertThat(jdbc.sql("""
                    select count(*) from pg_stat_activity
                    where datname = current_database() and pid <> pg_backend_pid()
                      and state like 'idle in transaction%' and query ilike '%linked_identities%'
                    """).query(Integer.class).single()).isZero();
            assertThat(jdbc.sql("select id from linked_identities where id = :id for update nowait")
                    .param("id", linked.identityId()).query(Long.class).single()).isEqualTo(linked.identityId());
        } finally {
            providerApis().releaseDiscordRefreshes();
        }

        assertVerified(verify.get(15, TimeUnit.SECONDS), linked);
        assertThat(providerApis().discordRefreshesOf(oldRefresh)).isEqualTo(1);
        assertThat(open(stored(linked.identityId()).refreshToken(), linked)).isNotEqualTo(oldRefresh);
        assertThat(refreshingUntil(linked)).isNull();
    }

    @Test
    void twoVerifiesAtOnceSpendTheSingleUseRefreshTokenOnce() throws Exception {
        Linked linked = discord(unique("twice"), null);
        String oldRefresh = open(stored(linked.identityId()).refreshToken(), linked);
        expire(linked);
        providerApis().holdDiscordRefreshes();
        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            Future<Response> first = two.submit(() -> post(VERIFY, linked.body(), linked.session()));
            assertThat(providerApis().awaitDiscordRefresh(5_000)).isTrue();
            Future<Response> second = two.submit(() -> post(VERIFY, linked.body(), linked.session()));
            // The second finds the lease taken and waits for the tokens the first stores.
            Thread.sleep(700);
            providerApis().releaseDiscordRefreshes();

            assertVerified(first.get(15, TimeUnit.SECONDS), linked);
            assertVerified(second.get(15, TimeUnit.SECONDS), linked);
        } finally {
            providerApis().releaseDiscordRefreshes();
            two.shutdownNow();
        }
        assertThat(providerApis().discordRefreshesOf(oldRefresh)).isEqualTo(1);
        String newRefresh = open(stored(linked.identityId()).refreshToken(), linked);
        assertThat(newRefresh).isNotEqualTo(oldRefresh);
        assertThat(providerApis().discordRefreshesOf(newRefresh)).isZero();
        assertThat(refreshingUntil(linked)).isNull();
        assertThat(audited(linked.userId(), "identity_verified")).isEqualTo(2);
    }

    @Test
    void aLeaseThatDoesNotEndAnswers503AndAnEndedOneIsTakenOver() {
        Linked linked = discord(unique("leased"), null);
        String oldRefresh = open(stored(linked.identityId()).refreshToken(), linked);
        expire(linked);
        // Another node's refresh, still under way.
        jdbc.sql("update linked_identities set refreshing_until = :until where id = :id")
                .param("until", OffsetDateTime.now(ZoneOffset.UTC).plusMinutes(1)).param("id", linked.identityId()).update();

        Response busy = post(VERIFY, linked.body(), linked.session());
        assertProblem(busy, 503, "refresh_in_progress");
        assertThat(busy.header("Retry-After")).isNotBlank();
        assertThat(providerApis().discordRefreshesOf(oldRefresh)).isZero();

        // That node died: its lease has run out, and the next verify refreshes.
        jdbc.sql("update linked_identities set refreshing_until = :until where id = :id")
                .param("until", OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(1)).param("id", linked.identityId()).update();
        assertVerified(post(VERIFY, linked.body(), linked.session()), linked);
        assertThat(providerApis().discordRefreshesOf(oldRefresh)).isEqualTo(1);
        assertThat(refreshingUntil(linked)).isNull();
    }

    @Test
    void aRefusedRefreshEndsTheLease() {
        Linked linked = discord(unique("refref"), null);
        Stored before = stored(linked.identityId());
        providerApis().revoke(open(before.refreshToken(), linked));
        expire(linked);

        assertReauthentication(post(VERIFY, linked.body(), linked.session()), "/v1/auth/discord/link");

        assertThat(refreshingUntil(linked)).isNull();
        assertThat(stored(linked.identityId()).refreshToken()).isEqualTo(before.refreshToken());
    }

    @Test
    void aTokenTheProviderRefusesIsRefreshedOnce() {
        Linked linked = discord(unique("refused"), null);
        String oldAccess = open(stored(linked.identityId()).accessToken(), linked);
        providerApis().revoke(oldAccess);

        assertVerified(post(VERIFY, linked.body(), linked.session()), linked);

        assertThat(open(stored(linked.identityId()).accessToken(), linked)).isNotEqualTo(oldAccess);
    }

    @Test
    void aRevokedGrantAsksForANewSignInAndDeletesNothing() {
        Linked linked = discord(unique("revoked"), null);
        Stored before = stored(linked.identityId());
        providerApis().revoke(open(before.accessToken(), linked));
        providerApis().revoke(open(before.refreshToken(), linked));

        assertReauthentication(post(VERIFY, linked.body(), linked.session()), "/v1/auth/discord/link");

        Stored after = stored(linked.identityId());
        assertThat(after.accessToken()).isEqualTo(before.accessToken());
        assertThat(after.refreshToken()).isEqualTo(before.refreshToken());
        assertThat(get("/api/user/identities", linked.session()).json().size()).isEqualTo(1);
        assertThat(audited(linked.userId(), "identity_verified")).isZero();
    }

    @Test
    void githubHasNoRefreshSoARevokedTokenAsksForANewSignIn() {
        Linked linked = linked(signedInWith("github", uniqueDiscordId(), Map.of("login", unique("gone"))), Platform.GITHUB);
        providerApis().revoke(open(stored(linked.identityId()).accessToken(), linked));

        assertReauthentication(post(VERIFY, linked.body(), linked.session()), "/v1/auth/github/link");
    }

    @Test
    void aProviderThatIsDownAnswers502AndChangesNothing() {
        Linked linked = discord(unique("down"), null);
        makeStale(linked);
        providerApis().behave("discord", FakeProviderApis.Behaviour.DOWN);

        assertProblem(post(VERIFY, linked.body(), linked.session()), 502, "provider_unavailable");

        assertThat(stored(linked.identityId()).username()).isEqualTo("stale-name");
    }

    @Test
    void aSlowProviderAnswers504() {
        Linked linked = discord(unique("slow"), null);
        providerApis().behave("discord", FakeProviderApis.Behaviour.SLOW);

        assertProblem(post(VERIFY, linked.body(), linked.session()), 504, "provider_timeout");
    }

    @Test
    void anIdentityWithoutATokenAsksForANewSignIn() {
        long user = createUser(0);
        linkDiscord(user, uniqueDiscordId(), unique("imported"));
        Credential me = signedIn(user);
        String id = get("/api/user/identities", me).json().get(0).get("id").stringValue();

        assertReauthentication(post(VERIFY, "{\"id\": \"" + id + "\"}", me), "/v1/auth/discord/link");
    }

    @Test
    void telegramCannotBeVerified() {
        long user = createUser(0);
        linkDiscord(user, uniqueDiscordId(), unique("tg"));
        long telegram = jdbc.sql("""
                insert into linked_identities (user_id, platform, platform_user_id, platform_username, linked_at,
                                               last_authenticated_at)
                values (:u, 'telegram', :id, 'tguser', now(), now()) returning id
                """).param("u", user).param("id", uniqueDiscordId().substring(0, 10)).query(Long.class).single();

        assertProblem(post(VERIFY, "{\"id\": \"" + telegram + "\"}", signedIn(user)), 422, "verification_unsupported");
    }

    @Test
    void someoneElsesIdentityIsNotFound() {
        Linked theirs = discord(unique("theirs"), null);
        long caller = createUser(0);
        linkDiscord(caller, uniqueDiscordId(), unique("caller"));

        assertProblem(post(VERIFY, theirs.body(), signedIn(caller)), 404, "not_found");
        assertProblem(post(VERIFY, "{\"id\": \"nope\"}", signedIn(caller)), 404, "not_found");
        assertProblem(post(VERIFY, "{}", signedIn(caller)), 400, "validation_failed");
    }

    @Test
    void verifyingIsLimitedPerUser() {
        long user = createUser(0);
        linkDiscord(user, uniqueDiscordId(), unique("limited"));
        Credential me = signedIn(user);
        String body = "{\"id\": \"" + get("/api/user/identities", me).json().get(0).get("id").stringValue() + "\"}";
        for (int i = 0; i < 10; i++) {
            assertProblem(post(VERIFY, body, me), 409, "reauthentication_required");
        }
        Response limited = post(VERIFY, body, me);
        assertProblem(limited, 429, "rate_limited");
        assertThat(limited.header("Retry-After")).isNotBlank();
        // Another user has a bucket of their own.
        long other = createUser(0);
        linkDiscord(other, uniqueDiscordId(), unique("other"));
        Credential them = signedIn(other);
        String theirs = "{\"id\": \"" + get("/api/user/identities", them).json().get(0).get("id").stringValue() + "\"}";
        assertProblem(post(VERIFY, theirs, them), 409, "reauthentication_required");
    }

    // ---- Mastodon ----

    private static String mastodonHost() {
        return unique("v").replace('_', '-').replace("--", "-") + ".mastodon.test";
    }

    private String signedInAtMastodon(String host, FakeMastodon.Account account) {
        Response start = get("/v1/auth/mastodon/login?redirect=/home&instance="
                + URLEncoder.encode(mastodon().url(host), StandardCharsets.UTF_8), Credential.NONE);
        assertThat(start.status()).as(start.body()).isEqualTo(302);
        mastodon().nextAccount(host, account);
        Response authorize = viaStandIn(mastodon().port(), start.header("Location"));
        assertThat(authorize.status()).as(authorize.body()).isEqualTo(302);
        Response callback = get(authorize.header("Location"), Credential.NONE, "Cookie", "psignin=" + start.cookie("psignin"));
        assertThat(callback.status()).as(callback.body()).isEqualTo(302);
        return callback.cookie("psession");
    }

    /** A token the instance never issued, sealed in place of the real one: as if the person revoked Portal's. */
    private void replaceToken(Linked linked, String token) {
        jdbc.sql("update linked_identities set access_token = :t where id = :id")
                .param("t", cipher.seal(token, linked.context())).param("id", linked.identityId()).update();
    }

    @Test
    void mastodonIsReadAnewAtTheInstance() {
        String host = mastodonHost();
        FakeMastodon.Account account = FakeMastodon.Account.random();
        Linked linked = linked(signedInAtMastodon(host, account), Platform.MASTODON);
        String key = host + ":" + mastodon().port();
        makeStale(linked);

        JsonNode body = assertVerified(post(VERIFY, linked.body(), linked.session()), linked);

        assertThat(body.get("providerUsername").stringValue()).isEqualTo(account.username() + "@" + key);
        assertThat(body.get("instanceName").stringValue()).isEqualTo(key);
        assertThat(stored(linked.identityId()).avatar()).isEqualTo(account.avatar());
    }

    @Test
    void aRevokedMastodonTokenAsksForANewSignInAtThatInstance() {
        String host = mastodonHost();
        Linked linked = linked(signedInAtMastodon(host, FakeMastodon.Account.random()), Platform.MASTODON);
        replaceToken(linked, "revoked-" + unique("t"));

        assertReauthentication(post(VERIFY, linked.body(), linked.session()),
                "/v1/auth/mastodon/link?instance=" + URLEncoder.encode(host + ":" + mastodon().port(), StandardCharsets.UTF_8));
    }

    @Test
    void aMastodonInstanceThatIsDownAnswers502() {
        String host = mastodonHost();
        Linked linked = linked(signedInAtMastodon(host, FakeMastodon.Account.random()), Platform.MASTODON);
        mastodon().down(host);
        try {
            assertProblem(post(VERIFY, linked.body(), linked.session()), 502, "provider_unavailable");
        } finally {
            mastodon().normal(host);
        }
    }

    // ---- Bluesky ----

    private String signedInAtBluesky(String handle) {
        Response login = get("/v1/auth/bluesky/login?redirect=/home&handle=" + URLEncoder.encode(handle, StandardCharsets.UTF_8),
                Credential.NONE);
        assertThat(login.status()).as(login.body()).isEqualTo(302);
        Response authorize = viaStandIn(atproto().port(), login.header("Location"));
        assertThat(authorize.status()).as(authorize.body()).isEqualTo(302);
        Response callback = get(authorize.header("Location"), Credential.NONE, "Cookie", "psignin=" + login.cookie("psignin"));
        assertThat(callback.status()).as(callback.body()).isEqualTo(302);
        return callback.cookie("psession");
    }

    private static String blueskyHandle(String stem) {
        return unique(stem).toLowerCase(Locale.ROOT).replace('_', '-') + ".test";
    }

    @Test
    void blueskyIsReadAnewAtThePdsWithTheDpopBoundToken() {
        FakeAtproto.Account account = atproto().account(blueskyHandle("bsv"));
        Linked linked = linked(signedInAtBluesky(account.handle()), Platform.BLUESKY);
        makeStale(linked);
        int profileReads = atproto().profileCount();

        JsonNode body = assertVerified(post(VERIFY, linked.body(), linked.session()), linked);

        assertThat(body.get("providerUsername").stringValue()).isEqualTo(account.handle());
        assertThat(atproto().profileCount()).isGreaterThan(profileReads);
        assertThat(stored(linked.identityId()).username()).isEqualTo(account.handle());
        assertThat(stored(linked.identityId()).avatar()).isEqualTo(account.avatar());
    }

    @Test
    void anExpiredBlueskyTokenIsRefreshedWithItsDpopKeyAndTheRefreshTokenIsSpent() {
        FakeAtproto.Account account = atproto().account(blueskyHandle("bse"));
        Linked linked = linked(signedInAtBluesky(account.handle()), Platform.BLUESKY);
        Stored before = stored(linked.identityId());
        String oldAccess = open(before.accessToken(), linked);
        String oldRefresh = open(before.refreshToken(), linked);
        expire(linked);

        assertVerified(post(VERIFY, linked.body(), linked.session()), linked);

        Stored after = stored(linked.identityId());
        String newAccess = open(after.accessToken(), linked);
        String newRefresh = open(after.refreshToken(), linked);
        assertThat(newAccess).isNotEqualTo(oldAccess).isEqualTo(atproto().lastTokenResponse().get("access_token"));
        assertThat(newRefresh).isNotEqualTo(oldRefresh);
        assertThat(new String(after.refreshToken(), StandardCharsets.ISO_8859_1)).doesNotContain(newRefresh);
        assertThat(after.expiresAt()).isAfter(clock.instant());

        // The spent refresh token put back (as a stale copy of the row would hold it) is refused: a new sign-in.
        jdbc.sql("update linked_identities set refresh_token = :r where id = :id")
                .param("r", before.refreshToken()).param("id", linked.identityId()).update();
        expire(linked);
        assertReauthentication(post(VERIFY, linked.body(), linked.session()),
                "/v1/auth/bluesky/link?handle=" + URLEncoder.encode(account.handle(), StandardCharsets.UTF_8));
    }

    private void expire(Linked linked) {
        jdbc.sql("update linked_identities set token_expires_at = :past where id = :id")
                .param("past", OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(5)).param("id", linked.identityId()).update();
    }

    @Test
    void aRefusedBlueskyTokenIsRefreshedOnce() {
        FakeAtproto.Account account = atproto().account(blueskyHandle("bs401"));
        Linked linked = linked(signedInAtBluesky(account.handle()), Platform.BLUESKY);
        replaceToken(linked, "revoked-" + unique("t"));

        assertVerified(post(VERIFY, linked.body(), linked.session()), linked);
        assertThat(open(stored(linked.identityId()).accessToken(), linked)).isEqualTo(atproto().lastTokenResponse().get("access_token"));
    }

    @Test
    void aBlueskyTokenThatIsRefusedWithNoWorkingRefreshAsksForANewSignIn() {
        FakeAtproto.Account account = atproto().account(blueskyHandle("bsr"));
        Linked linked = linked(signedInAtBluesky(account.handle()), Platform.BLUESKY);
        replaceToken(linked, "revoked-" + unique("t"));
        jdbc.sql("update linked_identities set refresh_token = :r where id = :id")
                .param("r", cipher.seal("revoked-" + unique("r"), linked.context())).param("id", linked.identityId()).update();

        assertReauthentication(post(VERIFY, linked.body(), linked.session()),
                "/v1/auth/bluesky/link?handle=" + URLEncoder.encode(account.handle(), StandardCharsets.UTF_8));
    }
}
