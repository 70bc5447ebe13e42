-- Uploaded avatars. An avatar's key names its blobs (avatars/<key>/<size>.png); keys are random and
-- never reused, so no two users share one.
create unique index users_avatar_upload_key on users (avatar_upload_key) where avatar_upload_key is not null;

-- Avatar keys whose blobs are to be removed: written in the same transaction that replaces the avatar
-- (or deletes its user), removed right after the commit, and by a sweep on every node when that failed
-- (the store was away): a row stays until its blobs are gone, each failure pushing due_at later.
create table blob_deletions (
    key        text primary key,
    due_at     timestamptz not null,
    attempts   int not null default 0,
    created_at timestamptz not null default now()
);
create index blob_deletions_due on blob_deletions (due_at);
