-- The money of a pledge moves: part of its amount is committed, then
-- disbursed, each step on a date with its evidence. The pledge keeps the
-- sums (amount ≥ amount_committed ≥ amount_disbursed ≥ 0), and the
-- dashboard's covering index gains them.
CREATE TABLE payments (
	id          INTEGER PRIMARY KEY,
	pledge_id   INTEGER NOT NULL REFERENCES pledges (id),
	stage       TEXT NOT NULL CHECK (stage IN ('committed', 'disbursed')),
	amount      BIGINT NOT NULL CHECK (amount > 0),
	on_date     TEXT NOT NULL,
	evidence    TEXT NOT NULL,
	recorded_by TEXT NOT NULL,
	recorded_at TEXT NOT NULL
);
CREATE INDEX payments_pledge ON payments (pledge_id);
CREATE INDEX payments_date ON payments (on_date);
ALTER TABLE pledges ADD COLUMN amount_committed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE pledges ADD COLUMN amount_disbursed BIGINT NOT NULL DEFAULT 0;
DROP INDEX pledges_by_nation;
CREATE INDEX pledges_by_nation ON pledges (nation, classification, audience, amount, pledged_value, committed_value, delivered_value, accepted_value, value_undisclosed, amount_committed, amount_disbursed);
