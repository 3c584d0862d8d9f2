-- A requirement whose goods have all been received, but not all accepted,
-- reads "received, awaiting acceptance" instead of "allocated".
UPDATE requirements SET state = 'awaiting_acceptance'
	WHERE NOT cancelled AND accepted < quantity AND delivered >= quantity AND state <> 'awaiting_acceptance';
