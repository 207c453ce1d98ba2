-- Fewer B-trees per signature (issue 22). Each use of a seal writes its ledger entry twice
-- (intent, then signed), and every write appends an audit row in the same transaction.
-- audit_log_actor and audit_log_object were never read: the audit query pages through the
-- log in sequence order and filters actors and object prefixes on the way (neither
-- condition has a form an index serves). usages_seal (seal_id, updated_at) did the work of
-- usages_seal_id (seal_id, id) for the one reader of a seal's uses by time, which only
-- wants their ids.
DROP INDEX audit_log_actor;
DROP INDEX audit_log_object;
DROP INDEX usages_seal;
