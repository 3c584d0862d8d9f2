-- The last event each audit sink has written to its receiver, delivered or
-- not, recorded before each batch goes: after a crash, the events it had
-- written beyond its position (seq) go again marked as resent, since the
-- receiver may already have them.
ALTER TABLE audit_sinks ADD COLUMN sent_to BIGINT NOT NULL DEFAULT 0 CHECK (sent_to >= 0);
