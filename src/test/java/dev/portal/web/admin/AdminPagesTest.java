package dev.portal.web.admin;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The staff pages over HTTP: who sees them, which forms each viewer gets, and that every post is checked again. */
class AdminPagesTest extends PortalTest {
    private static final Pattern FORM_TOKEN = Pattern.compile("name=\"_form\" value=\"([^\"]+)\"");
    private static final Pattern USER_LINK = Pattern.compile("<a href=\"/admin/users/(\\d+)\">([^<]*)</a>");
    private static final Pattern NEXT = Pattern.compile("rel=\"next\"\\s+href=\"([^\"]+)\"");

    static String formToken(String html) {
        Matcher m = FORM_TOKEN.matcher(html);
        assertThat(m.find()).as("a form token in the page").isTrue();
        return m.group(1);
    }

    private Response page(String path, Credential who) {
        return get(path, who, "Accept", "text/html");
    }

    /** Posts a form as a browser would, with the session's form token from the user's page. */
    private Response submit(String path, Credential who, String fields) {
        String token = formToken(page("/admin/users", who).body());
        return post(path, "_form=" + enc(token) + (fields.isEmpty() ? "" : "&" + fields), who,
                "Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html");
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String unescapeAmp(String href) {
        return href.replace("&amp;", "&");
    }

    private int levelOf(long id) {
        return jdbc.sql("select permission_level from users where id = :id").param("id", id).query(Integer.class).single();
    }

    @Test
    void aMemberGets404ForEveryAdminPageAndTheSignedOutAreSentToSignIn() {
        long member = createUser(0);
        long other = createUser(0);
        Credential me = signedIn(member);
        for (String path : List.of("/admin", "/admin/users", "/admin/users/" + other, "/admin/audit")) {
            Response response = page(path, me);
            assertThat(response.status()).as(path).isEqualTo(404);
            assertThat(response.header("Content-Type")).startsWith("text/html");
        }
        String token = formToken(page("/", me).body());
        Response forged = post("/admin/users/" + other + "/moderation", "_form=" + enc(token)
                + "&action=warn&reason=x", me, "Content-Type", "application/x-www-form-urlencoded");
        assertThat(forged.status()).isEqualTo(404);
        assertThat(jdbc.sql("select count(*) from moderation_actions where user_id = :id").param("id", other)
                .query(Long.class).single()).isZero();

        Response signedOut = page("/admin/users", Credential.NONE);
        assertThat(signedOut.status()).isEqualTo(303);
        assertThat(signedOut.header("Location")).endsWith("/?next=%2Fadmin%2Fusers");
    }

    @Test
    void aModeratorGetsTheModerationFormOnlyAndNoFormsOnAnAdminsPage() {
        long moderator = createUser(1);
        String name = unique("modtarget");
        long member = createUser(name, 0);
        long admin = createUser(2);
        Credential mod = signedIn(moderator);

        String html = page("/admin/users/" + member, mod).body();
        assertThat(html).contains("<h1>" + name + "</h1>", "<label for=\"mod-action\">Action</label>",
                "<label for=\"mod-reason\">Reason</label>", "<label for=\"mod-duration\">Duration (minutes)</label>",
                "value=\"timeout\"", "value=\"untimeout\"", "value=\"warn\"", "value=\"note\"", ">Apply</button>",
                "aria-label=\"Admin\"");
        assertThat(html).doesNotContain("value=\"ban\"", "value=\"unban\"", "Change subscription", "Change level",
                ">Impersonate</button>", ">Audit</a>", "Moderation history");

        String adminPage = page("/admin/users/" + admin, mod).body();
        assertThat(adminPage).doesNotContain(">Apply</button>", "Change subscription", "Change level", "<form action=\"/admin/users/");

        // A Moderator finds users by exact username only (listing is Admin+), and has no audit log.
        String found = page("/admin/users?query=" + name.toUpperCase(), mod).body();
        assertThat(found).contains("<a href=\"/admin/users/" + member + "\">" + name + "</a>");
        assertThat(page("/admin/users?query=" + name.substring(0, 6), mod).body()).doesNotContain("/admin/users/" + member + "\"");
        assertThat(page("/admin/audit", mod).status()).isEqualTo(404);

        // The server asks again: a forged ban and a forged act on a peer are refused and write nothing.
        Response ban = submit("/admin/users/" + member + "/moderation", mod, "action=ban&reason=forged");
        assertThat(ban.status()).isEqualTo(403);
        assertThat(ban.header("Content-Type")).startsWith("text/html");
        assertThat(submit("/admin/users/" + admin + "/moderation", mod, "action=warn&reason=forged").status()).isEqualTo(403);
        assertThat(submit("/admin/users/" + member + "/subscription", mod, "tier=2&expires=2099-01-01&reason=x").status())
                .isEqualTo(403);
        assertThat(jdbc.sql("select count(*) from moderation_actions where user_id in (:a, :b)").param("a", member)
                .param("b", admin).query(Long.class).single()).isZero();

        Response warned = submit("/admin/users/" + member + "/moderation", mod, "action=warn&reason=be+kind");
        assertThat(warned.status()).isEqualTo(302);
        assertThat(warned.header("Location")).endsWith("/admin/users/" + member + "?flash=moderated");
        assertThat(page("/admin/users/" + member + "?flash=moderated", mod).body()).contains("The action was recorded.");
    }

    @Test
    void anAdminBansAndGrantsPremiumButCannotForgeALevelChange() {
        long admin = createUser(2);
        long member = createUser(0);
        Credential memberSession = signedIn(member);
        assertThat(get("/v1/users/me", memberSession).status()).isEqualTo(200);
        Credential me = signedIn(admin);

        String html = page("/admin/users/" + member, me).body();
        assertThat(html).contains("value=\"ban\"", "value=\"unban\"", "<label for=\"sub-tier\">Tier</label>",
                "<label for=\"sub-expires\">Expires on</label>", "<label for=\"sub-reason\">Reason</label>",
                ">Change subscription</button>", "Moderation history", "Linked platforms", ">Audit</a>");
        assertThat(html).doesNotContain(">Lifetime</option>", "Change level", ">Impersonate</button>", "sessions-heading");

        String expiry = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).plusDays(30).toString();
        Response granted = submit("/admin/users/" + member + "/subscription", me,
                "tier=2&expires=" + expiry + "&reason=" + enc("contest prize"));
        assertThat(granted.status()).isEqualTo(302);
        assertThat(granted.header("Location")).endsWith("?flash=granted");
        assertThat(jdbc.sql("select subscription_tier from users where id = :id").param("id", member)
                .query(Integer.class).single()).isEqualTo(2);
        assertThat(jdbc.sql("select cast(subscription_expires_at at time zone 'UTC' as date) from users where id = :id")
                .param("id", member).query(LocalDate.class).single()).isEqualTo(LocalDate.parse(expiry));

        Response banned = submit("/admin/users/" + member + "/moderation", me, "action=ban&reason=spam&duration=");
        assertThat(banned.status()).isEqualTo(302);
        assertThat(banned.header("Location")).endsWith("/admin/users/" + member + "?flash=moderated");
        assertThat(get("/v1/users/me", memberSession).status()).isIn(401, 403);
        assertThat(page("/admin/users/" + member, me).body()).contains("Banned", "(permanent)", "spam", "contest prize");

        Response forged = submit("/admin/users/" + member + "/level", me, "level=2&reason=forged");
        assertThat(forged.status()).isEqualTo(403);
        assertThat(forged.header("Content-Type")).startsWith("text/html");
        assertThat(levelOf(member)).isZero();
        assertThat(jdbc.sql("select count(*) from permission_changes where user_id = :id").param("id", member)
                .query(Long.class).single()).isZero();
        assertThat(submit("/admin/users/" + member + "/impersonate", me, "").status()).isEqualTo(403);
        assertThat(submit("/admin/users/" + member + "/subscription", me, "tier=3&reason=forged").status()).isEqualTo(403);
    }

    @Test
    void anOwnerChangesALevelAndImpersonatesWhileKeepingTheirSession() {
        long owner = createUser(3);
        String name = unique("promoted");
        long member = createUser(name, 0);
        sessionService.create(member, "discord", "127.0.0.1", "<b>Browser</b>");
        Credential me = signedIn(owner);

        String html = page("/admin/users/" + member, me).body();
        assertThat(html).contains("<label for=\"level-level\">Level</label>", ">Change level</button>",
                ">Impersonate</button>", ">Lifetime</option>", "sessions-heading", "&lt;b&gt;Browser&lt;/b&gt;");
        assertThat(html).doesNotContain("style=\"", "<script>", "onclick=", "onsubmit=");

        Response changed = submit("/admin/users/" + member + "/level", me, "level=1&reason=" + enc("runs events"));
        assertThat(changed.status()).isEqualTo(302);
        assertThat(changed.header("Location")).endsWith("/admin/users/" + member + "?flash=level_changed");
        assertThat(levelOf(member)).isEqualTo(1);
        assertThat(page("/admin/users/" + member + "?flash=level_changed", me).body())
                .contains("The level was changed.", "runs events");

        Response same = submit("/admin/users/" + member + "/level", me, "level=1&reason=again");
        assertThat(same.status()).isEqualTo(409);
        assertThat(same.body()).contains("already at that level");

        Response impersonated = submit("/admin/users/" + member + "/impersonate", me, "");
        assertThat(impersonated.status()).isEqualTo(200);
        assertThat(impersonated.setCookies()).noneMatch(c -> c.startsWith("psession="));
        Matcher token = Pattern.compile("id=\"impersonation-token\" class=\"secret\">([^<]+)<").matcher(impersonated.body());
        assertThat(token.find()).isTrue();
        assertThat(impersonated.body()).contains("data-copy=\"impersonation-token\"", "This browser stays signed in as you");
        Response asMember = get("/v1/users/me", Credential.session(token.group(1)));
        assertThat(asMember.status()).isEqualTo(200);
        assertThat(asMember.json().get("id").asLong()).isEqualTo(member);
        assertThat(get("/v1/users/me", me).json().get("id").asLong()).isEqualTo(owner);
        // The impersonation cannot reach the staff pages (the member is a Moderator now, so they would exist).
        assertThat(page("/admin/users", Credential.session(token.group(1))).status()).isEqualTo(403);
    }

    @Test
    void aFailingFieldReRendersThePageWith400AndTheMessageNextToIt() {
        long admin = createUser(2);
        long member = createUser(0);
        Credential me = signedIn(admin);

        Response noReason = submit("/admin/users/" + member + "/moderation", me, "action=timeout&reason=&duration=10");
        assertThat(noReason.status()).isEqualTo(400);
        assertThat(noReason.header("Content-Type")).startsWith("text/html");
        assertThat(noReason.body()).contains("aria-invalid=\"true\" aria-describedby=\"mod-reason-error\"",
                "id=\"mod-reason-error\" class=\"error\">Reason is required", "value=\"10\"");

        Response noDuration = submit("/admin/users/" + member + "/moderation", me, "action=timeout&reason=loud");
        assertThat(noDuration.status()).isEqualTo(400);
        assertThat(noDuration.body()).contains("id=\"mod-duration-error\"", "is required for a timeout", ">loud</textarea>");
        Response badDuration = submit("/admin/users/" + member + "/moderation", me, "action=timeout&reason=loud&duration=abc");
        assertThat(badDuration.status()).isEqualTo(400);
        assertThat(badDuration.body()).contains("id=\"mod-duration-error\"", "whole number of minutes");

        Response past = submit("/admin/users/" + member + "/subscription", me, "tier=1&expires=2000-01-01&reason=trial");
        assertThat(past.status()).isEqualTo(400);
        assertThat(past.body()).contains("aria-describedby=\"sub-expires-error\"", "must be in the future");
        assertThat(jdbc.sql("select count(*) from moderation_actions where user_id = :id").param("id", member)
                .query(Long.class).single()).isZero();

        Response unban = submit("/admin/users/" + member + "/moderation", me, "action=unban&reason=mercy");
        assertThat(unban.status()).isEqualTo(409);
        assertThat(unban.body()).contains("role=\"alert\"", "no ban in force");
    }

    @Test
    void aFormPostWithoutTheSessionsTokenIsRefused() {
        long admin = createUser(2);
        long member = createUser(0);
        Credential me = signedIn(admin);
        String otherToken = formToken(page("/admin/users", signedIn(admin)).body());
        Response forged = post("/admin/users/" + member + "/moderation", "_form=" + enc(otherToken)
                + "&action=warn&reason=x", me, "Content-Type", "application/x-www-form-urlencoded");
        assertThat(forged.status()).isEqualTo(403);
        Response none = post("/admin/users/" + member + "/moderation", "action=warn&reason=x", me,
                "Content-Type", "application/x-www-form-urlencoded");
        assertThat(none.status()).isEqualTo(403);
        assertThat(jdbc.sql("select count(*) from moderation_actions where user_id = :id").param("id", member)
                .query(Long.class).single()).isZero();
    }

    @Test
    void searchWalksPagesWithNext() {
        long admin = createUser(2);
        Credential me = signedIn(admin);
        String stem = unique("pager");
        List<Long> made = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            made.add(createUser(stem + "_" + i, 0));
        }
        Response first = page("/admin/users?query=" + stem + "&limit=2", me);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body()).contains("<h1>Users</h1>", "<label for=\"query\">Search users</label>", ">Search</button>");
        List<Long> seen = new ArrayList<>(ids(first.body()));
        assertThat(seen).hasSize(2);
        Matcher next = NEXT.matcher(first.body());
        assertThat(next.find()).isTrue();
        Response second = page(unescapeAmp(next.group(1)), me);
        seen.addAll(ids(second.body()));
        assertThat(seen).containsExactlyElementsOf(made);
        assertThat(NEXT.matcher(second.body()).find()).isFalse();

        assertThat(ids(page("/admin/users?query=" + stem + "&permission=2", me).body())).isEmpty();
        Response bad = page("/admin/users?state=9", me);
        assertThat(bad.status()).isEqualTo(400);
    }

    private static List<Long> ids(String html) {
        List<Long> ids = new ArrayList<>();
        Matcher m = USER_LINK.matcher(html.substring(html.indexOf("<h1>")));
        while (m.find()) {
            ids.add(Long.parseLong(m.group(1)));
        }
        return ids;
    }

    @Test
    void theAuditPageFiltersByActionAndPagesOlder() {
        long admin = createUser(2);
        long member = createUser(0);
        Credential me = signedIn(admin);
        for (int i = 0; i < 3; i++) {
            assertThat(submit("/admin/users/" + member + "/moderation", me, "action=note&reason=n" + i).status()).isEqualTo(302);
        }
        assertThat(submit("/admin/users/" + member + "/moderation", me, "action=warn&reason=w").status()).isEqualTo(302);

        Response first = page("/admin/audit?action=moderation_note&target=" + member + "&limit=2", me);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body()).contains("<h1>Audit log</h1>", "<a href=\"/admin/users/" + admin + "\">" + admin + "</a>",
                "&quot;action_id&quot;");
        assertThat(count(first.body(), ">moderation_note</code>")).isEqualTo(2);
        assertThat(first.body()).doesNotContain(">moderation_warn</code>");
        Matcher older = NEXT.matcher(first.body());
        assertThat(older.find()).isTrue();
        Response second = page(unescapeAmp(older.group(1)), me);
        assertThat(count(second.body(), ">moderation_note</code>")).isEqualTo(1);
        assertThat(NEXT.matcher(second.body()).find()).isFalse();

        assertThat(page("/admin/audit?since=yesterday", me).status()).isEqualTo(400);
        assertThat(page("/admin/audit", signedIn(member)).status()).isEqualTo(404);
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void userTextIsEscaped() {
        long admin = createUser(2);
        String name = "<b>" + unique("bold") + "</b>";
        long member = createUser(name, 0);
        Credential me = signedIn(admin);
        assertThat(submit("/admin/users/" + member + "/moderation", me, "action=warn&reason=" + enc("<b>loud</b>")).status())
                .isEqualTo(302);
        String html = page("/admin/users/" + member, me).body();
        assertThat(html).contains("&lt;b&gt;loud&lt;/b&gt;", "<h1>&lt;b&gt;").doesNotContain("<b>loud</b>", "<h1><b>");
        String list = page("/admin/users?query=" + enc(name), me).body();
        assertThat(list).contains("&lt;b&gt;").doesNotContain(name);
    }
}
