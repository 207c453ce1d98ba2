//! The store's side of the two logs (the audit log and the seal log): reading entries and
//! leaves, retention (archiving audit entries), failure counts, explicit events, and the
//! signed checkpoints and witness cosignatures kept beside them.

use crate::write::Holder;
use crate::*;

impl Store {
    /// Audit entries from `from_seq` on, in order, at most `limit`.
    pub async fn audit_log(
        &self,
        from_seq: i64,
        limit: i64,
    ) -> Result<Vec<audit::AuditRecord>, StoreError> {
        let rows: Vec<(String,)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT leaf FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2"
        )
        .bind(from_seq)
        .bind(limit)
        .fetch_all(p)
        .await)?;
        rows.into_iter()
            .map(|(leaf,)| {
                serde_json::from_str(&leaf).map_err(|e| StoreError::Corrupt {
                    table: "audit_log",
                    id: leaf.chars().take(40).collect(),
                    why: e.to_string(),
                })
            })
            .collect()
    }

    /// The audit entries that pass `q`, in order. The database filters the time (on its
    /// index, when a time is given; otherwise the log is read in sequence order, with no
    /// sort) and the actor; event and object prefixes are filtered while paging.
    pub async fn audit_query(
        &self,
        q: &audit::AuditQuery,
    ) -> Result<Vec<audit::AuditRecord>, StoreError> {
        let mut sql = String::from("SELECT seq, leaf FROM audit_log WHERE seq >= $1");
        let mut n = 1;
        for (given, cond) in [
            (q.since.is_some(), "at >= $"),
            (q.until.is_some(), "at <= $"),
        ] {
            if given {
                n += 1;
                sql.push_str(&format!(" AND {cond}{n}"));
            }
        }
        // No actor, or an empty one: every actor.
        let actor = q.actor.as_deref().filter(|a| !a.is_empty());
        if actor.is_some() {
            n += 1;
            sql.push_str(&format!(
                " AND (actor = ${n} OR substr(actor, 1, length(${n}) + 2) = ${n} || ' [')"
            ));
        }
        sql.push_str(" ORDER BY seq LIMIT 5000");
        let mut out = Vec::new();
        let mut from = 0i64;
        loop {
            let rows: Vec<(i64, String)> = on_pool!(self, |p| {
                let mut query = sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(from);
                for t in [q.since, q.until].into_iter().flatten() {
                    query = query.bind(t);
                }
                if let Some(actor) = actor {
                    query = query.bind(actor);
                }
                query.fetch_all(p).await
            })?;
            let Some(last) = rows.last().map(|r| r.0) else {
                return Ok(out);
            };
            for (seq, leaf) in rows {
                let e: audit::AuditRecord =
                    serde_json::from_str(&leaf).map_err(|e| StoreError::Corrupt {
                        table: "audit_log",
                        id: seq.to_string(),
                        why: e.to_string(),
                    })?;
                if q.admits(&e) {
                    out.push(e);
                    if out.len() >= q.limit {
                        return Ok(out);
                    }
                }
            }
            from = last + 1;
        }
    }

    /// How many audit entries were archived (their leaf hashes kept, their rows removed):
    /// the live log starts at this sequence number.
    pub async fn audit_archived(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = on_pool!(self, |p| sqlx::query_as(
            "SELECT count(*) FROM audit_archived"
        )
        .fetch_one(p)
        .await)?;
        Ok(n)
    }

    /// The leaf hashes (hex) of archived audit entries from `from_seq` on, at most `limit`.
    pub async fn audit_archived_hashes(
        &self,
        from_seq: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT seq, leaf_hash FROM audit_archived WHERE seq >= $1 ORDER BY seq LIMIT $2"
        )
        .bind(from_seq)
        .bind(limit)
        .fetch_all(p)
        .await)?)
    }

    /// Archives the audit entries before sequence number `upto` (retention): in one
    /// transaction their leaf hashes are kept, their rows removed, and the archiving itself
    /// appended to the log as `audit.archive` with `outcome` (also when there is nothing to
    /// archive). Refuses (nothing done) unless every one of them is older than `keep_after`
    /// (Unix seconds). Returns how many.
    pub async fn archive_audit(
        &self,
        upto: i64,
        keep_after: i64,
        outcome: &str,
        at: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        let from = self.audit_archived().await?;
        // Archiving nothing (nothing old enough) is still recorded: the attempt is audited.
        let upto = upto.max(from);
        let actor = audit::current_actor();
        let now = record::unix(at);
        let mut batch = Batch::new();
        batch.event(
            audit::Event::AuditArchive,
            &format!("audit_log/{from}..{upto}"),
            outcome,
        );
        on_pool!(self, |p| async {
            // Reads the entries, then writes: the write lock from the start.
            let mut tx = p.begin_write().await?;
            let rows: Vec<(i64, i64, String)> = sqlx::query_as(
                "SELECT seq, at, leaf FROM audit_log WHERE seq >= $1 AND seq < $2 ORDER BY seq",
            )
            .bind(from)
            .bind(upto)
            .fetch_all(&mut *tx)
            .await?;
            if rows.len() as i64 != upto - from {
                return Err(StoreError::Config(format!(
                    "the audit log has no entries {from}..{upto} to archive"
                )));
            }
            if let Some((seq, at, _)) = rows.iter().find(|r| r.1 >= keep_after) {
                return Err(StoreError::Config(format!(
                    "audit entry {seq} (at {at}) is within the retention period: nothing archived"
                )));
            }
            for (seq, _, leaf) in &rows {
                sqlx::query("INSERT INTO audit_archived (seq, leaf_hash) VALUES ($1, $2)")
                    .bind(*seq)
                    .bind(hex::encode(eseal_tlog::leaf_hash(leaf.as_bytes())))
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("DELETE FROM audit_log WHERE seq >= $1 AND seq < $2")
                .bind(from)
                .bind(upto)
                .execute(&mut *tx)
                .await?;
            write_batch!(tx, batch, now, &actor)?;
            tx.commit().await?;
            Ok(upto - from)
        }
        .await)
    }

    /// The audit-log object prefixes of everything about a seal: its record and key, scope,
    /// filings, uses, use requests and PIN resets (for [`audit::AuditQuery::objects`]).
    pub async fn seal_audit_objects(&self, id: &str) -> Result<Vec<String>, StoreError> {
        const ALL: i64 = 1_000_000;
        let mut out = vec![
            format!("seals/{id}@"),
            format!("seal_keys/{id}@"),
            format!("position_scopes/{id}@"),
            format!("filings/{id}-"),
        ];
        for u in self.ids::<eseal_core::Usage>("seal_id", id, ALL).await? {
            out.push(format!("usages/{u}@"));
        }
        for r in self
            .ids::<eseal_core::UseRequest>("seal_id", id, ALL)
            .await?
        {
            out.push(format!("use_requests/{r}@"));
        }
        for r in self.ids::<eseal_core::PinReset>("seal_id", id, ALL).await? {
            out.push(format!("pin_resets/{r}@"));
        }
        Ok(out)
    }

    /// How many entries `log` has (archived ones included): its sequencer's next number.
    pub async fn log_size(&self, log: transparency::Log) -> Result<i64, StoreError> {
        let sql = match log {
            transparency::Log::Audit => "SELECT next_seq FROM audit_head WHERE id = 1",
            transparency::Log::Seals => "SELECT next_seq FROM seal_log_head WHERE id = 1",
        };
        let (n,): (i64,) = on_pool!(self, |p| sqlx::query_as(sql).fetch_one(p).await)?;
        Ok(n)
    }

    /// The leaves (canonical JSON) of `log` from `from_seq` on, in order, at most `limit`.
    pub async fn log_leaves(
        &self,
        log: transparency::Log,
        from_seq: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let sql = format!(
            "SELECT seq, leaf FROM {} WHERE seq >= $1 ORDER BY seq LIMIT $2",
            log.table()
        );
        Ok(on_pool!(self, |p| sqlx::query_as(AssertSqlSafe(
            sql.as_str()
        ))
        .bind(from_seq)
        .bind(limit)
        .fetch_all(p)
        .await)?)
    }

    /// Every entry of the seal log about one seal, in order.
    pub async fn seal_log_of(
        &self,
        seal_id: &str,
    ) -> Result<Vec<transparency::SealEntry>, StoreError> {
        let rows: Vec<(String,)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT leaf FROM seal_log WHERE seal_id = $1 ORDER BY seq"
        )
        .bind(seal_id)
        .fetch_all(p)
        .await)?;
        rows.into_iter()
            .map(|(leaf,)| {
                transparency::SealEntry::parse(&leaf).map_err(|why| StoreError::Corrupt {
                    table: "seal_log",
                    id: seal_id.to_owned(),
                    why: why.to_string(),
                })
            })
            .collect()
    }

    /// Closes the failure-count windows opened before `opened_before`: in one transaction,
    /// each window that counted repeats after its first failure becomes one audit entry
    /// (`<outcome> from=<source> repeated=<n> since=<unix seconds>`, actor `system`) and the
    /// window is removed. Returns how many summary entries were written.
    pub async fn flush_failure_counts(
        &self,
        opened_before: OffsetDateTime,
        at: OffsetDateTime,
    ) -> Result<usize, StoreError> {
        let holder = Holder {
            pool: self.pool.clone(),
        };
        let (before, at) = (record::unix(opened_before), record::unix(at));
        on_pool!(holder, |p| async {
            let mut tx = p.begin().await?;
            let rows: Vec<(String, String, String, String, i64, i64)> = sqlx::query_as(
                "DELETE FROM failure_counts WHERE first_at < $1 \
                 RETURNING source, event, object, outcome, first_at, repeated",
            )
            .bind(before)
            .fetch_all(&mut *tx)
            .await?;
            let mut batch = Batch::new();
            for (source, event, object, outcome, first_at, repeated) in rows {
                if repeated > 0 {
                    batch.events.push((
                        event,
                        object,
                        format!("{outcome} from={source} repeated={repeated} since={first_at}"),
                    ));
                }
            }
            let n = batch.events.len();
            write_batch!(tx, batch, at, "system")?;
            tx.commit().await?;
            Ok::<usize, StoreError>(n)
        }
        .await)
    }

    /// Records an event that writes no record (one audit entry, committed alone).
    pub async fn record_event(
        &self,
        event: audit::Event,
        object: &str,
        outcome: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.commit(Batch::new().event(event, object, outcome), at)
            .await
    }

    /// Stores a signed checkpoint of `log` at `size` (a second one for the same size is
    /// ignored: the first stands).
    pub async fn put_checkpoint(
        &self,
        log: transparency::Log,
        size: i64,
        note: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO {} (size, at, note) VALUES ($1, $2, $3) ON CONFLICT (size) DO NOTHING",
            log.checkpoints()
        );
        on_pool!(self, |p| sqlx::query(AssertSqlSafe(sql.as_str()))
            .bind(size)
            .bind(record::unix(at))
            .bind(note)
            .execute(p)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Replaces the note of `log`'s stored checkpoint at `size`, if it still is `old` (a log
    /// key rotation adds the new key's signature line to the latest checkpoint). Whether it
    /// was replaced.
    pub async fn replace_checkpoint_note(
        &self,
        log: transparency::Log,
        size: i64,
        old: &str,
        new: &str,
    ) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE {} SET note = $1 WHERE size = $2 AND note = $3",
            log.checkpoints()
        );
        let done = on_pool!(self, |p| sqlx::query(AssertSqlSafe(sql.as_str()))
            .bind(new)
            .bind(size)
            .bind(old)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Keeps a witness's cosignature lines for `log`'s checkpoint at `size` (the first
    /// answer of a witness for a size stands).
    pub async fn put_cosignature(
        &self,
        log: transparency::Log,
        size: i64,
        witness: &str,
        lines: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            sqlx::query(
            "INSERT INTO checkpoint_cosignatures (log, size, witness, lines) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (log, size, witness) DO NOTHING"
        )
        .bind(log.origin())
        .bind(size)
        .bind(witness)
        .bind(lines)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// The witnesses' cosignature lines for `log`'s checkpoint at `size`, in witness order.
    pub async fn cosignatures(
        &self,
        log: transparency::Log,
        size: i64,
    ) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT lines FROM checkpoint_cosignatures WHERE log = $1 AND size = $2 ORDER BY witness"
        )
        .bind(log.origin())
        .bind(size)
        .fetch_all(p)
        .await
        })?;
        Ok(rows.into_iter().map(|(l,)| l).collect())
    }

    /// When the latest checkpoint of `log` was stored (Unix seconds), if there is one.
    pub async fn latest_checkpoint_time(
        &self,
        log: transparency::Log,
    ) -> Result<Option<i64>, StoreError> {
        let sql = format!(
            "SELECT at FROM {} ORDER BY size DESC LIMIT 1",
            log.checkpoints()
        );
        let row: Option<(i64,)> = on_pool!(self, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .fetch_optional(p)
            .await)?;
        Ok(row.map(|(at,)| at))
    }

    /// How many records have `column` equal to `value` (`column` one of the record's indexed
    /// columns).
    pub async fn count<R: Record>(
        &self,
        column: &'static str,
        value: &str,
    ) -> Result<i64, StoreError> {
        let sql = format!("SELECT count(*) FROM {} WHERE {column} = $1", R::TABLE);
        let (n,): (i64,) = on_pool!(self, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(value)
            .fetch_one(p)
            .await)?;
        Ok(n)
    }

    /// How many records match every `(column, value)` of `filters`, counting at most `cap`
    /// (a bound on the work of one count, however large the table).
    pub async fn count_where<R: Record>(
        &self,
        filters: &[(&'static str, &str)],
        cap: i64,
    ) -> Result<i64, StoreError> {
        let mut conditions = String::from("TRUE");
        for (i, (column, _)) in filters.iter().enumerate() {
            conditions.push_str(&format!(" AND {column} = ${}", i + 1));
        }
        let sql = format!(
            "SELECT count(*) FROM (SELECT 1 FROM {} WHERE {conditions} LIMIT ${}) AS capped",
            R::TABLE,
            filters.len() + 1
        );
        let (n,): (i64,) = on_pool!(self, |p| {
            let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
            for (_, value) in filters {
                q = q.bind(*value);
            }
            q.bind(cap).fetch_one(p).await
        })?;
        Ok(n)
    }

    /// The latest stored checkpoint of `log`: (size, signed note).
    pub async fn latest_checkpoint(
        &self,
        log: transparency::Log,
    ) -> Result<Option<(i64, String)>, StoreError> {
        self.checkpoint_at_most(log, i64::MAX).await
    }

    /// The latest stored checkpoint of `log` no larger than `size`.
    pub async fn checkpoint_at_most(
        &self,
        log: transparency::Log,
        size: i64,
    ) -> Result<Option<(i64, String)>, StoreError> {
        let sql = format!(
            "SELECT size, note FROM {} WHERE size <= $1 ORDER BY size DESC LIMIT 1",
            log.checkpoints()
        );
        Ok(on_pool!(self, |p| sqlx::query_as(AssertSqlSafe(
            sql.as_str()
        ))
        .bind(size)
        .fetch_optional(p)
        .await)?)
    }
}
