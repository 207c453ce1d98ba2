//! Issue 6's end-to-end test over HTTP, on SQLite and PostgreSQL: apply with materials →
//! reject → re-apply → approve → make (impression fetched from the police simulator and
//! compared, certificate checked) → filed with the police simulator (after it was down for a
//! while) → query → renew → change (old seal revoked) → revoke with reason → status shows
//! revoked at T. Refused steps and bad input answer 4xx with a code and change nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use crate::common;

use common::{Backend, Service, start};
use eseal_gm::provider::Clock;
use eseal_server::app::{DEMO_IMPRESSION, DEMO_USCC};
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

pub(crate) const T0: OffsetDateTime = datetime!(2026-03-02 09:00 UTC);
pub(crate) const NAME: &str = "威海市示例科技有限公司合同专用章";

pub(crate) fn contract_kind() -> Value {
    json!({"official": {"business": "contract"}})
}

pub(crate) async fn apply(svc: &Service, applicant: &str, purpose: Value) -> String {
    let (s, app) = svc
        .call(
            "POST",
            "/api/v1/applications",
            Some(applicant),
            Some(json!({"kind": contract_kind(), "seal_name": NAME, "organisation_code": DEMO_USCC, "purpose": purpose})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{app}");
    let id = app["id"].as_str().unwrap().to_owned();
    for (kind, bytes) in [
        ("business_licence", b"licence scan".to_vec()),
        ("agent_id", b"agent id card".to_vec()),
        ("authorisation", b"power of attorney".to_vec()),
    ] {
        let sm3 = svc.upload(applicant, bytes).await;
        let (s, v) = svc
            .call(
                "POST",
                &format!("/api/v1/applications/{id}/materials"),
                Some(applicant),
                Some(json!({"kind": kind, "sm3": sm3})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    id
}

async fn seal_state(svc: &Service, token: &str, id: &str, at: Option<OffsetDateTime>) -> Value {
    let q = at
        .map(|t| {
            format!(
                "?at={}",
                t.format(&time::format_description::well_known::Rfc3339)
                    .unwrap()
                    .replace('+', "%2B")
            )
        })
        .unwrap_or_default();
    let (s, v) = svc
        .call("GET", &format!("/api/v1/status/{id}{q}"), Some(token), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

/// The agency's staff of the walk, logged in, and the service.
struct Agency {
    svc: Service,
    sim: eseal_server::sim::PoliceSim,
    applicant: String,
    reviewer: String,
    maker: String,
    police: String,
}

impl Agency {
    /// Logs everyone in again (after the clock moved past their sessions).
    async fn relogin(&mut self) {
        self.maker = self.svc.login("maker1", common::PASSWORD).await;
        self.applicant = self.svc.login("applicant1", common::PASSWORD).await;
        self.reviewer = self.svc.login("reviewer1", common::PASSWORD).await;
        self.police = self.svc.login("police1", common::PASSWORD).await;
    }
}

async fn lifecycle(backend: Backend) {
    let svc = start(&backend, T0).await;
    let sim = svc.run.police_sim.clone().unwrap();
    let admin = svc.admin().await;
    let applicant = svc.user(&admin, "applicant1", &["applicant"]).await;
    let reviewer = svc.user(&admin, "reviewer1", &["reviewer"]).await;
    let maker = svc.user(&admin, "maker1", &["maker"]).await;
    let police = svc.user(&admin, "police1", &["police_officer"]).await;
    let mut a = Agency {
        svc,
        sim,
        applicant,
        reviewer,
        maker,
        police,
    };
    let id = apply_and_review(&a).await;
    let (seal_id, made) = make_and_file(&a, &id).await;
    let old_to = query_and_refuse_early_renewal(&a, &seal_id, &made).await;
    // 300 days on (the clock moved in the step before): sessions have ended.
    a.relogin().await;
    renew(&a, &seal_id, &made, &old_to).await;
    let new_id = change(&a, &seal_id).await;
    revoke(&a, &new_id).await;
    national_records_and_history(&a, &seal_id, &new_id).await;
    a.svc.run.abort();
}

/// Apply: submitting without every material is refused; the reviewer reads the materials, rejects, the applicant re-applies, the reviewer approves; making a rejected application or with a different impression is refused. Returns the approved application.
async fn apply_and_review(a: &Agency) -> String {
    let Agency {
        svc,
        applicant,
        reviewer,
        maker,
        ..
    } = a;
    let post = |path: String, token: String, body: Option<Value>| async move {
        svc.call("POST", &path, Some(&token), body).await
    };
    // Apply: submitting without every material is refused; then reject → re-apply → approve.
    let (s, app) = svc
        .call(
            "POST",
            "/api/v1/applications",
            Some(applicant),
            Some(
                json!({"kind": contract_kind(), "seal_name": NAME, "organisation_code": DEMO_USCC}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, v) = svc
        .call(
            "POST",
            &format!(
                "/api/v1/applications/{}/submit",
                app["id"].as_str().unwrap()
            ),
            Some(applicant),
            None,
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("forbidden")),
        "{v}"
    );
    assert!(v["detail"].as_str().unwrap().contains("营业执照"), "{v}");

    let id = apply(svc, applicant, json!({"purpose": "new"})).await;
    // The reviewer reads a material as uploaded (stored encrypted, opened for review).
    let (_, app_view) = svc
        .call(
            "GET",
            &format!("/api/v1/applications/{id}"),
            Some(reviewer),
            None,
        )
        .await;
    let first = app_view["materials"][0]["sm3"].as_str().unwrap().to_owned();
    let bytes = svc
        .http
        .get(svc.url(&format!("/api/v1/materials/{first}")))
        .bearer_auth(reviewer)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..], b"licence scan");
    let (s, _) = post(
        format!("/api/v1/applications/{id}/submit"),
        applicant.clone(),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    // The applicant cannot review (role), the reviewer rejects with a reason.
    let (s, v) = post(
        format!("/api/v1/applications/{id}/approve"),
        applicant.clone(),
        None,
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden_role"))
    );
    let (s, v) = post(
        format!("/api/v1/applications/{id}/reject"),
        reviewer.clone(),
        Some(json!({"reason": ""})),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("reason")),
        "{v}"
    );
    let (s, v) = post(
        format!("/api/v1/applications/{id}/reject"),
        reviewer.clone(),
        Some(json!({"reason": "营业执照复印件不清晰"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["state"]["state"], "rejected");
    // Making a rejected application is an illegal transition.
    let (s, v) = post(
        format!("/api/v1/applications/{id}/make"),
        maker.clone(),
        Some(json!({"key": "platform", "pin": "480213"})),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("illegal_transition")),
        "{v}"
    );
    let (s, _) = post(
        format!("/api/v1/applications/{id}/submit"),
        applicant.clone(),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = post(
        format!("/api/v1/applications/{id}/approve"),
        reviewer.clone(),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // A different impression from the applicant is refused and nothing is made.
    let other = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/registry/other-contract-300dpi.png"
    ))
    .unwrap();
    let (s, v) = post(
        format!("/api/v1/applications/{id}/make"),
        maker.clone(),
        Some(json!({"key": "platform", "pin": "480213", "impression": <base64ct::Base64 as base64ct::Encoding>::encode_string(&other)})),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("impression_mismatch")
        ),
        "{v}"
    );
    let (_, a) = svc
        .call(
            "GET",
            &format!("/api/v1/applications/{id}"),
            Some(reviewer),
            None,
        )
        .await;
    assert_eq!(a["state"]["state"], "approved");

    id
}

/// Make, and file with the police system, which is down for the first two attempts. Returns the seal and the making answer.
async fn make_and_file(a: &Agency, id: &str) -> (String, Value) {
    let Agency {
        svc,
        sim,
        maker,
        police,
        ..
    } = a;
    let post = |path: String, token: String, body: Option<Value>| async move {
        svc.call("POST", &path, Some(&token), body).await
    };
    // Make with the applicant's copy of the registered impression; the police system is down
    // for the first two filing attempts.
    sim.fail_filings(503, 2);
    let own = <base64ct::Base64 as base64ct::Encoding>::encode_string(DEMO_IMPRESSION);
    let (s, made) = post(
        format!("/api/v1/applications/{id}/make"),
        maker.clone(),
        Some(json!({"key": "platform", "pin": "480213", "impression": own})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    assert_eq!(made["comparison"]["matches"], true);
    let seal_id = made["seal"]["id"].as_str().unwrap().to_owned();
    assert_eq!(made["seal"]["status"]["status"], "valid");
    assert_eq!(made["seal"]["key_custody"], "platform");
    // The seal data is a v4 seal named as applied, signed by the maker.
    let data = svc
        .http
        .get(svc.url(&format!("/api/v1/seals/{seal_id}/data")))
        .bearer_auth(police)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let (parsed, _) = eseal_ses::AnySeal::decode(&data).unwrap();
    assert_eq!(parsed.version(), eseal_ses::Version::V4);

    // Filing: refused twice (503), retried after 1 and 2 minutes, then delivered once.
    let filing_id = format!("{seal_id}-v1");
    svc.until("a failed filing attempt", || {
        sim.state.lock().unwrap().failed_requests >= 1
    })
    .await;
    // The police simulator counts the refusal when it answers; the worker records the
    // attempt a moment later: read the filing once that is written.
    let mut f = Value::Null;
    for _ in 0..200 {
        let (_, pending) = svc
            .call("GET", "/api/v1/filings?state=pending", Some(police), None)
            .await;
        f = pending
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["filing"]["id"] == filing_id.as_str())
            .unwrap()
            .clone();
        if f["filing"]["state"]["attempts"].as_u64() >= Some(1) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(f["deadline_state"], "on_time");
    assert!(f["filing"]["state"]["attempts"].as_u64().unwrap() >= 1);
    assert_eq!(sim.count(&filing_id), 0);
    // The retries driven here, one pass per backoff step (the background worker may take
    // some of them; a claimed filing is attempted by one of the two only).
    let state = &svc.run.state;
    for _ in 0..4 {
        svc.clock.advance(Duration::minutes(2));
        eseal_server::outbox::run_once(state.store(), state.connectors(), state.now(), 10)
            .await
            .unwrap();
    }
    // On a loaded machine the background worker may finish an attempt after those passes;
    // if it failed, the next waits for a clock that no longer moves. So the passes go on
    // (real time, up to 20 s), moving the clock 2 minutes after each 2 s without delivery,
    // at most twice more (the police session idles out after 15 minutes).
    let mut moved = 0;
    for i in 0..200 {
        if sim.count(&filing_id) == 1 {
            break;
        }
        if i % 20 == 19 && moved < 2 {
            svc.clock.advance(Duration::minutes(2));
            moved += 1;
        }
        eseal_server::outbox::run_once(state.store(), state.connectors(), state.now(), 10)
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(sim.count(&filing_id), 1, "the filing was not delivered");
    assert_eq!(sim.state.lock().unwrap().failed_requests, 2);
    let (_, delivered) = svc
        .call("GET", "/api/v1/filings?state=delivered", Some(police), None)
        .await;
    assert!(
        delivered
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["filing"]["id"] == filing_id.as_str()
                && f["deadline_state"] == "delivered_on_time")
    );
    assert_eq!(sim.count(&filing_id), 1);

    (seal_id, made)
}

/// Query by organisation and the public status; a renewal is refused before the last three months; then the clock moves 300 days. Returns the old validity end.
async fn query_and_refuse_early_renewal(a: &Agency, seal_id: &str, made: &Value) -> String {
    let Agency {
        svc, maker, police, ..
    } = a;
    let post = |path: String, token: String, body: Option<Value>| async move {
        svc.call("POST", &path, Some(&token), body).await
    };
    // Query by organisation (police) and the public status.
    let (s, list) = svc
        .call(
            "GET",
            &format!("/api/v1/seals?organisation={DEMO_USCC}"),
            Some(police),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let st = seal_state(svc, "", seal_id, None).await;
    assert_eq!(st["status"], "valid");

    // Renewal: refused now (not in the last three months), accepted 300 days on.
    let (s, v) = post(
        format!("/api/v1/seals/{seal_id}/renew"),
        maker.clone(),
        Some(json!({})),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("forbidden")),
        "{v}"
    );
    let old_to = made["seal"]["valid_to"].as_str().unwrap().to_owned();
    svc.clock.advance(Duration::days(300));
    old_to
}

/// The renewal, 300 days on: a platform key needs its new initial PIN; it is filed.
async fn renew(a: &Agency, seal_id: &str, made: &Value, old_to: &str) {
    let Agency {
        svc, sim, maker, ..
    } = a;
    let post = |path: String, token: String, body: Option<Value>| async move {
        svc.call("POST", &path, Some(&token), body).await
    };
    // A platform key needs the new key's initial PIN.
    let (s, v) = post(
        format!("/api/v1/seals/{seal_id}/renew"),
        maker.clone(),
        Some(json!({})),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("pin")),
        "{v}"
    );
    let (s, renewed) = post(
        format!("/api/v1/seals/{seal_id}/renew"),
        maker.clone(),
        Some(json!({"pin": "480213"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{renewed}");
    assert!(renewed["valid_to"].as_str().unwrap() > old_to);
    assert_eq!(renewed["impression_sm3"], made["seal"]["impression_sm3"]);
    let renewal_filing = format!("{seal_id}-v2");
    svc.until("the renewal filed", || sim.count(&renewal_filing) == 1)
        .await;
}

/// Change: a new seal through the application flow; the old one is revoked as replaced. Returns the new seal.
async fn change(a: &Agency, seal_id: &str) -> String {
    let Agency {
        svc,
        sim,
        applicant,
        reviewer,
        maker,
        ..
    } = a;
    let post = |path: String, token: String, body: Option<Value>| async move {
        svc.call("POST", &path, Some(&token), body).await
    };
    // Change: a new seal through the application flow; the old one is revoked as replaced.
    let change = apply(svc, applicant, json!({"purpose": "change", "old": seal_id})).await;
    post(
        format!("/api/v1/applications/{change}/submit"),
        applicant.clone(),
        None,
    )
    .await;
    let (s, _) = post(
        format!("/api/v1/applications/{change}/approve"),
        reviewer.clone(),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, made2) = post(
        format!("/api/v1/applications/{change}/make"),
        maker.clone(),
        Some(json!({"key": "platform", "pin": "480213"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{made2}");
    let new_id = made2["seal"]["id"].as_str().unwrap().to_owned();
    let old = seal_state(svc, "", seal_id, None).await;
    assert_eq!(old["status"], "revoked");
    assert_eq!(old["revocation"]["reason"], "replaced");
    let changed_filing = format!("{new_id}-v1");
    svc.until("the change filed", || sim.count(&changed_filing) == 1)
        .await;
    let replaced = sim.state.lock().unwrap().filings[&changed_filing]
        .request
        .replaces
        .clone();
    assert_eq!(replaced.as_deref(), Some(seal_id));

    new_id
}

/// Revoke the new seal with a reason and proof; then it cannot be revoked again.
async fn revoke(a: &Agency, new_id: &str) {
    let Agency {
        svc, sim, maker, ..
    } = a;
    let post = |path: String, token: String, body: Option<Value>| async move {
        svc.call("POST", &path, Some(&token), body).await
    };
    // Revoke the new seal: a reason from R-REVOKE-1 and proof; unknown reason → 400.
    let (s, v) = post(
        format!("/api/v1/seals/{new_id}/revoke"),
        maker.clone(),
        Some(json!({"reason": "lost_it", "proof": []})),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("malformed_json")),
        "{v}"
    );
    let (s, v) = post(
        format!("/api/v1/seals/{new_id}/revoke"),
        maker.clone(),
        Some(json!({"reason": "stolen_or_lost", "proof": []})),
    )
    .await;
    assert_eq!(s.as_u16() / 100, 4, "revocation without proof: {v}");
    let proof = svc.upload(maker, b"police loss report".to_vec()).await;
    let revoked_at = svc.clock.now();
    let (s, v) = post(
        format!("/api/v1/seals/{new_id}/revoke"),
        maker.clone(),
        Some(json!({"reason": "stolen_or_lost", "proof": [proof]})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let before = seal_state(svc, "", new_id, Some(revoked_at - Duration::seconds(1))).await;
    assert_eq!(before["status"], "valid");
    let after = seal_state(svc, "", new_id, Some(revoked_at + Duration::seconds(1))).await;
    assert_eq!(after["status"], "revoked");
    assert_eq!(after["revocation"]["reason"], "stolen_or_lost");
    let revoked_filing = format!("{new_id}-v2");
    svc.until("the revocation filed", || sim.count(&revoked_filing) == 1)
        .await;

    // A revoked seal cannot be revoked again or renewed (409, nothing changes).
    let (s, v) = post(
        format!("/api/v1/seals/{new_id}/revoke"),
        maker.clone(),
        Some(json!({"reason": "no_longer_used", "proof": [proof]})),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("illegal_transition")),
        "{v}"
    );
}

/// The national platform holds every seal's latest record; the first seal's history is kept.
async fn national_records_and_history(a: &Agency, seal_id: &str, new_id: &str) {
    let Agency { svc, police, .. } = a;
    // The national platform received every seal's latest record (the outbox pushes each
    // version; the platform keeps the highest), seal data included.
    let national = svc.run.national_sim.clone().unwrap();
    let latest = |id: &str| {
        national.seals.lock().unwrap().get(id).map(|r| {
            (
                r.version,
                r.rest["status"].as_str().unwrap_or("").to_owned(),
            )
        })
    };
    svc.until("national records", || {
        latest(seal_id) == Some((3, "revoked".into()))
            && latest(new_id) == Some((2, "revoked".into()))
    })
    .await;
    assert!(national.seals.lock().unwrap()[new_id].rest["seal_data"].is_string());

    // History is kept: the first seal has made, renewed, revoked versions.
    let (_, h) = svc
        .call(
            "GET",
            &format!("/api/v1/seals/{seal_id}/history"),
            Some(police),
            None,
        )
        .await;
    assert_eq!(h.as_array().unwrap().len(), 3);
}

each_backend!(
    lifecycle_over_http => lifecycle,
    threads = 2
);

/// Bad input: malformed JSON, an oversized upload, an unknown seal, a wrong role, no login —
/// each a 4xx with a code, in Chinese by default and English on request, and nothing changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_a_code() {
    let svc = start(&Backend::Sqlite, T0).await;
    let admin = svc.admin().await;
    let applicant = svc.user(&admin, "applicant1", &["applicant"]).await;

    let r = svc
        .http
        .post(svc.url("/api/v1/applications"))
        .bearer_auth(&applicant)
        .header("content-type", "application/json")
        .body("{\"kind\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "malformed_json");
    assert_eq!(v["title"], "JSON 格式错误");

    // An upload over the limit is refused from its Content-Length, before the body is read.
    let resp = raw_request(
        &svc,
        &format!(
            "POST /api/v1/materials HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {applicant}\r\nAccept-Language: en\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            11 * 1024 * 1024
        ),
    )
    .await;
    assert!(resp.starts_with("HTTP/1.1 413"), "{resp}");
    assert!(resp.contains("\"code\":\"payload_too_large\""), "{resp}");
    assert!(resp.contains("Request body too large"), "{resp}");
    // A JSON body over 1 MiB likewise. (Over a raw connection: the server may answer and
    // close before the client has written the whole body, which an HTTP client reports as a
    // broken pipe instead of the answer.)
    let body = json!({"seal_name": "x".repeat(2 * 1024 * 1024)}).to_string();
    let resp = raw_request_with_body(
        &svc,
        &format!(
            "POST /api/v1/applications HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {applicant}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        ),
        body.as_bytes(),
    )
    .await;
    assert!(resp.starts_with("HTTP/1.1 413"), "{resp}");
    assert!(resp.contains("\"code\":\"payload_too_large\""), "{resp}");

    let (s, v) = svc
        .call("GET", "/api/v1/status/ESNOSUCHSEAL", None, None)
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (s, v) = svc
        .call("GET", "/api/v1/status/x?at=yesterday", None, None)
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("at"))
    );
    let (s, v) = svc
        .call("POST", "/api/v1/users", Some(&applicant), Some(json!({})))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden_role"))
    );
    let (s, v) = svc.call("GET", "/api/v1/me", None, None).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthenticated"))
    );
    let (s, v) = svc.call("GET", "/api/v1/nowhere", None, None).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (s, v) = svc
        .call(
            "POST",
            "/api/v1/applications",
            Some(&applicant),
            Some(json!({"kind": contract_kind(), "seal_name": NAME, "organisation_code": "91350100M000100Y44"})),
        )
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("organisation_code")),
        "{v}"
    );
    // Nothing was stored by any of it.
    let (s, apps) = svc
        .call("GET", "/api/v1/applications", Some(&applicant), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(apps.as_array().unwrap().len(), 0);
    svc.run.abort();
}

pub(crate) async fn raw_request(svc: &Service, head: &str) -> String {
    raw_request_with_body(svc, head, b"").await
}

/// [`raw_request`] followed by `body`, which the server may stop reading (a write error
/// there is expected, not a failure).
async fn raw_request_with_body(svc: &Service, head: &str, body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = svc.run.url.trim_start_matches("http://").to_owned();
    let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
    c.write_all(head.as_bytes()).await.unwrap();
    if !body.is_empty() {
        let _ = c.write_all(body).await;
    }
    let mut out = Vec::new();
    // The server answers without reading the body; it may keep the connection open waiting
    // for it, so read what arrives within a few seconds.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(3), c.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// Five wrong logins lock the account: the right password afterwards fails too, with the
/// answer every failed login gets (a locked account is not told apart from an unknown one);
/// the security admin unlocks it; an idle session times out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_lockout_and_idle_timeout() {
    let svc = start(&Backend::Sqlite, T0).await;
    let admin = svc.admin().await;
    let sec = svc.user(&admin, "security1", &["security_admin"]).await;
    let reviewer = svc.user(&admin, "reviewer1", &["reviewer"]).await;
    for i in 0..5 {
        let (s, v) = svc
            .call(
                "POST",
                "/api/v1/login",
                None,
                Some(json!({"username": "reviewer1", "password": "Wrong-Password-1", "totp": "000000"})),
            )
            .await;
        assert_eq!(v["code"], "login_failed", "attempt {i}: {s}");
    }
    svc.clock.advance(Duration::seconds(31));
    let code = svc.totp("reviewer1").await;
    let (s, v) = svc
        .call(
            "POST",
            "/api/v1/login",
            None,
            Some(json!({"username": "reviewer1", "password": common::PASSWORD, "totp": code})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("login_failed"))
    );
    let (s, _) = svc
        .call("POST", "/api/v1/users/reviewer1/unlock", Some(&sec), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let fresh = svc.login("reviewer1", common::PASSWORD).await;
    let (s, _) = svc.call("GET", "/api/v1/me", Some(&fresh), None).await;
    assert_eq!(s, StatusCode::OK);
    // A system account (the police gateway) cannot log in interactively but gets an API
    // token from the security admin; the token does not idle out.
    let (s, _) = svc
        .call(
            "POST",
            "/api/v1/users",
            Some(&admin),
            Some(json!({"username": "police-gateway", "display_name": "公安网关", "roles": ["police_officer"], "system": true})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, v) = svc
        .call(
            "POST",
            "/api/v1/login",
            None,
            Some(json!({"username": "police-gateway", "password": "", "totp": "000000"})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("login_failed"))
    );
    let (s, v) = svc
        .call(
            "POST",
            "/api/v1/tokens",
            Some(&sec),
            Some(json!({"username": "police-gateway", "label": "police"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let token = v["token"].as_str().unwrap().to_owned();

    // The older session, idle for 16 minutes, has timed out; the API token has not.
    svc.clock.advance(Duration::minutes(16));
    let (s, v) = svc.call("GET", "/api/v1/me", Some(&reviewer), None).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthenticated"))
    );
    let (s, v) = svc.call("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(
        (s, v["roles"][0].as_str()),
        (StatusCode::OK, Some("police_officer"))
    );
    svc.run.abort();
}

/// A personal seal whose key stays in the holder's device: only the certificate is bound. A
/// certificate naming someone else, or one from an untrusted CA, is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_seal_with_a_device_key() {
    let svc = start(&Backend::Sqlite, T0).await;
    let admin = svc.admin().await;
    let (s, v) = svc
        .call(
            "PUT",
            "/api/v1/people/11010519491231002X",
            Some(&admin),
            Some(json!({"name": "张三丰"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let applicant = svc.user(&admin, "zhang", &["applicant"]).await;
    let reviewer = svc.user(&admin, "reviewer1", &["reviewer"]).await;
    let maker = svc.user(&admin, "maker1", &["maker"]).await;
    let (s, app) = svc
        .call(
            "POST",
            "/api/v1/applications",
            Some(&applicant),
            Some(json!({"kind": "personal", "seal_name": "张三丰", "holder_id": "11010519491231002X"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{app}");
    let id = app["id"].as_str().unwrap();
    let sm3 = svc.upload(&applicant, b"id card".to_vec()).await;
    svc.call(
        "POST",
        &format!("/api/v1/applications/{id}/materials"),
        Some(&applicant),
        Some(json!({"kind": "holder_id", "sm3": sm3})),
    )
    .await;
    let (s, _) = svc
        .call(
            "POST",
            &format!("/api/v1/applications/{id}/submit"),
            Some(&applicant),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = svc
        .call(
            "POST",
            &format!("/api/v1/applications/{id}/approve"),
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    let random = eseal_gm::provider::SeededRandom::new(b"device");
    let key = eseal_gm::Sm2PrivateKey::generate(&random).unwrap();
    let device_cert = |subject: &str| common::device_certificate(&svc.run.state, subject, &key, T0);
    let impression = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/image/square.png"
    ))
    .unwrap();
    let imp = <base64ct::Base64 as base64ct::Encoding>::encode_string(&impression);
    let make = |cert: String| {
        let svc = &svc;
        let maker = maker.clone();
        let imp = imp.clone();
        async move {
            svc.call(
                "POST",
                &format!("/api/v1/applications/{id}/make"),
                Some(&maker),
                Some(json!({"key": "device", "certificate": cert, "impression": imp})),
            )
            .await
        }
    };
    // Someone else's certificate.
    let other = device_cert("/C=CN/CN=李四");
    let (s, v) = make(other.to_pem()).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("certificate_invalid")
        ),
        "{v}"
    );
    // A certificate from a CA the platform does not trust.
    let ca = eseal_pki::ca::init(
        &random,
        T0,
        "Elsewhere CA",
        None,
        eseal_pki::ca::CaSignatureId::Standard,
    )
    .unwrap();
    let mut elsewhere = eseal_pki::ca::DevCa::open(ca.issuing, ca.issuing_key, ca.state).unwrap();
    let foreign = elsewhere
        .issue(
            &random,
            T0,
            "person",
            eseal_pki::name::name_from_slashes("/C=CN/CN=张三丰").unwrap(),
            &key.public_key(),
            365,
        )
        .unwrap();
    let (s, v) = make(foreign.to_pem()).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("certificate_invalid")
        ),
        "{v}"
    );
    // Garbage.
    let (s, v) = make("not a certificate".into()).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("certificate")),
        "{v}"
    );
    // The holder's own certificate from the platform's CA.
    let cert = device_cert("/C=CN/CN=张三丰");
    let (s, made) = make(cert.to_pem()).await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    assert_eq!(made["seal"]["key_custody"], "device");
    assert_eq!(made["seal"]["certificate_serial"], cert.serial_hex());
    assert_eq!(
        made["seal"]["valid_to"].as_str().unwrap(),
        cert.not_after()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    );
    let (s, list) = svc
        .call(
            "GET",
            "/api/v1/seals?holder=11010519491231002X",
            Some(&maker),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    svc.run.abort();
}

/// Queries return at most 500 seals per page; `x-next-after` leads through all of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seal_queries_page_beyond_500() {
    let svc = start(&Backend::Sqlite, T0).await;
    let admin = svc.admin().await;
    let police = svc.user(&admin, "police1", &["police_officer"]).await;
    let mut batch = eseal_store::Batch::new();
    for i in 0..1201 {
        batch
            .insert(&eseal_core::Seal {
                id: eseal_core::SealId::parse("id", &format!("ES{i:06}")).unwrap(),
                kind: eseal_core::SealKind::Official(eseal_core::OfficialKind::LegalName),
                name: "威海市示例科技有限公司".into(),
                organisation_code: Some(eseal_core::Uscc::parse("uscc", DEMO_USCC).unwrap()),
                holder_id: None,
                impression_sm3: eseal_core::Sm3Hex::parse("sm3", &"cd".repeat(32)).unwrap(),
                certificate_serial: format!("{i:X}"),
                valid_from: T0,
                valid_to: T0 + Duration::days(365),
                state: eseal_core::SealState::Active,
                history: Vec::new(),
                seal_data_sm3: None,
                key_custody: Default::default(),
            })
            .unwrap();
    }
    svc.run.state.store().commit(&batch, T0).await.unwrap();
    let mut seen = std::collections::BTreeSet::new();
    let mut after = String::new();
    let mut pages = 0;
    loop {
        let r = svc
            .http
            .get(svc.url(&format!(
                "/api/v1/seals?organisation={DEMO_USCC}&after={after}"
            )))
            .bearer_auth(&police)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let next = r
            .headers()
            .get("x-next-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let page: Vec<Value> = r.json().await.unwrap();
        assert!(page.len() <= 500);
        for s in &page {
            assert!(seen.insert(s["id"].as_str().unwrap().to_owned()));
        }
        pages += 1;
        match next {
            Some(n) => after = n,
            None => break,
        }
    }
    assert_eq!((seen.len(), pages), (1201, 3));
    svc.run.abort();
}
