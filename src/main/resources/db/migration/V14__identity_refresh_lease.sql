-- A verify refreshing the identity's tokens holds this short lease instead of a row lock while the provider answers, so no connection waits on it.
alter table linked_identities add column refreshing_until timestamptz;
