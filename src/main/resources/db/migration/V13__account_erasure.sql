-- Deleting an account (POST /api/user/delete) is the one sanctioned exception to the append-only audit
-- log (V6): within the deleting transaction, and only after it has said which user it erases
-- (set local portal.erasing_user), the events about that user may be deleted and the events in which
-- that user acted on someone else may lose their IP address (the other person's history stays). The
-- account_deleted tombstone can never be removed, and nothing else can be changed, by anyone.
create function portal_audit_append_only_row() returns trigger language plpgsql as $$
declare
    erasing text := current_setting('portal.erasing_user', true);
begin
    if erasing is not null and erasing <> '' then
        if tg_op = 'DELETE' and old.action <> 'account_deleted'
           and (old.target_id::text = erasing or (old.target_id is null and old.actor_id::text = erasing)) then
            return old;
        end if;
        if tg_op = 'UPDATE' and old.actor_id::text = erasing and new.ip is null
           and (to_jsonb(new) - 'ip') = (to_jsonb(old) - 'ip') then
            return new;
        end if;
    end if;
    raise exception 'audit_events is append-only: % refused', tg_op using errcode = '42501';
end
$$;
drop trigger audit_events_no_update_or_delete on audit_events;
create trigger audit_events_no_update_or_delete before update or delete on audit_events
    for each row execute function portal_audit_append_only_row();

-- /api's timestamp form (ISO-8601 UTC, milliseconds, Z), for documents PostgreSQL assembles itself
-- (the data export).
create function portal_api_time(at timestamptz) returns text language sql immutable as $$
    select to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;
