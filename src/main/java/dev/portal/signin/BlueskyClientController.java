package dev.portal.signin;

import java.util.Map;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** What AT Protocol authorization servers read about Portal: its client metadata and its public keys. */
@RestController
@Tag(name = "v1 sign-in")
class BlueskyClientController {
    private final BlueskyClient client;

    BlueskyClientController(BlueskyClient client) {
        this.client = client;
    }

    private void offered() {
        if (!client.enabled()) {
            throw dev.portal.platform.ApiProblem.notFound("Signing in with Bluesky is not offered here.");
        }
    }

    @GetMapping(path = BlueskyClient.METADATA_PATH, produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Portal's AT Protocol OAuth client metadata", description = "Its URL is Portal's client_id "
            + "at Bluesky servers (a confidential client with private_key_jwt and DPoP-bound tokens).")
    ResponseEntity<Map<String, Object>> metadata() {
        offered();
        return ResponseEntity.ok().cacheControl(CacheControl.maxAge(java.time.Duration.ofMinutes(10)).cachePublic())
                .body(client.metadata());
    }

    @GetMapping(path = BlueskyClient.JWKS_PATH, produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Portal's public client keys", description = "The key that signs Portal's client assertions.")
    ResponseEntity<Map<String, Object>> jwks() {
        offered();
        return ResponseEntity.ok().cacheControl(CacheControl.maxAge(java.time.Duration.ofMinutes(10)).cachePublic())
                .body(client.jwks());
    }
}
