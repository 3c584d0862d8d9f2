-- Every country may pledge, not only the Allies, partners and the EU: a
-- nation may now be a country, one none of whose people have accounts
-- here (no audience bit), such as Austria, Switzerland or India.
ALTER TABLE nations DROP CONSTRAINT IF EXISTS nations_role_check;
ALTER TABLE nations ADD CONSTRAINT nations_role_check CHECK (role IN ('ally', 'partner', 'recipient', 'institution', 'country'));
