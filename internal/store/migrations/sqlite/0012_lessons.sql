-- Lessons learned: observations and the lessons made of them, their
-- remedial actions and the records they change, with a full-text index
-- over what was observed and concluded.

CREATE TABLE lessons (
	id             INTEGER PRIMARY KEY,
	title          TEXT NOT NULL,
	observed       TEXT NOT NULL,
	place          TEXT NOT NULL DEFAULT '',
	observed_on    TEXT NOT NULL,
	source         TEXT NOT NULL DEFAULT '',
	capability     TEXT NOT NULL,
	systems        TEXT NOT NULL DEFAULT '',
	classification INTEGER NOT NULL DEFAULT 0,
	releasable_to  TEXT NOT NULL DEFAULT '',
	audience       INTEGER NOT NULL,
	owner          TEXT NOT NULL DEFAULT '',
	state          TEXT NOT NULL,
	reason         TEXT NOT NULL DEFAULT '',
	analysis       TEXT NOT NULL DEFAULT '',
	conclusion     TEXT NOT NULL DEFAULT '',
	recommendation TEXT NOT NULL DEFAULT '',
	created_by     TEXT NOT NULL,
	created_at     TEXT NOT NULL,
	learned_at     TEXT,
	version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX lessons_state ON lessons (state, capability);
CREATE INDEX lessons_observed ON lessons (observed_on);

CREATE VIRTUAL TABLE lessons_fts USING fts5(title, observed, analysis, conclusion, recommendation, content='lessons', content_rowid='id', tokenize='porter unicode61');
CREATE TRIGGER lessons_ai AFTER INSERT ON lessons BEGIN
	INSERT INTO lessons_fts (rowid, title, observed, analysis, conclusion, recommendation) VALUES (new.id, new.title, new.observed, new.analysis, new.conclusion, new.recommendation);
END;
CREATE TRIGGER lessons_au AFTER UPDATE ON lessons BEGIN
	INSERT INTO lessons_fts (lessons_fts, rowid, title, observed, analysis, conclusion, recommendation) VALUES ('delete', old.id, old.title, old.observed, old.analysis, old.conclusion, old.recommendation);
	INSERT INTO lessons_fts (rowid, title, observed, analysis, conclusion, recommendation) VALUES (new.id, new.title, new.observed, new.analysis, new.conclusion, new.recommendation);
END;

CREATE TABLE lesson_actions (
	id          INTEGER PRIMARY KEY,
	lesson_id   INTEGER NOT NULL REFERENCES lessons (id),
	owner_kind  TEXT NOT NULL,
	owner       TEXT NOT NULL,
	description TEXT NOT NULL,
	due         TEXT NOT NULL,
	done_at     TEXT
);
CREATE INDEX lesson_actions_due ON lesson_actions (due);

CREATE TABLE lesson_links (
	lesson_id INTEGER NOT NULL REFERENCES lessons (id),
	kind      TEXT NOT NULL,
	ref       TEXT NOT NULL,
	PRIMARY KEY (lesson_id, kind, ref)
);
CREATE INDEX lesson_links_ref ON lesson_links (kind, ref);
