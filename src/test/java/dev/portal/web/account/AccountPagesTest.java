package dev.portal.web.account;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;

import static dev.portal.web.account.PageForms.FORM;
import static dev.portal.web.account.PageForms.body;
import static dev.portal.web.account.PageForms.formToken;
import static org.assertj.core.api.Assertions.assertThat;

/** The member pages over plain HTTP: each page, each form, the safety rules. */
class AccountPagesTest extends PortalTest {
    private static final List<String> PAGES = List.of("/account", "/account/identities", "/account/sessions",
            "/account/tokens", "/account/moderation", "/account/email", "/account/export", "/account/delete");

    private Credential member() {
        long id = createUser(0);
        linkDiscord(id, uniqueDiscordId(), unique("disc"));
        return signedIn(id);
    }

    private String username(Credential me) {
        return get("/v1/users/me", me).json().get("username").asString();
    }

    private long idOf(Credential me) {
        return get("/v1/users/me", me).json().get("id").asLong();
    }

    @Test
    void everyPageNeedsASignIn() {
        for (String page : PAGES) {
            Response response = get(page, Credential.NONE, "Accept", "text/html");
            assertThat(response.status()).as(page).isEqualTo(303);
            assertThat(response.header("Location")).as(page)
                    .isEqualTo("/?next=" + java.net.URLEncoder.encode(page, java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @Test
    void everyPageRendersWithItsHeadingNavigationAndStrictHeaders() {
        Credential me = member();
        List<String> headings = List.of("Your account", "Linked accounts", "Sessions", "API tokens",
                "Your moderation record", "E-mail address", "Export your data", "Delete your account");
        for (int i = 0; i < PAGES.size(); i++) {
            Response page = get(PAGES.get(i), me);
            assertThat(page.status()).as(PAGES.get(i)).isEqualTo(200);
            assertThat(page.header("Content-Type")).startsWith("text/html");
            assertThat(page.header("Content-Security-Policy")).contains("script-src 'self'", "frame-ancestors 'none'");
            assertThat(page.header("Referrer-Policy")).isNotBlank();
            assertThat(page.body()).contains("<h1>" + headings.get(i) + "</h1>", "<nav aria-label=\"Account\"")
                    .doesNotContain("<script>", "onclick=", "style=\"");
        }
    }

    @Test
    void theProfileFormSavesEachField() {
        Credential me = member();
        String page = get("/account", me).body();
        assertThat(page).contains("<label for=\"username\">Username", "<label for=\"displayName\">Display name",
                "<label for=\"bio\">Bio", "<label for=\"defaultVisibility\">Default visibility", "Save profile",
                "Upload an avatar", "value=\"discord_0\"", "https://cdn.discordapp.com/embed/avatars/0.png");
        String newName = unique("renamed");
        Response saved = post("/account", body("_form", formToken(page), "username", newName, "displayName", "Alice A.",
                "bio", "line one\r\nline two", "defaultVisibility", "private", "avatarSource", "discord_3"), me,
                "Content-Type", FORM);
        assertThat(saved.status()).isEqualTo(302);
        assertThat(saved.header("Location")).endsWith("/account?flash=saved");
        var user = get("/v1/users/me", me).json();
        assertThat(user.get("username").asString()).isEqualTo(newName);
        assertThat(user.get("avatar_source").asString()).isEqualTo("discord_3");
        var row = jdbc.sql("select display_name, bio, default_visibility from users where username = :u")
                .param("u", newName).query((rs, n) -> List.of(rs.getString(1), rs.getString(2), rs.getString(3))).single();
        assertThat(row).containsExactly("Alice A.", "line one\nline two", "private");
        assertThat(get("/account?flash=saved", me).body()).contains("Saved.");
    }

    @Test
    void aTakenUsernameIsShownUnderItsFieldWhileTheOtherFieldsSave() {
        String taken = unique("taken");
        createUser(taken, 0);
        Credential me = member();
        String before = username(me);
        Response response = post("/account", body("_form", formToken(get("/account", me).body()), "username", taken,
                "displayName", "Still saved", "bio", "", "defaultVisibility", "public"), me, "Content-Type", FORM);
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.header("Content-Type")).startsWith("text/html");
        assertThat(response.body()).contains("aria-invalid=\"true\"", "aria-describedby=\"username-error\"",
                "id=\"username-error\">Username is already taken.</p>", "value=\"" + taken + "\"");
        assertThat(username(me)).isEqualTo(before);
        assertThat(jdbc.sql("select display_name from users where username = :u").param("u", before)
                .query(String.class).single()).isEqualTo("Still saved");
    }

    @Test
    void anInvalidDisplayNameIsRefusedUnderItsField() {
        Credential me = member();
        Response response = post("/account", body("_form", formToken(get("/account", me).body()),
                "displayName", "x".repeat(65)), me, "Content-Type", FORM);
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body()).contains("id=\"displayName-error\">Display name must be at most 64 characters.");
    }

    @Test
    void userTextIsEscaped() {
        Credential me = member();
        Response saved = post("/account", body("_form", formToken(get("/account", me).body()),
                "displayName", "<script>alert(1)</script>", "bio", "<b>bold</b>"), me, "Content-Type", FORM);
        assertThat(saved.status()).isEqualTo(302);
        String page = get("/account", me).body();
        assertThat(page).contains("&lt;script&gt;alert(1)&lt;/script&gt;").doesNotContain("<script>alert(1)");
        String profile = get("/u/" + username(me), Credential.NONE).body();
        assertThat(profile).contains("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;b&gt;bold&lt;/b&gt;")
                .doesNotContain("<script>alert(1)", "<b>bold");
    }

    @Test
    void aPostWithoutOrWithAForgedFormTokenChangesNothing() {
        Credential me = member();
        String before = username(me);
        Response missing = post("/account", body("username", unique("nope")), me, "Content-Type", FORM);
        assertThat(missing.status()).isEqualTo(403);
        assertThat(missing.header("Content-Type")).startsWith("text/html");
        Response forged = post("/account", body("_form", "forged", "username", unique("nope")), me, "Content-Type", FORM);
        assertThat(forged.status()).isEqualTo(403);
        Response crossSite = post("/account", body("_form", formToken(get("/account", me).body()), "username",
                unique("nope")), me, "Content-Type", FORM, "Sec-Fetch-Site", "cross-site");
        assertThat(crossSite.status()).isEqualTo(403);
        Response otherOrigin = post("/account/tokens", body("_form", formToken(get("/account", me).body()), "name", "x"),
                me, "Content-Type", FORM, "Origin", "https://evil.example");
        assertThat(otherOrigin.status()).isEqualTo(403);
        assertThat(username(me)).isEqualTo(before);
        assertThat(get("/v1/users/me/tokens", me).json().size()).isZero();
    }

    @Test
    void aNewTokenIsShownOnceAndCanBeRevoked() {
        Credential me = member();
        String page = get("/account/tokens", me).body();
        assertThat(page).contains("<label for=\"name\">Token name</label>", "Create token").doesNotContain("new-token");
        String name = unique("deploy");
        Response created = post("/account/tokens", body("_form", formToken(page), "name", name, "expires", "2099-01-31"),
                me, "Content-Type", FORM);
        assertThat(created.status()).isEqualTo(201);
        Matcher value = Pattern.compile("<code id=\"new-token\" class=\"secret\">(ptl_[^<]+)</code>").matcher(created.body());
        assertThat(value.find()).as("the value in %s", created.body()).isTrue();
        assertThat(created.body()).contains("<button type=\"button\" data-copy=\"new-token\" hidden>Copy</button>",
                "aria-label=\"Revoke token " + name + "\"");
        assertThat(created.setCookies()).noneMatch(c -> c.contains(value.group(1)));
        Credential bearer = Credential.bearer(value.group(1));
        assertThat(get("/v1/users/me", bearer).status()).isEqualTo(200);

        String reloaded = get("/account/tokens", me).body();
        assertThat(reloaded).contains(name).doesNotContain(value.group(1), "new-token\"");
        long tokenId = get("/v1/users/me/tokens", me).json().get(0).get("id").asLong();
        Response revoked = post("/account/tokens/" + tokenId + "/revoke", body("_form", formToken(reloaded)), me,
                "Content-Type", FORM);
        assertThat(revoked.status()).isEqualTo(302);
        assertThat(revoked.header("Location")).endsWith("/account/tokens?flash=token_revoked");
        assertProblem(get("/v1/users/me", bearer), 401, "unauthenticated");
    }

    @Test
    void aTokenNeedsAName() {
        Credential me = member();
        Response response = post("/account/tokens", body("_form", formToken(get("/account/tokens", me).body()),
                "name", "  ", "expires", "2001-01-01"), me, "Content-Type", FORM);
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body()).contains("id=\"name-error\">Token name is required.", "aria-invalid=\"true\"",
                "id=\"expires-error\">The expiry date must be in the future.").doesNotContain("id=\"new-token\"");
        assertThat(get("/v1/users/me/tokens", me).json().size()).isZero();
    }

    @Test
    void sessionsShowThisDeviceAndRevokeOthers() {
        long id = createUser(0);
        linkDiscord(id, uniqueDiscordId(), unique("disc"));
        Credential me = signedIn(id);
        String other = sessionService.create(id, "discord", "127.0.0.1",
                "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0").token();
        Credential third = signedIn(id);
        String page = get("/account/sessions", me).body();
        assertThat(page).contains("class=\"badge\">This device</span>", "Firefox on Linux", "Sign out all other sessions",
                "Unknown");
        assertThat(page.split("This device", -1)).hasSize(2);
        Matcher revoke = Pattern.compile("aria-label=\"Revoke session (\\d+)\"").matcher(page);
        assertThat(revoke.results().count()).isEqualTo(2);

        long otherId = jdbc.sql("select id from sessions where user_id = :u and user_agent like '%Firefox%'")
                .param("u", id).query(Long.class).single();
        Response revoked = post("/account/sessions/" + otherId + "/revoke", body("_form", formToken(page)), me,
                "Content-Type", FORM);
        assertThat(revoked.status()).isEqualTo(302);
        assertThat(revoked.header("Location")).endsWith("/account/sessions?flash=session_revoked");
        assertProblem(get("/v1/users/me", Credential.session(other)), 401, "unauthenticated");
        assertThat(get("/v1/users/me", third).status()).isEqualTo(200);

        Response all = post("/account/sessions/revoke-others", body("_form", formToken(page)), me, "Content-Type", FORM);
        assertThat(all.status()).isEqualTo(302);
        assertProblem(get("/v1/users/me", third), 401, "unauthenticated");
        assertThat(get("/v1/users/me", me).status()).isEqualTo(200);
    }

    @Test
    void theLastWayToSignInCannotBeUnlinked() {
        long id = createUser(0);
        linkDiscord(id, uniqueDiscordId(), unique("disc"));
        Credential me = signedIn(id);
        String page = get("/account/identities", me).body();
        assertThat(page).contains("aria-label=\"Unlink Discord\"", "disabled", "This is your last way to sign in.",
                "Link GitHub", "/v1/auth/github/link?redirect=%2Faccount%2Fidentities", "Link Mastodon", "Link Bluesky")
                .doesNotContain("Link Discord");
        long discord = jdbc.sql("select id from linked_identities where user_id = :u").param("u", id).query(Long.class).single();
        Response forced = post("/account/identities/" + discord + "/unlink", body("_form", formToken(page)), me,
                "Content-Type", FORM);
        assertThat(forced.status()).isEqualTo(409);
        assertThat(forced.header("Content-Type")).startsWith("text/html");
        assertThat(forced.body()).contains("last_identity");

        changeInSql("""
                insert into linked_identities (user_id, platform, platform_user_id, platform_username, linked_at,
                                               last_authenticated_at)
                values (:u, 'github', :sub, 'octo', now(), now())
                """, "u", id, "sub", unique("gh"));
        page = get("/account/identities", me).body();
        assertThat(page).contains("aria-label=\"Unlink GitHub\"", "octo").doesNotContain("This is your last way");
        Response unlinked = post("/account/identities/" + discord + "/unlink", body("_form", formToken(page)), me,
                "Content-Type", FORM);
        assertThat(unlinked.status()).isEqualTo(302);
        assertThat(unlinked.header("Location")).endsWith("/account/identities?flash=unlinked");
        assertThat(jdbc.sql("select platform from linked_identities where user_id = :u").param("u", id)
                .query(String.class).list()).containsExactly("github");
    }

    @Test
    void anIdentityInUseIsExplained() {
        assertThat(get("/account/identities?error=identity_in_use", member()).body())
                .contains("already linked to another Portal account");
    }

    @Test
    void theModerationRecordShowsTheStateAndEntries() {
        long id = createUser(0);
        Credential me = signedIn(id);
        assertThat(get("/account/moderation", me).body()).contains("good standing", "Nothing has been recorded");
        moderate(id, "warn", null);
        moderate(id, "timeout", Duration.ofHours(2));
        String page = get("/account/moderation", me).body();
        assertThat(page).contains("You are timed out", ">warn<", ">timeout<", ">test<");
    }

    @Test
    void anEmailChangeIsRequestedOrRefusedUnderTheField() {
        Credential me = member();
        String page = get("/account/email", me).body();
        assertThat(page).contains("<label for=\"email\">New e-mail address</label>", "Send confirmation");
        Response bad = post("/account/email", body("_form", formToken(page), "email", "not an address"), me,
                "Content-Type", FORM);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).contains("id=\"email-error\"", "aria-invalid=\"true\"", "aria-describedby=\"email-error\"");
        Response sent = post("/account/email", body("_form", formToken(page), "email", unique("new") + "@example.com"), me,
                "Content-Type", FORM);
        assertThat(sent.status()).isEqualTo(302);
        assertThat(sent.header("Location")).endsWith("/account/email?flash=email_sent");
    }

    @Test
    void theExportPageLinksTheDownload() {
        assertThat(get("/account/export", member()).body()).contains("href=\"/api/user/export\"", "download");
    }

    @Test
    void deletingNeedsTheUsernameTyped() {
        long id = createUser(0);
        linkDiscord(id, uniqueDiscordId(), unique("disc"));
        Credential me = signedIn(id);
        String name = username(me);
        String page = get("/account/delete", me).body();
        assertThat(page).contains("<label for=\"confirm\">Type your username to confirm", "Delete my account",
                "class=\"danger\"");
        Response wrong = post("/account/delete", body("_form", formToken(page), "confirm", name + "x"), me,
                "Content-Type", FORM);
        assertThat(wrong.status()).isEqualTo(400);
        assertThat(wrong.body()).contains("id=\"confirm-error\"", "aria-invalid=\"true\"");
        assertThat(jdbc.sql("select count(*) from users where id = :id").param("id", id).query(Long.class).single()).isOne();

        Response deleted = post("/account/delete", body("_form", formToken(page), "confirm", name), me,
                "Content-Type", FORM);
        assertThat(deleted.status()).isEqualTo(302);
        assertThat(deleted.header("Location")).endsWith("/?flash=account_deleted");
        assertThat(deleted.setCookies()).anyMatch(c -> c.startsWith("psession=;"));
        assertThat(jdbc.sql("select count(*) from users where id = :id").param("id", id).query(Long.class).single()).isZero();
        assertThat(get("/?flash=account_deleted", Credential.NONE).body()).contains("Your account was deleted.");
    }
}
