-- Logistics: the network of links between sites, the limits of the hubs,
-- shipments with their legs, goods and custody chain, discrepancies found on
-- receipt, and stock at the hubs (a maintained balance beside the events it
-- sums).

-- A hub operator works at one site.
ALTER TABLE users ADD COLUMN site TEXT NOT NULL DEFAULT '';

CREATE TABLE hubs (
	site             TEXT PRIMARY KEY REFERENCES sites (code),
	throughput_t_day INTEGER NOT NULL CHECK (throughput_t_day >= 0),
	storage_t        INTEGER NOT NULL CHECK (storage_t >= 0),
	dwell_hours      INTEGER NOT NULL CHECK (dwell_hours >= 0),
	version          INTEGER NOT NULL DEFAULT 1,
	updated_at       TEXT NOT NULL
);

CREATE TABLE links (
	id                   INTEGER PRIMARY KEY,
	from_site            TEXT NOT NULL REFERENCES sites (code),
	to_site              TEXT NOT NULL REFERENCES sites (code),
	mode                 TEXT NOT NULL CHECK (mode IN ('road', 'rail', 'air', 'sea')),
	transit_hours        INTEGER NOT NULL CHECK (transit_hours > 0),
	capacity_t_day       INTEGER NOT NULL CHECK (capacity_t_day >= 0),
	capacity_pallets_day INTEGER NOT NULL CHECK (capacity_pallets_day >= 0),
	notes                TEXT NOT NULL DEFAULT '',
	version              INTEGER NOT NULL DEFAULT 1,
	created_at           TEXT NOT NULL,
	updated_at           TEXT NOT NULL,
	UNIQUE (from_site, to_site, mode),
	CHECK (from_site <> to_site)
);

CREATE TABLE shipments (
	id                INTEGER PRIMARY KEY,
	nation            TEXT NOT NULL REFERENCES nations (code),
	origin            TEXT NOT NULL REFERENCES sites (code),
	destination       TEXT NOT NULL REFERENCES sites (code),
	route             TEXT NOT NULL,
	state             TEXT NOT NULL,
	held_from         TEXT NOT NULL DEFAULT '',
	leg               INTEGER NOT NULL DEFAULT 0,
	location          TEXT NOT NULL DEFAULT '',
	holder            TEXT NOT NULL DEFAULT '',
	planned_departure TEXT NOT NULL,
	eta               TEXT NOT NULL,
	dispatched_at     TEXT NOT NULL DEFAULT '',
	received_at       TEXT NOT NULL DEFAULT '',
	mass_g            INTEGER NOT NULL DEFAULT 0,
	value             INTEGER NOT NULL DEFAULT 0,
	notes             TEXT NOT NULL DEFAULT '',
	classification    INTEGER NOT NULL DEFAULT 0,
	releasable_to     TEXT NOT NULL DEFAULT '',
	audience          INTEGER NOT NULL DEFAULT 0,
	legs              TEXT NOT NULL,
	version           INTEGER NOT NULL DEFAULT 1,
	created_at        TEXT NOT NULL,
	updated_at        TEXT NOT NULL
);
CREATE INDEX shipments_state ON shipments (state, eta);
CREATE INDEX shipments_location ON shipments (location, state);

CREATE TABLE shipment_lines (
	shipment_id    INTEGER NOT NULL REFERENCES shipments (id),
	no             INTEGER NOT NULL,
	allocation_id  INTEGER NOT NULL REFERENCES allocations (id),
	pledge_id      INTEGER NOT NULL REFERENCES pledges (id),
	line_id        INTEGER NOT NULL REFERENCES pledge_lines (id),
	requirement_id INTEGER NOT NULL REFERENCES requirements (id),
	nsn            TEXT NOT NULL REFERENCES items (nsn),
	quantity       INTEGER NOT NULL CHECK (quantity > 0),
	received       INTEGER NOT NULL DEFAULT 0 CHECK (received >= 0),
	unit_value     INTEGER NOT NULL,
	mass_g         INTEGER NOT NULL,
	PRIMARY KEY (shipment_id, no)
);
CREATE INDEX shipment_lines_allocation ON shipment_lines (allocation_id);
CREATE INDEX shipment_lines_pledge ON shipment_lines (pledge_id);

CREATE TABLE custody_events (
	shipment_id INTEGER NOT NULL REFERENCES shipments (id),
	no          INTEGER NOT NULL,
	at          TEXT NOT NULL,
	action      TEXT NOT NULL,
	state       TEXT NOT NULL,
	site        TEXT NOT NULL DEFAULT '',
	from_party  TEXT NOT NULL,
	to_party    TEXT NOT NULL,
	actor       TEXT NOT NULL,
	note        TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (shipment_id, no)
);
CREATE INDEX custody_events_site ON custody_events (site, at);

CREATE TABLE discrepancies (
	id          INTEGER PRIMARY KEY,
	shipment_id INTEGER NOT NULL REFERENCES shipments (id),
	line_no     INTEGER NOT NULL,
	nsn         TEXT NOT NULL,
	kind        TEXT NOT NULL CHECK (kind IN ('short', 'damaged', 'lost', 'surplus')),
	quantity    INTEGER NOT NULL CHECK (quantity > 0),
	reason      TEXT NOT NULL,
	state       TEXT NOT NULL CHECK (state IN ('open', 'resolved')),
	resolution  TEXT NOT NULL DEFAULT '',
	resolution_note TEXT NOT NULL DEFAULT '',
	resolved_by TEXT NOT NULL DEFAULT '',
	resolved_at TEXT NOT NULL DEFAULT '',
	version     INTEGER NOT NULL DEFAULT 1,
	created_at  TEXT NOT NULL
);
CREATE INDEX discrepancies_shipment ON discrepancies (shipment_id);
CREATE INDEX discrepancies_state ON discrepancies (state);

-- hub_stock is the balance of stock_events per hub and item, kept in the
-- same transaction as each event so that reading a hub's stock does not
-- sum its history.
CREATE TABLE hub_stock (
	site     TEXT NOT NULL REFERENCES sites (code),
	nsn      TEXT NOT NULL REFERENCES items (nsn),
	quantity INTEGER NOT NULL,
	PRIMARY KEY (site, nsn)
);

CREATE TABLE stock_events (
	id          INTEGER PRIMARY KEY,
	site        TEXT NOT NULL REFERENCES sites (code),
	nsn         TEXT NOT NULL REFERENCES items (nsn),
	delta       INTEGER NOT NULL,
	mass_g      INTEGER NOT NULL,
	kind        TEXT NOT NULL CHECK (kind IN ('in', 'out', 'count')),
	shipment_id INTEGER REFERENCES shipments (id),
	at          TEXT NOT NULL,
	day         TEXT NOT NULL,
	reason      TEXT NOT NULL DEFAULT '',
	actor       TEXT NOT NULL
);
CREATE INDEX stock_events_site_day ON stock_events (site, day);
