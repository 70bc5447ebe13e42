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

    /**
     * For the endpoints seed 004 marks "Session" (identities, organizations, deletion): a personal access token
     * is refused with 403 {@code session_required}, so a token handed to a bot cannot unlink, delete or
     * reorganise the account it belongs to.
     */
    public Authentication requireSession() {
        if (via != Via.SESSION) {
            throw new dev.portal.platform.ApiProblem(org.springframework.http.HttpStatus.FORBIDDEN, "session_required",
                    "This endpoint needs a signed-in browser session; a personal access token may not use it.");
        }
        return this;
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
