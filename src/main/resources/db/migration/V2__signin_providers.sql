-- Sign-in on every platform: what a started flow must remember beyond its PKCE verifier, provider
-- tokens kept encrypted (SecretCipher) for re-verifying an identity later, and single-use assertions
-- for sign-ins that carry no server-side state of their own (Telegram's signed widget payload).

-- OpenID Connect's nonce, and what a provider decided at the start (a Mastodon instance, a DPoP key).
alter table signin_flows add column nonce text;
alter table signin_flows add column provider_data jsonb not null default '{}';

-- AES-GCM sealed (see SecretCipher), bound to the identity's key; null when the provider gave none.
alter table linked_identities add column access_token bytea;
alter table linked_identities add column refresh_token bytea;
alter table linked_identities add column token_expires_at timestamptz;

-- A signed payload that was accepted once: its digest, kept until it would be too old anyway.
create table used_signin_assertions (
    digest     bytea primary key,
    platform   text        not null,
    expires_at timestamptz not null
);
create index used_signin_assertions_expires on used_signin_assertions (expires_at);
