-- Retention of the audit log (issue 8): entries older than the retention period may be
-- archived after a signed export; their rows leave audit_log and only their Merkle leaf
-- hashes stay here, so the tree, its checkpoints and later exports still verify.
CREATE TABLE audit_archived (
    seq        BIGINT PRIMARY KEY,
    leaf_hash  TEXT NOT NULL
);
