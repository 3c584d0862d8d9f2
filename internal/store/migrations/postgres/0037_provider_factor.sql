-- A session opened through an OpenID provider that says it asked for a
-- second factor itself (the ID token's amr claim) records so: that
-- satisfies a role that requires a second factor for as long as the
-- session lasts.
ALTER TABLE sessions ADD COLUMN provider_mfa BOOLEAN NOT NULL DEFAULT FALSE;

-- server_keys are the deployment's own secrets, made at random when the
-- database is opened first (store.DB.ensureKeys) and kept with the data,
-- so that every server of the database, and a restored copy, holds the
-- same. "signin" keys the sign-in's challenges and passkey ceremonies
-- with what the database holds of each user: an account without a
-- password of Longhaul's (made by single sign-on) has nothing else.
CREATE TABLE server_keys (
	name       TEXT PRIMARY KEY,
	secret     TEXT NOT NULL,
	created_at TEXT NOT NULL
);
