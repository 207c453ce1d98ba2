//! Issue 8, checkpoints: the service's audit log is checkpointed with the audit key into the
//! database and a directory outside it; the checkpoint opens with the published key and
//! matches the tree recomputed from the log; a later checkpoint is consistent with the
//! earlier one; the auditor reads the latest over HTTP, others may not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use common::{Backend, backends, start};
use eseal_store::transparency::Log;
use eseal_tlog::{Checkpoint, Tree, verify_consistency};
use reqwest::StatusCode;
use time::macros::datetime;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_checkpoints_are_signed_stored_and_exported() {
    for b in backends() {
        checkpoints_on(b).await;
    }
}

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
