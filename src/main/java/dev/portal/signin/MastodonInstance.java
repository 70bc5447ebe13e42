package dev.portal.signin;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

import dev.portal.outbound.AllowedHosts;
import dev.portal.outbound.GuardedHttp;
import dev.portal.outbound.OutboundTarget;
import dev.portal.platform.ApiProblem;

/**
 * The Mastodon server a person names, as they would write it: {@code alice@mastodon.social},
 * {@code @alice@mastodon.social}, {@code mastodon.social}, or a URL such as
 * {@code https://mastodon.social/@alice}. Normalised to the host alone (lower case, IDN to ASCII, no
 * path, no user), reached over https; {@code http://host:port} only for a host:port in
 * {@code PORTAL_OUTBOUND_ALLOWED_HOSTS} (tests, private deployments).
 *
 * @param key the instance as stored with identities and apps: the host, plus the port when not the default
 * @param origin where its API is, e.g. {@code https://mastodon.social}
 */
record MastodonInstance(String key, URI origin) {
    /** The instance a started sign-in stored. */
    static MastodonInstance stored(String key, String origin) {
        return new MastodonInstance(key, URI.create(origin));
    }

    private static final int MAX_LENGTH = 300;

    /**
     * The instance a stored identity names by its key: over plain http when the operator allowed that
     * host:port (as sign-in would have reached it), else over https.
     */
    static MastodonInstance ofKey(String key, AllowedHosts allowed) {
        try {
            return parse("http://" + key, allowed);
        } catch (ApiProblem e) {
            return parse("https://" + key, allowed);
        }
    }

    static MastodonInstance parse(String written, AllowedHosts allowed) {
        if (written == null || written.isBlank()) {
            throw invalid("Say which Mastodon server to sign in with: your address (alice@mastodon.social) or the "
                    + "server (mastodon.social).");
        }
        String input = written.strip();
        if (input.length() > MAX_LENGTH) {
            throw invalid("That is not a Mastodon address.");
        }
        String lower = input.toLowerCase(Locale.ROOT);
        URI uri;
        try {
            if (lower.startsWith("https://") || lower.startsWith("http://")) {
                uri = new URI(input);
            } else if (lower.contains("://")) {
                throw GuardedHttp.hostNotAllowed("Mastodon servers are reached over https only.");
            } else {
                // user@host or @user@host: the server is after the last @; a path after the host is dropped.
                String host = input.substring(input.lastIndexOf('@') + 1);
                int slash = host.indexOf('/');
                uri = new URI("https://" + (slash < 0 ? host : host.substring(0, slash)));
            }
        } catch (URISyntaxException e) {
            throw invalid("That is not a Mastodon address.");
        }
        OutboundTarget target;
        try {
            target = OutboundTarget.of(uri);
        } catch (OutboundTarget.Refused e) {
            throw GuardedHttp.hostNotAllowed(e.getMessage());
        }
        if (target.scheme().equals("http") && !allowed.allows(target.host(), target.port())) {
            throw GuardedHttp.hostNotAllowed("Mastodon servers are reached over https; plain http only for the hosts "
                    + "an operator allowed.");
        }
        return new MastodonInstance(target.authority(), URI.create(target.origin()));
    }

    /** The host without a port, for matching against denied instances. */
    String host() {
        return OutboundTarget.of(origin).host();
    }

    URI endpoint(String path) {
        return URI.create(origin + path);
    }

    private static ApiProblem invalid(String detail) {
        return ApiProblem.badRequest("invalid_instance", detail);
    }
}
