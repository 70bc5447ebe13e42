package dev.portal.emailchange;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.portal.platform.ApiTime;
import dev.portal.platform.Secrets;
import dev.portal.support.PortalTest;
import dev.portal.support.TestMail;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** SECURITY 19 and 23 through real HTTP and a real SMTP server (GreenMail): request, mails, confirm. */
class EmailChangeTest extends PortalTest {
    private static final Pattern LINK = Pattern.compile("(http://\\S+/api/user/change-email/confirm\\?token=([A-Za-z0-9_-]+))");
    private static final String REQUEST = "/api/user/change-email/request";

    /** A user of their own with {@code email} as their address (null for none). */
    private long userWithEmail(String email) {
        long id = createUser(1);
        if (email != null) {
            changeInSql("update users set email = :email, email_verified = true where id = :id", "email", email, "id", id);
        }
        return id;
    }

    private static String address(String stem) {
        return unique(stem).toLowerCase().replace('_', '.') + "@example.com";
    }

    private Response request(Credential who, String email) {
        return post(REQUEST, "{\"email\": \"" + email + "\"}", who);
    }

    /** The one link mailed to {@code address}: the full URL and its token. */
    private static String[] linkMailedTo(String address) {
        List<MimeMessage> mails = TestMail.await(address, 1);
        assertThat(mails).as("mails to %s", address).hasSize(1);
        Matcher m = LINK.matcher(TestMail.text(mails.get(0)));
        assertThat(m.find()).as("a confirmation link in %s", TestMail.text(mails.get(0))).isTrue();
        return new String[] {m.group(1), m.group(2)};
    }

    private String confirmPath(String token) {
        return "/api/user/change-email/confirm?token=" + token;
    }

    private String storedEmail(long id) {
        return jdbc.sql("select email from users where id = :id").param("id", id).query(String.class).single();
    }

    @Test
    void aConfirmedChangeReachesTheAccountAndTheOldAddressIsToldWithoutTheLink() throws Exception {
        String old = address("old");
        long id = userWithEmail(old);
        Credential me = signedIn(id);
        String wanted = address("new");
        Instant before = clock.instant();

        Response requested = request(me, wanted.replace("@example.com", "@EXAMPLE.Com"));

        assertThat(requested.status()).as(requested.body()).isEqualTo(202);
        assertThat(requested.json().get("email").stringValue()).isEqualTo(wanted);
        Instant expiresAt = Instant.parse(requested.json().get("expiresAt").stringValue());
        assertThat(expiresAt).isBetween(before.plus(Duration.ofHours(24)).minusMillis(1),
                clock.instant().plus(Duration.ofHours(24)));
        assertThat(requested.json().get("expiresAt").stringValue()).isEqualTo(ApiTime.format(expiresAt));
        String[] link = linkMailedTo(wanted);
        assertThat(link[0]).startsWith(url("/api/user/change-email/confirm?token="));
        MimeMessage confirmation = TestMail.to(wanted).get(0);
        assertThat(confirmation.getFrom()[0].toString()).isEqualTo("Portal <no-reply@localhost>");
        assertThat(confirmation.getHeader("Date")).isNotEmpty();
        List<MimeMessage> notices = TestMail.await(old, 1);
        assertThat(notices).hasSize(1);
        String notice = TestMail.text(notices.get(0));
        assertThat(notice).contains(wanted.charAt(0) + "***@example.com").doesNotContain(link[1], wanted, "token=");
        // Nothing changes before the link is opened.
        assertThat(get("/api/user", me).json().get("email").stringValue()).isEqualTo(old);

        // Opened from a mail program, perhaps signed out: the token alone proves it.
        Response confirmed = get(link[0], Credential.NONE);

        assertThat(confirmed.status()).as(confirmed.body()).isEqualTo(200);
        assertThat(confirmed.header("Content-Type")).startsWith("application/json");
        assertThat(confirmed.json().get("id").stringValue()).isEqualTo(Long.toString(id));
        assertThat(confirmed.json().get("email").stringValue()).isEqualTo(wanted);
        assertThat(confirmed.json().get("emailVerified").booleanValue()).isTrue();
        JsonNode user = get("/api/user", me).json();
        assertThat(user.get("email").stringValue()).isEqualTo(wanted);
        assertThat(user.get("emailVerified").booleanValue()).isTrue();
        assertThat(storedEmail(id)).isEqualTo(wanted);
    }

    @Test
    void anAccountWithoutAnAddressGetsOneVerified() {
        long id = userWithEmail(null);
        Credential me = signedIn(id);
        assertThat(get("/api/user", me).json().get("emailVerified").booleanValue()).isFalse();
        String wanted = address("first");

        assertThat(request(me, wanted).status()).isEqualTo(202);
        Response confirmed = get(confirmPath(linkMailedTo(wanted)[1]), me);

        assertThat(confirmed.status()).as(confirmed.body()).isEqualTo(200);
        assertThat(get("/api/user", me).json().get("email").stringValue()).isEqualTo(wanted);
        assertThat(get("/api/user", me).json().get("emailVerified").booleanValue()).isTrue();
    }

    @Test
    void aStoredValueThatIsNoAddressGetsNoNoticeAndCanBeReplaced() {
        long id = userWithEmail("imported garbage, not an address");
        Credential me = signedIn(id);
        String wanted = address("repair");

        assertThat(request(me, wanted).status()).isEqualTo(202);
        assertThat(get(confirmPath(linkMailedTo(wanted)[1]), me).status()).isEqualTo(200);

        assertThat(storedEmail(id)).isEqualTo(wanted);
        assertThat(TestMail.to("imported garbage, not an address")).isEmpty();
    }

    @Test
    void aLinkWorksOnce() {
        long id = userWithEmail(address("once"));
        String wanted = address("once.new");
        assertThat(request(signedIn(id), wanted).status()).isEqualTo(202);
        String token = linkMailedTo(wanted)[1];

        assertThat(get(confirmPath(token), Credential.NONE).status()).isEqualTo(200);
        changeInSql("update users set email = 'again@example.com' where id = :id", "id", id);
        assertProblem(get(confirmPath(token), Credential.NONE), 400, "invalid_token");
        assertProblem(post(confirmPath(token), null, Credential.NONE), 400, "invalid_token");

        assertThat(storedEmail(id)).isEqualTo("again@example.com");
    }

    @Test
    void ofTwoClicksAtOnceOneApplies() throws Exception {
        long id = userWithEmail(address("race"));
        String wanted = address("race.new");
        assertThat(request(signedIn(id), wanted).status()).isEqualTo(202);
        String token = linkMailedTo(wanted)[1];

        var clicks = java.util.stream.IntStream.range(0, 4)
                .mapToObj(i -> java.util.concurrent.CompletableFuture.supplyAsync(() -> get(confirmPath(token), Credential.NONE)))
                .toList();
        List<Integer> statuses = clicks.stream().map(java.util.concurrent.CompletableFuture::join).map(Response::status).toList();

        assertThat(statuses).containsOnly(200, 400).filteredOn(s -> s == 200).hasSize(1);
        assertThat(jdbc.sql("select count(*) from audit_events where target_id = :id and action = 'email_changed'")
                .param("id", id).query(Long.class).single()).isOne();
    }

    @Test
    void anExpiredLinkChangesNothing() {
        String old = address("exp");
        long id = userWithEmail(old);
        String wanted = address("exp.new");
        assertThat(request(signedIn(id), wanted).status()).isEqualTo(202);
        String token = linkMailedTo(wanted)[1];

        clock.advance(Duration.ofHours(24).plusSeconds(1));

        assertProblem(get(confirmPath(token), Credential.NONE), 410, "token_expired");
        assertThat(storedEmail(id)).isEqualTo(old);
    }

    @Test
    void aLinkStillWorksJustBeforeItsDay() {
        long id = userWithEmail(address("day"));
        String wanted = address("day.new");
        assertThat(request(signedIn(id), wanted).status()).isEqualTo(202);
        String token = linkMailedTo(wanted)[1];

        clock.advance(Duration.ofHours(24).minusSeconds(5));

        assertThat(get(confirmPath(token), Credential.NONE).status()).isEqualTo(200);
        assertThat(storedEmail(id)).isEqualTo(wanted);
    }

    @Test
    void aNewRequestSupersedesTheEarlierLink() {
        String old = address("sup");
        long id = userWithEmail(old);
        Credential me = signedIn(id);
        String first = address("sup.first");
        String second = address("sup.second");
        assertThat(request(me, first).status()).isEqualTo(202);
        String firstToken = linkMailedTo(first)[1];
        assertThat(request(me, second).status()).isEqualTo(202);
        String secondToken = linkMailedTo(second)[1];

        assertProblem(get(confirmPath(firstToken), Credential.NONE), 400, "invalid_token");
        assertThat(storedEmail(id)).isEqualTo(old);
        assertThat(get(confirmPath(secondToken), Credential.NONE).status()).isEqualTo(200);
        assertThat(storedEmail(id)).isEqualTo(second);
    }

    @Test
    void anotherSignedInAccountCannotUseTheLinkAndLeavesItUsable() {
        String old = address("owner");
        long id = userWithEmail(old);
        long other = userWithEmail(address("other"));
        String wanted = address("owner.new");
        assertThat(request(signedIn(id), wanted).status()).isEqualTo(202);
        String token = linkMailedTo(wanted)[1];

        assertProblem(get(confirmPath(token), signedIn(other)), 403, "wrong_account");
        assertProblem(get(confirmPath(token), Credential.bearer(apiTokenService.create(other, "bot", null, "127.0.0.1")
                .value())), 403, "wrong_account");
        assertThat(storedEmail(id)).isEqualTo(old);
        assertThat(storedEmail(other)).isNotEqualTo(wanted);

        Response confirmed = get(confirmPath(token), signedIn(id));
        assertThat(confirmed.status()).as(confirmed.body()).isEqualTo(200);
        assertThat(storedEmail(id)).isEqualTo(wanted);
    }

    @Test
    void aBearerTokenMayRequestAndConfirm() {
        long id = userWithEmail(address("bearer"));
        Credential token = Credential.bearer(apiTokenService.create(id, "bot", null, "127.0.0.1").value());
        String wanted = address("bearer.new");

        assertThat(request(token, wanted).status()).isEqualTo(202);
        Response confirmed = post(confirmPath(linkMailedTo(wanted)[1]), null, token);

        assertThat(confirmed.status()).as(confirmed.body()).isEqualTo(200);
        assertThat(get("/api/user", token).json().get("email").stringValue()).isEqualTo(wanted);
    }

    @Test
    void aChangeOfAddressSinceTheRequestSpendsTheLink() {
        long id = userWithEmail(address("bound"));
        String wanted = address("bound.new");
        assertThat(request(signedIn(id), wanted).status()).isEqualTo(202);
        String token = linkMailedTo(wanted)[1];
        changeInSql("update users set email = 'elsewhere@example.com' where id = :id", "id", id);

        assertProblem(get(confirmPath(token), Credential.NONE), 409, "email_changed");
        assertThat(storedEmail(id)).isEqualTo("elsewhere@example.com");
        assertProblem(get(confirmPath(token), Credential.NONE), 400, "invalid_token");
    }

    @Test
    void badTokensAreRefusedWithAStableCode() {
        assertProblem(get("/api/user/change-email/confirm", Credential.NONE), 400, "invalid_token");
        assertProblem(get(confirmPath(""), Credential.NONE), 400, "invalid_token");
        assertProblem(get(confirmPath(Secrets.randomToken()), Credential.NONE), 400, "invalid_token");
        assertProblem(get(confirmPath("x".repeat(500)), Credential.NONE), 400, "invalid_token");
    }

    @Test
    void aBrowserGetsAPlainEscapedPage() {
        long id = createUser(unique("page<b>"), 1);
        String wanted = address("page");
        assertThat(request(signedIn(id), wanted).status()).isEqualTo(202);
        String token = linkMailedTo(wanted)[1];
        String browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

        Response page = get(confirmPath(token), Credential.NONE, "Accept", browser);

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.header("Content-Security-Policy")).contains("default-src 'none'").doesNotContain("unsafe");
        assertThat(page.body()).contains("confirmed", "page&lt;b&gt;", wanted).doesNotContain("<b>", "<script");
        assertThat(storedEmail(id)).isEqualTo(wanted);
        Response again = get(confirmPath(token), Credential.NONE, "Accept", browser);
        assertThat(again.status()).isEqualTo(400);
        assertThat(again.header("Content-Type")).startsWith("text/html");
        assertThat(again.body()).contains("not changed");
    }

    @Test
    void eachBadAddressGetsAFieldMessageAndNoMail() {
        String current = address("valid");
        long id = userWithEmail(current);
        Credential me = signedIn(id);

        for (String body : List.of("{\"email\": 42}", "{\"email\": [\"a@example.com\"]}", "{\"email\": null}", "{}",
                "{\"email\": \"" + "a".repeat(64) + "@" + "b".repeat(186) + ".com\"}",
                "{\"email\": \"victim@example.com\\r\\nBcc: attacker@example.com\"}",
                "{\"email\": \"victim@example.com\\nBcc: attacker@example.com\"}",
                "{\"email\": \"two words@example.com\"}", "{\"email\": \"nobody.example.com\"}",
                "{\"email\": \"a@b@example.com\"}", "{\"email\": \"someone@localhost\"}",
                "{\"email\": \"<x@example.com>\"}", "{\"email\": \"x@exa_mple.com\"}", "{\"email\": \"\"}",
                "{\"email\": \"tab\\t@example.com\"}", "{\"email\": \"" + current.toUpperCase() + "\"}")) {
            JsonNode problem = assertProblem(post(REQUEST, body, me), 400, "validation_failed");
            assertThat(problem.get("errors").get("email").stringValue()).as(body).isNotBlank();
        }
        assertProblem(post(REQUEST, "[\"a@example.com\"]", me), 400, "malformed_request");
        assertProblem(post(REQUEST, "{\"email\": ", me), 400, "malformed_request");
        assertThat(TestMail.to("attacker@example.com")).isEmpty();
        assertThat(TestMail.to(current)).isEmpty();
        assertThat(jdbc.sql("select count(*) from email_changes where user_id = :id").param("id", id).query(Long.class)
                .single()).isZero();
    }

    @Test
    void anAddressOfTheMostAllowedLengthIsTakenAndOneMoreIsNot() {
        Credential me = signedIn(userWithEmail(null));
        String local = (unique("long").replace('_', '.') + "x".repeat(64)).substring(0, 64);
        String domain = "d".repeat(63) + "." + "e".repeat(63) + "." + "f".repeat(57) + ".com";
        String longest = local + "@" + domain;
        assertThat(longest).hasSize(EmailAddress.MAX);

        Response taken = request(me, longest);
        JsonNode refused = assertProblem(request(me, local + "@g" + domain), 400, "validation_failed");

        assertThat(taken.status()).as(taken.body()).isEqualTo(202);
        assertThat(TestMail.await(longest, 1)).hasSize(1);
        assertThat(refused.get("errors").get("email").stringValue()).contains("254");
    }

    @Test
    void onlyJsonIsAccepted() {
        Credential me = signedIn(userWithEmail(null));

        assertProblem(post(REQUEST, "email=a%40example.com", me, "Content-Type", "application/x-www-form-urlencoded"),
                415, "unsupported_media_type");
        assertProblem(post(REQUEST, "{\"email\": \"a@example.com\"}", me, "Content-Type", "text/plain"),
                415, "unsupported_media_type");
    }

    @Test
    void aRequestNeedsACaller() {
        assertProblem(request(Credential.NONE, address("anon")), 401, "unauthenticated");
    }

    @Test
    void theSixthRequestInAnHourIsRefusedBeforeAnyMail() {
        long id = userWithEmail(address("burst"));
        Credential me = signedIn(id);
        for (int i = 1; i <= 5; i++) {
            Response ok = request(me, "burst" + i + "." + id + "@example.com");
            assertThat(ok.status()).as("request %d: %s", i, ok.body()).isEqualTo(202);
        }
        String sixth = "burst6." + id + "@example.com";

        Response refused = request(me, sixth);

        assertProblem(refused, 429, "rate_limited");
        assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 3600L);
        assertThat(TestMail.to(sixth)).isEmpty();
        // Each request spent one; after an hour's refill there is room again.
        clock.advance(Duration.ofHours(1));
        assertThat(request(me, sixth).status()).isEqualTo(202);
        assertThat(TestMail.await(sixth, 1)).hasSize(1);
    }

    @Test
    void theRequestAndTheChangeAreAuditedWithoutTheAddresses() {
        String old = address("audit");
        long id = userWithEmail(old);
        String wanted = address("audit.new");
        assertThat(request(signedIn(id), wanted).status()).isEqualTo(202);
        assertThat(get(confirmPath(linkMailedTo(wanted)[1]), Credential.NONE).status()).isEqualTo(200);

        List<String> actions = jdbc.sql("""
                select action from audit_events where target_id = :id and actor_id = :id order by id
                """).param("id", id).query(String.class).list();
        assertThat(actions).containsExactly("email_change_requested", "email_changed");
        List<String> details = jdbc.sql("select details::text from audit_events where target_id = :id")
                .param("id", id).query(String.class).list();
        assertThat(String.join(" ", details)).doesNotContain(old, wanted, "@");
    }

    @Test
    void onlyTheTokensHashIsStored() {
        long id = userWithEmail(address("hash"));
        String wanted = address("hash.new");
        assertThat(request(signedIn(id), wanted).status()).isEqualTo(202);
        String token = linkMailedTo(wanted)[1];

        assertThat(jdbc.sql("select count(*) from email_changes e where e::text like '%' || :token || '%'")
                .param("token", token).query(Long.class).single()).isZero();
        assertThat(jdbc.sql("select count(*) from email_changes where user_id = :id and token_hash = :hash")
                .param("id", id).param("hash", Secrets.sha256(token)).query(Long.class).single()).isOne();
        assertThat(token).hasSizeGreaterThanOrEqualTo(43);
    }

    @Test
    void aTimedOutAccountCannotConfirmUntilTheTimeoutEnds() {
        String old = address("restricted");
        long id = userWithEmail(old);
        String wanted = address("restricted.new");
        assertThat(request(signedIn(id), wanted).status()).isEqualTo(202);
        String token = linkMailedTo(wanted)[1];

        moderate(id, "timeout", Duration.ofMinutes(10));
        assertProblem(get(confirmPath(token), Credential.NONE), 403, "timed_out");
        assertThat(storedEmail(id)).isEqualTo(old);
        clock.advance(Duration.ofMinutes(11));

        assertThat(get(confirmPath(token), Credential.NONE).status()).isEqualTo(200);
        assertThat(storedEmail(id)).isEqualTo(wanted);
    }

    @Test
    void theEndpointsAreDescribed() {
        JsonNode paths = get("/v3/api-docs", Credential.NONE).json().get("paths");

        assertThat(paths.get("/api/user/change-email/request").has("post")).isTrue();
        assertThat(paths.get("/api/user/change-email/confirm").has("get")).isTrue();
        assertThat(paths.get("/api/user/change-email/confirm").has("post")).isTrue();
    }

    @Test
    void anImpersonationCannotChangeTheAddress() {
        long owner = createUser(3);
        long id = userWithEmail(address("imp"));
        String session = sessionService.impersonate(owner, id, "127.0.0.1", "PortalTest").token();

        assertProblem(request(Credential.session(session), address("imp.new")), 403, "forbidden");
    }
}
