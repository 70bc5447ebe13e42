package dev.portal.signin;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.IDN;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import dev.portal.identity.LinkedIdentity;
import dev.portal.identity.Platform;
import dev.portal.platform.SecretCipher;
import dev.portal.support.FakeMastodon;
import dev.portal.support.FakeMastodon.Account;
import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Mastodon sign-in end to end against {@link FakeMastodon}: the instance a person names, Portal's app
 * registered there once, the code flow with state and PKCE, the identity (account id, instance), linking
 * and unlinking per instance, and every way an instance is refused.
 *
 * <p>Each test names instances of its own (the stand-in and the database outlive a test, so counts start
 * at zero only on a fresh name), written as the allowed stand-in's {@code http://x.mastodon.test:port}.
 * Portal resolves those names through the tests' DNS; the test's own visits to the instance (the
 * browser at the authorize page, a check of a token) go over a bare socket to the stand-in with the
 * instance's {@code Host}, since the JDK client neither resolves {@code *.mastodon.test} nor sets Host.
 */
class MastodonSigninTest extends PortalTest {
    private static final String CALLBACK = url("/v1/auth/mastodon/callback");
    private static final String SCOPES = "read:accounts write:statuses";
    private static final String DENIED = "denied.mastodon.test";

    @Autowired
    SecretCipher cipher;

    // ---- instances ----

    /** A Mastodon instance no other test has used: a name under *.mastodon.test, which the stand-in serves. */
    private static String newInstance() {
        return unique("m").replace('_', '-').replace("--", "-") + ".mastodon.test";
    }

    /** The instance as a person writes the allowed stand-in: {@code http://host:port}. */
    private static String urlOf(String host) {
        return mastodon().url(host);
    }

    /** The instance as Portal keys apps and identities: the host, with the stand-in's port (not http's 80). */
    private static String keyOf(String host) {
        return host + ":" + mastodon().port();
    }

    // ---- the browser's flow ----

    /** A sign-in or link as a browser goes through it: Portal's start, the instance's authorize page, Portal's callback. */
    record Flow(Response start, Raw authorize, Response callback) {
        String session() {
            return callback.cookie("psession");
        }

        String state() {
            return start.cookie("psignin");
        }
    }

    private Response start(String step, String instance, Credential credential) {
        return get("/v1/auth/mastodon/" + step + "?redirect=/home" + (instance == null ? "" : "&instance=" + encode(instance)),
                credential);
    }

    private Response login(String instance) {
        return start("login", instance, Credential.NONE);
    }

    /**
     * Starts at Portal with {@code instance} as written, lets {@code account} approve at the stand-in's
     * {@code host}, and calls Portal back with the browser's flow cookie.
     */
    private Flow flow(String step, String instance, String host, Credential credential, Account account) {
        Response start = start(step, instance, credential);
        assertThat(start.status()).as(start.body()).isEqualTo(302);
        mastodon().nextAccount(host, account);
        Raw authorize = browse(start.header("Location"));
        assertThat(authorize.status()).as(authorize.body()).isEqualTo(302);
        Response callback = get(authorize.header("Location"), credential, "Cookie", "psignin=" + start.cookie("psignin"));
        return new Flow(start, authorize, callback);
    }

    private Flow signIn(String host, Account account) {
        return flow("login", urlOf(host), host, Credential.NONE, account);
    }

    private Flow link(String host, String session, Account account) {
        return flow("link", urlOf(host), host, Credential.session(session), account);
    }

    /** Signs {@code account} in at {@code host} and answers the new session. */
    private String signedIn(String host, Account account) {
        Flow flow = signIn(host, account);
        assertThat(flow.callback().status()).as(flow.callback().body()).isEqualTo(302);
        assertThat(flow.session()).isNotBlank();
        return flow.session();
    }

    /** An answer of the stand-in, read off the socket; header names in any case. */
    record Raw(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name);
        }
    }

    /**
     * A GET at an instance the way a browser sends it, {@code Host} and all, over a bare socket to the
     * stand-in (every instance is on its one port). {@code headers} are name, value pairs.
     */
    private static Raw browse(String url, String... headers) {
        URI uri = URI.create(url);
        assertThat(uri.getScheme()).isEqualTo("http");
        assertThat(uri.getPort()).as("an instance of the stand-in: %s", url).isEqualTo(mastodon().port());
        StringBuilder request = new StringBuilder("GET ").append(uri.getRawPath())
                .append(uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()).append(" HTTP/1.1\r\n")
                .append("Host: ").append(uri.getRawAuthority()).append("\r\nConnection: close\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        request.append("\r\n");
        try (Socket socket = new Socket("127.0.0.1", mastodon().port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int end = answer.indexOf("\r\n\r\n");
            String[] lines = answer.substring(0, end).split("\r\n");
            Map<String, String> fields = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                fields.put(lines[i].substring(0, colon), lines[i].substring(colon + 1).strip());
            }
            return new Raw(Integer.parseInt(lines[0].split(" ")[1]), fields, answer.substring(end + 4));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- what Portal shows and keeps ----

    /** The Mastodon entries of {@code linked_platforms}, as {@code platform_username}s. */
    private List<String> mastodonNames(String session) {
        return get("/v1/users/me", Credential.session(session)).json().get("linked_platforms").valueStream()
                .filter(p -> p.get("platform").stringValue().equals("mastodon"))
                .map(p -> p.get("platform_username").stringValue()).toList();
    }

    private List<String> platformsOf(String session) {
        return get("/v1/users/me", Credential.session(session)).json().get("linked_platforms").valueStream()
                .map(p -> p.get("platform").stringValue()).toList();
    }

    /** Rows of {@code mastodon_apps} for the host, on any port. */
    private long appRows(String host) {
        return jdbc.sql("select count(*) from mastodon_apps where instance = :host or instance like :host || ':%'")
                .param("host", host).query(Long.class).single();
    }

    /** Asserts a refused start: the problem, and neither a flow cookie nor a way on to the instance. */
    private void assertRefused(Response response, int status, String code) {
        assertProblem(response, status, code);
        assertThat(response.cookie("psignin")).as("no flow is bound to the browser").isNull();
        assertThat(response.header("Location")).isNull();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String s256(String verifier) throws Exception {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
    }

    // ---- signing in ----

    @Test
    void aPersonSignsInOnTheirInstanceAndIsKnownByAccountIdAndInstance() throws Exception {
        String host = newInstance();
        String key = keyOf(host);
        Account alice = Account.random();

        Flow flow = signIn(host, alice);

        assertThat(flow.callback().status()).as(flow.callback().body()).isEqualTo(302);
        assertThat(flow.callback().header("Location")).isEqualTo("/home");
        assertThat(flow.session()).isNotBlank();
        JsonNode me = get("/v1/users/me", Credential.session(flow.session())).json();
        assertThat(me.get("linked_platforms").size()).isEqualTo(1);
        JsonNode linked = me.get("linked_platforms").get(0);
        assertThat(linked.get("platform").stringValue()).isEqualTo("mastodon");
        assertThat(linked.get("platform_user_id").stringValue()).isEqualTo(alice.id());
        assertThat(linked.get("platform_username").stringValue()).isEqualTo(alice.username() + "@" + key);
        assertThat(linked.get("platform_avatar_url").stringValue()).isEqualTo(alice.avatar());
        long userId = me.get("id").longValue();

        // Portal registered its app there first: for its callback, asking what it will ask the person for.
        assertThat(mastodon().apps(host)).hasSize(1);
        FakeMastodon.App app = mastodon().apps(host).get(0);
        assertThat(app.scopes()).containsExactly("read:accounts", "write:statuses");
        assertThat(app.redirectUris()).containsExactly(CALLBACK);
        assertThat(app.name()).isEqualTo("Portal");

        // The browser was sent to the instance's authorize page with the state and a PKCE S256 challenge...
        assertThat(flow.start().header("Location")).startsWith("http://" + key + "/oauth/authorize?");
        FakeMastodon.Sent authorize = mastodon().lastAuthorize(host);
        assertThat(authorize.field("client_id")).isEqualTo(app.clientId());
        assertThat(authorize.field("redirect_uri")).isEqualTo(CALLBACK);
        assertThat(authorize.field("response_type")).isEqualTo("code");
        assertThat(authorize.field("scope")).isEqualTo(SCOPES);
        assertThat(authorize.field("state")).isNotBlank().isEqualTo(flow.state());
        assertThat(authorize.field("code_challenge_method")).isEqualTo("S256");
        assertThat(authorize.field("code_challenge")).isNotBlank();
        // ...and the code came back with the verifier that challenge was made from.
        FakeMastodon.Sent token = mastodon().lastTokenRequest(host);
        assertThat(token.field("client_id")).isEqualTo(app.clientId());
        assertThat(token.field("redirect_uri")).isEqualTo(CALLBACK);
        assertThat(token.field("code_verifier")).isNotBlank();
        assertThat(s256(token.field("code_verifier"))).isEqualTo(authorize.field("code_challenge"));

        // Kept as (mastodon, account id, instance); the access token sealed, yet one the instance accepts.
        Map<String, Object> row = jdbc.sql("""
                select instance, platform_user_id, access_token from linked_identities
                where user_id = :id and platform = 'mastodon'
                """).param("id", userId).query().singleRow();
        assertThat(row).containsEntry("instance", key).containsEntry("platform_user_id", alice.id());
        byte[] sealed = (byte[]) row.get("access_token");
        String accessToken = cipher.open(sealed, LinkedIdentity.tokenContext(Platform.MASTODON, key, alice.id()))
                .orElseThrow();
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain(accessToken);
        Raw verified = browse(urlOf(host) + "/api/v1/accounts/verify_credentials", "Authorization", "Bearer " + accessToken);
        assertThat(verified.status()).as(verified.body()).isEqualTo(200);
        assertThat(json.readTree(verified.body()).get("id").stringValue()).isEqualTo(alice.id());

        assertThat(jdbc.sql("""
                select count(*) from audit_events
                where action = 'signin' and target_id = :id and details ->> 'platform' = 'mastodon'
                  and details ->> 'instance' = :instance and details ->> 'platform_user_id' = :account
                """).param("id", userId).param("instance", keyOf(host)).param("account", alice.id())
                .query(Long.class).single()).isEqualTo(1);
    }

    @Test
    void theInstanceIsItsHostInLowerCaseAsciiWithoutPathOrUserHoweverItIsWritten() {
        String unicode = "bücher-" + newInstance();
        String host = IDN.toASCII(unicode);
        String key = keyOf(host);
        assertThat(host).startsWith("xn--");
        Account bob = Account.random();

        // Upper case, an IDN and a profile path: the instance is the ASCII host, in lower case.
        Flow flow = flow("login", "http://" + unicode.toUpperCase(Locale.ROOT) + ":" + mastodon().port() + "/@" + bob.username(),
                host, Credential.NONE, bob);

        assertThat(flow.callback().status()).as(flow.callback().body()).isEqualTo(302);
        assertThat(mastodonNames(flow.session())).containsExactly(bob.username() + "@" + key);
        assertThat(jdbc.sql("select instance from mastodon_apps where instance like :host || '%'").param("host", host)
                .query(String.class).list()).containsExactly(key);

        // An address (user@host, @user@host), a bare host or an https URL name the same instance, reached over
        // https: the app already registered for it is used, and nothing is registered anew.
        String clientId = mastodon().apps(host).get(0).clientId();
        for (String written : List.of(bob.username() + "@" + unicode + ":" + mastodon().port(),
                "@" + bob.username() + "@" + unicode.toUpperCase(Locale.ROOT) + ":" + mastodon().port(),
                host + ":" + mastodon().port(), "https://" + host + ":" + mastodon().port() + "/@" + bob.username())) {
            Response start = login(written);
            assertThat(start.status()).as("%s: %s", written, start.body()).isEqualTo(302);
            assertThat(start.header("Location")).as(written).startsWith("https://" + key + "/oauth/authorize?")
                    .contains("client_id=" + encode(clientId));
        }
        assertThat(mastodon().registrations(host)).isEqualTo(1);

        // Without a port that is https on 443, which no allowed host is: this machine is refused there.
        assertRefused(login(bob.username() + "@" + host), 400, "host_not_allowed");
    }

    @Test
    void portalRegistersItsAppOnceAnInstanceAndKeepsTheSecretSealed() {
        String host = newInstance();
        String key = keyOf(host);
        Account first = Account.random();

        long firstUser = userIdOf(signedIn(host, first));
        String second = signedIn(host, Account.random());
        long again = userIdOf(signedIn(host, first));

        assertThat(mastodon().registrations(host)).isEqualTo(1);
        assertThat(mastodon().lastRegistration(host)).isNotNull();
        FakeMastodon.App app = mastodon().apps(host).get(0);
        assertThat(mastodon().lastAuthorize(host).field("client_id")).isEqualTo(app.clientId());
        assertThat(again).as("the same account is the same user").isEqualTo(firstUser);
        assertThat(userIdOf(second)).isNotEqualTo(firstUser);

        Map<String, Object> row = jdbc.sql("select * from mastodon_apps where instance = :key").param("key", key)
                .query().singleRow();
        assertThat(row).containsEntry("client_id", app.clientId()).containsEntry("scopes", SCOPES)
                .containsEntry("redirect_uri", CALLBACK);
        byte[] secret = (byte[]) row.get("client_secret");
        assertThat(new String(secret, StandardCharsets.ISO_8859_1)).doesNotContain(app.clientSecret());
        assertThat(cipher.open(secret, "mastodon-app:" + key)).contains(app.clientSecret());
        assertThat(appRows(host)).isEqualTo(1);
    }

    @Test
    void twoFirstSignInsRacingOnANewInstanceRegisterPortalThereOnce() throws Exception {
        String host = newInstance();
        mastodon().registrationDelay(Duration.ofMillis(500));
        ExecutorService browsers = Executors.newFixedThreadPool(2);
        CyclicBarrier together = new CyclicBarrier(2);
        try {
            List<CompletableFuture<Response>> starts = List.of(1, 2).stream()
                    .map(n -> CompletableFuture.supplyAsync(() -> {
                        try {
                            together.await(5, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        return login(urlOf(host));
                    }, browsers)).toList();

            for (CompletableFuture<Response> start : starts) {
                Response response = start.get(20, TimeUnit.SECONDS);
                assertThat(response.status()).as(response.body()).isEqualTo(302);
                assertThat(response.cookie("psignin")).isNotNull();
                assertThat(DiscordSigninTest.query(response.header("Location")).get("client_id"))
                        .isEqualTo(mastodon().apps(host).get(0).clientId());
            }
        } finally {
            browsers.shutdownNow();
        }
        assertThat(mastodon().registrations(host)).isEqualTo(1);
        assertThat(mastodon().requests(host)).as("registration attempts that reached the instance").isEqualTo(1);
        assertThat(appRows(host)).isEqualTo(1);
    }

    // ---- several instances, linking, unlinking ----

    @Test
    void theSameAccountIdOnTwoInstancesIsTwoPeople() {
        String one = newInstance();
        String two = newInstance();
        String id = Account.random().id();
        Account onOne = new Account(id, "sam", "Sam", "https://files.mastodon.test/sam.png");
        Account onTwo = new Account(id, "sam", "Another Sam", "https://files.mastodon.test/other-sam.png");

        String first = signedIn(one, onOne);
        String second = signedIn(two, onTwo);

        assertThat(userIdOf(first)).isNotEqualTo(userIdOf(second));
        assertThat(mastodonNames(first)).containsExactly("sam@" + keyOf(one));
        assertThat(mastodonNames(second)).containsExactly("sam@" + keyOf(two));
        assertThat(jdbc.sql("select instance from linked_identities where platform = 'mastodon' and platform_user_id = :id "
                + "order by id").param("id", id).query(String.class).list()).containsExactly(keyOf(one), keyOf(two));
        // Each stays who they are on a later sign-in.
        assertThat(userIdOf(signedIn(two, onTwo))).isEqualTo(userIdOf(second));
    }

    @Test
    void aUserLinksAccountsOnSeveralInstancesAndUnlinksOneByItsInstance() {
        String one = newInstance();
        String two = newInstance();
        Account mine = Account.random();
        Account alsoMine = Account.random();
        String session = signedIn(one, mine);
        long userId = userIdOf(session);

        Flow linked = link(two, session, alsoMine);

        assertThat(linked.callback().status()).as(linked.callback().body()).isEqualTo(302);
        assertThat(linked.callback().header("Location")).isEqualTo("/home");
        assertThat(linked.session()).as("linking issues no new session").isNull();
        assertThat(mastodonNames(session)).containsExactlyInAnyOrder(mine.username() + "@" + keyOf(one),
                alsoMine.username() + "@" + keyOf(two));
        assertThat(jdbc.sql("select count(*) from audit_events where action = 'link' and target_id = :id "
                + "and details ->> 'platform' = 'mastodon'").param("id", userId).query(Long.class).single()).isEqualTo(1);
        // The linked account signs in to the same user.
        assertThat(userIdOf(signedIn(two, alsoMine))).isEqualTo(userIdOf(session));

        // The instance as shown in the name, in any case: only that one goes.
        Response unlink = send("DELETE", "/v1/users/me/identities/mastodon?instance="
                + encode(keyOf(two).toUpperCase(Locale.ROOT)), null, Credential.session(session));

        assertThat(unlink.status()).as(unlink.body()).isEqualTo(204);
        assertThat(mastodonNames(session)).containsExactly(mine.username() + "@" + keyOf(one));
        assertProblem(send("DELETE", "/v1/users/me/identities/mastodon?instance=" + encode(keyOf(two)), null,
                Credential.session(session)), 404, "not_found");
        // The one left is the last way in.
        assertProblem(send("DELETE", "/v1/users/me/identities/mastodon?instance=" + encode(keyOf(one)), null,
                Credential.session(session)), 409, "last_identity");
        assertThat(mastodonNames(session)).containsExactly(mine.username() + "@" + keyOf(one));
    }

    @Test
    void linkingAMastodonAccountThatIsAnotherUsersIsRefused() {
        String host = newInstance();
        Account taken = Account.random();
        String owner = signedIn(host, taken);
        String other = signInWithDiscord(uniqueDiscordId(), unique("other"));

        Flow attempt = link(host, other, taken);

        assertProblem(attempt.callback(), 409, "identity_in_use");
        assertThat(platformsOf(other)).containsExactly("discord");
        assertThat(mastodonNames(owner)).containsExactly(taken.username() + "@" + keyOf(host));
        assertThat(jdbc.sql("select count(*) from audit_events where action = 'link_refused' and target_id = :id")
                .param("id", userIdOf(other)).query(Long.class).single()).isEqualTo(1);
    }

    // ---- refusals ----

    @Test
    void anInstanceMustBeNamed() {
        assertRefused(login(null), 400, "invalid_instance");
        assertRefused(login(""), 400, "invalid_instance");
        assertRefused(login("   "), 400, "invalid_instance");
    }

    @Test
    void plainHttpUserInfoAndOtherSchemesAreRefusedBeforeAnythingIsAsked() {
        String host = newInstance();
        for (String written : List.of("http://other.example:80", "http://other.example",
                "http://u:p@" + host + ":" + mastodon().port(), "https://u@" + host + ":" + mastodon().port(),
                "ftp://" + host + ":" + mastodon().port(), "127.0.0.1", "https://127.0.0.1")) {
            assertRefused(login(written), 400, "host_not_allowed");
        }
        assertThat(mastodon().requests(host)).isZero();
        assertThat(appRows(host)).isZero();
        assertThat(appRows("other.example")).isZero();
        assertThat(appRows("127.0.0.1")).isZero();
    }

    @Test
    void aNameThatLeadsToAPrivateAddressIsRefusedWithoutConnecting() {
        String name = "private-" + newInstance().replace(".mastodon.test", ".example");
        dns().map(name, "10.0.0.9");
        long flows = jdbc.sql("select count(*) from signin_flows").query(Long.class).single();

        long started = System.nanoTime();
        Response refused = login(name);

        assertRefused(refused, 400, "host_not_allowed");
        // A connection to 10.0.0.9 would end in a timeout or a 502; the refusal comes from the address check.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
        assertThat(jdbc.sql("select count(*) from signin_flows").query(Long.class).single()).isEqualTo(flows);
        assertThat(appRows(name)).isZero();
    }

    @Test
    void anInstanceThatRedirectsItsRegistrationElsewhereIsNotFollowed() {
        String host = newInstance();
        String elsewhere = newInstance();
        mastodon().redirectTo(host, "http://10.0.0.9/api/v1/apps");
        assertRefused(login(urlOf(host)), 502, "provider_unavailable");

        // Not even to an instance Portal may reach: a registration is one POST to the instance named.
        mastodon().redirectTo(host, urlOf(elsewhere) + "/api/v1/apps");
        assertRefused(login(urlOf(host)), 502, "provider_unavailable");

        assertThat(mastodon().requests(host)).isEqualTo(2);
        assertThat(mastodon().requests(elsewhere)).isZero();
        assertThat(appRows(host)).isZero();
        assertThat(appRows(elsewhere)).isZero();
    }

    @Test
    void aSlowInstanceTimesOutInTime() {
        String host = newInstance();
        mastodon().slow(host);

        long started = System.nanoTime();
        Response refused = login(urlOf(host));

        assertRefused(refused, 504, "provider_timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(3_500));
        assertThat(mastodon().requests(host)).isEqualTo(1);
        assertThat(appRows(host)).isZero();
    }

    @Test
    void instancesSlowToRegisterDoNotHoldUpEveryoneElse() throws Exception {
        // More than the database pool (ten connections by default), each asked for the first time.
        List<String> slow = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            slow.add(newInstance());
            mastodon().slow(slow.get(i));
        }
        ExecutorService browsers = Executors.newFixedThreadPool(slow.size());
        try {
            List<CompletableFuture<Response>> starts = slow.stream()
                    .map(host -> CompletableFuture.supplyAsync(() -> login(urlOf(host)), browsers)).toList();
            long deadline = System.nanoTime() + Duration.ofMillis(1_500).toNanos();
            while (slow.stream().filter(host -> mastodon().requests(host) > 0).count() < 10 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(slow.stream().filter(host -> mastodon().requests(host) > 0).count())
                    .as("instances Portal is waiting for").isGreaterThanOrEqualTo(10);

            // While Portal waits for them, another person starts signing in.
            long started = System.nanoTime();
            Response other = get("/v1/auth/discord/login", Credential.NONE);

            assertThat(other.status()).as(other.body()).isEqualTo(302);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
            for (CompletableFuture<Response> start : starts) {
                assertProblem(start.get(20, TimeUnit.SECONDS), 504, "provider_timeout");
            }
        } finally {
            browsers.shutdownNow();
        }
    }

    @Test
    void anEndlessDownOrRefusingInstanceIsUnavailable() {
        String endless = newInstance();
        mastodon().endless(endless);
        long started = System.nanoTime();
        assertRefused(login(urlOf(endless)), 502, "provider_unavailable");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(3_500));

        String down = newInstance();
        mastodon().down(down);
        assertRefused(login(urlOf(down)), 502, "provider_unavailable");

        String refusing = newInstance();
        mastodon().refuseRegistrations(true);
        assertRefused(login(urlOf(refusing)), 502, "provider_unavailable");
        assertThat(mastodon().lastRegistration(refusing)).as("the registration was asked").isNotNull();

        for (String host : List.of(endless, down, refusing)) {
            assertThat(mastodon().requests(host)).as(host).isPositive();
            assertThat(mastodon().registrations(host)).as(host).isZero();
            assertThat(appRows(host)).as(host).isZero();
        }
    }

    @Test
    void aDeniedInstanceAndItsSubdomainsAreRefused() {
        int before = mastodon().requests(DENIED);
        for (String written : List.of("alice@" + DENIED, "@alice@DENIED.Mastodon.Test", "sub." + DENIED, urlOf(DENIED),
                urlOf("sub." + DENIED), "https://" + DENIED + "/@alice")) {
            assertRefused(login(written), 403, "instance_denied");
        }
        assertThat(mastodon().requests(DENIED)).isEqualTo(before);
        assertThat(mastodon().requests("sub." + DENIED)).isZero();
        assertThat(appRows(DENIED)).isZero();
        assertThat(appRows("sub." + DENIED)).isZero();

        // A name that only ends in the same letters is another instance.
        String lookalike = newInstance().replace(".mastodon.test", DENIED);
        assertThat(login(urlOf(lookalike)).status()).isEqualTo(302);
    }

    @Test
    void aDeniedInstanceListedInUnicodeIsRefusedHoweverItIsWritten() {
        String listed = "bücher-" + DENIED;
        String ascii = IDN.toASCII(listed);

        for (String written : List.of(urlOf(listed), urlOf(ascii), "alice@" + listed, "sub." + ascii)) {
            assertRefused(login(written), 403, "instance_denied");
        }
        assertThat(mastodon().requests(ascii)).isZero();
        assertThat(appRows(ascii)).isZero();
    }

    // ---- state, codes, limits ----

    @Test
    void aCallbackWorksOnceAndACodeIsNotTakenTwice() {
        String host = newInstance();
        Flow first = signIn(host, Account.random());
        assertThat(first.callback().status()).as(first.callback().body()).isEqualTo(302);
        FakeMastodon.Sent exchanged = mastodon().lastTokenRequest(host);

        // The same callback again: its state is spent, and the instance is not asked.
        Response replay = get(first.authorize().header("Location"), Credential.NONE, "Cookie", "psignin=" + first.state());
        assertProblem(replay, 400, "invalid_state");
        assertThat(replay.cookie("psession")).isNull();
        assertThat(mastodon().lastTokenRequest(host)).isSameAs(exchanged);

        // The same code in a fresh flow of this browser: the instance refuses it, and Portal signs nobody in.
        String code = DiscordSigninTest.query(first.authorize().header("Location")).get("code");
        Response fresh = login(urlOf(host));
        String state = fresh.cookie("psignin");
        Response reused = get(CALLBACK + "?code=" + encode(code) + "&state=" + encode(state), Credential.NONE,
                "Cookie", "psignin=" + state);
        assertProblem(reused, 400, "signin_failed");
        assertThat(reused.cookie("psession")).isNull();
        assertThat(mastodon().lastTokenRequest(host).field("code")).isEqualTo(code);
    }

    @Test
    void anInstanceThatKeepsFailingToRegisterIsAskedThreeTimesAMinute() {
        String host = newInstance();
        mastodon().refuseRegistrations(true);
        for (int i = 0; i < 3; i++) {
            assertRefused(login(urlOf(host)), 502, "provider_unavailable");
        }

        Response limited = login(urlOf(host));

        assertRefused(limited, 429, "rate_limited");
        // Three a minute: the next attempt is due in 20 s.
        assertThat(limited.header("Retry-After")).matches("[1-9][0-9]*");
        assertThat(Long.parseLong(limited.header("Retry-After"))).isBetween(1L, 20L);
        assertThat(mastodon().requests(host)).as("registration attempts that reached the instance").isEqualTo(3);
        // Another instance is not held back by this one.
        String other = newInstance();
        assertRefused(login(urlOf(other)), 502, "provider_unavailable");
        assertThat(mastodon().requests(other)).isEqualTo(1);

        // A minute later, the instance answering again, Portal registers there.
        mastodon().refuseRegistrations(false);
        clock.advance(Duration.ofMinutes(1));
        assertThat(login(urlOf(host)).status()).isEqualTo(302);
        assertThat(mastodon().registrations(host)).isEqualTo(1);
        assertThat(appRows(host)).isEqualTo(1);
    }
}
