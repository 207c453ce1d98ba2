-- The audit log (issue 8): one row per audited write, appended in the writing transaction;
-- `leaf` is the entry's canonical JSON, the Merkle leaf. `audit_head` is the one sequencer.
CREATE TABLE audit_log (
    seq      BIGINT PRIMARY KEY,
    at       BIGINT NOT NULL,
    actor    TEXT NOT NULL,
    event    TEXT NOT NULL,
    object   TEXT NOT NULL,
    outcome  TEXT NOT NULL,
    leaf     TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_object ON audit_log (object);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE audit_head (
    id        INTEGER PRIMARY KEY,
    next_seq  BIGINT NOT NULL
);
INSERT INTO audit_head (id, next_seq) VALUES (1, 0);
