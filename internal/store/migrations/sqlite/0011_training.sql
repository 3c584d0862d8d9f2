-- Training: courses offered at allied training facilities, their classes,
-- the cohorts of trainees nominated for a skill, and their enrolments with
-- attendance and completion.

CREATE TABLE courses (
	code           TEXT PRIMARY KEY,
	title          TEXT NOT NULL,
	skill          TEXT NOT NULL,
	host           TEXT NOT NULL REFERENCES nations (code),
	site           TEXT NOT NULL REFERENCES sites (code),
	language       TEXT NOT NULL DEFAULT '',
	interpretation BOOLEAN NOT NULL DEFAULT FALSE,
	seats          INTEGER NOT NULL CHECK (seats > 0),
	min_size       INTEGER NOT NULL CHECK (min_size >= 0),
	prerequisite   TEXT NOT NULL DEFAULT '',
	cost_per_seat  INTEGER NOT NULL DEFAULT 0 CHECK (cost_per_seat >= 0),
	version        INTEGER NOT NULL DEFAULT 1,
	updated_at     TEXT NOT NULL
);

CREATE TABLE classes (
	id        INTEGER PRIMARY KEY,
	course    TEXT NOT NULL REFERENCES courses (code),
	start_on  TEXT NOT NULL,
	end_on    TEXT NOT NULL,
	seats     INTEGER NOT NULL CHECK (seats > 0),
	min_size  INTEGER NOT NULL CHECK (min_size >= 0),
	cancelled BOOLEAN NOT NULL DEFAULT FALSE,
	version   INTEGER NOT NULL DEFAULT 1,
	CHECK (end_on >= start_on)
);
CREATE INDEX classes_course ON classes (course, start_on);

CREATE TABLE cohorts (
	id             INTEGER PRIMARY KEY,
	skill          TEXT NOT NULL,
	size           INTEGER NOT NULL CHECK (size > 0),
	priority       INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4),
	earliest       TEXT NOT NULL,
	needed_by      TEXT NOT NULL,
	unit           TEXT NOT NULL DEFAULT '',
	requirement_id INTEGER REFERENCES requirements (id),
	pledge_line_id INTEGER REFERENCES pledge_lines (id),
	notes          TEXT NOT NULL DEFAULT '',
	version        INTEGER NOT NULL DEFAULT 1,
	created_at     TEXT NOT NULL
);

CREATE TABLE enrolments (
	id         INTEGER PRIMARY KEY,
	cohort_id  INTEGER NOT NULL REFERENCES cohorts (id),
	class_id   INTEGER NOT NULL REFERENCES classes (id),
	trainees   INTEGER NOT NULL CHECK (trainees > 0),
	attended   INTEGER NOT NULL DEFAULT 0,
	completed  INTEGER NOT NULL DEFAULT 0,
	attrition  INTEGER NOT NULL DEFAULT 0,
	reason     TEXT NOT NULL DEFAULT '',
	recorded   BOOLEAN NOT NULL DEFAULT FALSE,
	version    INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	UNIQUE (cohort_id, class_id),
	CHECK (completed + attrition <= trainees)
);
CREATE INDEX enrolments_class ON enrolments (class_id);
