-- Federated sign-in: Mastodon applications registered per instance, and the DPoP key an AT Protocol
-- (Bluesky) identity's tokens are bound to.

-- One application per instance, registered on first use (POST /api/v1/apps) and kept. A changed public
-- URL (so callback) or scope registers anew and replaces it.
create table mastodon_apps (
    instance      text primary key,
    redirect_uri  text        not null,
    scopes        text        not null,
    client_id     text        not null,
    -- AES-GCM sealed (SecretCipher), context 'mastodon-app:' || instance
    client_secret bytea       not null,
    registered_at timestamptz not null
);

-- A registration under way: the node that claimed an instance registers there while others wait for
-- the app to appear, so no database connection is held while the instance answers. A claim past its
-- time (its node died) may be taken over.
create table mastodon_app_claims (
    instance      text primary key,
    -- who holds it, so that only the holder ends it
    claim_token   text        not null,
    claimed_until timestamptz not null
);

-- The private key (a JWK, sealed like the tokens) that DPoP-bound provider tokens need to be used.
alter table linked_identities add column token_key bytea;
