-- At every start the server looks for records whose audience mask or audit
-- marking has not been computed (migrations 0003 and 0005). These partial
-- indexes hold only such records, so the look-up costs nothing on a large
-- database where there are none.
CREATE INDEX pledges_unmasked ON pledges (id) WHERE audience = 0;
CREATE INDEX requirements_unmasked ON requirements (id) WHERE audience = 0;
CREATE INDEX audit_events_unmarked ON audit_events (seq) WHERE classification < 0;
