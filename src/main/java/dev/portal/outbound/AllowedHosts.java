package dev.portal.outbound;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code PORTAL_OUTBOUND_ALLOWED_HOSTS}: the {@code host:port}s that may be reached although they resolve
 * to an address that is refused otherwise (loopback, private, ...). An entry {@code *.example.test:8443}
 * allows every name under {@code example.test} on that port. Only names and ports written here are
 * allowed; an allowed host on any port but 443 is spoken to over plain http when Portal derives the URL
 * itself (a Bluesky handle's well-known document, a did:web), as test stand-ins and private servers are.
 */
public final class AllowedHosts {
    private record Entry(String host, boolean wildcard, int port) {
        boolean matches(String name, int port) {
            return this.port == port && matchesName(name);
        }

        boolean matchesName(String name) {
            return wildcard ? name.endsWith("." + host) : name.equals(host);
        }
    }

    private final List<Entry> entries;

    public AllowedHosts(List<String> configured) {
        this.entries = configured.stream().map(String::strip).filter(s -> !s.isEmpty()).map(AllowedHosts::parse).toList();
    }

    private static Entry parse(String entry) {
        int colon = entry.lastIndexOf(':');
        if (colon <= 0 || entry.indexOf(']') > colon || entry.startsWith("[")) {
            throw new IllegalStateException("PORTAL_OUTBOUND_ALLOWED_HOSTS: '" + entry + "' is not host:port");
        }
        String host = entry.substring(0, colon).toLowerCase(Locale.ROOT);
        int port;
        try {
            port = Integer.parseInt(entry.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalStateException("PORTAL_OUTBOUND_ALLOWED_HOSTS: '" + entry + "' has no valid port");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalStateException("PORTAL_OUTBOUND_ALLOWED_HOSTS: '" + entry + "' has no valid port");
        }
        boolean wildcard = host.startsWith("*.");
        return new Entry(wildcard ? host.substring(2) : host, wildcard, port);
    }

    public boolean allows(String host, int port) {
        return entries.stream().anyMatch(e -> e.matches(host, port));
    }

    /** The port an allowed entry names for this host, if one does (the first that matches). */
    public Optional<Integer> portFor(String host) {
        return entries.stream().filter(e -> e.matchesName(host)).map(Entry::port).findFirst();
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }
}
