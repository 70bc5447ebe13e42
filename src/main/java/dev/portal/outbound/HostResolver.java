package dev.portal.outbound;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Name lookups for the guarded client and for protocols that read DNS themselves (a Bluesky handle's
 * {@code _atproto} TXT record). One interface so that tests stand in for DNS as they stand in for the
 * servers.
 */
public interface HostResolver {

    /** Every address of a domain name (never an IP literal: those are parsed, not looked up). */
    List<InetAddress> addresses(String host) throws UnknownHostException;

    /** The TXT strings of a name; empty when it has none or does not exist. */
    List<String> txt(String name);
}
