package dev.portal.platform;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

/**
 * A refusal with a stable machine-readable {@code code}, rendered as RFC 9457 problem details.
 * Services throw these; {@link ProblemAdvice} and {@link ProblemWriter} render them.
 */
public class ApiProblem extends RuntimeException {
    private final HttpStatus status;
    private final String code;
    private final Map<String, Object> properties;
    private final Map<String, String> headers;

    public ApiProblem(HttpStatus status, String code, String detail) {
        this(status, code, detail, Map.of());
    }

    public ApiProblem(HttpStatus status, String code, String detail, Map<String, ?> properties) {
        this(status, code, detail, properties, Map.of());
    }

    /** {@code headers} go on the response beside the body (e.g. {@code Retry-After}), from MVC and from filters alike. */
    public ApiProblem(HttpStatus status, String code, String detail, Map<String, ?> properties, Map<String, String> headers) {
        super(detail, null, false, false);
        this.status = status;
        this.code = code;
        this.properties = new LinkedHashMap<>(properties);
        this.headers = Map.copyOf(headers);
    }

    public HttpStatus status() {
        return status;
    }

    public String code() {
        return code;
    }

    public Map<String, Object> properties() {
        return properties;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public static ApiProblem unauthenticated() {
        return new ApiProblem(HttpStatus.UNAUTHORIZED, "unauthenticated", "Sign in, or send a valid Bearer token.");
    }


    public static ApiProblem notFound(String detail) {
        return new ApiProblem(HttpStatus.NOT_FOUND, "not_found", detail);
    }

    public static ApiProblem badRequest(String code, String detail) {
        return new ApiProblem(HttpStatus.BAD_REQUEST, code, detail);
    }

    /**
     * A refusal because of a ban or timeout in force: {@code until} says when it ends (null for a
     * permanent ban, whose end is {@link java.time.Instant#MAX}).
     */
    public static ApiProblem restricted(String code, String detail, java.time.Instant until) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("until", java.time.Instant.MAX.equals(until) ? null : V1Time.format(until));
        return new ApiProblem(HttpStatus.FORBIDDEN, code, detail, properties);
    }

    /** 429 {@code rate_limited}; {@code Retry-After} is whole seconds, rounded up, at least 1. */
    public static ApiProblem rateLimited(Duration retryAfter) {
        long seconds = Math.max(1, retryAfter.plusNanos(999_999_999).getSeconds());
        return new ApiProblem(HttpStatus.TOO_MANY_REQUESTS, "rate_limited",
                "Too many requests; retry in " + seconds + " s.", Map.of(),
                Map.of(HttpHeaders.RETRY_AFTER, Long.toString(seconds)));
    }

    /** 503 {@code unavailable} with {@code Retry-After}, for when the database is away. */
    public static ApiProblem unavailable() {
        return new ApiProblem(HttpStatus.SERVICE_UNAVAILABLE, "unavailable", "The service is briefly unavailable; retry shortly.",
                Map.of(), Map.of(HttpHeaders.RETRY_AFTER, ProblemWriter.RETRY_AFTER_SECONDS));
    }

    public static ApiProblem invalidFields(Map<String, String> errors) {
        return new ApiProblem(HttpStatus.BAD_REQUEST, "validation_failed",
                "The request body has fields of the wrong type or size.", Map.of("errors", errors));
    }
}
