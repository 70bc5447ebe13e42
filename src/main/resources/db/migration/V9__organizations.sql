-- Organizations a user creates from their profile (seed 004), and who belongs to them.
create table organizations (
    id         bigint generated always as identity primary key,
    name       text not null,
    slug       text not null,
    created_by bigint references users (id) on delete set null,
    created_at timestamptz not null
);

-- Slugs are compared without case: the index decides two creates of one slug at once.
create unique index organizations_slug_key on organizations (lower(slug));
create index organizations_created_by on organizations (created_by);

create table organization_members (
    organization_id bigint not null references organizations (id) on delete cascade,
    user_id         bigint not null references users (id) on delete cascade,
    role            text not null check (role in ('owner', 'admin', 'member')),
    joined_at       timestamptz not null,
    primary key (organization_id, user_id)
);

create index organization_members_user on organization_members (user_id);
