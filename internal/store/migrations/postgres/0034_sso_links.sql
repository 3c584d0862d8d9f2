-- Accounts that sign in through an OpenID provider, linked by the issuer
-- and the subject the provider names the person by: never by e-mail,
-- which a provider may let its users change or reuse. One link per
-- account.

CREATE TABLE sso_links (
	issuer     TEXT NOT NULL,
	subject    TEXT NOT NULL,
	user_id    BIGINT NOT NULL UNIQUE REFERENCES users (id),
	created_at TEXT NOT NULL,
	PRIMARY KEY (issuer, subject)
);
