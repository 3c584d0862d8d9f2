-- Capability packages: what one system needs before it counts as ready
-- capability (items, trained crews, a competent repair facility), and how
-- many systems are wanted. A package belongs to the recipient, marked
-- and released like its requirements.

CREATE TABLE capability_packages (
	id             INTEGER PRIMARY KEY,
	name           TEXT NOT NULL,
	capability     TEXT NOT NULL DEFAULT '',
	wanted         INTEGER NOT NULL CHECK (wanted > 0),
	notes          TEXT NOT NULL DEFAULT '',
	classification INTEGER NOT NULL DEFAULT 0,
	releasable_to  TEXT NOT NULL DEFAULT '',
	audience       INTEGER NOT NULL,
	created_by     TEXT NOT NULL,
	created_at     TEXT NOT NULL,
	updated_at     TEXT NOT NULL,
	version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX capability_packages_name ON capability_packages (name);

CREATE TABLE capability_elements (
	package_id INTEGER NOT NULL REFERENCES capability_packages (id),
	no         INTEGER NOT NULL,
	kind       TEXT NOT NULL CHECK (kind IN ('item', 'crew', 'facility')),
	target     TEXT NOT NULL,
	quantity   INTEGER NOT NULL CHECK (quantity > 0),
	label      TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (package_id, no),
	UNIQUE (package_id, kind, target)
);
