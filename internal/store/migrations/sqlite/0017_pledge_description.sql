-- A pledge's description: what a public tracker of pledges says of it
-- beyond its title, which stays short for lists.
ALTER TABLE pledges ADD COLUMN description TEXT NOT NULL DEFAULT '';
