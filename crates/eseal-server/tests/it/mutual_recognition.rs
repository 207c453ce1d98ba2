#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Issue 16 item 5, against local servers only: a seal made by another region's platform
//! ("there") verifies here once a security administrator puts that platform's CA on the trust
//! list, and its status comes from the national platform (docs/connectors/national.md §3);
//! a revoked, unknown or unanswerable status never gives PASSED; only the security
//! administrator changes the list, every change is audited, and a removed anchor is trusted
//! no more. Hostile answers of a national platform are refused with the reason.

use crate::common;

use common::{Backend, Service, start_with};
use eseal_server::connectors::NationalClient;
use eseal_server::sim::NationalSim;
use serde_json::{Value, json};
use std::sync::atomic::Ordering;
use time::macros::datetime;

fn b64(b: &[u8]) -> String {
    <base64ct::Base64 as base64ct::Encoding>::encode_string(b)
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

/// A detached signature by `there`'s seal over `data`.
async fn sign(there: &Service, seal: &str, holder: &str, data: &[u8]) -> String {
    let (s, v) = there
        .call(
            "POST",
            &format!("/api/v1/seals/{seal}/sign"),
            Some(holder),
            Some(json!({"pin": eseal_server::fixture::PIN, "data": b64(data), "document_name": "函.pdf", "purpose": "互认测试"})),
        )
        .await;
    assert!(s.is_success(), "{v}");
    v["signature"].as_str().unwrap().to_owned()
}

async fn verify(here: &Service, signature: &str, data: &[u8]) -> Value {
    let (s, v) = here
        .call(
            "POST",
            "/api/v1/verify",
            None,
            Some(json!({"signature": signature, "data": b64(data)})),
        )
        .await;
    assert!(s.is_success(), "{v}");
    v["signatures"][0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seal_of_another_region_verifies_through_the_trust_list_and_the_national_status() {
    let t0 = datetime!(2026-05-11 09:00 UTC);
    let national = NationalSim::default();
    let national_url = serve(national.router()).await;
    let there = start_with(&Backend::Sqlite, t0, |c| {
        c.national_url = Some(national_url.clone())
    })
    .await;
    let here = start_with(&Backend::Sqlite, t0, |c| {
        c.national_url = Some(national_url.clone())
    })
    .await;

    // There: a personal seal, pushed to the national platform by its outbox.
    let fixture = eseal_server::fixture::personal_seal(&there.run)
        .await
        .unwrap();
    let seal = fixture.seal.clone();
    there
        .until("the national record", || {
            national.seals.lock().unwrap().contains_key(&seal)
        })
        .await;
    let data = b"a letter from another region".to_vec();
    let sig1 = sign(&there, &seal, &fixture.holder_token, &data).await;

    // Here, before anyone trusts that platform: not PASSED, and the national platform is not
    // asked about a signature that does not verify by itself.
    let v = verify(&here, &sig1, &data).await;
    assert_ne!(v["indication"], "PASSED", "{v}");
    assert!(v["registry"]["national"].is_null(), "{v}");
    assert_eq!(national.status_queries.load(Ordering::SeqCst), 0);

    // Only the security administrator changes the list.
    let admin = here.admin().await;
    let secadmin = here.user(&admin, "secadmin", &["security_admin"]).await;
    let reviewer = here.user(&admin, "reviewer9", &["reviewer"]).await;
    let (_, pki) = there.call("GET", "/api/v1/pki", None, None).await;
    let issuing_url = pki["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "issuing.pem")
        .map(|f| f["url"].as_str().unwrap().to_owned())
        .unwrap();
    let issuing = there
        .http
        .get(there.url(&issuing_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Its certificates name no CRL distribution point: the entry says where the CRL is.
    let body = json!({
        "certificate": issuing,
        "label": "外地平台签发 CA",
        "reason": "全国互认",
        "crl_url": there.url("/api/v1/pki/crl.pem"),
    });
    for (who, status) in [
        (Some(reviewer.as_str()), 403),
        (Some(admin.as_str()), 403),
        (None, 401),
    ] {
        let (s, v) = here
            .call("POST", "/api/v1/trust-list", who, Some(body.clone()))
            .await;
        assert_eq!(s.as_u16(), status, "{v}");
    }
    // Not a CA, nor a certificate at all: refused with the reason.
    let (s, v) = here
        .call(
            "POST",
            "/api/v1/trust-list",
            Some(&secadmin),
            Some(json!({"certificate": "bm90IGEgY2VydGlmaWNhdGU=", "label": "x", "reason": "y"})),
        )
        .await;
    assert_eq!(s.as_u16(), 400, "{v}");
    assert_eq!(v["field"], "certificate", "{v}");
    // A CRL address the fetcher must not follow (a local file): refused.
    let mut bad = body.clone();
    bad["crl_url"] = json!("file:///etc/passwd");
    let (s, v) = here
        .call("POST", "/api/v1/trust-list", Some(&secadmin), Some(bad))
        .await;
    assert_eq!(s.as_u16(), 400, "{v}");
    assert_eq!(v["field"], "crl_url", "{v}");
    let (s, added) = here
        .call(
            "POST",
            "/api/v1/trust-list",
            Some(&secadmin),
            Some(body.clone()),
        )
        .await;
    assert_eq!(s.as_u16(), 201, "{added}");
    assert_eq!(added["state"], "active");
    assert_eq!(added["added_by"], "secadmin");
    let id = added["id"].as_str().unwrap().to_owned();
    let (s, _) = here
        .call(
            "POST",
            "/api/v1/trust-list",
            Some(&secadmin),
            Some(body.clone()),
        )
        .await;
    assert_eq!(s.as_u16(), 409, "a second entry for the same certificate");

    // Now it verifies, with the status the national platform gave, named with its source.
    let v = verify(&here, &sig1, &data).await;
    assert_eq!(v["indication"], "PASSED", "{v}");
    let n = &v["registry"]["national"];
    assert_eq!(n["source"], national_url.as_str(), "{v}");
    assert_eq!(n["answer"]["known"], true, "{v}");
    assert_eq!(n["answer"]["status"], "valid", "{v}");
    assert_eq!(n["from_cache"], false);
    assert_eq!(v["registry"]["made_here"], false);
    assert_eq!(national.status_queries.load(Ordering::SeqCst), 1);
    // Asked again within five minutes: the cached answer, no new query.
    let v = verify(&here, &sig1, &data).await;
    assert_eq!(v["registry"]["national"]["from_cache"], true, "{v}");
    assert_eq!(national.status_queries.load(Ordering::SeqCst), 1);

    // The platform fails: INDETERMINATE with its answer as the reason (failures are not
    // cached: asked again, it answers).
    there.clock.advance(time::Duration::minutes(1));
    let sig2 = sign(&there, &seal, &fixture.holder_token, &data).await;
    national.fail_next(503, 1);
    let v = verify(&here, &sig2, &data).await;
    assert_eq!(v["indication"], "INDETERMINATE", "{v}");
    let why = &v["registry"]["unconfirmed"];
    assert!(why["en"].as_str().unwrap().contains("HTTP 503"), "{v}");
    assert!(
        why["zh"].as_str().unwrap().contains("无法确认印章状态"),
        "{v}"
    );
    let v = verify(&here, &sig2, &data).await;
    assert_eq!(v["indication"], "PASSED", "{v}");

    // The platform says it was revoked before the signature: FAILED, naming the source.
    there.clock.advance(time::Duration::minutes(1));
    let sig3 = sign(&there, &seal, &fixture.holder_token, &data).await;
    {
        let mut seals = national.seals.lock().unwrap();
        let r = seals.get_mut(&seal).unwrap();
        r.rest.insert("status".into(), json!("revoked"));
        r.rest.insert(
            "revocation".into(),
            json!({"reason": "stolen_or_lost", "at": "2026-05-11T09:01:30Z"}),
        );
    }
    let v = verify(&here, &sig3, &data).await;
    assert_eq!(v["indication"], "FAILED", "{v}");
    assert!(
        v["registry"]["verdict"]
            .as_str()
            .unwrap()
            .contains("REVOKED"),
        "{v}"
    );
    assert!(
        v["registry"]["verdict_zh"]
            .as_str()
            .unwrap()
            .contains("全国一体化平台"),
        "{v}"
    );
    // A signature made before that revocation keeps its verdict (its answer, cached, said
    // valid at its time; asked afresh it says the same).
    let v = verify(&here, &sig1, &data).await;
    assert_eq!(v["indication"], "PASSED", "{v}");

    // A seal the platform does not know: INDETERMINATE, never PASSED.
    there.clock.advance(time::Duration::minutes(1));
    let sig4 = sign(&there, &seal, &fixture.holder_token, &data).await;
    national.seals.lock().unwrap().remove(&seal);
    let v = verify(&here, &sig4, &data).await;
    assert_eq!(v["indication"], "INDETERMINATE", "{v}");
    assert!(
        v["registry"]["unconfirmed"]["en"]
            .as_str()
            .unwrap()
            .contains("has no record"),
        "{v}"
    );

    // Removed from the list: trusted no more, at once; the entry stays with its removal.
    let (s, v) = here
        .call(
            "POST",
            &format!("/api/v1/trust-list/{}/remove", &id[..16]),
            Some(&reviewer),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(s.as_u16(), 403, "{v}");
    let (s, removed) = here
        .call(
            "POST",
            &format!("/api/v1/trust-list/{}/remove", &id[..16]),
            Some(&secadmin),
            Some(json!({"reason": "该平台 CA 已更换"})),
        )
        .await;
    assert_eq!(s.as_u16(), 200, "{removed}");
    assert_eq!(removed["state"], "removed");
    let v = verify(&here, &sig1, &data).await;
    assert_ne!(v["indication"], "PASSED", "{v}");
    let (s, list) = here.call("GET", "/api/v1/trust-list", None, None).await;
    assert!(s.is_success());
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["removed"]["by"], "secadmin", "{list}");
    assert_eq!(list[0]["removed"]["reason"], "该平台 CA 已更换");

    // Both changes are in the audit log, with the actor and what changed.
    let entries = here
        .run
        .state
        .store()
        .audit_log(0, 1_000_000)
        .await
        .unwrap();
    let changes: Vec<_> = entries
        .iter()
        .filter(|e| e.object.starts_with("trust_anchors/"))
        .collect();
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(changes.iter().all(|e| e.actor == "secadmin"), "{changes:?}");
    assert!(changes[0].outcome.contains("state=listed"), "{changes:?}");
    assert!(changes[1].outcome.contains("state=removed"), "{changes:?}");
}

/// A national platform that answers `body` with `status` to every request.
async fn answering(status: u16, body: &'static str) -> String {
    let router = axum::Router::new().fallback(move || async move {
        (
            axum::http::StatusCode::from_u16(status).unwrap(),
            [("content-type", "application/json")],
            body,
        )
    });
    serve(router).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_answers_of_a_national_platform_are_problems_with_the_reason() {
    let at = datetime!(2026-05-11 09:00 UTC);
    let big: &'static str =
        Box::leak(format!("{{\"id\":\"x\",\"pad\":\"{}\"}}", "a".repeat(70_000)).into_boxed_str());
    let cases: Vec<(String, &str)> = vec![
        (
            answering(200, "this is not json").await,
            "not in the documented form",
        ),
        (
            answering(200, r#"{"id":"other-seal","status":"valid"}"#).await,
            "another seal",
        ),
        (
            answering(200, r#"{"id":"SEAL-1","status":"valid-ish"}"#).await,
            "not in the documented form",
        ),
        (
            answering(200, r#"{"id":"SEAL-1","status":"revoked"}"#).await,
            "no revocation time",
        ),
        (answering(500, r#"{"code":"internal"}"#).await, "HTTP 500"),
        (answering(404, r#"{"code":"not_found"}"#).await, "HTTP 404"),
        (answering(200, big).await, "over 64 KiB"),
    ];
    for (url, expected) in cases {
        let client = NationalClient::new(&url, "token", "uscc").unwrap();
        let err = client.status("SEAL-1", at).await.unwrap_err();
        assert!(err.en.contains(expected), "{url}: {err:?}");
        assert!(!err.zh.is_empty());
    }
    // 404 unknown_seal is an answer: the platform does not know the seal.
    let url = answering(404, r#"{"code":"unknown_seal"}"#).await;
    let client = NationalClient::new(&url, "token", "uscc").unwrap();
    let (answer, _) = client.status("SEAL-1", at).await.unwrap();
    assert!(!answer.known);
    // An esID that would change the path is sent as one path segment.
    let client = NationalClient::new(&url, "token", "uscc").unwrap();
    assert!(client.status("../../admin?x=1", at).await.is_ok());
    assert!(client.status("a\nb", at).await.is_err());

    // A platform that never answers: a problem after the status timeout, not a hang.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming() {
            held.push(s);
        }
    });
    let client = NationalClient::new(&format!("http://{addr}"), "token", "uscc").unwrap();
    let started = std::time::Instant::now();
    let err = client.status("SEAL-1", at).await.unwrap_err();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{err:?}"
    );
    assert!(err.en.contains("no seal status"), "{err:?}");
}
