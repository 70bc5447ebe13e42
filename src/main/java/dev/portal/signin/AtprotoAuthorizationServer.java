package dev.portal.signin;

import java.net.URI;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import dev.portal.outbound.GuardedHttp;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The authorization server of an account's PDS: the PDS names it in its protected-resource metadata
 * ({@code /.well-known/oauth-protected-resource}, RFC 9728), and it describes itself at
 * {@code /.well-known/oauth-authorization-server} (RFC 8414). What AT Protocol requires of it is checked
 * before Portal sends anything: the issuer is the origin it was found at, pushed authorization requests,
 * the {@code iss} response parameter, ES256 DPoP, and {@code private_key_jwt} for a confidential client.
 */
@Component
class AtprotoAuthorizationServer {

    /** What a sign-in needs of the server, all absolute URLs. */
    record Endpoints(String issuer, URI par, URI authorization, URI token) {
    }

    private final GuardedHttp http;
    private final BlueskyClient client;
    private final JsonMapper json;

    AtprotoAuthorizationServer(GuardedHttp http, BlueskyClient client, JsonMapper json) {
        this.http = http;
        this.client = client;
        this.json = json;
    }

    Endpoints of(URI pds) {
        String party = "The Bluesky server " + pds.getHost();
        GuardedHttp.Response resource = http.send(GuardedHttp.Request.get(
                URI.create(pds + "/.well-known/oauth-protected-resource"), "Accept", "application/json"), party);
        String issuer = firstAuthorizationServer(resource, pds, party);
        String asParty = "The Bluesky sign-in server " + URI.create(issuer).getHost();
        GuardedHttp.Response answer = http.send(GuardedHttp.Request.get(
                URI.create(issuer + "/.well-known/oauth-authorization-server"), "Accept", "application/json"), asParty);
        if (answer.status() != 200) {
            throw GuardedHttp.unavailable(asParty + " did not describe itself (status " + answer.status() + ").");
        }
        AuthorizationServerMetadata metadata;
        try {
            metadata = AuthorizationServerMetadata.parse(answer.text());
        } catch (ParseException | RuntimeException e) {
            throw GuardedHttp.unavailable(asParty + " described itself in a form that could not be read.");
        }
        // Pinned: metadata naming another issuer would let that issuer's answers pass as this one's.
        if (metadata.getIssuer() == null || !issuer.equals(metadata.getIssuer().getValue())) {
            throw GuardedHttp.unavailable(asParty + " names another issuer than itself.");
        }
        if (metadata.getPushedAuthorizationRequestEndpointURI() == null || metadata.getAuthorizationEndpointURI() == null
                || metadata.getTokenEndpointURI() == null) {
            throw GuardedHttp.unavailable(asParty + " lacks an endpoint AT Protocol sign-in needs.");
        }
        if (!metadata.supportsAuthorizationResponseIssuerParam()
                || metadata.getDPoPJWSAlgs() == null || !metadata.getDPoPJWSAlgs().contains(JWSAlgorithm.ES256)
                || client.mode() == BlueskyClient.Mode.CONFIDENTIAL && (metadata.getTokenEndpointAuthMethods() == null
                        || !metadata.getTokenEndpointAuthMethods().contains(ClientAuthenticationMethod.PRIVATE_KEY_JWT))) {
            throw GuardedHttp.unavailable(asParty + " does not offer what AT Protocol sign-in needs (iss, ES256 DPoP, "
                    + "private_key_jwt).");
        }
        // Codes, tokens and client assertions pass through these, and the browser is sent to the sign-in page:
        // https only (plain http only on allowed hosts), never another scheme.
        return new Endpoints(issuer,
                http.requireHttps(metadata.getPushedAuthorizationRequestEndpointURI(), asParty + "'s request endpoint"),
                http.requireHttps(metadata.getAuthorizationEndpointURI(), asParty + "'s sign-in page"),
                http.requireHttps(metadata.getTokenEndpointURI(), asParty + "'s token endpoint"));
    }

    private String firstAuthorizationServer(GuardedHttp.Response resource, URI pds, String party) {
        if (resource.status() != 200) {
            throw GuardedHttp.unavailable(party + " did not name its sign-in server (status " + resource.status() + ").");
        }
        JsonNode metadata = resource.json(json, party + " named its sign-in server in a form that could not be read.");
        // RFC 9728 §3.3: the metadata must be the resource's own.
        String named = OAuthProvider.text(metadata, "resource");
        if (named != null && !stripSlash(named).equals(pds.toString())) {
            throw GuardedHttp.unavailable(party + " describes another resource than itself.");
        }
        JsonNode servers = metadata.get("authorization_servers");
        if (servers == null || !servers.isArray() || servers.isEmpty() || !servers.get(0).isString()) {
            throw GuardedHttp.unavailable(party + " names no sign-in server.");
        }
        String issuer = servers.get(0).stringValue();
        URI uri;
        try {
            uri = URI.create(issuer);
        } catch (IllegalArgumentException e) {
            throw GuardedHttp.unavailable(party + " names a sign-in server that is not a URL.");
        }
        // An issuer is an https origin: a scheme and a host, no path, no query.
        if (uri.getHost() == null || uri.getRawPath() != null && !uri.getRawPath().isEmpty() || uri.getRawQuery() != null) {
            throw GuardedHttp.unavailable(party + " names a sign-in server that is not an origin.");
        }
        http.requireHttps(uri, party + "'s sign-in server");
        return issuer;
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
