package dev.portal.mail;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * {@code PORTAL_SMTP_URL} taken apart: {@code smtp://[user[:password]@]host[:port][?starttls=true]} (port 25
 * by default, or 587 with STARTTLS) or {@code smtps://...} (TLS from the start, port 465 by default). User
 * and password are percent-decoded, so a password may hold {@code @} or {@code :} written as {@code %40},
 * {@code %3A}.
 */
record SmtpUrl(String host, int port, String user, String password, boolean tls, boolean starttls) {

    static SmtpUrl parse(String value) {
        URI uri;
        try {
            uri = new URI(value.trim());
        } catch (URISyntaxException e) {
            throw invalid("is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("smtp") && !scheme.equals("smtps")) {
            throw invalid("must start with smtp:// or smtps://");
        }
        if (uri.getHost() == null) {
            throw invalid("names no host");
        }
        boolean tls = scheme.equals("smtps");
        boolean starttls = false;
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                if (pair.equalsIgnoreCase("starttls=true")) {
                    starttls = true;
                } else if (!pair.isEmpty() && !pair.equalsIgnoreCase("starttls=false")) {
                    throw invalid("knows only the parameter starttls=true|false");
                }
            }
        }
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String info = uri.getRawUserInfo();
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            password = colon < 0 ? null : decode(info.substring(colon + 1));
        }
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 465 : starttls ? 587 : 25;
        return new SmtpUrl(uri.getHost(), port, user, password, tls, starttls);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static IllegalArgumentException invalid(String why) {
        // Never the value itself: it may hold a password.
        return new IllegalArgumentException("PORTAL_SMTP_URL " + why);
    }

    /** Without the password. */
    @Override
    public String toString() {
        return (tls ? "smtps" : "smtp") + "://" + (user == null ? "" : user + "@") + host + ":" + port
                + (starttls ? "?starttls=true" : "");
    }
}
