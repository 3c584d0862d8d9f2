-- The audience of a record, for the visibility filter: a bit mask with bit 0
-- for "releasable to all" and one bit per nation (nations.audience_bit) for
-- the owner and each nation it is releasable to. A reader may see a record
-- when the record's mask and the reader's (bit 0 and their nation's bit)
-- share a bit: one integer operation per row instead of string matching.
-- 0 marks a row whose mask the server computes at start (a real mask always
-- has its owner's bit); until then only readers of every nation see it.
ALTER TABLE nations ADD COLUMN audience_bit INTEGER NOT NULL DEFAULT 0;
UPDATE nations SET audience_bit = (SELECT x.rn FROM (SELECT code, ROW_NUMBER() OVER (ORDER BY code) AS rn FROM nations) x WHERE x.code = nations.code);
ALTER TABLE pledges ADD COLUMN audience INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requirements ADD COLUMN audience INTEGER NOT NULL DEFAULT 0;
CREATE INDEX pledges_visibility ON pledges (classification, audience);
CREATE INDEX requirements_visibility ON requirements (classification, audience);
