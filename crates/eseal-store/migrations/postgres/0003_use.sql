-- Using seals (issue 7): the usage ledger (intent → signed / aborted) and each platform seal
-- key, sealed under the holder's PIN and the data key, with its PIN state.

CREATE TABLE usages (
    id          TEXT PRIMARY KEY,
    version     BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    seal_id     TEXT NOT NULL,
    state       TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX usages_seal ON usages (seal_id, updated_at);
CREATE INDEX usages_state ON usages (state, updated_at);

CREATE TABLE seal_keys (
    id          TEXT PRIMARY KEY,
    version     BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    doc         TEXT NOT NULL
);
