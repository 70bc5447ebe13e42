-- The lapse sweep (SubscriptionSweep) asks every minute, on every node, for the tiers whose expiry has
-- passed; this keeps that a short index range scan however many users there are. Basic and Lifetime
-- rows (no expiry) are not in it.
create index users_subscription_expiry on users (subscription_expires_at)
    where subscription_tier <> 0 and subscription_expires_at is not null;
