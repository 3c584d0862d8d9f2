-- Where each audit sink (a SIEM that serve or audit stream sends the audit
-- events to, named by its address) has got to: the last event it knows
-- its receiver has, so that after a restart it resumes with the next.
-- It records no change of the ledger and is not part of the chain.
CREATE TABLE audit_sinks (
	name       TEXT PRIMARY KEY,
	seq        INTEGER NOT NULL CHECK (seq >= 0),
	updated_at TEXT NOT NULL
);
