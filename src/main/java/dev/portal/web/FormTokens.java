package dev.portal.web;

import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;

import dev.portal.platform.SecretCipher;
import dev.portal.platform.WebPages;
import dev.portal.session.Authentication;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.support.RequestDataValueProcessor;

/**
 * The per-session form token every page form carries ({@value #FIELD}), beside the cross-site rule the API
 * also applies: a keyed digest of the session's id, so it is the same on every node, needs no storage, and
 * ends with the session. Thymeleaf adds it to each {@code th:action} form through Spring's
 * {@link RequestDataValueProcessor} (the bean must be named {@code requestDataValueProcessor});
 * {@link FormTokenGuard} checks it on every unsafe request to a page.
 */
@Component("requestDataValueProcessor")
public class FormTokens implements RequestDataValueProcessor {
    public static final String FIELD = "_form";
    private final SecretCipher cipher;

    FormTokens(SecretCipher cipher) {
        this.cipher = cipher;
    }

    /** The token for the request's session, or null when the request has none. */
    public String tokenFor(HttpServletRequest request) {
        Authentication auth = Authentication.of(request);
        if (auth == null || auth.via() != Authentication.Via.SESSION) {
            return null;
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(cipher.mac("form:" + auth.credentialId()));
    }

    boolean matches(HttpServletRequest request, String presented) {
        String expected = tokenFor(request);
        return expected != null && presented != null
                && MessageDigest.isEqual(expected.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                        presented.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Override
    public Map<String, String> getExtraHiddenFields(HttpServletRequest request) {
        String token = WebPages.isPage(request) ? tokenFor(request) : null;
        return token == null ? Map.of() : Map.of(FIELD, token);
    }

    @Override
    public String processAction(HttpServletRequest request, String action, String httpMethod) {
        return action;
    }

    @Override
    public String processFormFieldValue(HttpServletRequest request, String name, String value, String type) {
        return value;
    }

    @Override
    public String processUrl(HttpServletRequest request, String url) {
        return url;
    }
}
