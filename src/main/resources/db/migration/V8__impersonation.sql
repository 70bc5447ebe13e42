-- An Owner's impersonation of a user (POST /v1/admin/users/{id}/impersonate) is a session of the user's
-- that names the Owner who holds it. Deleting the Owner deletes such sessions rather than leaving them
-- as ordinary sessions of the user; an impersonation is always on the 'impersonation' platform.
alter table sessions add column impersonated_by bigint references users (id) on delete cascade;
alter table sessions add constraint sessions_impersonation_platform
    check (impersonated_by is null or platform = 'impersonation');
create index sessions_impersonated_by on sessions (impersonated_by) where impersonated_by is not null;
