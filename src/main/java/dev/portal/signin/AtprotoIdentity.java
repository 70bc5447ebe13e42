package dev.portal.signin;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.portal.outbound.AllowedHosts;
import dev.portal.outbound.GuardedHttp;
import dev.portal.outbound.HostResolver;
import dev.portal.platform.ApiProblem;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Who an AT Protocol account is and where it lives (https://atproto.com/specs/handle, /specs/did): a
 * handle resolves to a DID (DNS TXT {@code _atproto.<handle>}, else
 * {@code https://<handle>/.well-known/atproto-did}); the DID to its document ({@code did:plc} through the
 * PLC directory, {@code did:web} at {@code https://<domain>/.well-known/did.json}); the document names the
 * account's handle ({@code alsoKnownAs}) and its PDS ({@code #atproto_pds}). A handle counts only when it
 * resolves to the DID whose document names it, both ways; every fetch goes through {@link GuardedHttp}.
 */
@Component
class AtprotoIdentity {
    static final Pattern DID_PLC = Pattern.compile("did:plc:[a-z2-7]{24}");
    /** A domain in lower case (one identity, one spelling); a port only for development (see {@link #document}). */
    static final Pattern DID_WEB = Pattern.compile("did:web:[a-z0-9.\\-]+(%3[aA][0-9]{1,5})?");
    private static final Pattern HANDLE = Pattern.compile(
            "([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?");
    /** TLDs the handle spec reserves; names there are never handles. */
    private static final List<String> RESERVED_TLDS = List.of(".alt", ".arpa", ".example", ".internal", ".invalid",
            ".local", ".localhost", ".onion");
    private static final int MAX_DOCUMENT_CHARS = 64 * 1024;

    /**
     * An account as resolved at the start of a sign-in.
     *
     * @param handle the verified handle, or null when the document names none that resolves back to the DID
     */
    record Account(String did, String handle, URI pds) {
    }

    private final GuardedHttp http;
    private final HostResolver resolver;
    private final BlueskyClient client;
    private final JsonMapper json;

    AtprotoIdentity(GuardedHttp http, HostResolver resolver, BlueskyClient client, JsonMapper json) {
        this.http = http;
        this.resolver = resolver;
        this.client = client;
        this.json = json;
    }

    /** A handle ({@code alice.bsky.social}, {@code @alice.bsky.social}) or a DID, as a person typed it. */
    Account resolve(String typed) {
        if (typed == null || typed.isBlank()) {
            throw invalidHandle("Say which Bluesky account to sign in with: your handle (alice.bsky.social) or your DID.");
        }
        String input = typed.strip();
        if (input.length() > 300) {
            throw invalidHandle("That is not a Bluesky handle.");
        }
        if (input.startsWith("at://")) {
            input = input.substring("at://".length());
        }
        if (input.startsWith("@")) {
            input = input.substring(1);
        }
        if (input.startsWith("did:web:")) {
            input = input.toLowerCase(Locale.ROOT); // a domain: DNS reads it without case, so one spelling
        }
        if (input.startsWith("did:")) {
            String did = did(input);
            Document document = document(did);
            String handle = document.handle().filter(h -> handleResolvesTo(h, did)).orElse(null);
            return new Account(did, handle, document.pds());
        }
        String handle = handle(input);
        String did = didOf(handle).orElseThrow(() -> ApiProblem.badRequest("handle_not_found",
                "The handle " + handle + " does not lead to a Bluesky account."));
        Document document = document(did);
        // The handle's owner says which DID it is; the DID's document must claim the handle back.
        if (document.handle().filter(handle::equals).isEmpty()) {
            throw ApiProblem.badRequest("handle_mismatch", "The account " + did + " does not claim the handle " + handle + ".");
        }
        return new Account(did, handle, document.pds());
    }

    static String handle(String input) {
        String handle = input.toLowerCase(Locale.ROOT);
        if (handle.length() > 253 || !HANDLE.matcher(handle).matches()
                || RESERVED_TLDS.stream().anyMatch(handle::endsWith)) {
            throw invalidHandle("That is not a Bluesky handle (like alice.bsky.social) or DID.");
        }
        return handle;
    }

    static String did(String input) {
        if (!DID_PLC.matcher(input).matches() && !DID_WEB.matcher(input).matches()) {
            throw invalidHandle("Only did:plc and did:web identities sign in with Bluesky.");
        }
        return input;
    }

    private boolean handleResolvesTo(String handle, String did) {
        try {
            return didOf(handle).filter(did::equals).isPresent();
        } catch (ApiProblem e) {
            return false;
        }
    }

    /** The DID a handle names: its one {@code did=} TXT record, else its well-known document. */
    Optional<String> didOf(String handle) {
        List<String> dids = resolver.txt("_atproto." + handle).stream().filter(v -> v.startsWith("did="))
                .map(v -> v.substring("did=".length()).strip()).distinct().toList();
        if (dids.size() == 1) {
            return Optional.of(dids.get(0)).filter(AtprotoIdentity::isDid);
        }
        if (dids.size() > 1) {
            return Optional.empty(); // the spec: several records are no answer
        }
        GuardedHttp.Response answer;
        try {
            answer = http.send(GuardedHttp.Request.get(URI.create(origin(handle, null) + "/.well-known/atproto-did")),
                    "The handle's server " + handle);
        } catch (GuardedHttp.UnknownHost e) {
            return Optional.empty(); // a domain that does not exist is a handle that does not exist
        }
        if (answer.status() != 200) {
            return Optional.empty();
        }
        String body = answer.text().strip();
        String first = body.lines().findFirst().orElse("").strip();
        return Optional.of(first).filter(AtprotoIdentity::isDid);
    }

    private static boolean isDid(String value) {
        return DID_PLC.matcher(value).matches() || DID_WEB.matcher(value).matches();
    }

    private record Document(Optional<String> handle, URI pds) {
    }

    private Document document(String did) {
        URI location;
        if (did.startsWith("did:plc:")) {
            location = URI.create(client.plcUrl() + "/" + did);
        } else {
            String domain = URLDecoder.decode(did.substring("did:web:".length()), StandardCharsets.UTF_8);
            int colon = domain.indexOf(':');
            String host = colon < 0 ? domain : domain.substring(0, colon);
            Integer port = colon < 0 ? null : Integer.valueOf(domain.substring(colon + 1));
            // AT Protocol keeps did:web ports for development: only for hosts an operator allowed.
            if (port != null && !http.allowedHosts().allows(host, port)) {
                throw invalidHandle("A did:web with a port is for development only.");
            }
            location = URI.create(origin(host, port) + "/.well-known/did.json");
        }
        String party = "The identity directory for " + did;
        GuardedHttp.Response answer = http.send(GuardedHttp.Request.get(location, "Accept", "application/json"), party);
        if (answer.status() == 404 || answer.status() == 410) {
            throw ApiProblem.badRequest("handle_not_found", "There is no Bluesky account " + did + ".");
        }
        if (answer.status() != 200 || answer.body().length > MAX_DOCUMENT_CHARS) {
            throw GuardedHttp.unavailable(party + " did not give its document (status " + answer.status() + ").");
        }
        JsonNode document = answer.json(json, party + " gave a document that is not JSON.");
        if (!did.equals(OAuthProvider.text(document, "id"))) {
            throw GuardedHttp.unavailable(party + " gave the document of another identity.");
        }
        Optional<String> handle = Optional.empty();
        JsonNode aliases = document.get("alsoKnownAs");
        if (aliases != null && aliases.isArray()) {
            handle = aliases.valueStream().filter(JsonNode::isString).map(JsonNode::stringValue)
                    .filter(a -> a.startsWith("at://")).map(a -> a.substring("at://".length()).toLowerCase(Locale.ROOT))
                    .filter(h -> HANDLE.matcher(h).matches()).findFirst();
        }
        return new Document(handle, pds(document, did, party));
    }

    private URI pds(JsonNode document, String did, String party) {
        JsonNode services = document.get("service");
        if (services != null && services.isArray()) {
            for (JsonNode service : services) {
                String id = OAuthProvider.text(service, "id");
                if (("#atproto_pds".equals(id) || (did + "#atproto_pds").equals(id))
                        && "AtprotoPersonalDataServer".equals(OAuthProvider.text(service, "type"))) {
                    String endpoint = OAuthProvider.text(service, "serviceEndpoint");
                    if (endpoint != null && (endpoint.startsWith("https://") || endpoint.startsWith("http://"))) {
                        URI uri;
                        try {
                            uri = URI.create(endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint);
                        } catch (IllegalArgumentException e) {
                            break;
                        }
                        if (uri.getHost() != null && (uri.getPath() == null || uri.getPath().isEmpty())) {
                            // Tokens go there: https only, plain http only on allowed hosts.
                            return http.requireHttps(uri, party + "'s personal data server");
                        }
                    }
                }
            }
        }
        throw GuardedHttp.unavailable(party + " names no personal data server for the account.");
    }

    /**
     * {@code https://<host>} as the specs say, except for a host allowed on another port than 443 in
     * {@code PORTAL_OUTBOUND_ALLOWED_HOSTS}: stand-ins and private servers speak plain http there.
     */
    private String origin(String host, Integer port) {
        AllowedHosts allowed = http.allowedHosts();
        Optional<Integer> allowedPort = port != null
                ? (allowed.allows(host, port) ? Optional.of(port) : Optional.empty())
                : allowed.portFor(host);
        if (allowedPort.isPresent() && allowedPort.get() != 443) {
            return "http://" + host + ":" + allowedPort.get();
        }
        return "https://" + host + (port == null ? "" : ":" + port);
    }

    static ApiProblem invalidHandle(String detail) {
        return ApiProblem.badRequest("invalid_handle", detail);
    }
}
