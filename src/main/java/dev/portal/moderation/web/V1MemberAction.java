package dev.portal.moderation.web;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.portal.account.web.V1History;
import dev.portal.moderation.ModerationAction;
import dev.portal.platform.V1Time;

/**
 * An act as the member it was done to sees it: without the moderator, unless
 * {@code portal.moderation.show-actor} is on, when it is the elevated view's entry with {@code actor_id}.
 */
public record V1MemberAction(long id, String action, String reason, @JsonProperty("created_at") String createdAt,
        @JsonProperty("expires_at") String expiresAt) {

    static V1MemberAction of(ModerationAction m) {
        return new V1MemberAction(m.id(), m.action(), m.reason(), V1Time.format(m.createdAt()),
                V1Time.format(m.expiresAt()));
    }

    /** The member's list: {@link V1MemberAction}s, or {@link V1History.V1ModerationAction}s when the actor is shown. */
    public static List<?> listOf(List<ModerationAction> actions, boolean showActor) {
        return showActor ? actions.stream().map(V1History.V1ModerationAction::of).toList()
                : actions.stream().map(V1MemberAction::of).toList();
    }
}
