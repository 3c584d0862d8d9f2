-- Where a pledge's figures come from: the amount's and each line's
-- valuation (the figure in the currency it was given in, the rate used and
-- its date, the basis and the source), and the history of their changes,
-- one row per revaluation (line_no 0 is the pledge's amount).
ALTER TABLE pledges ADD COLUMN amount_currency TEXT NOT NULL DEFAULT '';
ALTER TABLE pledges ADD COLUMN amount_original BIGINT NOT NULL DEFAULT 0;
ALTER TABLE pledges ADD COLUMN amount_rate TEXT NOT NULL DEFAULT '';
ALTER TABLE pledges ADD COLUMN amount_rate_date TEXT NOT NULL DEFAULT '';
ALTER TABLE pledges ADD COLUMN amount_basis TEXT NOT NULL DEFAULT '';
ALTER TABLE pledges ADD COLUMN amount_source TEXT NOT NULL DEFAULT '';
ALTER TABLE pledge_lines ADD COLUMN currency TEXT NOT NULL DEFAULT '';
ALTER TABLE pledge_lines ADD COLUMN original BIGINT NOT NULL DEFAULT 0;
ALTER TABLE pledge_lines ADD COLUMN rate TEXT NOT NULL DEFAULT '';
ALTER TABLE pledge_lines ADD COLUMN rate_date TEXT NOT NULL DEFAULT '';
ALTER TABLE pledge_lines ADD COLUMN basis TEXT NOT NULL DEFAULT '';
ALTER TABLE pledge_lines ADD COLUMN source TEXT NOT NULL DEFAULT '';
CREATE TABLE valuations (
	id          INTEGER PRIMARY KEY,
	pledge_id   INTEGER NOT NULL REFERENCES pledges (id),
	line_no     INTEGER NOT NULL DEFAULT 0,
	was         BIGINT NOT NULL,
	eur         BIGINT NOT NULL CHECK (eur > 0),
	currency    TEXT NOT NULL DEFAULT '',
	original    BIGINT NOT NULL DEFAULT 0,
	rate        TEXT NOT NULL DEFAULT '',
	rate_date   TEXT NOT NULL DEFAULT '',
	basis       TEXT NOT NULL DEFAULT '',
	source      TEXT NOT NULL DEFAULT '',
	reason      TEXT NOT NULL,
	recorded_by TEXT NOT NULL,
	recorded_at TEXT NOT NULL
);
CREATE INDEX valuations_pledge ON valuations (pledge_id);
