package dev.portal.outbound;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;

import javax.naming.Context;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** The machine's resolver: addresses through the JDK (and its cache), TXT records through the JDK's DNS provider. */
@Component
class SystemHostResolver implements HostResolver {
    private static final Logger log = LoggerFactory.getLogger(SystemHostResolver.class);
    /** {@code dns://host:port} of the servers to ask for TXT records; null asks the ones /etc/resolv.conf names. */
    private final String servers;

    SystemHostResolver() {
        this(null);
    }

    SystemHostResolver(String servers) {
        this.servers = servers;
    }

    @Override
    public List<InetAddress> addresses(String host) throws UnknownHostException {
        return List.of(InetAddress.getAllByName(host));
    }

    @Override
    public List<String> txt(String name) {
        Hashtable<String, String> env = new Hashtable<>();
        env.put(Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.dns.DnsContextFactory");
        // The servers of /etc/resolv.conf; a lookup gives up after about 4.5 s (1.5 s, then 3 s).
        env.put("com.sun.jndi.dns.timeout.initial", "1500");
        env.put("com.sun.jndi.dns.timeout.retries", "2");
        if (servers != null) {
            env.put(Context.PROVIDER_URL, servers);
        }
        DirContext context = null;
        try {
            context = new InitialDirContext(env);
            Attributes attributes = context.getAttributes(name, new String[] {"TXT"});
            Attribute txt = attributes.get("TXT");
            List<String> values = new ArrayList<>();
            if (txt != null) {
                NamingEnumeration<?> all = txt.getAll();
                while (all.hasMore()) {
                    values.add(unquote(String.valueOf(all.next())));
                }
            }
            return values;
        } catch (NamingException e) {
            // No such name, no TXT, or no answer: all mean "not resolvable this way".
            log.debug("No TXT record for {}: {}", name, e.getClass().getSimpleName());
            return List.of();
        } finally {
            if (context != null) {
                try {
                    context.close();
                } catch (NamingException ignored) {
                    // nothing held
                }
            }
        }
    }

    /**
     * One TXT record's value. The JDK gives a record of several character-strings as those strings
     * separated by spaces, each quoted only if it holds a space itself ({@code did=did:plc: abc}, or
     * {@code "a b" c}); a record's strings are one value (RFC 7208 §3.3 reads them so too), so they are joined.
     */
    static String unquote(String value) {
        StringBuilder joined = new StringBuilder();
        int i = 0;
        while (i < value.length()) {
            char c = value.charAt(i);
            if (c == ' ') {
                i++;
            } else if (c == '"') {
                int close = value.indexOf('"', i + 1);
                int stop = close < 0 ? value.length() : close;
                joined.append(value, i + 1, stop);
                i = stop + 1;
            } else {
                int space = value.indexOf(' ', i);
                int stop = space < 0 ? value.length() : space;
                joined.append(value, i, stop);
                i = stop;
            }
        }
        return joined.toString();
    }
}
