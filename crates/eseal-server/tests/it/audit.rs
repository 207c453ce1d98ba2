//! Issue 8, checkpoints: the service's audit log is checkpointed with the audit key into the
//! database and a directory outside it; the checkpoint opens with the published key and
//! matches the tree recomputed from the log; a later checkpoint is consistent with the
//! earlier one; the auditor reads the latest over HTTP, others may not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use crate::common;

use common::{Backend, start, start_with};
use eseal_store::transparency::Log;
use eseal_tlog::{Checkpoint, Tree, verify_consistency};
use reqwest::StatusCode;
use time::macros::datetime;

each_backend!(
    audit_checkpoints_are_signed_stored_and_exported => checkpoints_on,
    threads = 2
);

async fn checkpoints_on(backend: Backend) {
    let svc = start(&backend, datetime!(2026-06-01 09:00 UTC)).await;
    let admin = svc.admin().await;
    let auditor = svc.user(&admin, "auditor1", &["auditor"]).await;
    let maker = svc.user(&admin, "maker1", &["maker"]).await;
    let state = &svc.run.state;
    let dir = svc.dir.path().join("exported");
    let key = eseal_gm::Sm2PublicKey::from_spki_pem(
        &std::fs::read_to_string(svc.config.data.join("pki").join("audit-key.pem")).unwrap(),
    )
    .unwrap();

    let mut tree = Tree::new();
    let first = eseal_server::audit::checkpoint_once(state, Log::Audit, &mut tree, &dir)
        .await
        .unwrap()
        .unwrap();
    let cp1 = Checkpoint::open(&first, eseal_server::audit::ORIGIN, &key).unwrap();
    // Recomputed from the log itself.
    let log = state.store().audit_log(0, 100_000).await.unwrap();
    let mut again = Tree::new();
    for e in &log {
        again.push(e.leaf().as_bytes());
    }
    assert_eq!((cp1.size, cp1.root), (again.size(), again.root()));
    assert!(cp1.size >= 3, "users created: {}", cp1.size);
    let file = dir.join(format!("{:012}.checkpoint", cp1.size));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), first);
    // Nothing new: no new checkpoint.
    assert!(
        eseal_server::audit::checkpoint_once(state, Log::Audit, &mut tree, &dir)
            .await
            .unwrap()
            .is_none()
    );

    // More writes, a later checkpoint, consistent with the first.
    svc.user(&admin, "reviewer1", &["reviewer"]).await;
    let second = eseal_server::audit::checkpoint_once(state, Log::Audit, &mut tree, &dir)
        .await
        .unwrap()
        .unwrap();
    let cp2 = Checkpoint::open(&second, eseal_server::audit::ORIGIN, &key).unwrap();
    assert!(cp2.size > cp1.size);
    let proof = tree.consistency_proof(cp1.size, cp2.size).unwrap();
    verify_consistency(cp1.size, cp2.size, &proof, &cp1.root, &cp2.root).unwrap();

    // Over HTTP: the auditor reads the latest; a maker may not.
    let (s, _) = svc
        .call("GET", "/api/v1/audit/checkpoint", Some(&maker), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let r = svc
        .http
        .get(svc.url("/api/v1/audit/checkpoint"))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), second);
    svc.run.abort();
}

each_backend!(
    /// Retention: nothing younger than 180 days can be archived; archiving writes and checks a
    /// signed export first, keeps only the archived entries' leaf hashes, is itself audited, and
    /// leaves the log verifiable — later exports, restarted checkpointers and consistency with
    /// checkpoints made before the archiving.
    old_entries_are_archived_after_a_signed_export => archive_on,
    threads = 2
);

async fn archive_on(backend: Backend) {
    use eseal_gm::provider::{Clock, Sm2Signer};
    let svc = start(&backend, datetime!(2026-01-05 09:00 UTC)).await;
    let admin = svc.admin().await;
    svc.user(&admin, "early1", &["maker"]).await;
    svc.user(&admin, "early2", &["reviewer"]).await;
    let state = &svc.run.state;
    let store = state.store();
    let signer = state.pki().audit_signer();
    let key = signer.public_key();
    let dir = svc.dir.path().join("checkpoints");
    let mut tree = Tree::new();
    let first = eseal_server::audit::checkpoint_once(state, Log::Audit, &mut tree, &dir)
        .await
        .unwrap()
        .unwrap();
    let early = tree.size() as i64;

    svc.clock.advance(time::Duration::days(200));
    let admin = svc.admin().await;
    svc.user(&admin, "late1", &["maker"]).await;
    let now = svc.clock.now();

    // Within the retention period: refused, nothing written (not even an export).
    let err = eseal_server::audit::archive(
        store,
        &signer,
        eseal_server::audit::ORIGIN,
        &common::signed(&key),
        now - time::Duration::days(179),
        &svc.dir.path().join("refused"),
        now,
    )
    .await
    .unwrap_err();
    assert!(err.detail.en.contains("180"), "{}", err.detail);
    assert!(err.detail.zh.contains("180 天"), "{}", err.detail.zh);
    assert!(!svc.dir.path().join("refused").exists());
    assert_eq!(store.audit_archived().await.unwrap(), 0);

    // Older than 180 days: archived after the export.
    let kept = svc.dir.path().join("archive-2026-01");
    let n = eseal_server::audit::archive(
        store,
        &signer,
        eseal_server::audit::ORIGIN,
        &common::signed(&key),
        datetime!(2026-01-06 00:00 UTC),
        &kept,
        now,
    )
    .await
    .unwrap();
    assert_eq!(n, early, "every entry of the first day");
    let read =
        |d: &std::path::Path, f: &str| std::fs::read_to_string(d.join(f)).unwrap_or_default();
    // The kept export verifies on its own and holds the archived text.
    assert!(read(&kept, "log.jsonl").contains("early1"));
    eseal_store::audit::verify_archived_export(
        "",
        &read(&kept, "log.jsonl"),
        &read(&kept, "checkpoint"),
        &key,
        eseal_server::audit::ORIGIN,
        Some(&first),
    )
    .unwrap();
    // The live log starts after them, and says it was archived.
    let live = store.audit_log(0, 100_000).await.unwrap();
    assert_eq!(live[0].seq, early);
    assert!(!live.iter().any(|e| e.object.contains("early1")));
    let last = live.last().unwrap();
    assert_eq!(last.event, "audit.archive");
    assert_eq!(last.object, format!("audit_log/0..{early}"));
    assert!(last.outcome.contains("archive-2026-01"), "{last:?}");

    // A later export verifies, with the archived leaf hashes, against the old checkpoint too.
    let later = svc.dir.path().join("later");
    eseal_server::audit::export(
        store,
        &signer,
        eseal_server::audit::ORIGIN,
        &common::signed(&key),
        &later,
        now,
    )
    .await
    .unwrap();
    let archived = read(&later, "archived.txt");
    assert_eq!(archived.lines().count() as i64, early);
    let check = |archived: &str| {
        eseal_store::audit::verify_archived_export(
            archived,
            &read(&later, "log.jsonl"),
            &read(&later, "checkpoint"),
            &key,
            eseal_server::audit::ORIGIN,
            Some(&first),
        )
    };
    check(&archived).unwrap();
    let mut bad = archived.clone().into_bytes();
    bad[5] = if bad[5] == b'0' { b'1' } else { b'0' };
    assert!(check(&String::from_utf8(bad).unwrap()).is_err());

    // A restarted checkpointer (a fresh tree) rebuilds from the hashes, consistent with the
    // checkpoint made before the archiving.
    let mut fresh = Tree::new();
    let note = eseal_server::audit::checkpoint_once(state, Log::Audit, &mut fresh, &dir)
        .await
        .unwrap()
        .unwrap();
    let (cp1, cp2) = (
        Checkpoint::open(&first, eseal_server::audit::ORIGIN, &key).unwrap(),
        Checkpoint::open(&note, eseal_server::audit::ORIGIN, &key).unwrap(),
    );
    let proof = fresh.consistency_proof(cp1.size, cp2.size).unwrap();
    verify_consistency(cp1.size, cp2.size, &proof, &cp1.root, &cp2.root).unwrap();
    svc.run.abort();
}

each_backend!(
    /// Witnesses: each checkpoint is pushed with a consistency proof from what the witness
    /// accepted before; the witness cosigns; a witness that knows another size is followed (409);
    /// a log rewritten in the database and re-signed is refused by the witness (422).
    checkpoints_are_pushed_to_witnesses => witness_on,
    threads = 2
);

async fn witness_on(backend: Backend) {
    use eseal_gm::provider::{SeededRandom, Sm2Signer, SoftwareSigner};
    use eseal_server::witness::{WitnessSim, Witnesses};
    let svc = start(&backend, datetime!(2026-06-01 09:00 UTC)).await;
    let admin = svc.admin().await;
    svc.user(&admin, "maker1", &["maker"]).await;
    let state = &svc.run.state;
    let log_key = state.pki().audit_signer().public_key();
    let witness_key = SoftwareSigner::new(
        eseal_gm::Sm2PrivateKey::generate(&SeededRandom::new(b"witness")).unwrap(),
    );
    let witness_pub = witness_key.public_key();
    let witness = WitnessSim::new(
        "witness.example.org",
        witness_key,
        vec![
            (Log::Audit.origin().into(), log_key.clone()),
            (Log::Seals.origin().into(), log_key.clone()),
        ],
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let router = witness.router();
    tokio::spawn(async move { axum_serve(listener, router).await });
    let dir = svc.dir.path().join("checkpoints");

    let mut tree = Tree::new();
    let mut pusher = Witnesses::new(vec![url.clone()]);
    let note = eseal_server::audit::checkpoint_once(state, Log::Audit, &mut tree, &dir)
        .await
        .unwrap()
        .unwrap();
    let sizes: Vec<u64> = pusher
        .push_latest(state, Log::Audit, &tree, &dir)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(sizes, [tree.size()]);
    assert_eq!(
        witness.latest(Log::Audit.origin()),
        Some((tree.size(), tree.root()))
    );
    // The cosignature, kept beside the checkpoint, opens with the witness's key.
    let sigs =
        std::fs::read_to_string(dir.join(format!("{:012}.checkpoint.witness-0", tree.size())))
            .unwrap();
    let body = note.split_once("\n\n").unwrap().0;
    let cosigned = format!("{body}\n\n{sigs}");
    Checkpoint::open(&cosigned, "witness.example.org", &witness_pub).unwrap();
    // The auditor's checkpoint comes cosigned: the log's signature and the witness's.
    let auditor = svc.user(&admin, "auditor1", &["auditor"]).await;
    let r = svc
        .http
        .get(svc.url("/api/v1/audit/checkpoint"))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap();
    let served = r.text().await.unwrap();
    assert!(
        served.starts_with(&note) && served.len() > note.len(),
        "{served}"
    );
    Checkpoint::open(&served, "witness.example.org", &witness_pub).unwrap();
    Checkpoint::open(&served, Log::Audit.origin(), &log_key).unwrap();
    // Nothing new: nothing pushed.
    assert!(
        pusher
            .push_latest(state, Log::Audit, &tree, &dir)
            .await
            .is_empty()
    );

    // The log grows: pushed with a consistency proof.
    svc.user(&admin, "reviewer1", &["reviewer"]).await;
    eseal_server::audit::checkpoint_once(state, Log::Audit, &mut tree, &dir)
        .await
        .unwrap()
        .unwrap();
    pusher
        .push_latest(state, Log::Audit, &tree, &dir)
        .await
        .into_iter()
        .for_each(|r| assert_eq!(r.unwrap(), tree.size()));
    assert_eq!(witness.latest(Log::Audit.origin()).unwrap().0, tree.size());

    // A restarted pusher (knows nothing) follows the witness's 409 to its size.
    svc.user(&admin, "reviewer2", &["reviewer"]).await;
    eseal_server::audit::checkpoint_once(state, Log::Audit, &mut tree, &dir)
        .await
        .unwrap()
        .unwrap();
    let mut restarted = Witnesses::new(vec![url.clone()]);
    for r in restarted.push_latest(state, Log::Audit, &tree, &dir).await {
        assert_eq!(r.unwrap(), tree.size());
    }

    // Someone rewrites an entry in the database: the service itself refuses to sign the
    // rewritten history (it no longer extends its own signed checkpoint)…
    svc.raw_sql("UPDATE audit_log SET leaf = replace(leaf, 'maker1', 'mallory') WHERE seq < 10")
        .await;
    svc.user(&admin, "reviewer3", &["reviewer"]).await;
    let mut rewritten = Tree::new();
    let err = eseal_server::audit::checkpoint_once(state, Log::Audit, &mut rewritten, &dir)
        .await
        .unwrap_err();
    assert!(err.detail.en.contains("rewritten"), "{}", err.detail);
    // …and if they also hold the log key and sign it themselves, the witness refuses it.
    let forged = Checkpoint {
        origin: Log::Audit.origin().into(),
        size: rewritten.size(),
        root: rewritten.root(),
        extensions: Vec::new(),
    }
    .sign(Log::Audit.origin(), &state.pki().audit_signer())
    .unwrap();
    let err = eseal_server::witness::push(
        &reqwest::Client::new(),
        &url,
        &rewritten,
        &forged,
        rewritten.size(),
        tree.size(),
    )
    .await
    .unwrap_err();
    assert!(err.detail.en.contains("422"), "{}", err.detail);
    assert!(err.detail.zh.contains("拒绝"), "{}", err.detail.zh);
    assert_eq!(witness.latest(Log::Audit.origin()).unwrap().0, tree.size());
    svc.run.abort();
}

async fn axum_serve(listener: tokio::net::TcpListener, router: axum::Router) {
    let _ = eseal_server::sim::serve(listener, router).await;
}

each_backend!(
    /// The checkpointer runs on its own: at start, and as soon as a log has grown by N entries
    /// even when the period T is far off; each checkpoint lands in the directory and the table.
    the_worker_checkpoints_every_n_entries => the_worker_checkpoints_every_n_entries_on,
    threads = 2
);

async fn the_worker_checkpoints_every_n_entries_on(b: Backend) {
    let svc = start_with(&b, datetime!(2026-06-01 09:00 UTC), |c| {
        c.audit_every = std::time::Duration::from_secs(3600);
        c.audit_every_entries = 5;
    })
    .await;
    let store = svc.run.state.store();
    let first = {
        let mut n = None;
        for _ in 0..100 {
            n = store.latest_checkpoint(Log::Audit).await.unwrap();
            if n.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        n.expect("a checkpoint at start").0
    };
    let admin = svc.admin().await;
    for i in 0..3 {
        svc.user(&admin, &format!("user{i}"), &["maker"]).await;
    }
    let grown = store.log_size(Log::Audit).await.unwrap();
    assert!(grown >= first + 5);
    let mut latest = first;
    for _ in 0..100 {
        latest = store
            .latest_checkpoint(Log::Audit)
            .await
            .unwrap()
            .unwrap()
            .0;
        if latest >= first + 5 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        latest >= first + 5,
        "no checkpoint after {} new entries",
        grown - first
    );
    let dir = svc.config.data.join("audit-checkpoints");
    assert!(dir.join(format!("{latest:012}.checkpoint")).exists());
    svc.run.abort();
}
