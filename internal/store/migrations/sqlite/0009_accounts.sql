-- The pledge's accounts: yearly baselines with their participating
-- nations, exchange rates, the deliveries of pledge lines with their date
-- and value, contributions entered directly, and the register of bilateral
-- security agreements.

CREATE TABLE baselines (
	year       INTEGER PRIMARY KEY,
	amount     INTEGER NOT NULL CHECK (amount > 0),
	gdp_year   INTEGER NOT NULL,
	notes      TEXT NOT NULL DEFAULT '',
	version    INTEGER NOT NULL DEFAULT 1,
	updated_at TEXT NOT NULL
);

CREATE TABLE baseline_nations (
	year   INTEGER NOT NULL REFERENCES baselines (year),
	nation TEXT NOT NULL REFERENCES nations (code),
	PRIMARY KEY (year, nation)
);

CREATE TABLE exchange_rates (
	currency   TEXT NOT NULL,
	year       INTEGER NOT NULL,
	per_eur    TEXT NOT NULL,
	source     TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (currency, year)
);

-- A delivery is written with the pledge line's quantities, in the same
-- transaction, for every change of its delivered quantity.
CREATE TABLE deliveries (
	id        INTEGER PRIMARY KEY,
	pledge_id INTEGER NOT NULL REFERENCES pledges (id),
	line_id   INTEGER NOT NULL REFERENCES pledge_lines (id),
	quantity  INTEGER NOT NULL,
	value     INTEGER NOT NULL,
	on_date   TEXT NOT NULL
);
CREATE INDEX deliveries_date ON deliveries (on_date);
CREATE INDEX deliveries_pledge ON deliveries (pledge_id);

-- What was delivered before deliveries were recorded, dated at the
-- pledge's last change.
INSERT INTO deliveries (pledge_id, line_id, quantity, value, on_date)
	SELECT l.pledge_id, l.id, l.delivered, l.delivered * l.unit_value, substr(p.updated_at, 1, 10)
	FROM pledge_lines l JOIN pledges p ON p.id = l.pledge_id WHERE l.delivered > 0;

CREATE TABLE contributions (
	id             INTEGER PRIMARY KEY,
	nation         TEXT NOT NULL REFERENCES nations (code),
	on_date        TEXT NOT NULL,
	category       TEXT NOT NULL,
	currency       TEXT NOT NULL,
	original       INTEGER NOT NULL CHECK (original > 0),
	rate           TEXT NOT NULL,
	amount         INTEGER NOT NULL CHECK (amount >= 0),
	pledge_id      INTEGER REFERENCES pledges (id),
	evidence       TEXT NOT NULL,
	notes          TEXT NOT NULL DEFAULT '',
	classification INTEGER NOT NULL DEFAULT 0,
	releasable_to  TEXT NOT NULL DEFAULT '',
	audience       INTEGER NOT NULL,
	version        INTEGER NOT NULL DEFAULT 1,
	created_by     TEXT NOT NULL,
	created_at     TEXT NOT NULL
);
CREATE INDEX contributions_date ON contributions (on_date);

CREATE TABLE agreements (
	nation         TEXT PRIMARY KEY REFERENCES nations (code),
	signatory      TEXT NOT NULL,
	date_signed    TEXT NOT NULL,
	duration_years INTEGER NOT NULL,
	amount         TEXT NOT NULL DEFAULT '',
	currency       TEXT NOT NULL DEFAULT '',
	period         TEXT NOT NULL DEFAULT '',
	source_url     TEXT NOT NULL DEFAULT ''
);
