-- What kind of aid a pledge is (military, financial, humanitarian) and by
-- which instrument it is given (grant, loan, guarantee), as the public
-- trackers of aid tell them apart. Pledges made before are military grants.
ALTER TABLE pledges ADD COLUMN aid TEXT NOT NULL DEFAULT 'military';
ALTER TABLE pledges ADD COLUMN instrument TEXT NOT NULL DEFAULT 'grant';
