-- Fewer B-trees per signature (issue 22). Each use of a seal writes its ledger entry twice
-- (intent, then signed), and every write appends an audit row in the same transaction.
-- 1. audit_log_actor and audit_log_object were never read: the audit query pages through
--    the log in sequence order and filters actors and object prefixes on the way (neither
--    condition has a form an index serves), so each cost a B-tree insert per entry.
-- 2. audit_log's seq becomes the table's rowid (INTEGER PRIMARY KEY, 64-bit like BIGINT):
--    the row and its number in one B-tree instead of a table and a separate key index.
-- 3. usages_seal (seal_id, updated_at) did the work of usages_seal_id (seal_id, id) for
--    the one reader of a seal's uses by time, which only wants their ids.
CREATE TABLE audit_log_rowid (
    seq      INTEGER PRIMARY KEY,
    at       BIGINT NOT NULL,
    actor    TEXT NOT NULL,
    event    TEXT NOT NULL,
    object   TEXT NOT NULL,
    outcome  TEXT NOT NULL,
    leaf     TEXT NOT NULL
);
INSERT INTO audit_log_rowid (seq, at, actor, event, object, outcome, leaf)
    SELECT seq, at, actor, event, object, outcome, leaf FROM audit_log ORDER BY seq;
DROP TABLE audit_log;
ALTER TABLE audit_log_rowid RENAME TO audit_log;
CREATE INDEX audit_log_at ON audit_log (at);
DROP INDEX usages_seal;
