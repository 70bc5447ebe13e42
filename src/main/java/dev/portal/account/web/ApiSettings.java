package dev.portal.account.web;

import dev.portal.account.Account;
import dev.portal.account.Profile;
import dev.portal.account.UserSettings;
import io.swagger.v3.oas.annotations.media.Schema;

/**
 * The settings {@code PATCH /api/user/update} writes, readable at {@code GET /api/user/settings} (not in seed
 * 004, whose user object has no room for them; a front end needs to read what it lets people set).
 */
record ApiSettings(
        @Schema(allowableValues = {"system", "light", "dark"}) String theme,
        @Schema(minimum = "1", maximum = "10000") int maxMessageLength,
        boolean defaultPubliclyVisible,
        @Schema(allowableValues = {"all", "public"}) String viewingPreference) {

    static ApiSettings of(Account a) {
        UserSettings s = a.profile().settings();
        return new ApiSettings(s.theme(), s.maxMessageLength(), Profile.PUBLIC.equals(a.profile().defaultVisibility()),
                s.viewingPreference());
    }
}
