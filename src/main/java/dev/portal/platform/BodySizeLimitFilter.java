package dev.portal.platform;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * JSON bodies are small; anything declaring more than {@link #MAX_JSON_BYTES} is refused with 413 before
 * a byte of it is read. The bulk user import ({@link #BULK_IMPORT_PATH}, 1,000 users) may send up to
 * {@link #MAX_BULK_IMPORT_BYTES}. An avatar upload ({@link #AVATAR_UPLOAD_PATH}) may declare up to
 * {@link #MAX_AVATAR_UPLOAD_BYTES}; a chunked one is counted while Tomcat reads its parts, against the same
 * figure ({@code spring.servlet.multipart.*} in application.yml), and answered 413 alike. A message
 * ({@link #MESSAGES_PATH}) may declare up to {@link #MAX_MESSAGE_BYTES}.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class BodySizeLimitFilter extends RequestFilter {
    static final long MAX_JSON_BYTES = 64 * 1024;
    /** Coupled to {@code ImportService.MAX_BATCH}: 1,000 users with a few identities each come to ~300 KiB. */
    static final String BULK_IMPORT_PATH = "/v1/admin/users/import";
    static final long MAX_BULK_IMPORT_BYTES = 2 * 1024 * 1024;
    public static final String AVATAR_UPLOAD_PATH = "/api/user/avatar/upload";
    /** An 8 MiB image and room for the multipart framing around it. */
    public static final long MAX_AVATAR_UPLOAD_BYTES = 8 * 1024 * 1024 + 64 * 1024;
    public static final String MESSAGES_PATH = "/api/messages";
    /**
     * A message of the longest allowed body (10,000 characters, {@code UserSettings.MAX_MESSAGE_LENGTH}) as a
     * client that escapes every character sends it: an emoji is {@code \\uD83D\\uDE00}, 12 bytes.
     */
    public static final long MAX_MESSAGE_BYTES = 192 * 1024;
    private final ProblemWriter problems;

    BodySizeLimitFilter(ProblemWriter problems) {
        this.problems = problems;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = request.getRequestURI();
        long max = BULK_IMPORT_PATH.equals(path) ? MAX_BULK_IMPORT_BYTES
                : AVATAR_UPLOAD_PATH.equals(path) ? MAX_AVATAR_UPLOAD_BYTES
                : MESSAGES_PATH.equals(path) ? MAX_MESSAGE_BYTES : MAX_JSON_BYTES;
        if (request.getContentLengthLong() > max) {
            response.setHeader("Connection", "close");
            problems.write(request, response, new ApiProblem(HttpStatus.CONTENT_TOO_LARGE, "payload_too_large",
                    "The request body is larger than " + max + " bytes."));
            // Sent now: Tomcat will not drain a body this large, and closing without it would lose the answer.
            response.flushBuffer();
            return;
        }
        chain.doFilter(request, response);
    }
}
