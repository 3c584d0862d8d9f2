-- How well a pledge's dates are known: to the day, month, quarter or year.
-- announced holds the first day of the period, promised the last.
ALTER TABLE pledges ADD COLUMN announced_precision TEXT NOT NULL DEFAULT 'day';
ALTER TABLE pledges ADD COLUMN promised_precision TEXT NOT NULL DEFAULT 'day';
