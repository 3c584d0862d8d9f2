-- Each pledge keeps the totals of its lines, written with the lines in the
-- same statement batch, so that the dashboard and the lists read one row a
-- pledge instead of every line. Values are euro cents.
ALTER TABLE pledges ADD COLUMN line_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE pledges ADD COLUMN pledged_value BIGINT NOT NULL DEFAULT 0;
ALTER TABLE pledges ADD COLUMN committed_value BIGINT NOT NULL DEFAULT 0;
ALTER TABLE pledges ADD COLUMN delivered_value BIGINT NOT NULL DEFAULT 0;
ALTER TABLE pledges ADD COLUMN accepted_value BIGINT NOT NULL DEFAULT 0;
ALTER TABLE pledges ADD COLUMN open_lines BIGINT NOT NULL DEFAULT 0;
ALTER TABLE pledges ADD COLUMN open_value BIGINT NOT NULL DEFAULT 0;
UPDATE pledges SET
	line_count = (SELECT COUNT(*) FROM pledge_lines l WHERE l.pledge_id = pledges.id),
	pledged_value = COALESCE((SELECT SUM(l.pledged * l.unit_value) FROM pledge_lines l WHERE l.pledge_id = pledges.id), 0),
	committed_value = COALESCE((SELECT SUM(l.committed * l.unit_value) FROM pledge_lines l WHERE l.pledge_id = pledges.id), 0),
	delivered_value = COALESCE((SELECT SUM(l.delivered * l.unit_value) FROM pledge_lines l WHERE l.pledge_id = pledges.id), 0),
	accepted_value = COALESCE((SELECT SUM(l.accepted * l.unit_value) FROM pledge_lines l WHERE l.pledge_id = pledges.id), 0),
	open_lines = (SELECT COUNT(*) FROM pledge_lines l WHERE l.pledge_id = pledges.id AND l.delivered < l.pledged),
	open_value = COALESCE((SELECT SUM((l.pledged - l.delivered) * l.unit_value) FROM pledge_lines l WHERE l.pledge_id = pledges.id AND l.delivered < l.pledged), 0);
CREATE INDEX pledges_by_nation ON pledges (nation, classification, audience, amount, pledged_value, committed_value, delivered_value, accepted_value);
CREATE INDEX pledges_open ON pledges (promised, id, classification, audience, open_lines, open_value);
-- The covering indexes above serve the visibility filter of pledges better
-- than pledges_visibility, which led the SQLite planner to walk it for the
-- overdue figures.
DROP INDEX pledges_visibility;
