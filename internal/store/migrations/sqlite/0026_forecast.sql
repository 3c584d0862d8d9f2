-- What the forecasts count from and the early warnings they raise.
--
-- line_stages holds the day each pledge line's whole quantity first
-- reached a stage (committed, allocated, shipped, delivered), written with
-- the line in the same transaction from now on. Lines already in the
-- ledger get theirs from the audit trail (the first event whose line
-- holds the stage's quantity in full) and from their deliveries.
CREATE TABLE line_stages (
	line_id   INTEGER NOT NULL REFERENCES pledge_lines (id),
	pledge_id INTEGER NOT NULL REFERENCES pledges (id),
	stage     TEXT NOT NULL CHECK (stage IN ('committed', 'allocated', 'shipped', 'delivered')),
	on_date   TEXT NOT NULL,
	PRIMARY KEY (line_id, stage)
);
CREATE INDEX line_stages_pledge ON line_stages (pledge_id);

INSERT INTO line_stages (line_id, pledge_id, stage, on_date)
	SELECT l.id, l.pledge_id, s.stage, MIN(SUBSTR(e.at, 1, 10))
	FROM audit_events e,
		json_each(CASE WHEN e.entity = 'pledge' AND json_valid(e.after) AND json_type(e.after, '$.lines') = 'array' THEN e.after ELSE '{"lines":[]}' END, '$.lines') j,
		(SELECT 'committed' AS stage UNION ALL SELECT 'allocated' UNION ALL SELECT 'shipped') s,
		pledge_lines l
	WHERE e.entity = 'pledge' AND l.id = json_extract(j.value, '$.id')
		AND json_extract(j.value, '$.pledged') > 0
		AND json_extract(j.value, '$.' || s.stage) >= json_extract(j.value, '$.pledged')
	GROUP BY l.id, l.pledge_id, s.stage;

INSERT INTO line_stages (line_id, pledge_id, stage, on_date)
	SELECT l.id, l.pledge_id, 'delivered', MAX(d.on_date)
	FROM pledge_lines l JOIN deliveries d ON d.line_id = l.id
	WHERE l.pledged > 0 AND l.delivered >= l.pledged
	GROUP BY l.id, l.pledge_id;

-- risk_flags keeps the early warnings: the day a line was first flagged
-- at risk, why and by how many days, and the day the flag was closed and
-- how (delivered, overdue, cleared, withdrawn). At most one flag of a line
-- is open.
CREATE TABLE risk_flags (
	id          INTEGER PRIMARY KEY,
	pledge_id   INTEGER NOT NULL REFERENCES pledges (id),
	line_id     INTEGER NOT NULL REFERENCES pledge_lines (id),
	reason      TEXT NOT NULL CHECK (reason IN ('eta', 'forecast', 'lead_time')),
	words       TEXT NOT NULL,
	days        INTEGER NOT NULL,
	shipment_id INTEGER REFERENCES shipments (id),
	flagged_on  TEXT NOT NULL,
	closed_on   TEXT NOT NULL DEFAULT '',
	outcome     TEXT NOT NULL DEFAULT '' CHECK (outcome IN ('', 'delivered', 'overdue', 'cleared', 'withdrawn')),
	closed_days INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX risk_flags_pledge ON risk_flags (pledge_id);
CREATE UNIQUE INDEX risk_flags_open ON risk_flags (line_id) WHERE closed_on = '';
