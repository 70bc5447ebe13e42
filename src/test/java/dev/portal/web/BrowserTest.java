package dev.portal.web;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import com.sun.net.httpserver.HttpServer;
import dev.portal.support.BrowserTestSupport;
import org.junit.jupiter.api.Test;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

/** The pages every visitor meets, in a real browser: signing in and out, errors, the cross-site rule. */
class BrowserTest extends BrowserTestSupport {

    @Test
    void theSignedOutHomeOffersThePlatforms() {
        Page home = open(newBrowser(), "/");
        assertThat(home.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Sign in to Portal"))).isVisible();
        assertThat(home.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Sign in with Discord"))).isVisible();
        assertThat(home.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Sign in with GitHub"))).isVisible();
        assertThat(home.getByLabel("Mastodon address")).isVisible();
        checkPage(home);
        screenshot(home, "home");
    }

    @Test
    void aDiscordSignInByClickingAndASignOutByTheButton() {
        BrowserContext browser = newBrowser();
        String name = unique("ada");
        Page page = open(browser, "/?next=/");
        // The stand-in approves at once and names this person at the code exchange that the callback makes.
        nextDiscordUser(uniqueDiscordId(), name, null);
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Sign in with Discord")).click();
        try {
            page.waitForURL(url("/"));
        } catch (com.microsoft.playwright.TimeoutError e) {
            throw new AssertionError("sign-in ended at " + page.url() + ": " + page.content(), e);
        }
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Signed in as " + name))).isVisible();
        assertThat(browser.cookies()).anyMatch(c -> c.name.equals("psession"));
        checkPage(page);

        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign out")).click();
        page.waitForURL(url("/?flash=signed_out"));
        assertThat(page.getByText("You are signed out.")).isVisible();
        assertThat(page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Sign in with Discord"))).isVisible();
        assertThat(browser.cookies()).noneMatch(c -> c.name.equals("psession"));
        checkPage(page);
    }

    @Test
    void anUnknownPageIsTheErrorPageWith404() {
        Page page = newBrowser().newPage();
        com.microsoft.playwright.Response response = page.navigate(url("/account/no-such-page"));
        assertThat(response.status()).isEqualTo(404);
        assertThat(page.locator("h1")).isVisible();
        assertThat(page.getByText("not_found")).isVisible();
        assertThat(page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Back to Portal"))).isVisible();
        checkPage(page);
    }

    @Test
    void aFormPostedFromAnotherSiteIsRefused() throws IOException {
        long id = createUser(0);
        BrowserContext browser = browserSignedInAs(id);
        Page mine = open(browser, "/");
        assertThat(mine.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign out"))).isVisible();
        // Even with the form token (which another site could not know), the cross-site rule alone refuses.
        String token = mine.locator("input[name=_form]").first().inputValue();
        String session = browser.cookies().stream().filter(c -> c.name.equals("psession")).findFirst().orElseThrow().value;

        HttpServer attacker = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] html = ("""
                <!doctype html><html lang="en"><head><title>Prize</title></head><body><main>
                <form method="post" action="%s"><input type="hidden" name="_form" value="%s">
                <button type="submit">Claim your prize</button></form></main></body></html>
                """.formatted(url("/signout"), token)).getBytes(StandardCharsets.UTF_8);
        attacker.createContext("/", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, html.length);
            exchange.getResponseBody().write(html);
            exchange.close();
        });
        attacker.start();
        try {
            // localhost and 127.0.0.1 are different sites to the browser: Sec-Fetch-Site says cross-site.
            Page evil = browser.newPage();
            evil.navigate("http://localhost:" + attacker.getAddress().getPort() + "/");
            com.microsoft.playwright.Response answer = evil.waitForResponse(url("/signout"), () ->
                    evil.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Claim your prize")).click());
            assertThat(answer.status()).isEqualTo(403);
            assertThat(answer.request().headerValue("origin")).startsWith("http://localhost:");
            assertThat(answer.text()).contains("csrf");
        } finally {
            attacker.stop(0);
        }
        assertThat(get("/v1/users/me", Credential.session(session)).status()).as("still signed in").isEqualTo(200);
        mine.reload();
        assertThat(mine.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign out"))).isVisible();
    }
}
