-- storage_probe is where Ready writes, and at once removes, a row of random
-- bytes to see whether a write fits again after one failed for want of
-- room. It is always empty between probes.
CREATE TABLE storage_probe (
	id BIGSERIAL PRIMARY KEY,
	filler BYTEA NOT NULL
);
