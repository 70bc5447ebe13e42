package dev.portal.emailchange.web;

import java.util.List;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.util.HtmlUtils;

/**
 * The small page a confirmation link shows in a browser (whose {@code Accept} prefers {@code text/html}):
 * no script, no style, no images, all text escaped, and a CSP that allows nothing at all.
 */
final class ConfirmationPage {
    static final String CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private ConfirmationPage() {
    }

    /** True if the client ranks {@code text/html} above JSON (a browser opening a mailed link); false if unsure. */
    static boolean wanted(String accept) {
        if (accept == null || accept.isBlank()) {
            return false;
        }
        List<MediaType> types;
        try {
            types = new java.util.ArrayList<>(MediaType.parseMediaTypes(accept));
        } catch (IllegalArgumentException e) {
            return false;
        }
        // Stable: of equal quality, the client's order decides.
        types.sort(java.util.Comparator.comparingDouble(MediaType::getQualityValue).reversed());
        for (MediaType type : types) {
            if (type.getQualityValue() == 0) {
                continue;
            }
            if (type.isCompatibleWith(MediaType.APPLICATION_JSON) || type.isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)) {
                // */* and application/* come here too: JSON, the API's default.
                return false;
            }
            if (type.isCompatibleWith(MediaType.TEXT_HTML)) {
                return true;
            }
        }
        return false;
    }

    static ResponseEntity<String> render(HttpStatusCode status, String title, String text) {
        String body = """
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
                <meta name="referrer" content="no-referrer">
                <title>%s</title></head>
                <body>
                <h1>%s</h1>
                <p>%s</p>
                </body></html>
                """.formatted(HtmlUtils.htmlEscape(title), HtmlUtils.htmlEscape(title), HtmlUtils.htmlEscape(text));
        return ResponseEntity.status(status)
                .contentType(new MediaType(MediaType.TEXT_HTML, java.nio.charset.StandardCharsets.UTF_8))
                .header("Content-Security-Policy", CSP)
                .header("X-Content-Type-Options", "nosniff")
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .header("Referrer-Policy", "no-referrer")
                .body(body);
    }
}
