-- How many units of a line the donor reports it has delivered, as public
-- trackers quote donors: its own statement, kept beside what receipts
-- confirm (delivered) and counted in no total.
ALTER TABLE pledge_lines ADD COLUMN reported_delivered BIGINT NOT NULL DEFAULT 0 CHECK (reported_delivered >= 0);
