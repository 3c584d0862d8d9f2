-- The marking of what an audit event holds, so that the audit trail shows an
-- event only to readers who may see the record as it was before and after
-- the change (not only as it is now). Not part of the hashed encoding: it is
-- derived from it. classification -1 marks an event the server computes at
-- start.
ALTER TABLE audit_events ADD COLUMN classification INTEGER NOT NULL DEFAULT -1;
ALTER TABLE audit_events ADD COLUMN audience_before INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_events ADD COLUMN audience_after INTEGER NOT NULL DEFAULT 0;
