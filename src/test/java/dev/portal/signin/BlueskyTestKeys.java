package dev.portal.signin;

/** Keys for tests, made as Portal makes them. */
public final class BlueskyTestKeys {
    private BlueskyTestKeys() {
    }

    /** A fresh private client key as a JWK, as PORTAL_SIGNIN_BLUESKY_KEY takes it. */
    public static String clientKey() {
        return BlueskyClient.generate().toJSONString();
    }
}
