-- A pledge whose value its donor has not disclosed: it counts as a pledge,
-- and every total that sums values says how many it leaves out, never
-- counting it as zero in silence. The dashboard's covering index gains it.
ALTER TABLE pledges ADD COLUMN value_undisclosed BOOLEAN NOT NULL DEFAULT FALSE;
DROP INDEX pledges_by_nation;
CREATE INDEX pledges_by_nation ON pledges (nation, classification, audience, amount, pledged_value, committed_value, delivered_value, accepted_value, value_undisclosed);
