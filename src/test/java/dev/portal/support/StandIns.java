package dev.portal.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The tests' Mastodon and AT Protocol stand-ins as a program, for trying federated sign-in by hand with the
 * built jar ({@code bench/stand-ins.sh}): a Mastodon instance at {@code http://127.0.0.1:8791}, and an AT
 * Protocol network (PLC directory, PDS, authorization server) on port 8792 with the account
 * {@code alice.test}. Their names resolve through a hosts file given to Portal's JVM
 * ({@code -Djdk.net.hosts.file}), so nothing on the machine changes.
 */
public final class StandIns {
    static final int MASTODON_PORT = 8791;
    static final int ATPROTO_PORT = 8792;

    private StandIns() {
    }

    public static void main(String[] args) throws Exception {
        FakeMastodon mastodon = new FakeMastodon(MASTODON_PORT);
        FakeAtproto atproto = new FakeAtproto(ATPROTO_PORT);
        FakeAtproto.Account alice = atproto.account("alice.test");
        Path hosts = Path.of("target", "stand-ins.hosts").toAbsolutePath();
        Files.createDirectories(hosts.getParent());
        Files.write(hosts, List.of("127.0.0.1 localhost", "127.0.0.1 " + String.join(" ", atproto.hostNames())));
        System.out.printf("""
                Stand-ins are up (Ctrl-C ends them).
                  Mastodon instance:   %s   (any account name signs in; a new account each time)
                  AT Protocol network: PLC %s, PDS %s, sign-in server %s
                  Bluesky account:     handle %s, DID %s

                Start Portal beside them (from the project directory, after the README's build command):

                  PORTAL_OUTBOUND_ALLOWED_HOSTS=127.0.0.1:%d,*.test:%d \\
                  PORTAL_SIGNIN_BLUESKY_PLC_URL=%s \\
                  java -Djdk.net.hosts.file=%s -jar target/portal.jar

                then follow "Trying Mastodon and Bluesky on one machine" in the README.
                """, mastodon.url("127.0.0.1"), atproto.plcUrl(), atproto.pdsUrl(), atproto.issuer(), alice.handle(),
                alice.did(), MASTODON_PORT, ATPROTO_PORT, atproto.plcUrl(), hosts);
        Thread.currentThread().join();
    }
}
