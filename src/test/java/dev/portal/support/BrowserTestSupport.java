package dev.portal.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.Cookie;
import com.microsoft.playwright.options.SameSiteAttribute;
import dev.portal.platform.WebPages;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Base of the browser tests: Debian's Chromium, headless, driven by Playwright against the suite's running
 * Portal. One Chromium for the whole JVM (started on first use, closed at exit); a fresh context (its own
 * cookies: a browser of its own) for each {@link #newBrowser()}, closed after the test.
 *
 * <p>Without Chromium the tests fail, saying what to install; {@code -Dportal.browser-tests=skip} skips them
 * instead (for a developer's machine; CI never sets it).
 */
public abstract class BrowserTestSupport extends PortalTest {
    public static final int DESKTOP_WIDTH = 1280;
    public static final int DESKTOP_HEIGHT = 800;
    public static final int PHONE_WIDTH = 360;
    public static final int PHONE_HEIGHT = 740;
    /** A 1×1 grey PNG, answered for every image from outside (the test machine has no internet). */
    private static final byte[] PLACEHOLDER_PNG = java.util.Base64.getDecoder().decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=");
    /** Flags for a closed network: without the background ones, Chromium waits on servers it cannot reach. */
    private static final List<String> CHROMIUM_ARGS = List.of("--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage");
    /** Reports CSP violations to the console, where {@link #checkPage} finds them (run outside the page's CSP). */
    private static final String REPORT_CSP_VIOLATIONS = """
            document.addEventListener('securitypolicyviolation', e => console.error(
                'CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));
            """;

    private static Playwright playwright;
    private static Browser chromium;

    private final List<BrowserContext> contexts = new ArrayList<>();
    /** Console errors and page errors of every page of this test, as "url: text". */
    private final List<String> consoleErrors = Collections.synchronizedList(new ArrayList<>());
    /** The Content-Security-Policy of each page's current document, as its last navigation answered. */
    private final Map<Page, String> documentPolicies = new java.util.concurrent.ConcurrentHashMap<>();

    /** Where the Chromium that apt installs lives; {@code -Dportal.chromium=...} for another. */
    static Path chromiumPath() {
        return Paths.get(System.getProperty("portal.chromium", "/usr/bin/chromium"));
    }

    private static synchronized Browser chromium() {
        if (chromium == null) {
            Path executable = chromiumPath();
            if (!Files.isExecutable(executable)) {
                String message = "Browser tests need Chromium at " + executable + ": install it with "
                        + "`apt-get install chromium chromium-driver` (.ci/run does), or set -Dportal.chromium=<path>; "
                        + "to skip them on a machine without it, run with -Dportal.browser-tests=skip";
                if ("skip".equals(System.getProperty("portal.browser-tests"))) {
                    Assumptions.abort(message);
                }
                fail(message);
            }
            playwright = Playwright.create(new Playwright.CreateOptions()
                    .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
            chromium = playwright.chromium().launch(new BrowserType.LaunchOptions()
                    .setExecutablePath(executable).setHeadless(true).setArgs(CHROMIUM_ARGS).setTimeout(60_000));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                chromium.close();
                playwright.close();
            }));
        }
        return chromium;
    }

    @BeforeEach
    void skipWhenAsked() {
        if ("skip".equals(System.getProperty("portal.browser-tests"))) {
            Assumptions.abort("browser tests skipped (-Dportal.browser-tests=skip)");
        }
    }

    @AfterEach
    void closeBrowsers() {
        contexts.forEach(BrowserContext::close);
        contexts.clear();
    }

    /** A browser of its own (own cookies), desktop-sized, in UTC and English, so screenshots repeat. */
    protected BrowserContext newBrowser() {
        BrowserContext context = chromium().newContext(contextOptions());
        context.setDefaultTimeout(15_000);
        context.setDefaultNavigationTimeout(20_000);
        context.addInitScript(REPORT_CSP_VIOLATIONS);
        // Platforms' avatars are on their CDNs, which this machine cannot reach: a placeholder image instead.
        context.route(u -> u.startsWith("https://"), route -> {
            if ("image".equals(route.request().resourceType())) {
                route.fulfill(new com.microsoft.playwright.Route.FulfillOptions().setStatus(200)
                        .setContentType("image/png").setBodyBytes(PLACEHOLDER_PNG));
            } else {
                route.abort();
            }
        });
        context.onPage(this::watch);
        contexts.add(context);
        return context;
    }

    /** A browser signed in as the user, with a session made as a sign-in would (for tests about other things). */
    protected BrowserContext browserSignedInAs(long userId) {
        return signedIn(newBrowser(), userId);
    }

    private static Browser.NewContextOptions contextOptions() {
        return new Browser.NewContextOptions().setViewportSize(DESKTOP_WIDTH, DESKTOP_HEIGHT).setLocale("en-GB")
                .setTimezoneId("UTC").setBaseURL(url(""));
    }

    private BrowserContext signedIn(BrowserContext context, long userId) {
        context.addCookies(List.of(new Cookie("psession", sessionFor(userId)).setDomain("127.0.0.1").setPath("/")
                .setHttpOnly(true).setSameSite(SameSiteAttribute.LAX)));
        return context;
    }

    /** A browser signed in as the user with JavaScript switched off: the pages must work as plain forms. */
    protected BrowserContext newBrowserWithoutJavaScript(long userId) {
        BrowserContext context = chromium().newContext(contextOptions().setJavaScriptEnabled(false));
        context.setDefaultTimeout(15_000);
        contexts.add(context);
        return signedIn(context, userId);
    }

    private void watch(Page page) {
        // Forms with data-confirm ask window.confirm; Playwright would dismiss it, so the person says yes.
        page.onDialog(com.microsoft.playwright.Dialog::accept);
        page.onResponse(response -> {
            if (response.request().isNavigationRequest() && response.frame() == page.mainFrame()) {
                documentPolicies.put(page, String.valueOf(response.headers().get("content-security-policy")));
            }
        });
        page.onConsoleMessage(message -> {
            if ("error".equals(message.type()) && !isRefusedPage(message.text(), message.location())) {
                consoleErrors.add(page.url() + ": " + message.text());
            }
        });
        page.onPageError(error -> consoleErrors.add(page.url() + ": uncaught " + error));
    }

    /**
     * Chromium logs every 4xx/5xx answer, a page's own included; a page that answers an error on purpose (the
     * 404 page, a form's 422) is what a test asks for, a missing stylesheet or script is not.
     */
    private static boolean isRefusedPage(String text, String location) {
        if (!text.startsWith("Failed to load resource: the server responded with a status of") || location == null) {
            return false;
        }
        URI uri = URI.create(location.replaceFirst(":\\d+:\\d+$", ""));
        return url("").equals("http://" + uri.getAuthority()) && WebPages.isPage(uri.getPath());
    }

    /** Opens a page of Portal in the browser, answering the page (navigations land where redirects lead). */
    protected Page open(BrowserContext browser, String path) {
        Page page = browser.newPage();
        page.navigate(url(path));
        return page;
    }

    /**
     * What every page must be: served with the CSP, free of console errors and CSP violations so far, no
     * wider than a 360 px phone, and with no serious or critical accessibility violation (axe-core). The page
     * is left at desktop size.
     */
    protected void checkPage(Page page) {
        String csp = documentPolicies.get(page);
        assertThat(csp).as("CSP of %s", page.url()).contains("script-src 'self'", "frame-ancestors 'none'")
                .doesNotContain("unsafe-inline", "unsafe-eval");
        assertNoConsoleErrors();
        page.setViewportSize(PHONE_WIDTH, PHONE_HEIGHT);
        Object scrollWidth = page.evaluate("() => document.documentElement.scrollWidth");
        assertThat(((Number) scrollWidth).intValue()).as("width of %s at 360 px (no horizontal scroll)", page.url())
                .isLessThanOrEqualTo(PHONE_WIDTH);
        assertNoSeriousAccessibilityViolations(page);
        page.setViewportSize(DESKTOP_WIDTH, DESKTOP_HEIGHT);
        assertNoSeriousAccessibilityViolations(page);
        assertNoConsoleErrors();
    }

    protected void assertNoConsoleErrors() {
        synchronized (consoleErrors) {
            assertThat(consoleErrors).as("console errors and CSP violations").isEmpty();
        }
    }

    /**
     * Runs axe-core in the page. The script goes in through DevTools (Playwright's evaluate), which the page's
     * CSP does not govern, so it neither needs a weaker policy nor counts as a violation.
     */
    protected void assertNoSeriousAccessibilityViolations(Page page) {
        page.evaluate("() => { if (!window.axe) { " + AxeCore.source() + "\n} }");
        Object found = page.evaluate("""
                async () => {
                  const result = await axe.run(document, {resultTypes: ['violations']});
                  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                      .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' at '
                          + v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' ' + (n.failureSummary || '').replace(/\\s+/g, ' ')).join(' | '));
                }
                """);
        assertThat((List<?>) found).as("serious or critical accessibility violations on %s", page.url()).isEmpty();
    }

    /**
     * Saves the page at desktop (1280×800) and phone (360×740) size as {@code <name>-desktop.png} and
     * {@code <name>-phone.png} in {@code target/screenshots/}, or in {@code -Dportal.screenshots=<dir>}.
     */
    protected void screenshot(Page page, String name) {
        Path dir = Path.of(System.getProperty("portal.screenshots", "target/screenshots"));
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        page.evaluate("() => document.fonts.ready.then(() => true)");
        page.screenshot(new Page.ScreenshotOptions().setPath(dir.resolve(name + "-desktop.png")).setFullPage(true)
                .setAnimations(com.microsoft.playwright.options.ScreenshotAnimations.DISABLED));
        page.setViewportSize(PHONE_WIDTH, PHONE_HEIGHT);
        page.screenshot(new Page.ScreenshotOptions().setPath(dir.resolve(name + "-phone.png")).setFullPage(true)
                .setAnimations(com.microsoft.playwright.options.ScreenshotAnimations.DISABLED));
        page.setViewportSize(DESKTOP_WIDTH, DESKTOP_HEIGHT);
    }
}
