-- The assistance ledger: reference data, catalogue, requirements, pledges,
-- allocations and the audit chain.

CREATE TABLE nations (
	code         TEXT PRIMARY KEY,
	name         TEXT NOT NULL,
	role         TEXT NOT NULL CHECK (role IN ('ally', 'partner', 'recipient', 'institution')),
	member_since TEXT NOT NULL DEFAULT '',
	eu_member    BOOLEAN NOT NULL DEFAULT FALSE,
	in_baseline  BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE nation_years (
	nation      TEXT NOT NULL REFERENCES nations (code),
	year        INTEGER NOT NULL,
	estimate    BOOLEAN NOT NULL,
	gdp_usd     INTEGER NOT NULL,
	defence_usd INTEGER NOT NULL,
	defence_ppm INTEGER NOT NULL,
	PRIMARY KEY (nation, year)
);

CREATE TABLE sites (
	code   TEXT PRIMARY KEY,
	name   TEXT NOT NULL,
	nation TEXT NOT NULL REFERENCES nations (code),
	kinds  TEXT NOT NULL,
	lat_e6 INTEGER NOT NULL,
	lon_e6 INTEGER NOT NULL,
	notes  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE items (
	nsn           TEXT PRIMARY KEY,
	name          TEXT NOT NULL,
	supply_class  TEXT NOT NULL,
	capability    TEXT NOT NULL,
	unit_of_issue TEXT NOT NULL,
	unit_value    INTEGER NOT NULL CHECK (unit_value >= 0),
	mass_g        INTEGER NOT NULL CHECK (mass_g >= 0),
	volume_cm3    INTEGER NOT NULL CHECK (volume_cm3 >= 0),
	grp           TEXT NOT NULL DEFAULT '',
	version       INTEGER NOT NULL DEFAULT 1,
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL
);
CREATE INDEX items_grp ON items (grp);

CREATE TABLE requirements (
	id             INTEGER PRIMARY KEY,
	nsn            TEXT REFERENCES items (nsn),
	grp            TEXT NOT NULL DEFAULT '',
	quantity       INTEGER NOT NULL CHECK (quantity > 0),
	priority       INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4),
	need_by        TEXT NOT NULL,
	delivery_site  TEXT NOT NULL REFERENCES sites (code),
	notes          TEXT NOT NULL DEFAULT '',
	classification INTEGER NOT NULL DEFAULT 0,
	releasable_to  TEXT NOT NULL DEFAULT '',
	illustrative   BOOLEAN NOT NULL DEFAULT FALSE,
	cancelled      BOOLEAN NOT NULL DEFAULT FALSE,
	allocated      INTEGER NOT NULL DEFAULT 0,
	delivered      INTEGER NOT NULL DEFAULT 0,
	accepted       INTEGER NOT NULL DEFAULT 0,
	state          TEXT NOT NULL,
	version        INTEGER NOT NULL DEFAULT 1,
	created_at     TEXT NOT NULL,
	updated_at     TEXT NOT NULL,
	CHECK (quantity >= 0 AND allocated >= delivered AND delivered >= accepted AND accepted >= 0)
);
CREATE INDEX requirements_state ON requirements (state, priority);

CREATE TABLE pledges (
	id             INTEGER PRIMARY KEY,
	nation         TEXT NOT NULL REFERENCES nations (code),
	title          TEXT NOT NULL,
	kind           TEXT NOT NULL,
	channel        TEXT NOT NULL,
	category       TEXT NOT NULL,
	announced      TEXT NOT NULL,
	promised       TEXT NOT NULL,
	reference      TEXT NOT NULL DEFAULT '',
	amount         INTEGER NOT NULL DEFAULT 0 CHECK (amount >= 0),
	classification INTEGER NOT NULL DEFAULT 0,
	releasable_to  TEXT NOT NULL DEFAULT '',
	illustrative   BOOLEAN NOT NULL DEFAULT FALSE,
	state          TEXT NOT NULL,
	version        INTEGER NOT NULL DEFAULT 1,
	created_at     TEXT NOT NULL,
	updated_at     TEXT NOT NULL
);
CREATE INDEX pledges_nation ON pledges (nation);

CREATE TABLE pledge_lines (
	id         INTEGER PRIMARY KEY,
	pledge_id  INTEGER NOT NULL REFERENCES pledges (id),
	no         INTEGER NOT NULL,
	nsn        TEXT NOT NULL REFERENCES items (nsn),
	unit_value INTEGER NOT NULL CHECK (unit_value >= 0),
	pledged    INTEGER NOT NULL,
	committed  INTEGER NOT NULL DEFAULT 0,
	allocated  INTEGER NOT NULL DEFAULT 0,
	shipped    INTEGER NOT NULL DEFAULT 0,
	delivered  INTEGER NOT NULL DEFAULT 0,
	accepted   INTEGER NOT NULL DEFAULT 0,
	withdrawn  INTEGER NOT NULL DEFAULT 0 CHECK (withdrawn >= 0),
	UNIQUE (pledge_id, no),
	CHECK (pledged >= committed AND committed >= allocated AND allocated >= shipped
		AND shipped >= delivered AND delivered >= accepted AND accepted >= 0)
);

CREATE TABLE allocations (
	id             INTEGER PRIMARY KEY,
	pledge_id      INTEGER NOT NULL REFERENCES pledges (id),
	line_id        INTEGER NOT NULL REFERENCES pledge_lines (id),
	requirement_id INTEGER NOT NULL REFERENCES requirements (id),
	quantity       INTEGER NOT NULL,
	shipped        INTEGER NOT NULL DEFAULT 0,
	delivered      INTEGER NOT NULL DEFAULT 0,
	accepted       INTEGER NOT NULL DEFAULT 0,
	created_at     TEXT NOT NULL,
	UNIQUE (line_id, requirement_id),
	CHECK (quantity >= shipped AND shipped >= delivered AND delivered >= accepted AND accepted >= 0)
);
CREATE INDEX allocations_requirement ON allocations (requirement_id);

CREATE TABLE audit_events (
	seq       INTEGER PRIMARY KEY,
	at        TEXT NOT NULL,
	actor     TEXT NOT NULL,
	action    TEXT NOT NULL,
	entity    TEXT NOT NULL,
	entity_id TEXT NOT NULL,
	before    TEXT NOT NULL,
	after     TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash      TEXT NOT NULL
);
CREATE INDEX audit_events_entity ON audit_events (entity, entity_id);

-- audit_head holds the last link of the chain; writers lock it, so the chain
-- has one order, and verify compares it with the last event so that a
-- truncated chain is noticed.
CREATE TABLE audit_head (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	seq  INTEGER NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
