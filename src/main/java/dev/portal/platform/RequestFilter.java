package dev.portal.platform;

import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Portal's filters: Spring's {@link OncePerRequestFilter} with the name of its already-filtered request
 * attribute built once. Spring builds it by string concatenation on every request, once per filter, which
 * was a tenth of {@code /v1/users/me}'s allocation in a JFR profile.
 */
public abstract class RequestFilter extends OncePerRequestFilter {
    private final String alreadyFiltered = getClass().getName() + ALREADY_FILTERED_SUFFIX;

    @Override
    protected final String getAlreadyFilteredAttributeName() {
        return alreadyFiltered;
    }
}
