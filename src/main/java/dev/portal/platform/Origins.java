package dev.portal.platform;

import java.net.URI;
import java.util.Locale;

/** Origins in the serialised form browsers send ({@code scheme://host[:port]}, default ports left out). */
final class Origins {
    private Origins() {
    }

    static String of(URI uri) {
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        int port = uri.getPort();
        boolean defaultPort = port == -1 || ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
        return scheme + "://" + host + (defaultPort ? "" : ":" + port);
    }

    /** Normalises an {@code Origin} header value; returns null for anything that is not an http(s) origin. */
    static String normalise(String header) {
        try {
            URI uri = URI.create(header.trim());
            if (uri.getScheme() == null || uri.getHost() == null) {
                return null;
            }
            return of(uri);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
