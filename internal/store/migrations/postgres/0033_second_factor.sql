-- user_factors holds each user's TOTP second factor: its secret (the
-- authenticator app's, which the server must read to check a code), when
-- it was confirmed with a first code (NULL while the user is still
-- enrolling) and the time step of the last code taken, so that a code is
-- taken once: a replayed one, of that step or an earlier one, is refused.
CREATE TABLE user_factors (
	user_id      BIGINT PRIMARY KEY REFERENCES users (id),
	secret       TEXT NOT NULL,
	confirmed_at TEXT,
	last_step    BIGINT NOT NULL DEFAULT 0,
	created_at   TEXT NOT NULL
);

-- recovery_codes are a user's single-use codes for when the authenticator
-- is lost, stored only as SHA-256 hashes bound to the user.
CREATE TABLE recovery_codes (
	user_id    BIGINT NOT NULL REFERENCES users (id),
	hash       TEXT NOT NULL,
	created_at TEXT NOT NULL,
	used_at    TEXT,
	PRIMARY KEY (user_id, hash)
);
