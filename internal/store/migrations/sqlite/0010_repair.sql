-- Maintenance and repair: the equipment delivered to Ukraine by serial
-- number and its timeline, the allied repair facilities with their slots
-- and competences, and the repair orders with their history.

CREATE TABLE repair_facilities (
	site       TEXT PRIMARY KEY REFERENCES sites (code),
	slots      INTEGER NOT NULL CHECK (slots > 0),
	version    INTEGER NOT NULL DEFAULT 1,
	updated_at TEXT NOT NULL
);

CREATE TABLE repair_competences (
	site            TEXT NOT NULL REFERENCES repair_facilities (site),
	target          TEXT NOT NULL,
	turnaround_days INTEGER NOT NULL CHECK (turnaround_days > 0),
	PRIMARY KEY (site, target)
);

CREATE TABLE equipment (
	id          INTEGER PRIMARY KEY,
	nsn         TEXT NOT NULL REFERENCES items (nsn),
	serial      TEXT NOT NULL,
	donor       TEXT NOT NULL REFERENCES nations (code),
	received_on TEXT NOT NULL,
	shipment_id INTEGER REFERENCES shipments (id),
	location    TEXT NOT NULL REFERENCES sites (code),
	state       TEXT NOT NULL,
	hours       INTEGER NOT NULL DEFAULT 0 CHECK (hours >= 0),
	rounds      INTEGER NOT NULL DEFAULT 0 CHECK (rounds >= 0),
	notes       TEXT NOT NULL DEFAULT '',
	version     INTEGER NOT NULL DEFAULT 1,
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL,
	UNIQUE (nsn, serial)
);
CREATE INDEX equipment_state ON equipment (state, nsn);

CREATE TABLE equipment_events (
	id           INTEGER PRIMARY KEY,
	equipment_id INTEGER NOT NULL REFERENCES equipment (id),
	at           TEXT NOT NULL,
	actor        TEXT NOT NULL,
	kind         TEXT NOT NULL,
	state        TEXT NOT NULL,
	site         TEXT NOT NULL DEFAULT '',
	order_id     INTEGER,
	note         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX equipment_events_piece ON equipment_events (equipment_id, id);

CREATE TABLE repair_orders (
	id           INTEGER PRIMARY KEY,
	equipment_id INTEGER NOT NULL REFERENCES equipment (id),
	fault        TEXT NOT NULL,
	severity     TEXT NOT NULL CHECK (severity IN ('theatre', 'facility')),
	priority     INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4),
	location     TEXT NOT NULL REFERENCES sites (code),
	state        TEXT NOT NULL,
	facility     TEXT REFERENCES sites (code),
	due          TEXT NOT NULL DEFAULT '',
	outbound_shipment INTEGER REFERENCES shipments (id),
	return_shipment   INTEGER REFERENCES shipments (id),
	reported_at  TEXT NOT NULL,
	repaired_on  TEXT NOT NULL DEFAULT '',
	cost         INTEGER NOT NULL DEFAULT 0 CHECK (cost >= 0),
	paid_by      TEXT NOT NULL DEFAULT '',
	version      INTEGER NOT NULL DEFAULT 1,
	updated_at   TEXT NOT NULL
);
CREATE INDEX repair_orders_state ON repair_orders (state, facility);
CREATE INDEX repair_orders_piece ON repair_orders (equipment_id);

-- Each state an order enters, when: the source of turnaround figures.
CREATE TABLE repair_order_events (
	id       INTEGER PRIMARY KEY,
	order_id INTEGER NOT NULL REFERENCES repair_orders (id),
	at       TEXT NOT NULL,
	state    TEXT NOT NULL,
	actor    TEXT NOT NULL,
	note     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX repair_order_events_order ON repair_order_events (order_id, id);

-- The spare parts a repair order needs: each is a requirement like any
-- other, delivered to the facility, so pledged parts can be allocated to it.
CREATE TABLE repair_parts (
	order_id       INTEGER NOT NULL REFERENCES repair_orders (id),
	requirement_id INTEGER NOT NULL REFERENCES requirements (id),
	PRIMARY KEY (order_id, requirement_id)
);
