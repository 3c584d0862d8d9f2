-- signin_devices are the browsers users signed in with, by the hash of
-- their device cookie: a failed sign-in on one of them counts against the
-- device, not the account, so nobody can lock an owner out of it.
CREATE TABLE signin_devices (
	hash       TEXT PRIMARY KEY,
	user_id    BIGINT NOT NULL REFERENCES users(id),
	created_at TEXT NOT NULL
);
CREATE INDEX signin_devices_user ON signin_devices (user_id);

-- signin_failures counts failed sign-ins per key (an account name typed, an
-- address, a device) since the start of the key's window, in Unix
-- milliseconds. Every server of the database shares it. It is UNLOGGED:
-- a failed sign-in from someone not signed in costs no write-ahead log and
-- no fsync, and a crash that empties it forgets only counts that last a
-- quarter of an hour anyway.
CREATE UNLOGGED TABLE signin_failures (
	key      TEXT PRIMARY KEY,
	failures INTEGER NOT NULL,
	since_ms BIGINT NOT NULL
);
CREATE INDEX signin_failures_since ON signin_failures (since_ms);
