-- GET /v1/users: a username prefix ignoring case (LIKE 'abc%' on lower(username) needs the pattern
-- operator class whatever the database's collation), and an exact platform user id on any platform.
create index users_username_prefix on users (lower(username) text_pattern_ops);
create index linked_identities_platform_user_id on linked_identities (platform_user_id);
