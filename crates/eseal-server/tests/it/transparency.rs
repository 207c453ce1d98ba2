//! Issue 8, item 4, on SQLite and PostgreSQL: every seal write is published in the public
//! seal transparency log; anyone fetches a seal's entries with inclusion proofs against a
//! signed checkpoint and checks them with the published key alone; a later checkpoint is
//! proven consistent with an earlier one; no holder identity is published; an entry changed
//! in the database behind the service's back is refused, never proven.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use crate::common;

use common::{Backend, start};
use eseal_store::transparency::{Log, SealEntry, SealProof};
use eseal_tlog::{Checkpoint, verify_consistency};
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::macros::datetime;

each_backend!(
    seals_are_published_with_proofs => published_on,
    threads = 2
);

fn hashes(v: &Value) -> Vec<[u8; 32]> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| <[u8; 32]>::try_from(hex::decode(h.as_str().unwrap()).unwrap()).unwrap())
        .collect()
}

async fn published_on(backend: Backend) {
    let svc = start(&backend, datetime!(2026-06-01 09:00 UTC)).await;
    let state = &svc.run.state;
    let fx = eseal_server::fixture::personal_seal(&svc.run)
        .await
        .unwrap();
    let seal = fx.seal.clone();
    let dir = svc.dir.path().join("exported");
    let public = |path: &str| {
        let url = svc.url(path);
        let http = svc.http.clone();
        async move {
            let r = http.get(url).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };

    // Not yet in a checkpoint: nothing to prove.
    let (s, _) = public(&format!("/api/v1/transparency/seals/{seal}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let first = {
        let mut tree = state.seal_tree().lock().await;
        eseal_server::audit::checkpoint_once(state, Log::Seals, &mut tree, &dir)
            .await
            .unwrap()
            .unwrap()
    };
    assert!(dir.join("seals").join("000000000001.checkpoint").exists());

    // The key and the proof, fetched without logging in, check offline.
    let (s, pem) = public("/api/v1/transparency/key").await;
    assert_eq!(s, StatusCode::OK);
    let key = eseal_gm::Sm2PublicKey::from_spki_pem(&pem).unwrap();
    let (s, body) = public("/api/v1/transparency/checkpoint").await;
    assert_eq!((s, body.as_str()), (StatusCode::OK, first.as_str()));
    let cp1 = Checkpoint::open(&first, Log::Seals.origin(), &key).unwrap();
    let (s, body) = public(&format!("/api/v1/transparency/seals/{seal}")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(!body.contains(eseal_server::fixture::HOLDER_ID), "{body}");
    assert!(!body.contains("张三丰"), "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let proof: SealProof = serde_json::from_value(v["proof"].clone()).unwrap();
    let (cp, entries) = proof.verify(&key).unwrap();
    assert_eq!(cp, cp1);
    let record = state
        .store()
        .get::<eseal_core::Seal>(&seal)
        .await
        .unwrap()
        .unwrap()
        .record;
    assert_eq!(entries.len(), 1);
    assert_eq!(
        (
            entries[0].event.as_str(),
            entries[0].state.as_str(),
            entries[0].kind.as_str()
        ),
        ("made", "active", "personal")
    );
    assert_eq!(
        Some(entries[0].seal_sm3.as_str()),
        record.seal_data_sm3.as_deref()
    );
    assert_eq!(entries[0].certificate_serial, record.certificate_serial);
    // The seal data served is what the log names.
    let mut tampered = proof.clone();
    tampered.entries[0].leaf = tampered.entries[0].leaf.replace("active", "ACTIVE");
    assert!(tampered.verify(&key).is_err());
    let mut tampered = proof.clone();
    tampered.entries[0].index += 1;
    assert!(tampered.verify(&key).is_err());
    let mut tampered = proof.clone();
    tampered.checkpoint = tampered.checkpoint.replacen('1', "2", 1);
    assert!(tampered.verify(&key).is_err());

    // Revoked: a second entry; a later checkpoint, consistent with the first.
    svc.clock.advance(time::Duration::seconds(31));
    let maker = svc.login("maker", eseal_server::fixture::PASSWORD).await;
    let material = svc.upload(&maker, b"loss report".to_vec()).await;
    let (s, v) = svc
        .call(
            "POST",
            &format!("/api/v1/seals/{seal}/revoke"),
            Some(&maker),
            Some(json!({"reason": "stolen_or_lost", "proof": [material]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let v: Value = serde_json::from_str(
        &public(&format!("/api/v1/transparency/seals/{seal}"))
            .await
            .1,
    )
    .unwrap();
    assert_eq!(v["pending"], 1, "{v}");
    let second = {
        let mut tree = state.seal_tree().lock().await;
        eseal_server::audit::checkpoint_once(state, Log::Seals, &mut tree, &dir)
            .await
            .unwrap()
            .unwrap()
    };
    let cp2 = Checkpoint::open(&second, Log::Seals.origin(), &key).unwrap();
    assert_eq!(cp2.size, 2);
    let v: Value = serde_json::from_str(
        &public(&format!("/api/v1/transparency/seals/{seal}"))
            .await
            .1,
    )
    .unwrap();
    let proof: SealProof = serde_json::from_value(v["proof"].clone()).unwrap();
    let (_, entries) = proof.verify(&key).unwrap();
    assert_eq!(
        entries
            .iter()
            .map(|e| (e.event.as_str(), e.state.as_str()))
            .collect::<Vec<_>>(),
        [("made", "active"), ("revoked", "revoked:stolen_or_lost")]
    );
    let (s, body) = public(&format!(
        "/api/v1/transparency/consistency?from={}&to={}",
        cp1.size, cp2.size
    ))
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    verify_consistency(
        cp1.size,
        cp2.size,
        &hashes(&v["proof"]),
        &cp1.root,
        &cp2.root,
    )
    .unwrap();
    // Bad ranges are clear 400s.
    for q in ["from=0", "from=3&to=2", "from=1&to=9"] {
        let (s, body) = public(&format!("/api/v1/transparency/consistency?{q}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}: {body}");
    }
    // The entries page: every entry in order, canonical.
    let (s, body) = public("/api/v1/transparency/entries?from=0&limit=10").await;
    assert_eq!(s, StatusCode::OK);
    let v: Value = serde_json::from_str(&body).unwrap();
    let listed: Vec<SealEntry> = serde_json::from_value(v["entries"].clone()).unwrap();
    assert_eq!(listed, entries);
    let (s, _) = public("/api/v1/transparency/entries?limit=100000").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Someone rewrites an entry in the database: the service refuses to prove anything
    // rather than prove the rewritten history (a fresh tree, as after a restart).
    svc.raw_sql("UPDATE seal_log SET leaf = replace(leaf, 'stolen_or_lost', 'no_longer_used')")
        .await;
    *state.seal_tree().lock().await = eseal_tlog::Tree::new();
    let (s, body) = public(&format!("/api/v1/transparency/seals/{seal}")).await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    svc.run.abort();
}
