package dev.portal.session.web;

import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.portal.platform.ApiProblem;
import dev.portal.platform.ClientAddress;
import dev.portal.platform.V1Time;
import dev.portal.session.ApiTokenService;
import dev.portal.session.Authentication;
import dev.portal.session.SessionService;
import dev.portal.session.web.V1OwnCredentials.V1NewToken;
import dev.portal.session.web.V1OwnCredentials.V1Revoked;
import dev.portal.session.web.V1OwnCredentials.V1Session;
import dev.portal.session.web.V1OwnCredentials.V1Token;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * A user's own sessions and personal access tokens (SPEC §4). Someone else's session or token id
 * answers 404, the same as one that does not exist.
 */
@RestController
@RequestMapping(path = "/v1/users/me", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "v1 own sessions and tokens", description = "See and end your sessions; create and revoke personal access tokens")
class OwnCredentialsController {
    /** A token's name is a label for its owner; long enough for "CI deploy bot (staging)", not for abuse. */
    static final int MAX_TOKEN_NAME = 100;

    private final SessionService sessions;
    private final ApiTokenService tokens;
    private final ClientAddress clientAddress;
    private final Clock clock;

    OwnCredentialsController(SessionService sessions, ApiTokenService tokens, ClientAddress clientAddress, Clock clock) {
        this.sessions = sessions;
        this.tokens = tokens;
        this.clientAddress = clientAddress;
        this.clock = clock;
    }

    @GetMapping("/sessions")
    @Operation(summary = "List your sessions that still work", description = "current marks the one making the request.")
    List<V1Session> sessions(@Parameter(hidden = true) Authentication auth) {
        long current = auth.via() == Authentication.Via.SESSION ? auth.credentialId() : -1;
        return sessions.live(auth.account().id()).stream().map(s -> V1Session.of(s, current)).toList();
    }

    @DeleteMapping("/sessions/{id}")
    @Operation(summary = "End one of your sessions")
    ResponseEntity<Void> endSession(@Parameter(hidden = true) Authentication auth, @PathVariable long id,
            HttpServletRequest request) {
        long userId = auth.account().id();
        if (!sessions.revoke(userId, id, "revoked_by_user", "session_revoked", clientAddress.of(request))) {
            throw ApiProblem.notFound("No such session.");
        }
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/sessions/revoke-others")
    @Operation(summary = "End all your sessions but the current one")
    V1Revoked endOtherSessions(@Parameter(hidden = true) Authentication auth, HttpServletRequest request) {
        long userId = auth.account().id();
        long keep = auth.via() == Authentication.Via.SESSION ? auth.credentialId() : -1;
        int revoked = sessions.revokeOthers(userId, keep, clientAddress.of(request));
        return new V1Revoked(revoked);
    }

    @GetMapping("/tokens")
    @Operation(summary = "List your personal access tokens", description = "Values are never shown again after creation.")
    List<V1Token> tokens(@Parameter(hidden = true) Authentication auth) {
        return tokens.list(auth.account().id()).stream().map(V1Token::of).toList();
    }

    @PostMapping(path = "/tokens", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Create a personal access token",
            description = "Answers the token's value once; use it as Authorization: Bearer <token>.")
    ResponseEntity<V1NewToken> createToken(@Parameter(hidden = true) Authentication auth,
            @RequestBody(required = false)
            @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(schema = @Schema(implementation = V1TokenRequest.class)))
            JsonNode body, HttpServletRequest request) {
        V1TokenRequest wanted = V1TokenRequest.parse(body, clock.instant());
        long userId = auth.account().id();
        ApiTokenService.Issued issued = tokens.create(userId, wanted.name(), wanted.expiresAt(), clientAddress.of(request));
        return ResponseEntity.status(HttpStatus.CREATED).body(new V1NewToken(issued.token().id(), issued.token().name(),
                issued.value(), V1Time.format(issued.token().createdAt()), V1Time.format(issued.token().expiresAt())));
    }

    @DeleteMapping("/tokens/{id}")
    @Operation(summary = "Revoke one of your personal access tokens")
    ResponseEntity<Void> revokeToken(@Parameter(hidden = true) Authentication auth, @PathVariable long id,
            HttpServletRequest request) {
        long userId = auth.account().id();
        if (!tokens.revoke(userId, id, clientAddress.of(request))) {
            throw ApiProblem.notFound("No such token.");
        }
        return ResponseEntity.noContent().build();
    }

    /** {@code {"name": "my bot", "expires_at": "2027-01-01T00:00:00Z"}}; expires_at may be null or absent (no expiry). */
    record V1TokenRequest(String name, @com.fasterxml.jackson.annotation.JsonProperty("expires_at") Instant expiresAt) {
        static V1TokenRequest parse(JsonNode body, Instant now) {
            if (body == null || !body.isObject()) {
                throw ApiProblem.badRequest("malformed_request", "The body must be a JSON object.");
            }
            Map<String, String> errors = new LinkedHashMap<>();
            JsonNode name = body.get("name");
            String nameValue = null;
            if (name == null || !name.isString() || name.stringValue().isBlank()) {
                errors.put("name", "is required: a non-empty string");
            } else if (name.stringValue().length() > MAX_TOKEN_NAME) {
                errors.put("name", "must be at most " + MAX_TOKEN_NAME + " characters");
            } else {
                nameValue = name.stringValue().strip();
            }
            JsonNode expires = body.get("expires_at");
            Instant expiresAt = null;
            if (expires != null && !expires.isNull()) {
                try {
                    expiresAt = expires.isString() ? Instant.parse(expires.stringValue()) : null;
                    if (expiresAt == null) {
                        errors.put("expires_at", "must be an ISO-8601 UTC time such as 2027-01-01T00:00:00Z, or null");
                    } else if (!expiresAt.isAfter(now)) {
                        errors.put("expires_at", "must be in the future");
                    }
                } catch (DateTimeParseException e) {
                    errors.put("expires_at", "must be an ISO-8601 UTC time such as 2027-01-01T00:00:00Z, or null");
                }
            }
            if (!errors.isEmpty()) {
                throw ApiProblem.invalidFields(errors);
            }
            return new V1TokenRequest(nameValue, expiresAt);
        }
    }
}
