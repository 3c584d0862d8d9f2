-- A pledge line whose quantity or unit value its donor has not disclosed:
-- it holds none, and the pledge counts such lines, so that every total
-- says how many pledges it holds only in part. The dashboard's covering
-- index gains the count.
ALTER TABLE pledge_lines ADD COLUMN quantity_undisclosed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE pledge_lines ADD COLUMN value_undisclosed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE pledges ADD COLUMN undisclosed_lines INTEGER NOT NULL DEFAULT 0;
DROP INDEX pledges_by_nation;
CREATE INDEX pledges_by_nation ON pledges (nation, classification, audience, amount, pledged_value, committed_value, delivered_value, accepted_value, value_undisclosed, amount_committed, amount_disbursed, undisclosed_lines);
-- A date given as a range keeps its other bound: the announcement's last
-- day, the promise's first.
ALTER TABLE pledges ADD COLUMN announced_until TEXT NOT NULL DEFAULT '';
ALTER TABLE pledges ADD COLUMN promised_from TEXT NOT NULL DEFAULT '';
