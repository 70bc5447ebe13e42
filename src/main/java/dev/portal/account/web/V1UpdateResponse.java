package dev.portal.account.web;

import java.util.Map;

/** The answer of {@code POST /v1/users/me/update} (seed 002): the user as saved and per-field errors, or null. */
public record V1UpdateResponse(V1User user, Map<String, String> errors) {
}
