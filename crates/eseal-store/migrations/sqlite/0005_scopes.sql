-- The authorised scope of each position seal (R-USE-3): document types, business
-- categories, amount limit, set by the organisation.
CREATE TABLE position_scopes (
    id          TEXT PRIMARY KEY,
    version     BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    doc         TEXT NOT NULL
);
