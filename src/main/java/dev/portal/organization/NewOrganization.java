package dev.portal.organization;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.portal.platform.ApiProblem;
import tools.jackson.databind.JsonNode;

/**
 * A create request, judged field by field: {@code name} 1-100 characters after trimming with no control
 * characters, {@code slug} an {@link OrganizationSlug}. Every failing field is named at once (400
 * {@code validation_failed}).
 */
public record NewOrganization(String name, OrganizationSlug slug) {
    public static final int NAME_MAX = 100;

    public static NewOrganization parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiProblem.badRequest("invalid_body", "The body must be a JSON object with name and slug.");
        }
        Map<String, String> errors = new LinkedHashMap<>();
        String name = null;
        JsonNode nameNode = body.get("name");
        if (nameNode == null || nameNode.isNull()) {
            errors.put("name", "is required");
        } else if (!nameNode.isString()) {
            errors.put("name", "must be a string");
        } else {
            name = nameNode.stringValue().strip();
            if (name.isEmpty() || name.codePointCount(0, name.length()) > NAME_MAX) {
                errors.put("name", "must be 1-" + NAME_MAX + " characters");
            } else if (name.codePoints().anyMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
                    && c != 0x200D)) {
                errors.put("name", "may not contain control characters");
            }
        }
        OrganizationSlug slug = null;
        JsonNode slugNode = body.get("slug");
        if (slugNode == null || slugNode.isNull()) {
            errors.put("slug", "is required");
        } else if (!slugNode.isString()) {
            errors.put("slug", "must be a string");
        } else {
            try {
                slug = OrganizationSlug.of(slugNode.stringValue());
            } catch (OrganizationSlug.Invalid e) {
                errors.put("slug", e.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            throw ApiProblem.invalidFields(errors);
        }
        return new NewOrganization(name, slug);
    }
}
