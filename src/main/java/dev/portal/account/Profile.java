package dev.portal.account;

/**
 * What a user says about themselves and how they like Portal to behave: the /api profile fields (seed 004),
 * kept in the user's row ({@code display_name}, {@code bio}, {@code email}, {@code default_visibility},
 * {@code settings}) and read with the rest of the {@link Account}.
 */
public record Profile(String displayName, String bio, String email, boolean emailVerified, String defaultVisibility,
        UserSettings settings) {
    public static final String PUBLIC = "public";
    public static final String PRIVATE = "private";

    public static final Profile EMPTY = new Profile(null, null, null, false, PUBLIC, UserSettings.DEFAULTS);
}
