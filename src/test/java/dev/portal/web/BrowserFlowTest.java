package dev.portal.web;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import dev.portal.support.BrowserTestSupport;
import org.junit.jupiter.api.Test;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

/** The member and staff pages in a real browser, by the stable texts the pages promise. */
class BrowserFlowTest extends BrowserTestSupport {

    @Test
    void tokenCreatedShownOnceAndRevoked() {
        Page page = open(browserSignedInAs(createUser(0)), "/account/tokens");
        page.getByLabel("Token name").fill("deploy");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create token")).click();
        assertThat(page.locator("#new-token")).isVisible();
        assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Copy"))).isVisible();
        checkPage(page);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Revoke token deploy")).click();
        assertThat(page.getByText("The token was revoked.")).isVisible();
    }

    @Test
    void aMemberGetsTheNotFoundPageForAdmin() {
        Page page = newBrowser().newPage();
        BrowserContext member = browserSignedInAs(createUser(0));
        Page admin = member.newPage();
        com.microsoft.playwright.Response response = admin.navigate(url("/admin/users"));
        org.assertj.core.api.Assertions.assertThat(response.status()).isEqualTo(404);
        page.close();
    }

    @Test
    void everyAccountPageHoldsAt360PxWithoutViolations() {
        long id = createUser(unique("pages"), 0);
        linkDiscord(id, uniqueDiscordId(), unique("disc"));
        BrowserContext browser = browserSignedInAs(id);
        for (String path : java.util.List.of("/account", "/account/identities", "/account/sessions", "/account/tokens",
                "/account/moderation", "/account/email", "/account/export", "/account/delete")) {
            Page page = open(browser, path);
            checkPage(page);
            screenshot(page, path.substring(1).replace('/', '-'));
            page.close();
        }
    }

    @Test
    void everyStaffPageHoldsAt360PxWithoutViolations() {
        long owner = createUser(unique("owner"), 3);
        long member = createUser(unique("member"), 0);
        linkDiscord(member, uniqueDiscordId(), unique("disc"));
        BrowserContext browser = browserSignedInAs(owner);
        for (String path : java.util.List.of("/admin/users", "/admin/users/" + member, "/admin/audit")) {
            Page page = open(browser, path);
            checkPage(page);
            screenshot(page, path.substring(1).replace('/', '-').replaceAll("-\\d+$", "-user"));
            page.close();
        }
    }

    @Test
    void aTakenUsernameIsShownNextToTheField() {
        String taken = unique("taken");
        createUser(taken, 0);
        Page page = open(browserSignedInAs(createUser(0)), "/account");
        page.locator("#username").fill(taken);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save profile")).click();
        assertThat(page.locator("#username-error")).containsText("taken");
        assertThat(page.locator("#username")).hasAttribute("aria-invalid", "true");
    }

    @Test
    void anAdminBansAMemberWhoseOtherBrowserIsThenRefused() {
        long admin = createUser(2);
        long member = createUser(unique("banned"), 0);
        BrowserContext memberBrowser = browserSignedInAs(member);
        Page memberPage = open(memberBrowser, "/account");
        assertThat(memberPage.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Your account"))).isVisible();

        Page adminPage = open(browserSignedInAs(admin), "/admin/users/" + member);
        adminPage.locator("#mod-action").selectOption("ban");
        adminPage.locator("#mod-reason").fill("spam in every channel");
        adminPage.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Apply")).click();
        assertThat(adminPage.getByText("The action was recorded.")).isVisible();

        // The ban ends the member's sessions at once: their browser is back on the sign-in page.
        memberPage.navigate(url("/account"));
        org.assertj.core.api.Assertions.assertThat(memberPage.url()).contains("/?next=%2Faccount");
        assertThat(memberPage.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Sign in to Portal")))
                .isVisible();
    }

    @Test
    void withJavaScriptARevokeUpdatesTheListInPlace() {
        long id = createUser(0);
        sessionFor(id); // a second session, to revoke
        BrowserContext browser = browserSignedInAs(id);
        Page page = open(browser, "/account/sessions");
        assertThat(page.getByText("This device")).isVisible();
        // A mark on the window survives only if htmx swapped the list in place rather than loading a new page.
        page.evaluate("() => { window.stayedOnPage = true; }");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(java.util.regex.Pattern.compile("^Revoke session"))).click();
        assertThat(page.getByText("The session was signed out.")).isVisible();
        assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(java.util.regex.Pattern.compile("^Revoke session")))).hasCount(0);
        org.assertj.core.api.Assertions.assertThat(page.evaluate("() => window.stayedOnPage === true")).isEqualTo(true);
        checkPage(page);

        // A token created and revoked in place too, the revoke asking first.
        Page tokens = open(browser, "/account/tokens");
        tokens.evaluate("() => { window.stayedOnPage = true; }");
        tokens.getByLabel("Token name").fill("in-place");
        tokens.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create token")).click();
        assertThat(tokens.locator("#new-token")).isVisible();
        tokens.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Revoke token in-place")).click();
        assertThat(tokens.getByText("The token was revoked.")).isVisible();
        org.assertj.core.api.Assertions.assertThat(tokens.evaluate("() => window.stayedOnPage === true")).isEqualTo(true);
        checkPage(tokens);
    }

    @Test
    void withJavaScriptOffTheFormsPostAndRedirectWithAFlash() {
        long id = createUser(unique("nojs"), 0);
        sessionFor(id);
        BrowserContext browser = newBrowserWithoutJavaScript(id);
        Page page = open(browser, "/account");
        page.getByLabel("Display name").fill("No Script");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save profile")).click();
        assertThat(page.getByRole(AriaRole.STATUS)).isVisible();
        assertThat(page.getByLabel("Display name")).hasValue("No Script");

        page.navigate(url("/account/tokens"));
        page.getByLabel("Token name").fill("no-script");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create token")).click();
        assertThat(page.locator("#new-token")).isVisible();
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Revoke token no-script")).click();
        page.waitForURL(url("/account/tokens?flash=token_revoked"));
        assertThat(page.getByText("The token was revoked.")).isVisible();

        page.navigate(url("/account/sessions"));
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(java.util.regex.Pattern.compile("^Revoke session"))).click();
        page.waitForURL(url("/account/sessions?flash=session_revoked"));
        assertThat(page.getByText("The session was signed out.")).isVisible();
        // Without the script, times are still there: the UTC value as text.
        assertThat(page.locator("time[datetime]").first()).hasText(java.util.regex.Pattern.compile("Z$"));
    }
}
