package dev.portal.access;

/** User &lt; Moderator &lt; Admin &lt; Owner, stored as 0..3. */
public final class PermissionLevel {
    public static final int USER = 0;
    public static final int MODERATOR = 1;
    public static final int ADMIN = 2;
    public static final int OWNER = 3;

    private PermissionLevel() {
    }

    /** {@code can_act_on(viewer, target)}: someone else, strictly below the viewer. */
    public static boolean canActOn(long viewerId, int viewerLevel, long targetId, int targetLevel) {
        return viewerId != targetId && viewerLevel > targetLevel;
    }
}
