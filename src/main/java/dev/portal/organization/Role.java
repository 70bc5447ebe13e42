package dev.portal.organization;

import java.util.Locale;

/** What a member may do in an organization; stored lower case, as the check constraint lists them. */
public enum Role {
    OWNER, ADMIN, MEMBER;

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Role fromKey(String key) {
        return valueOf(key.toUpperCase(Locale.ROOT));
    }
}
