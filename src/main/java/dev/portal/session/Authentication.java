package dev.portal.session;

import dev.portal.account.Account;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Who made the request, and with what credential. Put on the request by {@link AuthenticationFilter}.
 * {@code impersonatedBy} is the Owner holding the session when it is an impersonation of {@code account}
 * (then {@link ImpersonationGuard} keeps it off governance endpoints), else null.
 */
public record Authentication(Account account, Via via, long credentialId, Long impersonatedBy) {
    static final String ATTRIBUTE = Authentication.class.getName();

    public enum Via {
        SESSION, TOKEN
    }

    public Authentication(Account account, Via via, long credentialId) {
        this(account, via, credentialId, null);
    }

    public boolean impersonated() {
        return impersonatedBy != null;
    }

    Authentication withAccount(Account current) {
        return current == account ? this : new Authentication(current, via, credentialId, impersonatedBy);
    }

    public static Authentication of(HttpServletRequest request) {
        return (Authentication) request.getAttribute(ATTRIBUTE);
    }
}
