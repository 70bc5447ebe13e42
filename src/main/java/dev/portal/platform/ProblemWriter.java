package dev.portal.platform;

import java.io.IOException;
import java.net.URI;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/** Builds problem details, and writes them directly for filters that answer before Spring MVC runs. */
@Component
public class ProblemWriter {
    public static final String MEDIA_TYPE = "application/problem+json";
    /** How long a client should wait before retrying while the database is away. */
    public static final String RETRY_AFTER_SECONDS = "5";
    private final JsonMapper json;

    ProblemWriter(JsonMapper json) {
        this.json = json;
    }

    /** The stable code for a status when nothing more specific is known (Spring's and the container's errors). */
    static String codeFor(HttpStatusCode status) {
        return switch (status.value()) {
            case 400 -> "validation_failed";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 406 -> "not_acceptable";
            case 413 -> "payload_too_large";
            case 415 -> "unsupported_media_type";
            case 429 -> "rate_limited";
            case 503 -> "unavailable";
            default -> status.is4xxClientError() ? "bad_request" : "internal_error";
        };
    }

    public static ProblemDetail problem(HttpStatusCode status, String code, String detail, Map<String, ?> properties,
            HttpServletRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        HttpStatus known = HttpStatus.resolve(status.value());
        problem.setTitle(known == null ? "Error" : known.getReasonPhrase());
        problem.setType(URI.create("https://portal.dev/problems/" + code));
        if (request != null) {
            problem.setInstance(URI.create(request.getRequestURI()));
        }
        problem.setProperty("code", code);
        properties.forEach(problem::setProperty);
        return problem;
    }

    public static ProblemDetail problem(ApiProblem e, HttpServletRequest request) {
        return problem(e.status(), e.code(), e.getMessage(), e.properties(), request);
    }

    public void write(HttpServletRequest request, HttpServletResponse response, ApiProblem e) throws IOException {
        e.headers().forEach(response::setHeader);
        write(response, problem(e, request));
    }

    public void write(HttpServletResponse response, ProblemDetail problem) throws IOException {
        response.setStatus(problem.getStatus());
        Object page = problem.getInstance();
        if (page != null && WebPages.isPage(page.toString())) {
            writePage(response, problem);
            return;
        }
        response.setContentType(MEDIA_TYPE);
        response.setHeader("Cache-Control", "no-store");
        json.writeValue(response.getOutputStream(), problem);
    }

    /** The portal's pages answer browsers with a page, in the same status (a filter's refusal included). */
    private static void writePage(HttpServletResponse response, ProblemDetail problem) throws IOException {
        response.setContentType("text/html;charset=UTF-8");
        response.setHeader("Cache-Control", "no-store");
        Object code = problem.getProperties() == null ? null : problem.getProperties().get("code");
        response.getWriter().write(ErrorPage.html(problem.getStatus(), problem.getTitle(), problem.getDetail(),
                code == null ? "error" : code.toString()));
    }
}
