package dev.portal.session;

import dev.portal.account.Account;
import jakarta.servlet.http.HttpServletRequest;

/** Who made the request, and with what credential. Put on the request by {@link AuthenticationFilter}. */
public record Authentication(Account account, Via via, long credentialId) {
    static final String ATTRIBUTE = Authentication.class.getName();

    public enum Via {
        SESSION, TOKEN
    }

    public static Authentication of(HttpServletRequest request) {
        return (Authentication) request.getAttribute(ATTRIBUTE);
    }
}
