package dev.portal.web;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What every page shares, over plain HTTP: headers, the form token, errors as pages, signing out. */
class WebFoundationTest extends PortalTest {
    private static final Pattern FORM_TOKEN = Pattern.compile("name=\"_form\" value=\"([^\"]+)\"");

    static String formToken(String html) {
        Matcher m = FORM_TOKEN.matcher(html);
        assertThat(m.find()).as("a form token in the page").isTrue();
        return m.group(1);
    }

    @Test
    void theSignedOutHomeOffersThePlatformsWithStrictHeaders() {
        Response home = get("/", Credential.NONE, "Accept", "text/html");
        assertThat(home.status()).isEqualTo(200);
        assertThat(home.header("Content-Type")).startsWith("text/html");
        assertThat(home.header("Content-Security-Policy")).contains("script-src 'self'", "frame-ancestors 'none'")
                .doesNotContain("unsafe-inline");
        assertThat(home.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(home.header("Referrer-Policy")).isEqualTo("same-origin");
        assertThat(home.body()).contains("Sign in with Discord", "Sign in with GitHub", "Mastodon address",
                "Bluesky handle", "/v1/auth/discord/login?redirect=%2Faccount");
        assertThat(home.body()).doesNotContain("<script>", "onclick=", "style=\"");
    }

    @Test
    void staticAssetsAreFingerprintedAndCachedForAYear() {
        String html = get("/", Credential.NONE).body();
        Matcher css = Pattern.compile("href=\"(/css/portal-[0-9a-f]+\\.css)\"").matcher(html);
        assertThat(css.find()).as("a fingerprinted stylesheet in %s", html).isTrue();
        Response sheet = get(css.group(1), Credential.NONE);
        assertThat(sheet.status()).isEqualTo(200);
        assertThat(sheet.header("Cache-Control")).contains("max-age=31536000");
        Matcher htmx = Pattern.compile("src=\"(/webjars/htmx.org/[^\"]*htmx.min.js)\"").matcher(html);
        assertThat(htmx.find()).isTrue();
        assertThat(get(htmx.group(1), Credential.NONE).status()).isEqualTo(200);
    }

    @Test
    void aNextPathIsKeptButOnlyWhenRelative() {
        assertThat(get("/?next=/account/tokens", Credential.NONE).body()).contains("redirect=%2Faccount%2Ftokens");
        assertThat(get("/?next=//evil.example", Credential.NONE).body()).doesNotContain("evil.example");
        assertThat(get("/?next=https://evil.example", Credential.NONE).body()).doesNotContain("evil.example");
    }

    @Test
    void signingOutNeedsTheFormTokenOfTheSession() {
        long id = createUser(0);
        Credential me = signedIn(id);
        String home = get("/", me).body();
        assertThat(home).contains("Signed in as");
        String token = formToken(home);

        Response forged = post("/signout", "", me, "Content-Type", "application/x-www-form-urlencoded");
        assertThat(forged.status()).isEqualTo(403);
        assertThat(forged.header("Content-Type")).startsWith("text/html");
        assertThat(forged.body()).contains("csrf");
        Response otherSessions = post("/signout", "_form=" + formToken(get("/", signedIn(id)).body()), me,
                "Content-Type", "application/x-www-form-urlencoded");
        assertThat(otherSessions.status()).as("another session's token").isEqualTo(403);
        assertThat(get("/v1/users/me", me).status()).isEqualTo(200);

        Response out = post("/signout", "_form=" + token, me, "Content-Type", "application/x-www-form-urlencoded");
        assertThat(out.status()).isEqualTo(302);
        assertThat(out.header("Location")).endsWith("/?flash=signed_out");
        assertThat(out.setCookies()).anyMatch(c -> c.startsWith("psession=;"));
        assertProblem(get("/v1/users/me", me), 401, "unauthenticated");
        assertThat(get("/?flash=signed_out", Credential.NONE).body()).contains("You are signed out.");
    }

    @Test
    void aCrossSiteFormPostIsRefusedBeforeTheToken() {
        long id = createUser(0);
        Credential me = signedIn(id);
        String token = formToken(get("/", me).body());
        Response response = post("/signout", "_form=" + token, me, "Content-Type", "application/x-www-form-urlencoded",
                "Sec-Fetch-Site", "cross-site");
        assertThat(response.status()).isEqualTo(403);
        assertThat(get("/v1/users/me", me).status()).isEqualTo(200);
    }

    @Test
    void anUnknownPageIsAPageWithItsStatus() {
        Response missing = get("/account/no-such-page", Credential.NONE, "Accept", "text/html");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.header("Content-Type")).startsWith("text/html");
        assertThat(missing.body()).contains("<h1>", "not_found").doesNotContain("Exception");
    }

    @Test
    void aFlashCodeOnlyNamesKnownMessages() {
        assertThat(get("/?flash=%3Cscript%3E", Credential.NONE).body()).doesNotContain("<script>");
        assertThat(get("/?flash=no_such_code", Credential.NONE).body()).doesNotContain("class=\"flash\"");
    }
}
