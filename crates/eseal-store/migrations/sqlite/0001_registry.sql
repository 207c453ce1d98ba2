-- The registry's records (issue 6). Every aggregate is one row: indexed columns for queries,
-- the full state as JSON in doc, and version for optimistic concurrency. Nothing is ever
-- deleted: each write also appends the new version to history (R-KEEP-1).

CREATE TABLE organisations (
    id          TEXT PRIMARY KEY,
    version     BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    doc         TEXT NOT NULL
);

CREATE TABLE people (
    id          TEXT PRIMARY KEY,
    version     BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    doc         TEXT NOT NULL
);

CREATE TABLE applications (
    id          TEXT PRIMARY KEY,
    version     BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    state       TEXT NOT NULL,
    applicant   TEXT NOT NULL,
    organisation_code TEXT,
    doc         TEXT NOT NULL
);
CREATE INDEX applications_state ON applications (state, updated_at);
CREATE INDEX applications_applicant ON applications (applicant);

CREATE TABLE seals (
    id          TEXT PRIMARY KEY,
    version     BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    state       TEXT NOT NULL,
    organisation_code TEXT,
    holder_id   TEXT,
    valid_to    BIGINT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX seals_organisation ON seals (organisation_code);
CREATE INDEX seals_holder ON seals (holder_id);

CREATE TABLE filings (
    id            TEXT PRIMARY KEY,
    version       BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    state         TEXT NOT NULL,
    seal_id       TEXT NOT NULL,
    next_attempt  BIGINT,
    claimed_until BIGINT NOT NULL DEFAULT 0,
    doc           TEXT NOT NULL
);
CREATE INDEX filings_due ON filings (state, next_attempt);
CREATE INDEX filings_seal ON filings (seal_id);

CREATE TABLE materials (
    sm3         TEXT PRIMARY KEY,
    key_id      BIGINT NOT NULL,
    size        BIGINT NOT NULL,
    blob        BLOB NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE history (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    tbl         TEXT NOT NULL,
    id          TEXT NOT NULL,
    version     BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    doc         TEXT NOT NULL,
    UNIQUE (tbl, id, version)
);
