-- The audit log is append-only, and the database itself says so: UPDATE, DELETE and TRUNCATE of
-- audit_events are refused, whoever asks (Portal, an operator's SQL, a compromised node).
create function portal_audit_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'audit_events is append-only: % refused', tg_op using errcode = '42501';
end
$$;
create trigger audit_events_no_update_or_delete before update or delete on audit_events
    for each row execute function portal_audit_append_only();
create trigger audit_events_no_truncate before truncate on audit_events
    for each statement execute function portal_audit_append_only();

-- GET /v1/audit filters by actor, target or action, newest first, paged by id.
create index audit_events_actor on audit_events (actor_id, id desc);
create index audit_events_target on audit_events (target_id, id desc);
create index audit_events_action on audit_events (action, id desc);
