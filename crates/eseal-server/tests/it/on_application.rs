//! Issue 19: a renewal (续期) or revocation (注销) the organisation's agent applies for, a
//! reviewer approves and a maker carries out (`POST /api/v1/applications/{id}/carry-out`), on
//! SQLite and PostgreSQL. The application must describe its seal exactly; a renewal is
//! refused outside the last three months, a revocation for a replacement and without proof;
//! an applicant cannot carry out, a maker cannot "make" them, and nothing is carried out
//! twice. Carrying out changes the seal, marks the application done and files the change in
//! one transaction.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use crate::common::{self, Backend, Service, start};
use crate::http_lifecycle::{NAME, T0, apply, contract_kind};
use eseal_server::app::DEMO_USCC;
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::Duration;

each_backend!(
    renewal_and_revocation_are_applied_for_and_carried_out => on,
    threads = 2
);

struct Staff {
    applicant: String,
    reviewer: String,
    maker: String,
}

async fn post(svc: &Service, path: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
    svc.call("POST", path, Some(token), body).await
}

/// Submits and approves application `id`.
async fn submit_and_approve(svc: &Service, p: &Staff, id: &str) {
    let (s, v) = post(
        svc,
        &format!("/api/v1/applications/{id}/submit"),
        &p.applicant,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = post(
        svc,
        &format!("/api/v1/applications/{id}/approve"),
        &p.reviewer,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

/// The answer to creating an application of `purpose` for the contract seal named `name`.
async fn create(svc: &Service, p: &Staff, name: &str, purpose: Value) -> (StatusCode, Value) {
    post(
        svc,
        "/api/v1/applications",
        &p.applicant,
        Some(json!({"kind": contract_kind(), "seal_name": name, "organisation_code": DEMO_USCC, "purpose": purpose})),
    )
    .await
}

async fn on(backend: Backend) {
    let svc = start(&backend, T0).await;
    let sim = svc.run.police_sim.clone().unwrap();
    let admin = svc.admin().await;
    let mut p = Staff {
        applicant: svc.user(&admin, "applicant1", &["applicant"]).await,
        reviewer: svc.user(&admin, "reviewer1", &["reviewer"]).await,
        maker: svc.user(&admin, "maker1", &["maker"]).await,
    };
    // The company's contract seal.
    let id = apply(&svc, &p.applicant, json!({"purpose": "new"})).await;
    submit_and_approve(&svc, &p, &id).await;
    let (s, made) = post(
        &svc,
        &format!("/api/v1/applications/{id}/make"),
        &p.maker,
        Some(json!({"key": "platform", "pin": "480213"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    let seal = made["seal"]["id"].as_str().unwrap().to_owned();
    let old_to = made["seal"]["valid_to"].as_str().unwrap().to_owned();

    // The application must describe the seal as registered; an unknown seal is not found;
    // a renewal is refused before the last three months.
    let renewal = json!({"purpose": "renewal", "seal": seal});
    let (s, v) = create(&svc, &p, &format!("{NAME}二"), renewal.clone()).await;
    assert_eq!(
        (s, v["code"].as_str(), v["field"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("invalid_input"),
            Some("purpose.seal")
        ),
        "{v}"
    );
    let (s, v) = create(
        &svc,
        &p,
        NAME,
        json!({"purpose": "renewal", "seal": "ES9999"}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = create(&svc, &p, NAME, renewal.clone()).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("forbidden")),
        "{v}"
    );
    assert!(v["detail"].as_str().unwrap().contains("三个月"), "{v}");

    // 300 days on: applied for, approved; only a maker carries it out, with the new key's PIN.
    svc.clock.advance(Duration::days(300));
    p = Staff {
        applicant: svc.login("applicant1", common::PASSWORD).await,
        reviewer: svc.login("reviewer1", common::PASSWORD).await,
        maker: svc.login("maker1", common::PASSWORD).await,
    };
    let ren = apply(&svc, &p.applicant, renewal).await;
    let carry = format!("/api/v1/applications/{ren}/carry-out");
    let (s, v) = post(&svc, &carry, &p.maker, Some(json!({"pin": "480213"}))).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("illegal_transition")),
        "a draft is not carried out: {v}"
    );
    submit_and_approve(&svc, &p, &ren).await;
    let (s, v) = post(&svc, &carry, &p.applicant, Some(json!({"pin": "480213"}))).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden_role")),
        "{v}"
    );
    let (s, v) = post(
        &svc,
        &format!("/api/v1/applications/{ren}/make"),
        &p.maker,
        Some(json!({"key": "platform", "pin": "480213"})),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("illegal_transition")),
        "a renewal makes no seal: {v}"
    );
    let (s, v) = post(&svc, &carry, &p.maker, Some(json!({}))).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("pin")),
        "{v}"
    );
    let (s, renewed) = post(&svc, &carry, &p.maker, Some(json!({"pin": "480213"}))).await;
    assert_eq!(s, StatusCode::OK, "{renewed}");
    assert_eq!(renewed["id"], seal);
    assert!(renewed["valid_to"].as_str().unwrap() > old_to.as_str());
    let (_, app) = svc
        .call(
            "GET",
            &format!("/api/v1/applications/{ren}"),
            Some(&p.applicant),
            None,
        )
        .await;
    assert_eq!(
        app["state"],
        json!({"state": "made", "seal_id": seal}),
        "{app}"
    );
    assert_eq!(app["purpose"], json!({"purpose": "renewal", "seal": seal}));
    let filing = format!("{seal}-v2");
    svc.until("the renewal filed", || sim.count(&filing) == 1)
        .await;
    // Not twice.
    let (s, v) = post(&svc, &carry, &p.maker, Some(json!({"pin": "480213"}))).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("illegal_transition")),
        "{v}"
    );

    // Revocation: not for a replacement (a change does that); the proof is required.
    let (s, v) = create(
        &svc,
        &p,
        NAME,
        json!({"purpose": "revocation", "seal": seal, "reason": "replaced"}),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("purpose.reason")),
        "{v}"
    );
    let rev = apply(
        &svc,
        &p.applicant,
        json!({"purpose": "revocation", "seal": seal, "reason": "dissolution"}),
    )
    .await;
    let (s, v) = post(
        &svc,
        &format!("/api/v1/applications/{rev}/submit"),
        &p.applicant,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "no proof: {v}");
    assert!(v["detail"].as_str().unwrap().contains("证明材料"), "{v}");
    let proof = svc
        .upload(&p.applicant, b"dissolution decision".to_vec())
        .await;
    let (s, v) = post(
        &svc,
        &format!("/api/v1/applications/{rev}/materials"),
        &p.applicant,
        Some(json!({"kind": "proof", "sm3": proof})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    submit_and_approve(&svc, &p, &rev).await;
    let carry = format!("/api/v1/applications/{rev}/carry-out");
    let (s, v) = post(&svc, &carry, &p.maker, Some(json!({"pin": "480213"}))).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("pin")),
        "{v}"
    );
    let (s, v) = post(
        &svc,
        &carry,
        &p.maker,
        Some(json!({"certificate": null, "pin": null})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"]["status"], "revoked", "{v}");
    // The seal records the reason and the application's materials as its proof.
    let stored = svc
        .run
        .state
        .store()
        .get::<eseal_core::Seal>(&seal)
        .await
        .unwrap()
        .unwrap()
        .record;
    match &stored.state {
        eseal_core::SealState::Revoked {
            reason,
            proof: kept,
            ..
        } => {
            assert_eq!(*reason, eseal_core::RevocationReason::Dissolution);
            assert_eq!(kept.len(), 4, "{kept:?}");
            assert!(kept.iter().any(|m| m.sm3.as_str() == proof));
        }
        other => panic!("{other:?}"),
    }
    let filing = format!("{seal}-v3");
    svc.until("the revocation filed", || sim.count(&filing) == 1)
        .await;
    // A revoked seal is applied for no more.
    let (s, v) = create(&svc, &p, NAME, json!({"purpose": "renewal", "seal": seal})).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("illegal_transition")),
        "{v}"
    );
    svc.run.abort();
}
