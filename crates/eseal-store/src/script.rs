//! A commit group as one script on SQLite: the transaction's begin, every statement of the
//! group and the commit joined into one SQL text with one list of values, which the
//! connection's worker thread runs in one call — instead of one call per statement (≈ N + 7
//! for N batches), each a hand-over between threads. After each statement that must change
//! a number of rows (an update from a version, new records) a guard refuses unless it did,
//! which stops the script before its commit.
//!
//! The audit and seal log numbers must be known before the script is built (each row's leaf
//! hashes its number), so the committer keeps the sequencer heads it last wrote and the
//! script moves each head by compare-and-set (guarded as an update). If anything does not go
//! as expected before the commit — a version conflict, a taken key, a head moved by another
//! process — the transaction is rolled back, the heads forgotten, and the group written the
//! careful way ([`crate::write`]), which tells each batch its own outcome.

use crate::StoreError;
use crate::stmt::{self, Arg, Params, Stmt};
use crate::write::{Appends, Job};
use futures_util::TryStreamExt;
use sqlx::{AssertSqlSafe, Executor, SqliteConnection, SqlitePool};

/// The next numbers of the audit log and the seal log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Heads {
    audit: i64,
    seals: i64,
}

/// Whether the group can be written as one script: no batch counts failures, whose audit
/// depends on the database's answer, and none seals identity materials (rare, and large).
pub(crate) fn scriptable(jobs: &[Job]) -> bool {
    jobs.iter().all(|j| {
        j.batch.counted.is_empty() && j.batch.materials.is_empty() && j.batch.rewrapped.is_empty()
    })
}

/// Reads the sequencer heads in the open transaction.
async fn read_heads(conn: &mut SqliteConnection) -> Result<Heads, StoreError> {
    let (audit, seals): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT next_seq FROM audit_head WHERE id = 1), \
                (SELECT next_seq FROM seal_log_head WHERE id = 1)",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Heads { audit, seals })
}

/// The group's statements, in the order the careful way writes them, numbered from `heads`,
/// and the heads after them.
pub(crate) fn build(jobs: &[Job], heads: Heads) -> (Vec<Stmt>, Heads) {
    let mut p = Params::running();
    let mut a = Appends {
        defer_inserts: true,
        ..Appends::default()
    };
    let mut out = Vec::new();
    for j in jobs {
        out.extend(stmt::records(&j.batch, j.at, &j.actor, &mut a, &mut p));
    }
    out.extend(stmt::inserts_history_blobs(&a, &mut p));
    let next = Heads {
        audit: heads.audit + a.audit.len() as i64,
        seals: heads.seals + a.published.len() as i64,
    };
    if next.audit != heads.audit {
        out.push(stmt::advance_head(
            "audit_head",
            heads.audit,
            next.audit,
            &mut p,
        ));
        out.extend(stmt::audit_rows(&a.audit, heads.audit, &mut p));
    }
    if next.seals != heads.seals {
        out.push(stmt::advance_head(
            "seal_log_head",
            heads.seals,
            next.seals,
            &mut p,
        ));
        out.extend(stmt::seal_rows(&a.published, heads.seals, &mut p));
    }
    (out, next)
}

/// What became of a script.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Every statement ran as expected and the transaction committed.
    Committed,
    /// Something did not go as expected before the commit (a version conflict, a taken key,
    /// a moved head, an error): nothing was written, and the group is written the careful
    /// way, which finds and names what failed.
    NotWritten,
    /// Everything ran but the commit failed (or its answer was lost): the batches are told
    /// so, as when the careful way's commit fails, and not written again.
    CommitFailed(StoreError),
}

/// One step of a script, to know what an error at that step means.
enum Step {
    Setup,
    Statement,
    /// The guard after a statement that must change a number of rows.
    Guard,
    Commit,
}

/// The guard after a statement: refuses (a CHECK constraint of a temporary table) unless
/// the statement changed exactly `rows` rows. `changes()` is the row count of the statement
/// just before; the guard itself inserts nothing when it passes.
fn guard(rows: u64) -> String {
    format!("INSERT INTO temp.eseal_expect (ok) SELECT 0 WHERE changes() <> {rows}")
}

/// Runs `stmts` in one transaction, all in one call: the transaction's begin, each
/// statement followed by a guard on what it must change, and the commit. A guard that fails
/// stops the script before the commit.
async fn run(conn: &mut SqliteConnection, stmts: Vec<Stmt>) -> Outcome {
    let mut sql = String::from(
        "CREATE TEMP TABLE IF NOT EXISTS eseal_expect (ok INTEGER NOT NULL CHECK (ok = 1));\n\
         BEGIN IMMEDIATE;\n",
    );
    let mut steps = vec![Step::Setup, Step::Setup];
    let mut args: Vec<Arg> = Vec::new();
    for s in stmts {
        sql.push_str(&s.sql);
        sql.push_str(";\n");
        args.extend(s.args);
        steps.push(Step::Statement);
        let rows = match &s.expect {
            stmt::Expect::Any => None,
            stmt::Expect::Inserted { rows, .. } => Some(*rows),
            stmt::Expect::Updated { .. } => Some(1),
        };
        if let Some(rows) = rows {
            sql.push_str(&guard(rows));
            sql.push_str(";\n");
            steps.push(Step::Guard);
        }
    }
    sql.push_str("COMMIT;\n");
    steps.push(Step::Commit);
    // One SQL text per group shape: not worth a place in the statement cache.
    let q = bind_args!(sqlx::query(AssertSqlSafe(sql)).persistent(false), args);
    let mut done = conn.execute_many(q);
    let mut steps = steps.into_iter();
    loop {
        match done.try_next().await {
            Ok(Some(_)) => {
                if steps.next().is_none() {
                    return Outcome::CommitFailed(StoreError::NotCommitted(
                        "a statement too many ran".into(),
                    ));
                }
            }
            Ok(None) => {
                return match steps.next() {
                    None => Outcome::Committed,
                    Some(Step::Commit) => Outcome::CommitFailed(StoreError::NotCommitted(
                        "the commit did not answer".into(),
                    )),
                    Some(_) => Outcome::NotWritten,
                };
            }
            Err(e) => {
                return match steps.next() {
                    Some(Step::Commit) | None => Outcome::CommitFailed(e.into()),
                    Some(Step::Setup | Step::Statement | Step::Guard) => Outcome::NotWritten,
                };
            }
        }
    }
}

/// Writes and commits the group as one script. `heads` are the sequencer heads the last
/// commit left (read first when `None`) and are set to the new ones on success, forgotten
/// otherwise. A connection whose script did not commit is rolled back and not used again.
pub(crate) async fn commit(pool: &SqlitePool, jobs: &[Job], heads: &mut Option<Heads>) -> Outcome {
    let known = heads.take();
    let mut conn = match pool.acquire().await {
        Ok(c) => c,
        Err(_) => return Outcome::NotWritten,
    };
    let from = match known {
        Some(h) => h,
        None => match read_heads(&mut conn).await {
            Ok(h) => h,
            Err(_) => return Outcome::NotWritten,
        },
    };
    let (stmts, next) = build(jobs, from);
    let outcome = run(&mut conn, stmts).await;
    if matches!(outcome, Outcome::Committed) {
        *heads = Some(next);
    } else {
        // "no transaction is active" when the script stopped before its begin or after its
        // commit: nothing to undo then.
        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
        conn.close_on_drop();
    }
    outcome
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
mod tests {
    use super::*;
    use crate::{Batch, Pool, Store};

    const USCC: [&str; 2] = ["91350100M000100Y43", "91110000600037341L"];

    fn organisation(i: usize, name: &str) -> eseal_core::Organisation {
        eseal_core::Organisation::new(USCC[i], name, None).unwrap()
    }

    fn job(batch: Batch) -> Job {
        Job {
            batch,
            at: 1_800_000_000,
            actor: "tester".into(),
            done: tokio::sync::oneshot::channel().0,
        }
    }

    async fn store() -> (tempfile::TempDir, Store, SqlitePool) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(dir.path()).await.unwrap();
        let Pool::Sqlite(pool) = store.pool.clone() else {
            panic!("not SQLite")
        };
        (dir, store, pool)
    }

    /// A store holding organisation 0 (one audit entry), written the usual way.
    async fn store_with_one() -> (tempfile::TempDir, Store, SqlitePool) {
        let (dir, store, pool) = store().await;
        let mut first = Batch::new();
        first.insert(&organisation(0, "甲")).unwrap();
        store
            .commit(&first, time::OffsetDateTime::now_utc())
            .await
            .unwrap();
        (dir, store, pool)
    }

    /// Two groups as scripts: the first reads the heads, the second starts from the heads the
    /// first left, and the audit log comes out gapless with every write in it.
    #[tokio::test]
    async fn groups_written_as_scripts_number_on_from_the_heads_they_left() {
        let (_dir, store, pool) = store().await;
        let mut a = Batch::new();
        a.insert(&organisation(0, "甲")).unwrap();
        a.blob("text/plain", b"one");
        let mut b = Batch::new();
        b.insert(&organisation(1, "乙")).unwrap();
        let mut heads = None;
        assert!(matches!(
            commit(&pool, &[job(a), job(b)], &mut heads).await,
            Outcome::Committed
        ));
        assert_eq!(heads, Some(Heads { audit: 3, seals: 0 }));
        let mut c = Batch::new();
        c.update(&organisation(0, "甲改"), 1).unwrap();
        assert!(matches!(
            commit(&pool, &[job(c)], &mut heads).await,
            Outcome::Committed
        ));
        assert_eq!(heads, Some(Heads { audit: 4, seals: 0 }));
        let got = store
            .get::<eseal_core::Organisation>(USCC[0])
            .await
            .unwrap()
            .unwrap();
        assert_eq!((got.version, got.record.name.as_str()), (2, "甲改"));
        assert_eq!(
            store
                .history::<eseal_core::Organisation>(USCC[0])
                .await
                .unwrap()
                .len(),
            2
        );
        let log = store.audit_log(0, 10).await.unwrap();
        let seqs: Vec<i64> = log.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [0, 1, 2, 3]);
        assert_eq!(log[3].object, format!("organisations/{}@v2", USCC[0]));
    }

    /// Heads that another writer has moved on are refused by the compare-and-set: nothing of
    /// the group is written, the heads are forgotten, and the next script reads them again.
    #[tokio::test]
    async fn a_script_from_stale_heads_writes_nothing() {
        let (_dir, store, pool) = store_with_one().await;
        let mut b = Batch::new();
        b.insert(&organisation(1, "乙")).unwrap();
        let mut heads = Some(Heads { audit: 0, seals: 0 });
        let outcome = commit(&pool, &[job(b.clone())], &mut heads).await;
        assert!(matches!(outcome, Outcome::NotWritten), "{outcome:?}");
        assert_eq!(heads, None);
        assert!(
            store
                .get::<eseal_core::Organisation>(USCC[1])
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(store.audit_log(0, 10).await.unwrap().len(), 1);
        assert!(matches!(
            commit(&pool, &[job(b)], &mut heads).await,
            Outcome::Committed
        ));
        assert_eq!(heads, Some(Heads { audit: 2, seals: 0 }));
        let seqs: Vec<i64> = store
            .audit_log(0, 10)
            .await
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(seqs, [0, 1]);
    }

    /// A stale version in one batch fails the whole script (the careful way then tells each
    /// batch its own outcome): the other batch's new record is not left behind.
    #[tokio::test]
    async fn a_conflict_anywhere_in_the_script_rolls_all_of_it_back() {
        let (_dir, store, pool) = store_with_one().await;
        let mut fresh = Batch::new();
        fresh.insert(&organisation(1, "乙")).unwrap();
        let mut stale = Batch::new();
        stale.update(&organisation(0, "甲改"), 7).unwrap();
        let mut heads = None;
        let outcome = commit(&pool, &[job(fresh), job(stale)], &mut heads).await;
        assert!(matches!(outcome, Outcome::NotWritten), "{outcome:?}");
        assert!(
            store
                .get::<eseal_core::Organisation>(USCC[1])
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(store.audit_log(0, 10).await.unwrap().len(), 1);
    }

    /// A group larger than one statement's rows: 3 batches of 150 new records each make
    /// 450 records, 450 history rows and 450 audit entries, [`crate::write::CHUNK`] rows per
    /// statement, numbered on through one script. All land, and the audit log is gapless.
    #[tokio::test]
    async fn a_group_of_many_statements_numbers_its_values_through_the_script() {
        let (_dir, store, pool) = store().await;
        let mut jobs = Vec::new();
        for b in 0..3 {
            let mut batch = Batch::new();
            for i in 0..150 {
                let a = eseal_core::Application::new(
                    &format!("AP{b}X{i:03}"),
                    "agent",
                    eseal_core::SealKind::Official(eseal_core::OfficialKind::LegalName),
                    "威海市示例科技有限公司",
                    Some(USCC[0]),
                    None,
                    eseal_core::Purpose::New,
                )
                .unwrap();
                batch.insert(&a).unwrap();
            }
            jobs.push(job(batch));
        }
        let mut heads = None;
        assert!(matches!(
            commit(&pool, &jobs, &mut heads).await,
            Outcome::Committed
        ));
        assert_eq!(
            heads,
            Some(Heads {
                audit: 450,
                seals: 0
            })
        );
        let got = store
            .get::<eseal_core::Application>("AP2X149")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.version, 1);
        let log = store.audit_log(0, 1000).await.unwrap();
        assert_eq!(log.len(), 450);
        for (n, e) in log.iter().enumerate() {
            assert_eq!(e.seq, n as i64);
        }
        assert_eq!(log[449].object, "applications/AP2X149@v1");
    }
}
