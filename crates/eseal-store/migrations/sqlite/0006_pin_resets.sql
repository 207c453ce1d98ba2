-- PIN reset applications (R-PIN-1): submitted by the holder or custodian with proof,
-- approved by a reviewer, completed by re-keying the seal.
CREATE TABLE pin_resets (
    id          TEXT PRIMARY KEY,
    version     BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    seal_id     TEXT NOT NULL,
    state       TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX pin_resets_state ON pin_resets (state);
CREATE INDEX pin_resets_seal ON pin_resets (seal_id);
