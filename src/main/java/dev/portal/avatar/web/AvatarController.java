package dev.portal.avatar.web;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.Map;

import dev.portal.account.AccountService;
import dev.portal.account.web.ApiUser;
import dev.portal.avatar.AvatarImages;
import dev.portal.avatar.AvatarService;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.ClientAddress;
import dev.portal.session.Authentication;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.Part;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;

/** Avatar upload and from-url (seed 004); a psession cookie or a Bearer token. */
@RestController
@RequestMapping(path = "/api/user/avatar", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "api user", description = "The current user (seed 004); a psession cookie or a Bearer token")
public class AvatarController {
    private final AvatarService avatars;
    private final AccountService accounts;
    private final ClientAddress clientAddress;
    private final Clock clock;

    AvatarController(AvatarService avatars, AccountService accounts, ClientAddress clientAddress, Clock clock) {
        this.avatars = avatars;
        this.accounts = accounts;
        this.clientAddress = clientAddress;
        this.clock = clock;
    }

    @PostMapping(path = "/upload", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @Operation(summary = "Upload an avatar",
            description = "multipart/form-data with the image in the part named file. PNG, JPEG, GIF or WebP, "
                    + "judged by content (not the file name or the part's declared type), at most 8 MiB and "
                    + "4096×4096 pixels; it is re-encoded to 64, 256 and 512 px PNG squares (centre-cropped, "
                    + "metadata dropped, the first frame of an animation) and becomes the avatar "
                    + "(avatar_source upload). Over 8 MiB: 413 payload_too_large; anything that is not such an "
                    + "image (SVG, HTML, a polyglot, a truncated file): 415 unsupported_media_type. Answers the "
                    + "user as GET /api/user does.")
    @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(mediaType = MediaType.MULTIPART_FORM_DATA_VALUE,
            schema = @Schema(implementation = UploadForm.class)))
    ApiUser upload(@Parameter(hidden = true) Authentication auth, HttpServletRequest request) {
        avatars.checkUploadRate(auth.account());
        byte[] file = fileOf(request);
        avatars.upload(auth.account(), file, clientAddress.of(request));
        return current(auth);
    }

    @PostMapping(path = "/from-url", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Set the avatar from an image URL",
            description = "Portal fetches the URL (http or https; no userinfo) and treats the answer as an upload. "
                    + "Addresses that are not on the public internet (loopback in any spelling, private, "
                    + "link-local, unique-local, multicast, IPv4-mapped forms of those) are refused with 400 "
                    + "host_not_allowed before any connection, and so is every redirect hop that leads there "
                    + "(at most 3). A host answering other than 2xx: 502 avatar_fetch_failed; not answering: 502 "
                    + "provider_unavailable; too slow (5 s for everything): 504 provider_timeout; over 8 MiB: 413. "
                    + "Rate-limited per user (429 rate_limited with Retry-After).")
    ApiUser fromUrl(@Parameter(hidden = true) Authentication auth,
            @RequestBody(required = false) FromUrlRequest body, HttpServletRequest request) {
        avatars.fromUrl(auth.account(), body == null ? null : body.url(), clientAddress.of(request));
        return current(auth);
    }

    private ApiUser current(Authentication auth) {
        return ApiUser.of(accounts.find(auth.account().id()).orElse(auth.account()), clock.instant());
    }

    /** The body of from-url. */
    record FromUrlRequest(@Schema(description = "An http or https URL of a PNG, JPEG, GIF or WebP image",
            example = "https://example.com/me.png") String url) {
    }

    /** Documents the upload's form. */
    record UploadForm(@Schema(type = "string", format = "binary", description = "The image") String file) {
    }

    /** The part named file, read whole; its declared type and name are ignored. The page form uses it too. */
    public static byte[] fileOf(HttpServletRequest request) {
        Part part;
        try {
            part = request.getPart("file");
        } catch (IllegalStateException | MultipartException e) {
            if (overLimit(e)) {
                throw tooLarge();
            }
            throw malformed();
        } catch (IOException | ServletException e) {
            throw malformed();
        }
        if (part == null) {
            throw ApiProblem.invalidFields(Map.of("file", "is required: the image as the multipart part named file"));
        }
        if (part.getSize() > AvatarImages.MAX_BYTES) {
            throw tooLarge();
        }
        try (InputStream in = part.getInputStream()) {
            return in.readNBytes((int) AvatarImages.MAX_BYTES + 1);
        } catch (IOException e) {
            throw malformed();
        }
    }

    /** Tomcat reports a body over the multipart limits as an IllegalStateException around its SizeException. */
    private static boolean overLimit(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MaxUploadSizeExceededException || t.getClass().getName().contains("SizeLimitExceeded")
                    || t.getClass().getSimpleName().equals("SizeException")) {
                return true;
            }
        }
        return false;
    }

    private static ApiProblem tooLarge() {
        return new ApiProblem(HttpStatus.CONTENT_TOO_LARGE, "payload_too_large",
                "The upload is larger than " + AvatarImages.MAX_BYTES / (1024 * 1024) + " MiB.");
    }

    private static ApiProblem malformed() {
        return new ApiProblem(HttpStatus.BAD_REQUEST, "malformed_request", "The multipart body could not be read.");
    }
}
