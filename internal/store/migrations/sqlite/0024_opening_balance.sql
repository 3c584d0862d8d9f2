-- An opening balance brings a ledger kept elsewhere in as it stands: what
-- was shipped and delivered before it has no shipment or receipt here, and
-- the allocation says how much of its shipped and delivered quantities the
-- opening balance holds (longhaul check counts them beside the shipments
-- and receipts).
ALTER TABLE allocations ADD COLUMN opening_shipped BIGINT NOT NULL DEFAULT 0 CHECK (opening_shipped >= 0);
ALTER TABLE allocations ADD COLUMN opening_delivered BIGINT NOT NULL DEFAULT 0 CHECK (opening_delivered >= 0);
