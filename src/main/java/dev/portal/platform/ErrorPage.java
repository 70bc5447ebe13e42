package dev.portal.platform;

import org.springframework.web.util.HtmlUtils;

/**
 * An error as a page, for browsers on the portal's pages: the same status and stable code as the problem
 * details the API answers, in a page of the portal's own style. Built as a string (every value escaped), so
 * it renders even when the error came from a filter, before Spring MVC and its templates.
 */
public final class ErrorPage {
    private ErrorPage() {
    }

    public static String html(int status, String title, String detail, String code) {
        return """
                <!doctype html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title>%1$s · Portal</title>
                <link rel="stylesheet" href="/css/portal.css">
                </head>
                <body>
                <header class="top"><nav aria-label="Main"><a class="brand" href="/">Portal</a></nav></header>
                <main id="main" class="narrow">
                <h1>%1$s</h1>
                <p class="error-detail">%2$s</p>
                <p class="muted">Error %3$d · <code>%4$s</code></p>
                <p><a class="button" href="/">Back to Portal</a></p>
                </main>
                </body>
                </html>
                """.formatted(HtmlUtils.htmlEscape(title), HtmlUtils.htmlEscape(detail == null ? "" : detail), status,
                HtmlUtils.htmlEscape(code));
    }
}
