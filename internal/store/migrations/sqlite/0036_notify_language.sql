-- Notifications in the recipient's language: each user's settings say
-- which (en, fr or uk; those saved before are English), and each event
-- keeps, beside its English title, what the title is made of (JSON), so
-- that an e-mail writes it in its recipient's language when it is sent.
-- An event without params ('') is sent with its English title.

ALTER TABLE notify_settings ADD COLUMN language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'fr', 'uk'));

ALTER TABLE notify_outbox ADD COLUMN params TEXT NOT NULL DEFAULT '';
