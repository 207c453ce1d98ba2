-- Signed checkpoints of the audit log (issue 8): one per size reached, as signed notes.
CREATE TABLE audit_checkpoints (
    size  BIGINT PRIMARY KEY,
    at    BIGINT NOT NULL,
    note  TEXT NOT NULL
);
