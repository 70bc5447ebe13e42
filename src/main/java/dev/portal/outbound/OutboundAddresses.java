package dev.portal.outbound;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Which addresses a user-chosen URL may lead to: only global unicast ones. Refused are loopback,
 * "this network" and unspecified ({@code 0.0.0.0/8}, {@code ::}), private (RFC 1918), shared
 * (100.64/10), link-local (169.254/16, fe80::/10), multicast, documentation, benchmarking and reserved
 * ranges, unique-local (fc00::/7), site-local (fec0::/10), and every IPv6 form that carries an IPv4
 * address (mapped, compatible, NAT64, 6to4) when the address it carries is refused; Teredo is refused
 * whole, as the address it carries is obfuscated and outside Portal's sight.
 */
public final class OutboundAddresses {
    private OutboundAddresses() {
    }

    public static boolean isPublic(InetAddress address) {
        if (address instanceof Inet4Address) {
            return isPublicV4(address.getAddress());
        }
        if (address instanceof Inet6Address) {
            return isPublicV6(address.getAddress());
        }
        return false;
    }

    private static boolean isPublicV4(byte[] a) {
        int b0 = a[0] & 0xff;
        int b1 = a[1] & 0xff;
        int b2 = a[2] & 0xff;
        if (b0 == 0 || b0 == 10 || b0 == 127) {
            return false; // this network, private, loopback
        }
        if (b0 == 100 && (b1 & 0xc0) == 64) {
            return false; // 100.64.0.0/10, carrier-grade NAT
        }
        if (b0 == 169 && b1 == 254) {
            return false; // link-local, where cloud metadata services answer
        }
        if (b0 == 172 && (b1 & 0xf0) == 16) {
            return false; // 172.16.0.0/12
        }
        if (b0 == 192 && b1 == 168) {
            return false;
        }
        if (b0 == 192 && b1 == 0 && (b2 == 0 || b2 == 2)) {
            return false; // IETF protocol assignments, TEST-NET-1
        }
        if (b0 == 192 && b1 == 88 && b2 == 99) {
            return false; // 6to4 relay anycast
        }
        if (b0 == 198 && (b1 == 18 || b1 == 19)) {
            return false; // benchmarking
        }
        if (b0 == 198 && b1 == 51 && b2 == 100 || b0 == 203 && b1 == 0 && b2 == 113) {
            return false; // TEST-NET-2 and -3
        }
        return b0 < 224; // 224/4 multicast, 240/4 reserved and broadcast
    }

    private static boolean isPublicV6(byte[] a) {
        if (allZero(a, 0, 10)) {
            if ((a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff) {
                return isPublicV4(slice(a, 12)); // ::ffff:a.b.c.d, IPv4-mapped
            }
            if (allZero(a, 10, 12)) {
                return false; // ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d
            }
        }
        int first = a[0] & 0xff;
        int second = a[1] & 0xff;
        if (first == 0xff) {
            return false; // multicast
        }
        if ((first & 0xfe) == 0xfc) {
            return false; // fc00::/7 unique-local
        }
        if (first == 0xfe && (second & 0xc0) != 0) {
            return false; // fe80::/10 link-local, fec0::/10 site-local (and the rest of fe/8)
        }
        if (first == 0x00 && second == 0x64 && (a[2] & 0xff) == 0xff && (a[3] & 0xff) == 0x9b) {
            // 64:ff9b::/96 translates to the IPv4 address it carries; 64:ff9b:1::/48 is for local use.
            return allZero(a, 4, 12) && isPublicV4(slice(a, 12));
        }
        if (first == 0x01 && second == 0x00 && allZero(a, 2, 8)) {
            return false; // 100::/64 discard
        }
        if (first == 0x20 && second == 0x01) {
            int third = a[2] & 0xff;
            int fourth = a[3] & 0xff;
            if (third == 0x00 && fourth == 0x00) {
                return false; // 2001::/32 Teredo
            }
            if (third == 0x0d && fourth == 0xb8) {
                return false; // 2001:db8::/32 documentation
            }
        }
        if (first == 0x20 && second == 0x02) {
            return isPublicV4(slice(a, 2)); // 2002::/16 6to4 carries an IPv4 address in bits 16-47
        }
        return (first & 0xe0) == 0x20; // global unicast is 2000::/3; the rest is unassigned or special
    }

    private static boolean allZero(byte[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] slice(byte[] a, int from) {
        return new byte[] {a[from], a[from + 1], a[from + 2], a[from + 3]};
    }

    /** An IPv4 address from its four bytes (no lookup). */
    static InetAddress v4(long value) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8),
                    (byte) value});
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are always an address", e);
        }
    }
}
