-- The public seal transparency log (issue 8, item 4): one row per write of a seal record
-- (made, updated, revoked), appended in the writing transaction; `leaf` is the entry's
-- canonical JSON, the Merkle leaf of its own tree. `seal_log_head` is its one sequencer.
CREATE TABLE seal_log (
    seq      BIGINT PRIMARY KEY,
    at       BIGINT NOT NULL,
    seal_id  TEXT NOT NULL,
    leaf     TEXT NOT NULL
);
CREATE INDEX seal_log_seal ON seal_log (seal_id, seq);

CREATE TABLE seal_log_head (
    id        INTEGER PRIMARY KEY,
    next_seq  BIGINT NOT NULL
);
INSERT INTO seal_log_head (id, next_seq) VALUES (1, 0);

-- Signed checkpoints of the seal log: one per size reached.
CREATE TABLE seal_checkpoints (
    size  BIGINT PRIMARY KEY,
    at    BIGINT NOT NULL,
    note  TEXT NOT NULL
);
