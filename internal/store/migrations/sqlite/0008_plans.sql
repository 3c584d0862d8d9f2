-- Allocation plans: a proposal is kept with what it was made from and the
-- fingerprint of its inputs, so that it can be reviewed later, approved
-- only while its inputs are unchanged, and read back after approval.

CREATE TABLE plans (
	id             INTEGER PRIMARY KEY,
	made_at        TEXT NOT NULL,
	made_by        TEXT NOT NULL,
	horizon_days   INTEGER NOT NULL CHECK (horizon_days BETWEEN 1 AND 366),
	start_at       TEXT NOT NULL,
	fingerprint    TEXT NOT NULL,
	state          TEXT NOT NULL DEFAULT 'proposed' CHECK (state IN ('proposed', 'approved')),
	classification INTEGER NOT NULL DEFAULT 0,
	served         INTEGER NOT NULL DEFAULT 0,
	unmet          INTEGER NOT NULL DEFAULT 0,
	late           INTEGER NOT NULL DEFAULT 0,
	input          TEXT NOT NULL,
	proposal       TEXT NOT NULL,
	decided_at     TEXT,
	decided_by     TEXT NOT NULL DEFAULT '',
	result         TEXT NOT NULL DEFAULT ''
);

CREATE INDEX plans_made ON plans (made_at);

-- Where a pledge's stock waits: a donor depot, checked when the pledge is
-- written; empty when not known.
ALTER TABLE pledges ADD COLUMN depot TEXT NOT NULL DEFAULT '';
