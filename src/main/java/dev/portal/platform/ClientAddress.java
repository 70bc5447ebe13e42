package dev.portal.platform;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.regex.Pattern;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.stereotype.Component;

/**
 * The client's address: the peer, unless the peer is a configured trusted proxy, in which case
 * {@code X-Forwarded-For} is walked from the right past every trusted hop. A client cannot forge its
 * address by sending the header itself, because its own hop is never trusted.
 */
@Component
public class ClientAddress {
    /** Literal IPv4 or IPv6 only: parsing these never touches DNS. */
    private static final Pattern LITERAL = Pattern.compile("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private final Networks trusted;

    ClientAddress(PortalProperties properties) {
        this.trusted = Networks.parse(properties.trustedProxies(), "PORTAL_TRUSTED_PROXIES");
    }

    public String of(HttpServletRequest request) {
        String peer = request.getRemoteAddr();
        if (!trusted.contains(peer)) {
            return peer;
        }
        String forwarded = request.getHeader("X-Forwarded-For");
        if (forwarded == null) {
            return peer;
        }
        String[] hops = forwarded.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].trim();
            if (parse(hop) == null) {
                return peer;
            }
            if (!trusted.contains(hop)) {
                return hop;
            }
        }
        return hops[0].trim();
    }

    static InetAddress parse(String literal) {
        String s = literal.startsWith("[") && literal.endsWith("]") ? literal.substring(1, literal.length() - 1) : literal;
        if (s.isEmpty() || s.length() > 45 || !LITERAL.matcher(s).matches()) {
            return null;
        }
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** The addresses and networks (CIDR) a setting lists; blank entries are ignored. */
    record Networks(List<Cidr> cidrs) {
        /** {@code setting} names the setting the entries came from, for the error message. */
        static Networks parse(List<String> entries, String setting) {
            return new Networks(entries.stream().map(String::trim).filter(s -> !s.isEmpty())
                    .map(s -> Cidr.parse(s, setting)).toList());
        }

        /** True if the address literal is in one of them; a malformed literal is in none. */
        boolean contains(String literal) {
            if (cidrs.isEmpty()) {
                return false;
            }
            InetAddress address = ClientAddress.parse(literal);
            return address != null && cidrs.stream().anyMatch(c -> c.contains(address));
        }
    }

    record Cidr(byte[] network, int prefix) {
        /** {@code setting} names the setting the text came from, for the error message. */
        static Cidr parse(String text, String setting) {
            String[] parts = text.split("/", 2);
            InetAddress address = ClientAddress.parse(parts[0]);
            if (address == null) {
                throw new IllegalArgumentException(setting + ": not an IP address or CIDR range: " + text);
            }
            byte[] bytes = address.getAddress();
            int prefix;
            try {
                prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : bytes.length * 8;
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > bytes.length * 8) {
                throw new IllegalArgumentException(setting + ": bad prefix length in " + text);
            }
            return new Cidr(bytes, prefix);
        }

        boolean contains(InetAddress address) {
            byte[] candidate = address.getAddress();
            if (candidate.length != network.length) {
                return false;
            }
            int fullBytes = prefix / 8;
            for (int i = 0; i < fullBytes; i++) {
                if (candidate[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xFF << (8 - rest);
            return (candidate[fullBytes] & mask) == (network[fullBytes] & mask);
        }
    }
}
