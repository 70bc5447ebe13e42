-- Rate-limit buckets, shared by every node (Bucket4j's PostgreSQL proxy manager reads and writes them
-- under an advisory lock per key). One row per limit and key, e.g. 'signin-start@10/PT1M,60/PT1H:203.0.113.5'.
-- state is Bucket4j's serialized bucket. expires_at (epoch milliseconds) is when the bucket is full again
-- plus a margin: past it the row means no more than a missing one, and RateLimiter deletes it now and
-- then. lock_id is the key's advisory-lock id, which that deletion takes so it never removes a bucket in use.
create table rate_limit_buckets (
    id         text   primary key,
    state      bytea  not null,
    expires_at bigint not null,
    lock_id    bigint not null
);
create index rate_limit_buckets_expires_at on rate_limit_buckets (expires_at);
