-- Issue 14 (an outside review's findings).
--
-- Failures that change no record (a login for an unknown user, or for a locked or disabled
-- account) are counted here per source; the first of each kind in a window is audited in
-- full in the counting transaction, the rest are counted and audited as one summary entry
-- when the window is closed (`Store::flush_failure_counts`, in the same transaction that
-- removes the row). Every attempt is counted, none is dropped, and a flood from one source
-- adds two entries a minute to the permanent log, not one per request.
CREATE TABLE failure_counts (
    source    TEXT NOT NULL,
    event     TEXT NOT NULL,
    object    TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    first_at  BIGINT NOT NULL,
    repeated  BIGINT NOT NULL,
    PRIMARY KEY (source, event, object, outcome)
);

-- API tokens are listed by the security admin: sessions say which kind they are.
ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'login';
UPDATE sessions SET kind = 'token' WHERE doc LIKE '%"token":true%';
CREATE INDEX sessions_kind ON sessions (kind);

-- What this database was set up with (one row): a check value of the data key and the
-- identities of the PKI, compared at every start so that a replaced key or CA directory is
-- refused instead of silently used.
CREATE TABLE installation (
    id          TEXT PRIMARY KEY,
    version     BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    doc         TEXT NOT NULL
);
