-- Notifications: events written to an outbox in the transaction of the
-- change they tell of (or by the periodic check, once per key), fanned out
-- to the deliveries of each recipient and webhook, each with its own state
-- so that a crash mid-send resends at most what it cannot prove sent.

CREATE TABLE notify_settings (
	user_id    INTEGER PRIMARY KEY REFERENCES users (id),
	email      TEXT NOT NULL DEFAULT '',
	events     TEXT NOT NULL DEFAULT '',
	mode       TEXT NOT NULL DEFAULT 'immediate' CHECK (mode IN ('immediate', 'digest')),
	version    INTEGER NOT NULL DEFAULT 1,
	updated_at TEXT NOT NULL
);

CREATE TABLE notify_outbox (
	id         INTEGER PRIMARY KEY,
	event_key  TEXT NOT NULL UNIQUE,
	kind       TEXT NOT NULL,
	entity     TEXT NOT NULL,
	entity_id  TEXT NOT NULL,
	title      TEXT NOT NULL,
	link       TEXT NOT NULL DEFAULT '',
	audit_seq  INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL,
	fanned_at  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notify_outbox_pending ON notify_outbox (fanned_at, id);

CREATE TABLE webhook_endpoints (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	url        TEXT NOT NULL,
	secret     TEXT NOT NULL,
	events     TEXT NOT NULL,
	as_user    INTEGER NOT NULL REFERENCES users (id),
	disabled   INTEGER NOT NULL DEFAULT 0,
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL
);

-- A delivery is one event (or one digest) to one address. user_id is 0
-- for a webhook, endpoint_id 0 for an e-mail; digest_id is the digest
-- delivery a digest-mode e-mail went into.
CREATE TABLE notify_deliveries (
	id          INTEGER PRIMARY KEY,
	event_id    INTEGER NOT NULL DEFAULT 0,
	channel     TEXT NOT NULL CHECK (channel IN ('email', 'webhook', 'digest')),
	user_id     INTEGER NOT NULL DEFAULT 0,
	endpoint_id INTEGER NOT NULL DEFAULT 0,
	address     TEXT NOT NULL,
	state       TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'held', 'digested')),
	attempts    INTEGER NOT NULL DEFAULT 0,
	uncertain   INTEGER NOT NULL DEFAULT 0,
	next_at     TEXT NOT NULL,
	claimed_at  TEXT NOT NULL DEFAULT '',
	last_status INTEGER NOT NULL DEFAULT 0,
	last_error  TEXT NOT NULL DEFAULT '',
	sent_at     TEXT NOT NULL DEFAULT '',
	digest_id   INTEGER NOT NULL DEFAULT 0,
	created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX notify_deliveries_once ON notify_deliveries (event_id, channel, user_id, endpoint_id) WHERE event_id <> 0;
CREATE INDEX notify_deliveries_due ON notify_deliveries (state, next_at);
CREATE INDEX notify_deliveries_endpoint ON notify_deliveries (endpoint_id, id);

-- Every attempt to deliver, with its outcome: the delivery log.
CREATE TABLE notify_attempts (
	id          INTEGER PRIMARY KEY,
	delivery_id INTEGER NOT NULL REFERENCES notify_deliveries (id),
	at          TEXT NOT NULL,
	status      INTEGER NOT NULL DEFAULT 0,
	error       TEXT NOT NULL DEFAULT '',
	redelivery  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notify_attempts_delivery ON notify_attempts (delivery_id);
