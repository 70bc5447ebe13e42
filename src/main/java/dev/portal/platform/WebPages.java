package dev.portal.platform;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Which paths are the web portal's pages (server-rendered HTML for browsers), as opposed to the JSON APIs,
 * the static assets and the operational endpoints. Pages are authenticated like the API (the psession cookie),
 * answer errors as pages, and carry the pages' security headers.
 */
public final class WebPages {
    private WebPages() {
    }

    public static boolean isPage(String path) {
        return "/".equals(path) || path.equals("/account") || path.startsWith("/account/") || path.equals("/admin")
                || path.startsWith("/admin/") || path.startsWith("/u/") || path.equals("/signout");
    }

    public static boolean isPage(HttpServletRequest request) {
        return isPage(request.getRequestURI());
    }
}
