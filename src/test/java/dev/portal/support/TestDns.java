package dev.portal.support;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.portal.outbound.HostResolver;

/**
 * DNS as the tests need it, standing in for the network's as the stand-ins stand in for its servers:
 * every name under {@code .test} is this machine (where the stand-ins listen) unless a test maps it
 * elsewhere (a private address, to be refused), and TXT records are what tests put there. No other name
 * exists, so no test ever reaches the real internet.
 */
public final class TestDns implements HostResolver {
    private final Map<String, List<InetAddress>> addresses = new ConcurrentHashMap<>();
    private final Map<String, List<String>> txt = new ConcurrentHashMap<>();

    /** {@code name} resolves to these addresses (literals) from now on. */
    public void map(String name, String... literals) {
        List<InetAddress> all = new ArrayList<>();
        for (String literal : literals) {
            try {
                all.add(InetAddress.getByName(literal));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(literal + " is not an address literal", e);
            }
        }
        addresses.put(name, List.copyOf(all));
    }

    public void txt(String name, String... values) {
        txt.put(name, List.of(values));
    }

    @Override
    public List<InetAddress> addresses(String host) throws UnknownHostException {
        List<InetAddress> mapped = addresses.get(host);
        if (mapped != null) {
            return mapped;
        }
        if (host.endsWith(".test") || host.equals("localhost")) {
            return List.of(InetAddress.getByName("127.0.0.1"));
        }
        throw new UnknownHostException(host);
    }

    @Override
    public List<String> txt(String name) {
        return txt.getOrDefault(name, List.of());
    }
}
