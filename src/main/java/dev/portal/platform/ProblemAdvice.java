package dev.portal.platform;

import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Turns every failure into problem details with a stable {@code code}. Spring MVC's own exceptions
 * (bad parameters, wrong media type, unknown paths) keep Spring's status and get a code by status;
 * Portal's refusals are {@link ApiProblem}s. Nothing about the cause (stack trace, SQL, class names)
 * reaches the client; unexpected failures are logged with the request id.
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
class ProblemAdvice extends ResponseEntityExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ProblemAdvice.class);

    @ExceptionHandler(ApiProblem.class)
    ResponseEntity<?> apiProblem(ApiProblem e, HttpServletRequest request) {
        if (request != null && WebPages.isPage(request) && e.status() == HttpStatus.UNAUTHORIZED) {
            // A page that needs a signed-in browser: to the sign-in page, which comes back here after.
            String next = request.getRequestURI();
            return ResponseEntity.status(HttpStatus.SEE_OTHER).header(HttpHeaders.LOCATION, "/?next="
                    + java.net.URLEncoder.encode(next, java.nio.charset.StandardCharsets.UTF_8)).build();
        }
        ResponseEntity.BodyBuilder response = ResponseEntity.status(e.status()).header(HttpHeaders.CACHE_CONTROL, "no-store");
        e.headers().forEach((name, value) -> response.header(name, value));
        return page(request, response, ProblemWriter.problem(e, request));
    }

    /** The problem as it is, or as a page for a browser on one of the portal's pages. */
    private static ResponseEntity<?> page(HttpServletRequest request, ResponseEntity.BodyBuilder response,
            ProblemDetail problem) {
        if (request == null || !WebPages.isPage(request)) {
            return response.body(problem);
        }
        Object code = problem.getProperties() == null ? null : problem.getProperties().get("code");
        return response.contentType(org.springframework.http.MediaType.parseMediaType("text/html;charset=UTF-8"))
                .body(ErrorPage.html(problem.getStatus(), problem.getTitle(), problem.getDetail(),
                        code == null ? "error" : code.toString()));
    }

    /** The database away: the exceptions {@link #databaseAway} handles, also as the cause of a failed rollback. */
    private static final java.util.List<Class<? extends Exception>> DATABASE_AWAY = java.util.List.of(
            CannotGetJdbcConnectionException.class, DataAccessResourceFailureException.class,
            TransientDataAccessException.class, QueryTimeoutException.class,
            org.springframework.transaction.CannotCreateTransactionException.class);

    // The same list as DATABASE_AWAY: an annotation takes no list held elsewhere.
    @ExceptionHandler({CannotGetJdbcConnectionException.class, DataAccessResourceFailureException.class,
            TransientDataAccessException.class, QueryTimeoutException.class,
            org.springframework.transaction.CannotCreateTransactionException.class})
    ResponseEntity<?> databaseAway(Exception e, HttpServletRequest request) {
        log.warn("Database unavailable for {} {}: {}", request.getMethod(), request.getRequestURI(), e.getClass().getSimpleName());
        return apiProblem(ApiProblem.unavailable(), request);
    }

    /**
     * A statement failed because the connection went away, and the rollback then failed on the same dead
     * connection: Spring throws the rollback's failure, which names no database error of its own. What
     * happened is the database being away, as the original failure says.
     */
    @ExceptionHandler(org.springframework.transaction.TransactionSystemException.class)
    ResponseEntity<?> transactionFailed(org.springframework.transaction.TransactionSystemException e,
            HttpServletRequest request) {
        Throwable original = e.getApplicationException();
        if (DATABASE_AWAY.stream().anyMatch(away -> away.isInstance(original))
                || original == null && e.getCause() instanceof java.sql.SQLException) {
            return databaseAway(e, request);
        }
        return unexpected(e, request);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<?> unexpected(Exception e, HttpServletRequest request) {
        log.error("Unexpected failure in {} {}", request.getMethod(), request.getRequestURI(), e);
        return page(request, ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR), ProblemWriter.problem(
                HttpStatus.INTERNAL_SERVER_ERROR, "internal_error", "Something went wrong on our side.", Map.of(), request));
    }

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        HttpServletRequest servletRequest = request instanceof ServletWebRequest web ? web.getRequest() : null;
        String detail = ex instanceof HttpMessageNotReadableException
                ? "The request body is not valid JSON of the expected shape (one object, no duplicate keys, limited nesting)."
                : body instanceof ProblemDetail given && given.getDetail() != null ? given.getDetail()
                        : HttpStatus.valueOf(status.value()).getReasonPhrase();
        ProblemDetail problem = ProblemWriter.problem(status, codeFor(ex, status), detail, Map.of(), servletRequest);
        // Spring passes read-only headers for some exceptions (a 404 for an unknown path), so copy them.
        HttpHeaders writable = HttpHeaders.copyOf(headers);
        writable.set(HttpHeaders.CACHE_CONTROL, "no-store");
        if (servletRequest != null && WebPages.isPage(servletRequest)) {
            writable.setContentType(org.springframework.http.MediaType.parseMediaType("text/html;charset=UTF-8"));
            return new ResponseEntity<>(ErrorPage.html(status.value(), problem.getTitle(), detail, codeFor(ex, status)),
                    writable, status);
        }
        return super.handleExceptionInternal(ex, problem, writable, status, request);
    }

    static String codeFor(Exception ex, HttpStatusCode status) {
        return ex instanceof HttpMessageNotReadableException ? "malformed_request" : ProblemWriter.codeFor(status);
    }
}
