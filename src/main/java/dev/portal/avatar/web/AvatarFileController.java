package dev.portal.avatar.web;

import dev.portal.avatar.AvatarService;
import dev.portal.platform.ApiProblem;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * Uploaded avatars, as Portal re-encoded them (SECURITY item 21): always {@code image/png}, never sniffed,
 * and nothing in them may run or load anything. A key is never reused, so an image may be cached for good.
 */
@RestController
@Tag(name = "avatars", description = "Uploaded avatars; no authentication")
class AvatarFileController {
    private final AvatarService avatars;

    AvatarFileController(AvatarService avatars) {
        this.avatars = avatars;
    }

    @GetMapping("/avatars/{key}/{size}.png")
    @Operation(summary = "An uploaded avatar at 64, 256 or 512 px",
            description = "The URL is what avatar_url / avatarUrl give for avatar_source upload (256 px).")
    ResponseEntity<byte[]> image(@PathVariable String key, @PathVariable String size) {
        int pixels;
        try {
            pixels = Integer.parseInt(size);
        } catch (NumberFormatException e) {
            throw notFound();
        }
        byte[] png = avatars.image(key, pixels).orElseThrow(AvatarFileController::notFound);
        return ResponseEntity.ok()
                .contentType(MediaType.IMAGE_PNG)
                .header("X-Content-Type-Options", "nosniff")
                .header(HttpHeaders.CACHE_CONTROL, "public, max-age=31536000, immutable")
                .header("Content-Security-Policy", "default-src 'none'")
                .header(HttpHeaders.CONTENT_DISPOSITION, "inline")
                .body(png);
    }

    private static ApiProblem notFound() {
        return ApiProblem.notFound("No such avatar.");
    }
}
