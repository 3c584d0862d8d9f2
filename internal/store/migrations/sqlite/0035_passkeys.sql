-- Passkeys (WebAuthn credentials) as a second factor. Every row belongs
-- to the relying party id (the site's host) it was registered for.

-- passkey_users holds each user's handle: the random id, base64url, that
-- their authenticators keep for them instead of their name, one per user.
CREATE TABLE passkey_users (
	rp_id      TEXT NOT NULL,
	user_id    INTEGER NOT NULL REFERENCES users (id),
	handle     TEXT NOT NULL,
	created_at TEXT NOT NULL,
	PRIMARY KEY (rp_id, user_id),
	UNIQUE (rp_id, handle)
);

-- passkeys are the credentials: the credential id (base64url), the name
-- the user gave it, the credential record as the WebAuthn library keeps it
-- (JSON: public key, sign counter, flags, attestation), and when it was
-- made and last used.
CREATE TABLE passkeys (
	id            INTEGER PRIMARY KEY,
	rp_id         TEXT NOT NULL,
	user_id       INTEGER NOT NULL REFERENCES users (id),
	credential_id TEXT NOT NULL,
	name          TEXT NOT NULL,
	credential    TEXT NOT NULL,
	sign_count    BIGINT NOT NULL DEFAULT 0,
	created_at    TEXT NOT NULL,
	last_used_at  TEXT,
	UNIQUE (rp_id, credential_id)
);

CREATE INDEX passkeys_user ON passkeys (user_id);

-- passkey_challenges are the challenges of passkey sign-ins that passed,
-- kept while their ceremony could still be presented, so that an answer
-- is taken once.
CREATE TABLE passkey_challenges (
	challenge TEXT PRIMARY KEY,
	used_at   TEXT NOT NULL
);
