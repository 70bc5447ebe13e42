package dev.portal.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import no.nav.security.mock.oauth2.MockOAuth2Server;

/**
 * What the whole test JVM shares, started once: one embedded PostgreSQL, one OAuth 2 server standing in
 * for Discord's authorize and token endpoints, and Discord's user API beside it.
 */
final class TestInfrastructure {
    static final EmbeddedPostgres POSTGRES;
    static final MockOAuth2Server OAUTH;
    static final FakeDiscordApi DISCORD_API;
    /** Chosen before Portal starts, because the public URL (and so the OAuth callback) must name it. */
    static final int PORTAL_PORT;

    static {
        try {
            POSTGRES = EmbeddedPostgres.builder().start();
            OAUTH = new MockOAuth2Server();
            OAUTH.start();
            DISCORD_API = new FakeDiscordApi(OAUTH);
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
