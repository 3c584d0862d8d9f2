-- A session opened through an OpenID provider that says it asked for a
-- second factor itself (the ID token's amr claim) records so: that
-- satisfies a role that requires a second factor for as long as the
-- session lasts.
ALTER TABLE sessions ADD COLUMN provider_mfa BOOLEAN NOT NULL DEFAULT FALSE;
