package dev.portal.outbound;

import java.net.IDN;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where a URL leads, read the way a browser reads it (the WHATWG URL host rules), so that no spelling of
 * an address hides what it is: {@code 127.1}, {@code 0x7F.1} and {@code 017700000001} are all 127.0.0.1.
 * Only http and https, no userinfo, no percent-encoding or zone ids in the host.
 *
 * @param host the host as sent in {@code Host} and checked against TLS certificates: a lower-case ASCII
 *        domain, or the address literal
 * @param literal the address when the host is an IP literal, else null (a name is resolved later, once)
 */
public record OutboundTarget(String scheme, String host, int port, InetAddress literal) {
    private static final Pattern HOST_CHARACTERS = Pattern.compile("[A-Za-z0-9._\\-\\u0080-\\uffff]+");
    private static final Pattern IPV6_CHARACTERS = Pattern.compile("[0-9A-Fa-f:.]+");
    private static final Pattern LABEL = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?");
    private static final Pattern NUMBER = Pattern.compile("[0-9]+|0[xX][0-9A-Fa-f]*");

    /** Thrown for what is not an http(s) URL with a host Portal can reach; its message is safe to show. */
    public static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    public static OutboundTarget of(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new Refused("Only http and https URLs are fetched.");
        }
        String authority = uri.getRawAuthority();
        if (authority == null || authority.isEmpty()) {
            throw new Refused("The URL has no host.");
        }
        if (authority.indexOf('@') >= 0) {
            throw new Refused("URLs with a user name or password are not fetched.");
        }
        String host;
        String portText = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new Refused("The URL's host is not valid.");
            }
            host = authority.substring(0, close + 1);
            String rest = authority.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new Refused("The URL's host is not valid.");
                }
                portText = rest.substring(1);
            }
        } else {
            int colon = authority.lastIndexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            portText = colon < 0 ? null : authority.substring(colon + 1);
        }
        int port = scheme.equals("https") ? 443 : 80;
        if (portText != null && !portText.isEmpty()) {
            if (!portText.chars().allMatch(Character::isDigit) || portText.length() > 5
                    || Integer.parseInt(portText) < 1 || Integer.parseInt(portText) > 65535) {
                throw new Refused("The URL's port is not valid.");
            }
            port = Integer.parseInt(portText);
        }
        return host(scheme, host, port);
    }

    /** A host as a user typed it (a name or an address literal, brackets around IPv6), on a port. */
    public static OutboundTarget host(String scheme, String host, int port) {
        if (host.startsWith("[") && host.endsWith("]")) {
            String inner = host.substring(1, host.length() - 1);
            if (!IPV6_CHARACTERS.matcher(inner).matches() || inner.indexOf(':') < 0) {
                throw new Refused("The URL's host is not valid.");
            }
            try {
                InetAddress address = InetAddress.getByName(host);
                return new OutboundTarget(scheme, address.getHostAddress(), port, address);
            } catch (UnknownHostException e) {
                throw new Refused("The URL's host is not valid.");
            }
        }
        if (host.isEmpty() || !HOST_CHARACTERS.matcher(host).matches()) {
            throw new Refused("The URL's host is not valid.");
        }
        // IDNA 2003 (the JDK's) maps these to other letters than browsers (UTS 46) do: faß.de would become fass.de.
        if (host.chars().anyMatch(c -> c == 0x00DF || c == 0x03C2 || c == 0x200C || c == 0x200D)) {
            throw new Refused("The URL's host has a character that names two different servers; write it in its xn-- form.");
        }
        String ascii;
        try {
            ascii = IDN.toASCII(host).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new Refused("The URL's host is not valid.");
        }
        String trimmed = ascii.endsWith(".") ? ascii.substring(0, ascii.length() - 1) : ascii;
        String[] labels = trimmed.split("\\.", -1);
        if (NUMBER.matcher(labels[labels.length - 1]).matches()) {
            InetAddress address = OutboundAddresses.v4(ipv4(labels));
            return new OutboundTarget(scheme, address.getHostAddress(), port, address);
        }
        if (trimmed.length() > 253) {
            throw new Refused("The URL's host is not valid.");
        }
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                throw new Refused("The URL's host is not valid.");
            }
        }
        return new OutboundTarget(scheme, trimmed, port, null);
    }

    /** WHATWG's IPv4 parser: up to four parts, each decimal, octal (leading 0) or hex (0x); the last fills the rest. */
    private static long ipv4(String[] parts) {
        if (parts.length > 4) {
            throw new Refused("The URL's host is not a valid address.");
        }
        long[] numbers = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            numbers[i] = number(parts[i]);
            if (i < parts.length - 1 && numbers[i] > 255) {
                throw new Refused("The URL's host is not a valid address.");
            }
        }
        long last = numbers[parts.length - 1];
        if (last >= 1L << (8 * (5 - parts.length))) {
            throw new Refused("The URL's host is not a valid address.");
        }
        long value = last;
        for (int i = 0; i < parts.length - 1; i++) {
            value += numbers[i] << (8 * (3 - i));
        }
        return value;
    }

    private static long number(String part) {
        if (part.isEmpty()) {
            throw new Refused("The URL's host is not a valid address.");
        }
        int radix = 10;
        String digits = part;
        if (part.length() >= 2 && (part.startsWith("0x") || part.startsWith("0X"))) {
            radix = 16;
            digits = part.substring(2);
        } else if (part.length() >= 2 && part.startsWith("0")) {
            radix = 8;
            digits = part.substring(1);
        }
        if (digits.isEmpty()) {
            return 0;
        }
        final int base = radix;
        // Long.parseLong would take a sign ("10.-1.0.1"); no browser does.
        if (digits.length() > 12 || !digits.chars().allMatch(c -> Character.digit(c, base) >= 0)) {
            throw new Refused("The URL's host is not a valid address.");
        }
        try {
            return Long.parseLong(digits, radix);
        } catch (NumberFormatException e) {
            throw new Refused("The URL's host is not a valid address.");
        }
    }

    /** {@code host} or {@code host:port} when the port is not the scheme's own, as in a URL or Host header. */
    public String authority() {
        boolean defaultPort = scheme.equals("https") ? port == 443 : port == 80;
        String name = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return defaultPort ? name : name + ":" + port;
    }

    public String origin() {
        return scheme + "://" + authority();
    }
}
