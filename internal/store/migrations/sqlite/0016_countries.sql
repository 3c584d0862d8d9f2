-- longhaul:foreign-keys-off
-- Every country may pledge, not only the Allies, partners and the EU: a
-- nation may now be a country, one none of whose people have accounts
-- here (no audience bit), such as Austria, Switzerland or India. SQLite
-- changes a CHECK by rebuilding the table, with foreign keys off for the
-- rebuild and checked after it.
CREATE TABLE nations_new (
	code         TEXT PRIMARY KEY,
	name         TEXT NOT NULL,
	role         TEXT NOT NULL CHECK (role IN ('ally', 'partner', 'recipient', 'institution', 'country')),
	member_since TEXT NOT NULL DEFAULT '',
	eu_member    BOOLEAN NOT NULL DEFAULT FALSE,
	in_baseline  BOOLEAN NOT NULL DEFAULT FALSE,
	audience_bit INTEGER NOT NULL DEFAULT 0
);
INSERT INTO nations_new (code, name, role, member_since, eu_member, in_baseline, audience_bit)
	SELECT code, name, role, member_since, eu_member, in_baseline, audience_bit FROM nations;
DROP TABLE nations;
ALTER TABLE nations_new RENAME TO nations;
