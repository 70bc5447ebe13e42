package dev.portal.web;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.FilePayload;
import dev.portal.support.BrowserTestSupport;
import org.junit.jupiter.api.Test;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

/** A member's account flows end to end in a real browser: linking platforms, sessions, the avatar upload. */
class BrowserAccountFlowTest extends BrowserTestSupport {

    private static Page.GetByRoleOptions named(String name) {
        return new Page.GetByRoleOptions().setName(name).setExact(true);
    }

    /** Waits for the page to reach {@code path} (query ignored), saying where it ended up otherwise. */
    private static void landOn(Page page, String path) {
        try {
            page.waitForURL(Pattern.compile("^" + Pattern.quote(url(path)) + "(\\?.*)?$"));
        } catch (com.microsoft.playwright.TimeoutError e) {
            throw new AssertionError("expected " + path + " but the browser is at " + page.url() + ": " + page.content(), e);
        }
    }

    @Test
    void signInWithDiscordLinkGithubSignInWithGithubThenUnlinkDiscord() {
        BrowserContext browser = newBrowser();
        String name = unique("twoways");
        String githubId = uniqueDiscordId();
        String login = unique("gh");

        Page page = open(browser, "/?next=/");
        // The stand-in names this person at the code exchange that the callback makes.
        nextDiscordUser(uniqueDiscordId(), name, null);
        page.getByRole(AriaRole.LINK, named("Sign in with Discord")).click();
        landOn(page, "/");
        assertThat(page.getByRole(AriaRole.HEADING, named("Signed in as " + name))).isVisible();

        page.navigate(url("/account/identities"));
        assertThat(page.getByRole(AriaRole.HEADING, named("Linked accounts"))).isVisible();
        checkPage(page);
        // The GitHub stand-in answers /user from the token's claims; login is the username Portal keeps.
        nextUser("github", githubId, Map.of("login", login));
        page.getByRole(AriaRole.LINK, named("Link GitHub")).click();
        landOn(page, "/account/identities?flash=linked");
        assertThat(page.getByText("The account was linked.")).isVisible();
        assertThat(page.getByRole(AriaRole.CELL, named("Discord"))).isVisible();
        assertThat(page.getByRole(AriaRole.CELL, named("GitHub"))).isVisible();
        assertThat(page.getByRole(AriaRole.CELL, named(login))).isVisible();
        // With two ways in, either may go; and GitHub is linked, so it is no longer offered.
        assertThat(page.getByRole(AriaRole.BUTTON, named("Unlink Discord"))).isEnabled();
        assertThat(page.getByRole(AriaRole.BUTTON, named("Unlink GitHub"))).isEnabled();
        assertThat(page.getByRole(AriaRole.LINK, named("Link GitHub"))).hasCount(0);
        checkPage(page);

        // Signed out, the GitHub account alone leads back into the same Portal account.
        page.navigate(url("/"));
        page.getByRole(AriaRole.BUTTON, named("Sign out")).click();
        landOn(page, "/");
        assertThat(page.getByText("You are signed out.")).isVisible();
        page.navigate(url("/?next=/"));
        nextUser("github", githubId, Map.of("login", login));
        page.getByRole(AriaRole.LINK, named("Sign in with GitHub")).click();
        landOn(page, "/");
        assertThat(page.getByRole(AriaRole.HEADING, named("Signed in as " + name))).isVisible();
        checkPage(page);

        // Unlinking Discord (the form's confirm is accepted) leaves GitHub as the last way in.
        page.navigate(url("/account/identities"));
        page.getByRole(AriaRole.BUTTON, named("Unlink Discord")).click();
        landOn(page, "/account/identities");
        assertThat(page.getByText("The account was unlinked.")).isVisible();
        assertThat(page.getByRole(AriaRole.CELL, named("Discord"))).hasCount(0);
        Locator lastUnlink = page.getByRole(AriaRole.BUTTON, named("Unlink GitHub"));
        assertThat(lastUnlink).isDisabled();
        assertThat(page.getByText("This is your last way to sign in.")).isVisible();
        // The hint is what a screen reader hears with the disabled button.
        assertThat(lastUnlink).hasAccessibleDescription("This is your last way to sign in.");
        checkPage(page);

        // A browser that ignores the disabled button is refused by the server, and nothing is unlinked.
        lastUnlink.evaluate("button => button.removeAttribute('disabled')");
        com.microsoft.playwright.Response refused = page.waitForResponse(
                r -> r.url().contains("/unlink") && r.request().method().equals("POST"), lastUnlink::click);
        assertThat(refused.status()).isEqualTo(409);
        page.waitForLoadState();
        assertThat(page.getByText("last_identity")).isVisible();
        page.navigate(url("/account/identities"));
        assertThat(page.getByRole(AriaRole.CELL, named("GitHub"))).isVisible();
        assertThat(page.getByRole(AriaRole.BUTTON, named("Unlink GitHub"))).isDisabled();
    }

    @Test
    void aSessionRevokedFromAnotherBrowserIsSignedOut() {
        long id = createUser(unique("twice"), 0);
        linkDiscord(id, uniqueDiscordId(), unique("disc"));
        BrowserContext a = browserSignedInAs(id);
        BrowserContext b = browserSignedInAs(id);
        Page pageA = open(a, "/account");
        assertThat(pageA.getByRole(AriaRole.HEADING, named("Your account"))).isVisible();

        Page pageB = open(b, "/account/sessions");
        Locator rows = pageB.locator("tbody").getByRole(AriaRole.ROW);
        assertThat(rows).hasCount(2);
        // B's own row is marked and has no revoke button (signing out is for that); A's row has one.
        assertThat(rows.filter(new Locator.FilterOptions().setHasText("This device"))).hasCount(1);
        Locator revoke = pageB.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions()
                .setName(Pattern.compile("^Revoke session \\d+$")));
        assertThat(revoke).hasCount(1);
        assertThat(rows.filter(new Locator.FilterOptions().setHasText("This device")).getByRole(AriaRole.BUTTON))
                .hasCount(0);
        checkPage(pageB);
        revoke.click();
        landOn(pageB, "/account/sessions");
        assertThat(pageB.getByText("The session was signed out.")).isVisible();
        assertThat(rows).hasCount(1);
        // Alone now, there is nobody else to sign out.
        assertThat(pageB.getByRole(AriaRole.BUTTON, named("Sign out all other sessions"))).hasCount(0);
        checkPage(pageB);

        // A's next page is the sign-in page; B is still in.
        pageA.navigate(url("/account"));
        assertThat(pageA.url()).contains("/?next=%2Faccount");
        assertThat(pageA.getByRole(AriaRole.HEADING, named("Sign in to Portal"))).isVisible();
        pageB.navigate(url("/account"));
        assertThat(pageB.getByRole(AriaRole.HEADING, named("Your account"))).isVisible();

        // Two more browsers, then B signs out all the others at once (the confirm is accepted).
        Page pageC = open(browserSignedInAs(id), "/account");
        Page pageD = open(browserSignedInAs(id), "/account");
        assertThat(pageC.getByRole(AriaRole.HEADING, named("Your account"))).isVisible();
        assertThat(pageD.getByRole(AriaRole.HEADING, named("Your account"))).isVisible();
        pageB.navigate(url("/account/sessions"));
        assertThat(rows).hasCount(3);
        pageB.getByRole(AriaRole.BUTTON, named("Sign out all other sessions")).click();
        landOn(pageB, "/account/sessions");
        assertThat(pageB.getByText("Every other session was signed out.")).isVisible();
        assertThat(rows).hasCount(1);
        checkPage(pageB);
        for (Page other : java.util.List.of(pageC, pageD)) {
            other.navigate(url("/account"));
            assertThat(other.url()).contains("/?next=%2Faccount");
            assertThat(other.getByRole(AriaRole.HEADING, named("Sign in to Portal"))).isVisible();
        }
        pageB.navigate(url("/account"));
        assertThat(pageB.getByRole(AriaRole.HEADING, named("Your account"))).isVisible();
    }

    @Test
    void anAvatarUploadedThroughTheFileInputIsShownAndANonImageIsRefusedByTheField() {
        long id = createUser(unique("pic"), 0);
        linkDiscord(id, uniqueDiscordId(), unique("disc"));
        Page page = open(browserSignedInAs(id), "/account");
        assertThat(page.getByRole(AriaRole.HEADING, named("Your own picture"))).isVisible();
        // No upload yet, so no such choice.
        assertThat(page.getByLabel("Your upload")).hasCount(0);

        page.getByLabel("Upload an avatar").setInputFiles(new FilePayload("me.png", "image/png", png(64, 64)));
        page.getByRole(AriaRole.BUTTON, named("Upload")).click();
        landOn(page, "/account");
        assertThat(page.getByText("Your avatar was saved.")).isVisible();
        // The upload becomes the chosen avatar, its preview served by Portal's own avatar path.
        assertThat(page.getByLabel("Your upload")).isChecked();
        Locator preview = page.locator("label[for=avatar-upload] img");
        String src = preview.getAttribute("src");
        assertThat(src).matches("^(" + Pattern.quote(url("")) + ")?/avatars/[^/]+/\\d+\\.png$");
        Object width = preview.evaluate("img => img.decode().then(() => img.naturalWidth)");
        assertThat(((Number) width).intValue()).as("natural width of %s", src).isPositive();
        checkPage(page);

        // SVG is text, not one of the image types: the page comes back with the error under the field.
        byte[] svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"8\" height=\"8\"><rect width=\"8\" height=\"8\"/></svg>"
                .getBytes(StandardCharsets.UTF_8);
        page.getByLabel("Upload an avatar").setInputFiles(new FilePayload("me.svg", "image/svg+xml", svg));
        com.microsoft.playwright.Response refused = page.waitForResponse(
                r -> r.url().equals(url("/account/avatar")) && r.request().method().equals("POST"),
                () -> page.getByRole(AriaRole.BUTTON, named("Upload")).click());
        assertThat(refused.status()).isBetween(400, 415);
        assertThat(refused.headerValue("content-type")).startsWith("text/html");
        page.waitForLoadState();
        assertThat(page.getByRole(AriaRole.HEADING, named("Your account"))).isVisible();
        assertThat(page.locator("#file-error")).isVisible();
        assertThat(page.getByLabel("Upload an avatar")).hasAttribute("aria-invalid", "true");
        assertThat(page.getByLabel("Upload an avatar")).hasAccessibleDescription(
                page.locator("#file-error").innerText().strip());
        // The earlier upload is still the avatar.
        assertThat(page.getByLabel("Your upload")).isChecked();
        checkPage(page);
    }

    /** A small PNG made on the spot: a red square with a blue band. */
    private static byte[] png(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        var g = image.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLUE);
        g.fillRect(0, height / 3, width, height / 3);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
