package dev.portal.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import no.nav.security.mock.oauth2.MockOAuth2Server;

/**
 * What the whole test JVM shares, started once: one embedded PostgreSQL, one OAuth 2 server standing in
 * for every provider's authorize and token endpoints (an issuer per platform), and the providers' user
 * APIs beside it, the federated servers (Mastodon instances, an AT Protocol network), and DNS for them.
 */
final class TestInfrastructure {
    static final EmbeddedPostgres POSTGRES;
    static final MockOAuth2Server OAUTH;
    static final FakeProviderApis PROVIDER_APIS;
    /** Mastodon instances, told apart by name (every {@code *.mastodon.test}, and 127.0.0.1). */
    static final FakeMastodon MASTODON;
    /** A whole AT Protocol network: PLC directory, PDS, authorization server and handles, on one port. */
    static final FakeAtproto ATPROTO;
    /** Portal's Bluesky client key for the suite, so no bluesky-client.jwk is written into ./data. */
    static final String BLUESKY_CLIENT_KEY = dev.portal.signin.BlueskyTestKeys.clientKey();
    static final TestDns DNS = new TestDns();
    /** Chosen before Portal starts, because the public URL (and so the OAuth callback) must name it. */
    static final int PORTAL_PORT;

    static {
        try {
            POSTGRES = EmbeddedPostgres.builder().start();
            OAUTH = new MockOAuth2Server();
            OAUTH.start();
            PROVIDER_APIS = new FakeProviderApis(OAUTH);
            MASTODON = new FakeMastodon();
            ATPROTO = new FakeAtproto();
            try (ServerSocket socket = new ServerSocket(0)) {
                PORTAL_PORT = socket.getLocalPort();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private TestInfrastructure() {
    }
}
