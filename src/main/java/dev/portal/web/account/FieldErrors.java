package dev.portal.web.account;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.portal.platform.ApiProblem;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

/**
 * The messages a failed form shows next to its fields, by field name. Every account and profile page has an
 * {@code errors} map (empty until a post fails), so the templates never test for null.
 */
@ControllerAdvice(basePackages = {"dev.portal.web.account", "dev.portal.web.profile"})
public class FieldErrors {
    @ModelAttribute("errors")
    Map<String, String> errors() {
        return Map.of();
    }

    /**
     * The per-field messages of a {@code validation_failed} problem, renamed to the form's field names
     * ({@code avatar_source} → {@code avatarSource}); any other problem as a message under {@code field}.
     */
    public static Map<String, String> of(ApiProblem problem, String field) {
        Map<String, String> errors = new LinkedHashMap<>();
        if (problem.properties().get("errors") instanceof Map<?, ?> byField) {
            byField.forEach((name, message) -> errors.put(formName(String.valueOf(name)), String.valueOf(message)));
        }
        if (errors.isEmpty()) {
            errors.put(field, problem.getMessage());
        }
        return errors;
    }

    /**
     * Makes the services' field messages ("is already taken") read as sentences under their field
     * ("Username is already taken."); a message that is already a sentence stays as it is.
     */
    public static Map<String, String> labelled(Map<String, String> errors, Map<String, String> labels) {
        Map<String, String> out = new LinkedHashMap<>();
        errors.forEach((field, message) -> {
            String label = labels.get(field);
            boolean fragment = !message.isEmpty() && Character.isLowerCase(message.charAt(0));
            out.put(field, label != null && fragment ? label + " " + message + (message.endsWith(".") ? "" : ".") : message);
        });
        return out;
    }

    static String formName(String apiName) {
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char c : apiName.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }
}
