-- The service's own records (issue 6 item 7): users and their sessions / API tokens, kept
-- like the registry's aggregates (JSON doc + version + history), and public artefacts (seal
-- data, certificates, impressions) stored by SM3 digest.

CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    version     BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    doc         TEXT NOT NULL
);

CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    version     BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    user_id     TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE blobs (
    sm3         TEXT PRIMARY KEY,
    media_type  TEXT NOT NULL,
    bytes       BYTEA NOT NULL,
    created_at  BIGINT NOT NULL
);
