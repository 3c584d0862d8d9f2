-- signin_devices are the browsers users signed in with, by the hash of
-- their device cookie: a failed sign-in on one of them counts against the
-- device, not the account, so nobody can lock an owner out of it. The
-- counts of failed sign-ins themselves live in the memory of the one
-- server a SQLite database has, so that they cost no write.
CREATE TABLE signin_devices (
	hash       TEXT PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users(id),
	created_at TEXT NOT NULL
);
CREATE INDEX signin_devices_user ON signin_devices (user_id);
