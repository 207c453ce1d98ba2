//! Issue 7, first part, over HTTP on SQLite and PostgreSQL: a personal seal with a
//! platform-held key under the holder's PIN. The initial PIN must be changed first; only the
//! holder signs; a detached signature verifies PASSED against the platform's trust anchors and
//! its ledger entry (intent → signed) names it; 50 concurrent wrong PINs evaluate exactly 5
//! and lock the seal; the PIN string is nowhere in the data directory; an intent left by a
//! crash is marked aborted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use crate::common;

use common::{Backend, Service, start};
use eseal_gm::provider::Clock;
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;

pub(crate) const T0: OffsetDateTime = datetime!(2026-03-02 09:00 UTC);
const HOLDER_ID: &str = "11010519491231002X";
const INITIAL: &str = "480213";
pub(crate) const PIN: &str = "739164";

pub(crate) fn b64(b: &[u8]) -> String {
    <base64ct::Base64 as base64ct::Encoding>::encode_string(b)
}

async fn personal_seal(svc: &Service, admin: &str) -> String {
    register_holder(svc, admin, HOLDER_ID).await;
    let applicant = svc.user(admin, "applicant1", &["applicant"]).await;
    let reviewer = svc.user(admin, "reviewer1", &["reviewer"]).await;
    let maker = svc.user(admin, "maker1", &["maker"]).await;
    let (_, app) = svc
        .call(
            "POST",
            "/api/v1/applications",
            Some(&applicant),
            Some(json!({"kind": "personal", "seal_name": "张三丰", "holder_id": HOLDER_ID})),
        )
        .await;
    let id = app["id"].as_str().unwrap();
    let sm3 = svc.upload(&applicant, b"id card".to_vec()).await;
    for (path, token, body) in [
        (
            format!("/api/v1/applications/{id}/materials"),
            &applicant,
            Some(json!({"kind": "holder_id", "sm3": sm3})),
        ),
        (
            format!("/api/v1/applications/{id}/submit"),
            &applicant,
            None,
        ),
        (
            format!("/api/v1/applications/{id}/approve"),
            &reviewer,
            None,
        ),
    ] {
        let (s, v) = svc.call("POST", &path, Some(token), body).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
    }
    let impression = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/image/square.png"
    ))
    .unwrap();
    let (s, made) = svc
        .call(
            "POST",
            &format!("/api/v1/applications/{id}/make"),
            Some(&maker),
            Some(json!({"key": "platform", "pin": INITIAL, "impression": b64(&impression)})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    made["seal"]["id"].as_str().unwrap().to_owned()
}

/// The registered name of the people these tests use.
fn person_name(citizen_id: &str) -> &'static str {
    if citizen_id == HOLDER_ID {
        "张三丰"
    } else {
        "李四"
    }
}

/// Registers the holder (as the agency does before a personal or position seal is applied
/// for: the seal carries their registered name).
async fn register_holder(svc: &Service, admin: &str, citizen_id: &str) {
    let (s, v) = svc
        .call(
            "PUT",
            &format!("/api/v1/people/{citizen_id}"),
            Some(admin),
            Some(json!({"name": person_name(citizen_id)})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

async fn holder(svc: &Service, admin: &str, name: &str, citizen_id: &str) -> String {
    let (s, _) = svc
        .call(
            "POST",
            "/api/v1/users",
            Some(admin),
            Some(json!({"username": name, "display_name": person_name(citizen_id), "roles": ["holder"], "password": common::PASSWORD, "citizen_id": citizen_id})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    svc.login(name, common::PASSWORD).await
}

/// The detached signature in a signing response verifies PASSED offline against the
/// platform's trust anchors over `data`, with the TSA's timestamp checked; returns its DER.
fn verifies_offline(svc: &Service, v: &Value, data: &[u8]) -> Vec<u8> {
    let der =
        <base64ct::Base64 as base64ct::Encoding>::decode_vec(v["signature"].as_str().unwrap())
            .unwrap();
    let (sig, _) = eseal_ses::AnySignature::decode(&der).unwrap();
    let policy = eseal_ses::VerifyPolicy {
        chain_validator: Some(std::sync::Arc::new(eseal_doc::trust::PkiValidator {
            store: svc.run.state.pki().trust(svc.clock.now()).unwrap(),
        })),
        ..Default::default()
    };
    let report = eseal_ses::verify_signature(
        &sig,
        eseal_ses::SignedData::Digest(eseal_gm::Sm3Digest::of(data)),
        &policy,
        &eseal_gm::provider::SoftwareVerifier,
    );
    assert_eq!(
        report.indication(),
        eseal_ses::Indication::Passed,
        "{report:?}"
    );
    assert_eq!(
        report.outcome(eseal_ses::CheckId::SignatureTimestamp),
        Some(eseal_ses::Outcome::Passed),
        "the platform TSA stamped the signature: {report:?}"
    );
    der
}

/// `POST /api/v1/verify` with `body` answers PASSED and names the ledger entry `usage_id`.
async fn verifies_online_in_the_ledger(svc: &Service, body: Value, usage_id: &Value) {
    let (s, checked) = svc.call("POST", "/api/v1/verify", None, Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{checked}");
    assert_eq!(checked["indication"], "PASSED", "{checked}");
    assert_eq!(
        &checked["signatures"][0]["registry"]["ledger"]["id"], usage_id,
        "{checked}"
    );
}

/// A service with a personal seal whose holder `zhang` has set the PIN [`PIN`].
pub(crate) async fn ready_personal_seal(backend: &Backend) -> (Service, String, String) {
    let svc = start(backend, T0).await;
    let admin = svc.admin().await;
    let seal = personal_seal(&svc, &admin).await;
    let zhang = holder(&svc, &admin, "zhang", HOLDER_ID).await;
    let (s, _) = svc
        .call(
            "POST",
            &format!("/api/v1/seals/{seal}/pin"),
            Some(&zhang),
            Some(json!({"old_pin": INITIAL, "new_pin": PIN})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    (svc, seal, zhang)
}

pub(crate) fn sign_body(pin: &str, data: &[u8]) -> Value {
    json!({"pin": pin, "data": b64(data), "document_name": "借款合同.pdf", "purpose": "签订借款合同", "counterparty": "李四"})
}

/// The document the walk signs.
const LOAN: &[u8] = "甲方张三丰向乙方李四借款十万元整。".as_bytes();
/// The PIN the holder chooses when completing the reset.
const NEW_PIN: &str = "864297";

/// The walk's service, seal, its holder zhang, another holder li, and the sign endpoint.
struct Walk {
    svc: Service,
    seal: String,
    zhang: String,
    li: String,
    sign: String,
}

async fn signing(backend: Backend) {
    let svc = start(&backend, T0).await;
    let admin = svc.admin().await;
    let seal = personal_seal(&svc, &admin).await;
    let zhang = holder(&svc, &admin, "zhang", HOLDER_ID).await;
    let li = holder(&svc, &admin, "li", "440524188001010014").await;
    let sign = format!("/api/v1/seals/{seal}/sign");
    let w = Walk {
        svc,
        seal,
        zhang,
        li,
        sign,
    };
    change_the_initial_pin(&w).await;
    let der = sign_and_read_the_ledger(&w).await;
    a_signing_session(&w).await;
    wrong_pins_lock_the_seal(&w).await;
    reset_by_application(&w, &der).await;
    the_walk_is_audited(&w).await;
    w.svc.run.abort();
}

/// Someone else may not use the seal; the initial PIN must be changed first, to a PIN that is not weak.
async fn change_the_initial_pin(w: &Walk) {
    let Walk {
        svc,
        seal,
        zhang,
        li,
        sign,
    } = w;
    // Someone else may not use it; the initial PIN must be changed first.
    let (s, v) = svc
        .call("POST", sign, Some(li), Some(sign_body(INITIAL, b"x")))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_the_holder")),
        "{v}"
    );
    let (s, v) = svc
        .call("POST", sign, Some(zhang), Some(sign_body(INITIAL, b"x")))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("forbidden")),
        "{v}"
    );
    let pin_path = format!("/api/v1/seals/{seal}/pin");
    let (s, v) = svc
        .call(
            "POST",
            &pin_path,
            Some(zhang),
            Some(json!({"old_pin": INITIAL, "new_pin": "123456"})),
        )
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("pin")),
        "{v}"
    );
    let (s, v) = svc
        .call(
            "POST",
            &pin_path,
            Some(zhang),
            Some(json!({"old_pin": INITIAL, "new_pin": PIN})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["age"], "current");
}

/// Sign; the signature verifies against the platform's trust anchors; the ledger names it. Returns the signature.
async fn sign_and_read_the_ledger(w: &Walk) -> Vec<u8> {
    let Walk {
        svc,
        seal,
        zhang,
        li,
        sign,
    } = w;
    let data = LOAN;
    // Sign; the signature verifies against the platform's trust anchors.
    let (s, v) = svc
        .call("POST", sign, Some(zhang), Some(sign_body(PIN, data)))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let der = verifies_offline(svc, &v, data);

    // The ledger: one signed entry naming the signature, document, purpose and signer.
    let (s, ledger) = svc
        .call(
            "GET",
            &format!("/api/v1/seals/{seal}/usages"),
            Some(zhang),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let entries = ledger.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{ledger}");
    assert_eq!(entries[0]["state"]["state"], "signed");
    assert_eq!(
        entries[0]["state"]["signature_sm3"],
        eseal_gm::Sm3Digest::of(&der).to_hex()
    );
    assert_eq!(
        entries[0]["document_sm3"],
        eseal_gm::Sm3Digest::of(data).to_hex()
    );
    assert_eq!(
        (
            entries[0]["signer"].as_str(),
            entries[0]["purpose"].as_str()
        ),
        (Some("zhang"), Some("签订借款合同"))
    );
    let (s, _) = svc
        .call(
            "GET",
            &format!("/api/v1/seals/{seal}/usages"),
            Some(li),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    der
}

/// A signing session: the PIN once, then two signatures with the token; a third is refused (count used up); the token is bound to its user.
async fn a_signing_session(w: &Walk) {
    let Walk {
        svc,
        seal,
        zhang,
        li,
        sign,
    } = w;
    let data = LOAN;
    // A signing session: the PIN once, then two signatures with the token; a third is refused
    // (count used up); the token is bound to its user.
    let (s_, v) = svc
        .call(
            "POST",
            &format!("/api/v1/seals/{seal}/unlock"),
            Some(zhang),
            Some(json!({"pin": PIN, "minutes": 5, "signatures": 2})),
        )
        .await;
    assert_eq!(s_, StatusCode::CREATED, "{v}");
    let token = v["session"].as_str().unwrap().to_owned();
    let with_session = |t: &str| {
        let mut b = sign_body(PIN, data);
        b.as_object_mut().unwrap().remove("pin");
        b["session"] = json!(t);
        b
    };
    let (s_, v) = svc
        .call("POST", sign, Some(li), Some(with_session(&token)))
        .await;
    assert_eq!(
        (s_, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_the_holder")),
        "{v}"
    );
    for _ in 0..2 {
        let (s_, v) = svc
            .call("POST", sign, Some(zhang), Some(with_session(&token)))
            .await;
        assert_eq!(s_, StatusCode::CREATED, "{v}");
    }
    let (s_, v) = svc
        .call("POST", sign, Some(zhang), Some(with_session(&token)))
        .await;
    assert_eq!(
        (s_, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("signing_session_ended")),
        "{v}"
    );
    let (s_, v) = svc
        .call(
            "POST",
            &format!("/api/v1/seals/{seal}/unlock"),
            Some(zhang),
            Some(json!({"pin": PIN, "minutes": 60})),
        )
        .await;
    assert_eq!(
        (s_, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("minutes")),
        "{v}"
    );
}

/// Fifty concurrent wrong PINs: exactly five are evaluated, then the seal is locked.
async fn wrong_pins_lock_the_seal(w: &Walk) {
    let Walk {
        svc, zhang, sign, ..
    } = w;
    let data = LOAN;
    // Fifty concurrent wrong PINs: exactly five are evaluated, then the seal is locked.
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (http, url, token) = (svc.http.clone(), svc.url(sign), zhang.clone());
        tasks.push(tokio::spawn(async move {
            let r = http
                .post(url)
                .bearer_auth(token)
                .json(&sign_body(&format!("{:06}", 900_000 + i), b"y"))
                .send()
                .await
                .unwrap();
            let v: Value = r.json().await.unwrap();
            v["code"].as_str().unwrap_or("").to_owned()
        }));
    }
    let mut codes = std::collections::BTreeMap::new();
    for t in tasks {
        *codes.entry(t.await.unwrap()).or_insert(0) += 1;
    }
    assert_eq!(codes.get("wrong_pin"), Some(&5), "{codes:?}");
    assert_eq!(codes.get("seal_locked"), Some(&45), "{codes:?}");
    let (s, v) = svc
        .call("POST", sign, Some(zhang), Some(sign_body(PIN, data)))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::LOCKED, Some("seal_locked")),
        "{v}"
    );
}

/// Reset by application (R-PIN-1), the old PIN then opens nothing, both signatures verify, and the re-keying is filed once.
async fn reset_by_application(w: &Walk, der: &[u8]) {
    let Walk {
        svc,
        seal,
        zhang,
        li,
        sign,
    } = w;
    let data = LOAN;
    // Reset by application (R-PIN-1): proof needed; a reviewer other than the applicant
    // approves; the applicant completes with a new PIN and the seal is re-keyed.
    let resets = format!("/api/v1/seals/{seal}/pin-resets");
    let id_card = svc.upload(zhang, b"zhang's id card".to_vec()).await;
    let statement = svc
        .upload(zhang, "本人遗忘印章口令，申请重置。".as_bytes().to_vec())
        .await;
    let (s, v) = svc
        .call(
            "POST",
            &resets,
            Some(zhang),
            Some(
                json!({"reason": "忘记口令", "materials": [{"kind": "holder_id", "sm3": id_card}]}),
            ),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("forbidden")),
        "no statement: {v}"
    );
    let (s, v) = svc
        .call(
            "POST",
            &resets,
            Some(li),
            Some(json!({"reason": "x", "materials": []})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_the_holder")),
        "{v}"
    );
    // A digest that is not one is refused where it is read, naming the field, in Chinese;
    // a well-formed digest of nothing uploaded is refused by the one material check.
    let (s, v) = svc
        .call(
            "POST",
            &resets,
            Some(zhang),
            Some(json!({"reason": "x", "materials": [
                {"kind": "holder_id", "sm3": "zz"}, {"kind": "proof", "sm3": statement}]})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("malformed_json")),
        "{v}"
    );
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.contains("materials[0].sm3") && detail.contains("不是十六进制的 SM3 摘要"),
        "{v}"
    );
    let (s, v) = svc
        .call(
            "POST",
            &resets,
            Some(zhang),
            Some(json!({"reason": "x", "materials": [
                {"kind": "holder_id", "sm3": "ab".repeat(32)}, {"kind": "proof", "sm3": statement}]})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str(), v["field"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("invalid_input"),
            Some("materials")
        ),
        "{v}"
    );
    assert!(v["detail"].as_str().unwrap().contains("没有 SM3 为"), "{v}");
    let (s, reset) = svc
        .call(
            "POST",
            &resets,
            Some(zhang),
            Some(json!({"reason": "忘记口令，印章已锁定", "materials": [
                {"kind": "holder_id", "sm3": id_card}, {"kind": "proof", "sm3": statement}]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{reset}");
    let rid = reset["id"].as_str().unwrap().to_owned();
    let (_, before) = svc
        .call("GET", &format!("/api/v1/seals/{seal}"), Some(zhang), None)
        .await;
    let old_serial = before["certificate_serial"].clone();
    assert!(old_serial.is_string(), "{before}");
    let complete = format!("/api/v1/pin-resets/{rid}/complete");
    let (s, v) = svc
        .call(
            "POST",
            &complete,
            Some(zhang),
            Some(json!({"new_pin": NEW_PIN})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("illegal_transition")),
        "not approved yet: {v}"
    );
    svc.clock.advance(time::Duration::seconds(31)); // a fresh TOTP step for new logins
    let reviewer = svc.login("reviewer1", common::PASSWORD).await;
    let (s, listed) = svc
        .call("GET", "/api/v1/pin-resets", Some(&reviewer), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        listed.as_array().unwrap().iter().any(|r| r["id"] == rid),
        "{listed}"
    );
    let (s, v) = svc
        .call(
            "POST",
            &format!("/api/v1/pin-resets/{rid}/approve"),
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = svc
        .call(
            "POST",
            &complete,
            Some(li),
            Some(json!({"new_pin": NEW_PIN})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("forbidden")),
        "someone else: {v}"
    );
    let (s, v) = svc
        .call(
            "POST",
            &complete,
            Some(zhang),
            Some(json!({"new_pin": NEW_PIN})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["reset"]["state"]["state"], "done", "{v}");
    assert_ne!(v["seal"]["certificate_serial"], old_serial, "{v}");
    // The old PIN opens nothing; the new one signs at once (the applicant chose it).
    let (s, v) = svc
        .call("POST", sign, Some(zhang), Some(sign_body(PIN, data)))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("wrong_pin")),
        "{v}"
    );
    let (s, v) = svc
        .call("POST", sign, Some(zhang), Some(sign_body(NEW_PIN, data)))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let after = v["signature"].as_str().unwrap().to_owned();
    // Both the signature from before the reset and the new one verify PASSED online.
    for sig in [b64(der), after] {
        let (s, v) = svc
            .call(
                "POST",
                "/api/v1/verify",
                None,
                Some(json!({"signature": sig, "data": b64(data)})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["indication"], "PASSED", "{v}");
    }
    // The re-keying was filed (备案) with the police: once, and delivered. (Counting pending
    // and delivered in two queries raced with the filing worker moving it between them.)
    let maker = svc.login("maker1", common::PASSWORD).await;
    let mut rekeyed = 0;
    for _ in 0..200 {
        // One delivery pass driven here (the background worker may have made it already).
        let state = &svc.run.state;
        eseal_server::outbox::run_once(state.store(), state.connectors(), state.now(), 10)
            .await
            .unwrap();
        let (s, filings) = svc
            .call("GET", "/api/v1/filings?state=delivered", Some(&maker), None)
            .await;
        assert_eq!(s, StatusCode::OK);
        rekeyed = filings
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                f["filing"]["event"] == "rekeyed"
                    && f["filing"]["seal_id"] == seal.as_str()
                    && f["filing"]["target"] == "police"
            })
            .count();
        if rekeyed > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(rekeyed, 1);
}

/// The audit log has every write of the walk under its actor, gapless, and no PIN.
async fn the_walk_is_audited(w: &Walk) {
    let Walk { svc, .. } = w;
    // The audit log (issue 8) has every write of this walk under its actor, gapless, and no
    // PIN: the holder's PIN change, signatures and reset; the reviewer's decision.
    let log = svc.run.state.store().audit_log(0, 100_000).await.unwrap();
    assert!(log.iter().enumerate().all(|(i, e)| e.seq == i as i64));
    let by = |actor: &str, event: &str, outcome: &str| {
        log.iter()
            .filter(|e| e.actor == actor && e.event == event && e.outcome == outcome)
            .count()
    };
    assert!(
        by("zhang", "usages.update", "state=signed") >= 4,
        "{log:#?}"
    );
    // PIN events show the PIN's state (never the PIN).
    assert!(
        log.iter()
            .filter(|e| e.actor == "zhang" && e.event == "seal_keys.update")
            .any(|e| e.outcome.starts_with("pin failures=0 locked=false")),
        "{log:#?}"
    );
    assert_eq!(by("zhang", "pin_resets.insert", "state=submitted"), 1);
    assert_eq!(by("reviewer1", "pin_resets.update", "state=approved"), 1);
    assert_eq!(by("zhang", "pin_resets.update", "state=done"), 1);
    assert!(by("applicant1", "applications.insert", "state=draft") >= 1);
    // The holder's uploads of the reset's proof materials are audited too.
    assert_eq!(
        log.iter()
            .filter(|e| e.actor == "zhang" && e.event == "materials.insert")
            .count(),
        2
    );
    // (As a JSON value: a bare search could match inside an SM3 hex string by chance.)
    for pin in [INITIAL, PIN, NEW_PIN] {
        let quoted = format!("\"{pin}\"");
        assert!(
            !log.iter().any(|e| e.leaf().contains(&quoted)),
            "PIN {pin} in the audit log"
        );
    }
    // Issue 8: every entry well-formed; this flow's own record kinds audited.
    svc.assert_audited(&[
        "pin_resets.insert",
        "pin_resets.update",
        "seals.update",
        "seal_keys.update",
    ])
    .await;
}

each_backend!(
    signing_with_a_pin => signing,
    threads = 4
);

each_backend!(
    /// The PIN is never stored or logged: neither PIN string occurs in any file of the data
    /// directory (SQLite database, WAL, keys, PKI, simulator state) nor, on PostgreSQL, in a
    /// `pg_dump` of the schema (the form a database backup takes).
    the_pin_is_nowhere_in_the_data_directory => the_pin_is_nowhere_on,
    threads = 2
);

fn assert_no_pin(bytes: &[u8], place: &str) {
    for pin in [INITIAL, PIN] {
        assert!(
            !bytes.windows(pin.len()).any(|w| w == pin.as_bytes()),
            "PIN {pin} found in {place}"
        );
    }
}

async fn the_pin_is_nowhere_on(backend: Backend) {
    let (svc, seal, zhang) = ready_personal_seal(&backend).await;
    let (s, _) = svc
        .call(
            "POST",
            &format!("/api/v1/seals/{seal}/sign"),
            Some(&zhang),
            Some(sign_body(PIN, b"z")),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let mut files = 0;
    let mut stack = vec![svc.config.data.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let bytes = std::fs::read(&p).unwrap();
            files += 1;
            assert_no_pin(&bytes, &p.display().to_string());
        }
    }
    assert!(files >= 4, "only {files} files checked");
    if let Backend::Postgres(url) = &backend {
        let schema = svc.config.database_schema.clone().unwrap();
        let dump = std::process::Command::new("pg_dump")
            .args(["--data-only", "-n", &schema, url])
            .output()
            .expect("pg_dump (PostgreSQL client) must be installed for the PostgreSQL tests");
        assert!(
            dump.status.success(),
            "{}",
            String::from_utf8_lossy(&dump.stderr)
        );
        assert!(
            String::from_utf8_lossy(&dump.stdout).contains("seal_keys"),
            "the dump holds the key table"
        );
        assert_no_pin(&dump.stdout, "pg_dump");
    }
    svc.run.abort();
}

each_backend!(
    /// An intent left by a crash (committed, never completed) is marked aborted by recovery.
    an_unfinished_intent_is_aborted => an_unfinished_intent_is_aborted_on,
    threads = 2
);

async fn an_unfinished_intent_is_aborted_on(backend: Backend) {
    let svc = start(&backend, T0).await;
    let store = svc.run.state.store();
    let intent = eseal_core::Usage::intent(
        "U1",
        &eseal_core::SealId::parse("seal_id", "ES1").unwrap(),
        "zhang",
        &"ab".repeat(32),
        "a.pdf",
        "test",
        None,
        T0,
    )
    .unwrap();
    store
        .commit(eseal_store::Batch::new().insert(&intent).unwrap(), T0)
        .await
        .unwrap();
    svc.clock.advance(time::Duration::minutes(11));
    // Recovery driven here, not waited for (the background pass may have run it already).
    eseal_server::signing::recover(&svc.run.state, eseal_server::signing::INTENT_TIMEOUT)
        .await
        .unwrap();
    let state = store
        .get::<eseal_core::Usage>("U1")
        .await
        .unwrap()
        .unwrap()
        .record
        .state
        .name()
        .to_owned();
    assert_eq!(state, "aborted");
    svc.run.abort();
}

each_backend!(
    /// An official seal signs only under an approved use request (two levels here), only the
    /// approved document, within the count and the window; every refusal is in the ledger.
    official_seal_use_needs_approval => official_seal_use_needs_approval_on,
    threads = 2
);

async fn official_seal_use_needs_approval_on(backend: Backend) {
    use eseal_server::app::DEMO_USCC;
    let svc = start(&backend, T0).await;
    let admin = svc.admin().await;
    let applicant = svc.user(&admin, "applicant1", &["applicant"]).await;
    let reviewer = svc.user(&admin, "reviewer1", &["reviewer"]).await;
    let maker = svc.user(&admin, "maker1", &["maker"]).await;
    let (s, _) = svc
        .call(
            "PUT",
            &format!("/api/v1/organisations/{DEMO_USCC}"),
            Some(&admin),
            Some(json!({"name": "威海市示例科技有限公司", "approval_levels": 2})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let mut tokens = std::collections::HashMap::new();
    for (name, role, org) in [
        ("keeper", "custodian", DEMO_USCC),
        ("a1", "approver", DEMO_USCC),
        ("a2", "approver", DEMO_USCC),
        ("outsider", "approver", "91110000600037341L"),
    ] {
        let (s, v) = svc
            .call("POST", "/api/v1/users", Some(&admin), Some(json!({"username": name, "display_name": name, "roles": [role], "password": common::PASSWORD, "organisation_code": org})))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        tokens.insert(name, svc.login(name, common::PASSWORD).await);
    }
    // Make the demo organisation's contract seal with a platform key.
    let (_, app) = svc
        .call("POST", "/api/v1/applications", Some(&applicant), Some(json!({"kind": {"official": {"business": "contract"}}, "seal_name": "威海市示例科技有限公司合同专用章", "organisation_code": DEMO_USCC})))
        .await;
    let id = app["id"].as_str().unwrap();
    for k in ["business_licence", "agent_id", "authorisation"] {
        let sm3 = svc.upload(&applicant, k.as_bytes().to_vec()).await;
        svc.call(
            "POST",
            &format!("/api/v1/applications/{id}/materials"),
            Some(&applicant),
            Some(json!({"kind": k, "sm3": sm3})),
        )
        .await;
    }
    svc.call(
        "POST",
        &format!("/api/v1/applications/{id}/submit"),
        Some(&applicant),
        None,
    )
    .await;
    svc.call(
        "POST",
        &format!("/api/v1/applications/{id}/approve"),
        Some(&reviewer),
        None,
    )
    .await;
    let (s, made) = svc
        .call(
            "POST",
            &format!("/api/v1/applications/{id}/make"),
            Some(&maker),
            Some(json!({"key": "platform", "pin": INITIAL})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    let seal = made["seal"]["id"].as_str().unwrap().to_owned();
    let keeper = tokens["keeper"].clone();
    let (s, _) = svc
        .call(
            "POST",
            &format!("/api/v1/seals/{seal}/pin"),
            Some(&keeper),
            Some(json!({"old_pin": INITIAL, "new_pin": PIN})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    let doc = "采购合同正文".as_bytes();
    let other = "另一份合同".as_bytes();
    let sign = |data: &'static [u8], request: Option<String>| {
        let svc = &svc;
        let keeper = keeper.clone();
        let seal = seal.clone();
        async move {
            let mut body = sign_body(PIN, data);
            body["use_request"] = json!(request);
            svc.call(
                "POST",
                &format!("/api/v1/seals/{seal}/sign"),
                Some(&keeper),
                Some(body),
            )
            .await
        }
    };
    let code = |r: (StatusCode, Value)| (r.0, r.1["code"].as_str().unwrap_or("").to_owned());

    // No request → refused.
    assert_eq!(
        code(sign(doc, None).await),
        (StatusCode::FORBIDDEN, "use_not_approved".into())
    );
    // A request for doc, 1 stamp, one hour.
    let (s, req) = svc
        .call(
            "POST",
            &format!("/api/v1/seals/{seal}/use-requests"),
            Some(&keeper),
            Some(json!({"documents": [eseal_gm::Sm3Digest::of(doc).to_hex()], "purpose": "签订采购合同", "counterparty": "乙方", "stamps": 1, "not_after": "2026-03-02T10:00:00Z"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{req}");
    let rid = req["id"].as_str().unwrap().to_owned();
    let approve = |who: &'static str| {
        let svc = &svc;
        let t = tokens[who].clone();
        let rid = rid.clone();
        async move {
            svc.call(
                "POST",
                &format!("/api/v1/use-requests/{rid}/approve"),
                Some(&t),
                None,
            )
            .await
        }
    };
    // Another organisation's approver does not see it; the first level leaves it pending.
    assert_eq!(approve("outsider").await.0, StatusCode::NOT_FOUND);
    let (s, v) = approve("a1").await;
    assert_eq!(
        (s, v["state"]["state"].as_str()),
        (StatusCode::OK, Some("pending"))
    );
    assert_eq!(
        code(sign(doc, Some(rid.clone())).await),
        (StatusCode::FORBIDDEN, "use_not_approved".into())
    );
    assert_eq!(
        approve("a1").await.0,
        StatusCode::UNPROCESSABLE_ENTITY,
        "same approver twice"
    );
    let (s, v) = approve("a2").await;
    assert_eq!(
        (s, v["state"]["state"].as_str()),
        (StatusCode::OK, Some("approved"))
    );
    // Wrong document → refused; the approved one → signed; again → the count is used up.
    assert_eq!(
        code(sign(other, Some(rid.clone())).await),
        (StatusCode::FORBIDDEN, "use_not_approved".into())
    );
    let (s, v) = sign(doc, Some(rid.clone())).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["usage"]["approval"], rid.as_str());
    assert_eq!(
        code(sign(doc, Some(rid.clone())).await),
        (StatusCode::FORBIDDEN, "use_not_approved".into())
    );
    // After the window → refused.
    svc.clock.advance(time::Duration::hours(2));
    let keeper = svc.login("keeper", common::PASSWORD).await;
    let a1 = svc.login("a1", common::PASSWORD).await;
    let mut body = sign_body(PIN, doc);
    body["use_request"] = json!(rid);
    let late = svc
        .call(
            "POST",
            &format!("/api/v1/seals/{seal}/sign"),
            Some(&keeper),
            Some(body),
        )
        .await;
    assert_eq!(
        code(late),
        (StatusCode::FORBIDDEN, "use_not_approved".into())
    );

    // The ledger: one signed, five refusals with their reasons.
    let (s, ledger) = svc
        .call(
            "GET",
            &format!("/api/v1/seals/{seal}/usages"),
            Some(&a1),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let states: Vec<&str> = ledger
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["state"]["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states.iter().filter(|s| **s == "signed").count(),
        1,
        "{ledger}"
    );
    assert_eq!(
        states.iter().filter(|s| **s == "aborted").count(),
        5,
        "{ledger}"
    );
    assert!(
        ledger
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["state"]["state"] == "signed"
                || u["state"]["why"].as_str().unwrap().starts_with("refused"))
    );

    // An OFD under its own approved request: signed with a stamp, verified online PASSED, the
    // registry naming the ledger entry and its approval.
    let a2 = svc.login("a2", common::PASSWORD).await;
    let ofd = eseal_testkit::ofd::ofd_of(4096);
    let (s, req) = svc
        .call(
            "POST",
            &format!("/api/v1/seals/{seal}/use-requests"),
            Some(&keeper),
            Some(json!({"documents": [eseal_gm::Sm3Digest::of(&ofd).to_hex()], "purpose": "签订采购合同", "counterparty": "乙方", "stamps": 1, "not_after": "2026-03-02T14:00:00Z"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{req}");
    let rid2 = req["id"].as_str().unwrap().to_owned();
    for t in [&a1, &a2] {
        let (s, v) = svc
            .call(
                "POST",
                &format!("/api/v1/use-requests/{rid2}/approve"),
                Some(t),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s, v) = svc
        .call(
            "POST",
            &format!("/api/v1/seals/{seal}/sign/ofd"),
            Some(&keeper),
            Some(json!({"pin": PIN, "ofd": b64(&ofd), "placement": {"page": {"page": 1, "x": 60, "y": 60}}, "document_name": "采购合同.ofd", "purpose": "签订采购合同", "counterparty": "乙方", "use_request": rid2})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, checked) = svc
        .call(
            "POST",
            "/api/v1/verify",
            None,
            Some(json!({"ofd": v["ofd"]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(checked["indication"], "PASSED", "{checked}");
    let reg = &checked["signatures"][0]["registry"];
    assert_eq!(reg["made_here"], true, "{checked}");
    assert_eq!(reg["ledger"]["id"], v["usage"]["id"], "{checked}");
    assert_eq!(reg["ledger"]["approval"], rid2.as_str(), "{checked}");
    // Issue 8: every entry well-formed; this flow's own record kinds audited.
    svc.assert_audited(&["use_requests.insert", "use_requests.update"])
        .await;
    svc.run.abort();
}

each_backend!(
    /// The external signer: the key stays in the holder's device. The platform prepares the
    /// exact bytes, the device signs them, the platform checks the signature against the bound
    /// certificate and assembles the SES_Signature; a wrong signature is refused and the intent
    /// aborted.
    external_signer_round_trip => external_signer_round_trip_on,
    threads = 2
);

async fn external_signer_round_trip_on(backend: Backend) {
    let svc = start(&backend, T0).await;
    let admin = svc.admin().await;
    register_holder(&svc, &admin, HOLDER_ID).await;
    let applicant = svc.user(&admin, "applicant1", &["applicant"]).await;
    let reviewer = svc.user(&admin, "reviewer1", &["reviewer"]).await;
    let maker = svc.user(&admin, "maker1", &["maker"]).await;
    let (_, app) = svc
        .call(
            "POST",
            "/api/v1/applications",
            Some(&applicant),
            Some(json!({"kind": "personal", "seal_name": "张三丰", "holder_id": HOLDER_ID})),
        )
        .await;
    let id = app["id"].as_str().unwrap();
    let sm3 = svc.upload(&applicant, b"id card".to_vec()).await;
    svc.call(
        "POST",
        &format!("/api/v1/applications/{id}/materials"),
        Some(&applicant),
        Some(json!({"kind": "holder_id", "sm3": sm3})),
    )
    .await;
    svc.call(
        "POST",
        &format!("/api/v1/applications/{id}/submit"),
        Some(&applicant),
        None,
    )
    .await;
    svc.call(
        "POST",
        &format!("/api/v1/applications/{id}/approve"),
        Some(&reviewer),
        None,
    )
    .await;
    // The device's key and its certificate (from the platform's CA, as an enrolment would).
    let random = eseal_gm::provider::SeededRandom::new(b"usb key");
    let device_key = eseal_gm::Sm2PrivateKey::generate(&random).unwrap();
    let cert = common::device_certificate(&svc.run.state, "/C=CN/CN=张三丰", &device_key, T0);
    let impression = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/image/square.png"
    ))
    .unwrap();
    let (s, made) = svc
        .call("POST", &format!("/api/v1/applications/{id}/make"), Some(&maker), Some(json!({"key": "device", "certificate": cert.to_pem(), "impression": b64(&impression)})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    let seal = made["seal"]["id"].as_str().unwrap().to_owned();
    let zhang = holder(&svc, &admin, "zhang", HOLDER_ID).await;

    let data = "授权委托书".as_bytes();
    let prepare = || {
        let svc = &svc;
        let zhang = zhang.clone();
        let seal = seal.clone();
        async move {
            let (s, v) = svc
                .call("POST", &format!("/api/v1/seals/{seal}/sign/prepare"), Some(&zhang), Some(json!({"data": b64(data), "document_name": "授权委托书.ofd", "purpose": "委托办理"})))
                .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            let tbs = <base64ct::Base64 as base64ct::Encoding>::decode_vec(
                v["to_be_signed"].as_str().unwrap(),
            )
            .unwrap();
            (v["usage"]["id"].as_str().unwrap().to_owned(), tbs)
        }
    };
    let finish = |usage: String, sig: Vec<u8>| {
        let svc = &svc;
        let zhang = zhang.clone();
        async move {
            svc.call(
                "POST",
                &format!("/api/v1/usages/{usage}/finish"),
                Some(&zhang),
                Some(json!({"signature": b64(&sig)})),
            )
            .await
        }
    };
    // A signature by another key is refused, and that intent is aborted.
    let (u1, tbs1) = prepare().await;
    let intruder = eseal_gm::Sm2PrivateKey::generate(&random).unwrap();
    let bad = intruder
        .sign(&eseal_gm::SignerId::default(), &tbs1)
        .unwrap()
        .to_der();
    let (s, v) = finish(u1.clone(), bad).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("signature_invalid")),
        "{v}"
    );
    let good_for_u1 = device_key
        .sign(&eseal_gm::SignerId::default(), &tbs1)
        .unwrap()
        .to_der();
    let (s, v) = finish(u1, good_for_u1).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("illegal_transition")),
        "aborted stays aborted: {v}"
    );
    // The device signs the prepared bytes: accepted, and the result verifies PASSED.
    let (u2, tbs2) = prepare().await;
    let sig = device_key
        .sign(&eseal_gm::SignerId::default(), &tbs2)
        .unwrap()
        .to_der();
    let (s, v) = finish(u2, sig).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let der = verifies_offline(&svc, &v, data);
    // The PIN path does not apply to a device key.
    let (s, v) = svc
        .call(
            "POST",
            &format!("/api/v1/seals/{seal}/sign"),
            Some(&zhang),
            Some(sign_body(PIN, data)),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("forbidden")),
        "{v}"
    );
    let (_, ledger) = svc
        .call(
            "GET",
            &format!("/api/v1/seals/{seal}/usages"),
            Some(&zhang),
            None,
        )
        .await;
    let states: Vec<&str> = ledger
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["state"]["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states.iter().filter(|s| **s == "signed").count(),
        1,
        "{ledger}"
    );
    assert_eq!(
        states.iter().filter(|s| **s == "aborted").count(),
        1,
        "{ledger}"
    );
    // Online verification: PASSED, made here, valid at signing time, the ledger entry found.
    let verify = |sig: Vec<u8>| {
        let svc = &svc;
        async move {
            let (s, v) = svc
                .call(
                    "POST",
                    "/api/v1/verify",
                    None,
                    Some(json!({"signature": b64(&sig), "data": b64(data)})),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            v
        }
    };
    let v = verify(der.clone()).await;
    assert_eq!(v["indication"], "PASSED", "{v}");
    let reg = &v["signatures"][0]["registry"];
    assert_eq!(
        (reg["made_here"].as_bool(), reg["time_source"].as_str()),
        (Some(true), Some("timestamp")),
        "{v}"
    );
    assert_eq!(reg["status_at_signing"]["status"], "valid");
    assert_eq!(reg["ledger"]["signer"], "zhang");

    // Revoke the seal; a signature the device makes afterwards (offline, with the seal data)
    // verifies FAILED (REVOKED) online, the earlier one still PASSED.
    svc.clock.advance(time::Duration::minutes(1));
    let maker = svc.login("maker1", common::PASSWORD).await;
    let proof = svc.upload(&maker, b"loss report".to_vec()).await;
    let (s, v) = svc
        .call(
            "POST",
            &format!("/api/v1/seals/{seal}/revoke"),
            Some(&maker),
            Some(json!({"reason": "stolen_or_lost", "proof": [proof]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    svc.clock.advance(time::Duration::minutes(1));
    let seal_data = svc
        .http
        .get(svc.url(&format!("/api/v1/seals/{seal}/data")))
        .bearer_auth(&maker)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let (seal_obj, _) = eseal_ses::AnySeal::decode(&seal_data).unwrap();
    let late = eseal_ses::prepare_signature(
        &seal_obj,
        cert.der(),
        &eseal_ses::SignRequest {
            data_hash: eseal_gm::Sm3Digest::of(data),
            signing_time: svc.clock.now(),
            property_info: "late.ofd".into(),
        },
    )
    .unwrap()
    .sign(&eseal_gm::provider::SoftwareSigner::new(device_key.clone()))
    .unwrap();
    let v = verify(late.raw().to_vec()).await;
    assert_eq!(v["indication"], "FAILED", "{v}");
    // Offline, the certificate is on the CA's revocation list now too.
    assert_eq!(v["signatures"][0]["offline_indication"], "FAILED", "{v}");
    assert!(
        v["signatures"][0]["registry"]["verdict"]
            .as_str()
            .unwrap()
            .starts_with("REVOKED"),
        "{v}"
    );
    let v = verify(der.clone()).await;
    assert_eq!(v["indication"], "PASSED", "the earlier signature: {v}");
    svc.run.abort();
}

each_backend!(
    /// A position seal (财务负责人) signs for its holder only within the scope its organisation
    /// set: document type, business category, amount; outside it → refused and recorded.
    position_seal_signs_within_its_scope => position_seal_signs_within_its_scope_on,
    threads = 2
);

async fn position_seal_signs_within_its_scope_on(backend: Backend) {
    use eseal_server::app::DEMO_USCC;
    let svc = start(&backend, T0).await;
    let admin = svc.admin().await;
    register_holder(&svc, &admin, HOLDER_ID).await;
    let applicant = svc.user(&admin, "applicant1", &["applicant"]).await;
    let reviewer = svc.user(&admin, "reviewer1", &["reviewer"]).await;
    let maker = svc.user(&admin, "maker1", &["maker"]).await;
    let (_, app) = svc
        .call("POST", "/api/v1/applications", Some(&applicant), Some(json!({"kind": {"position": "finance_head"}, "seal_name": "张三丰", "organisation_code": DEMO_USCC, "holder_id": HOLDER_ID})))
        .await;
    let id = app["id"].as_str().unwrap();
    for k in ["business_licence", "holder_id", "agent_id", "authorisation"] {
        let sm3 = svc.upload(&applicant, k.as_bytes().to_vec()).await;
        svc.call(
            "POST",
            &format!("/api/v1/applications/{id}/materials"),
            Some(&applicant),
            Some(json!({"kind": k, "sm3": sm3})),
        )
        .await;
    }
    let (s, v) = svc
        .call(
            "POST",
            &format!("/api/v1/applications/{id}/submit"),
            Some(&applicant),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    svc.call(
        "POST",
        &format!("/api/v1/applications/{id}/approve"),
        Some(&reviewer),
        None,
    )
    .await;
    let impression = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/image/square.png"
    ))
    .unwrap();
    let (s, made) = svc
        .call(
            "POST",
            &format!("/api/v1/applications/{id}/make"),
            Some(&maker),
            Some(json!({"key": "platform", "pin": INITIAL, "impression": b64(&impression)})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    let seal = made["seal"]["id"].as_str().unwrap().to_owned();
    let zhang = holder(&svc, &admin, "zhang", HOLDER_ID).await;
    let (s, _) = svc
        .call(
            "POST",
            &format!("/api/v1/seals/{seal}/pin"),
            Some(&zhang),
            Some(json!({"old_pin": INITIAL, "new_pin": PIN})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let sign = |doc_type: &str, category: &str, amount: u64| {
        let svc = &svc;
        let zhang = zhang.clone();
        let seal = seal.clone();
        let mut body = sign_body(PIN, b"expense claim");
        body["document_type"] = json!(doc_type);
        body["business_category"] = json!(category);
        body["amount"] = json!(amount);
        async move {
            let (s, v) = svc
                .call(
                    "POST",
                    &format!("/api/v1/seals/{seal}/sign"),
                    Some(&zhang),
                    Some(body),
                )
                .await;
            (s, v["code"].as_str().unwrap_or("").to_owned())
        }
    };
    // No scope yet → refused.
    assert_eq!(
        sign("报销单", "财务", 100).await,
        (StatusCode::FORBIDDEN, "out_of_scope".into())
    );
    let (s, v) = svc
        .call("POST", "/api/v1/users", Some(&admin), Some(json!({"username": "keeper", "display_name": "keeper", "roles": ["custodian"], "password": common::PASSWORD, "organisation_code": DEMO_USCC})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let keeper = svc.login("keeper", common::PASSWORD).await;
    let (s, v) = svc
        .call("PUT", &format!("/api/v1/seals/{seal}/scope"), Some(&keeper), Some(json!({"document_types": ["报销单"], "business_categories": ["财务"], "amount_limit": 50000})))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        sign("合同", "财务", 100).await,
        (StatusCode::FORBIDDEN, "out_of_scope".into())
    );
    assert_eq!(
        sign("报销单", "采购", 100).await,
        (StatusCode::FORBIDDEN, "out_of_scope".into())
    );
    assert_eq!(
        sign("报销单", "财务", 50_001).await,
        (StatusCode::FORBIDDEN, "out_of_scope".into())
    );
    assert_eq!(sign("报销单", "财务", 50_000).await.0, StatusCode::CREATED);
    let (_, ledger) = svc
        .call(
            "GET",
            &format!("/api/v1/seals/{seal}/usages"),
            Some(&zhang),
            None,
        )
        .await;
    let states: Vec<&str> = ledger
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["state"]["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states.iter().filter(|s| **s == "signed").count(),
        1,
        "{ledger}"
    );
    assert_eq!(
        states.iter().filter(|s| **s == "aborted").count(),
        4,
        "{ledger}"
    );
    // Issue 8: every entry well-formed; this flow's own record kinds audited.
    svc.assert_audited(&["position_scopes.insert"]).await;
    svc.run.abort();
}

each_backend!(
    /// An OFD signed through the API with a visible stamp verifies PASSED, and the ledger
    /// records the unsigned document's SM3 and the signed file's.
    ofd_signed_through_the_api_verifies => ofd_signed_through_the_api_verifies_on,
    threads = 2,
    #[cfg_attr(
        eseal_skip_samples,
        ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
    )]
);

async fn ofd_signed_through_the_api_verifies_on(backend: Backend) {
    let Some(samples) = eseal_testkit::samples() else {
        return;
    };
    let input = std::fs::read(samples.join("helloworld.ofd")).unwrap();
    let (svc, seal, zhang) = ready_personal_seal(&backend).await;
    let (s, v) = svc
        .call(
            "POST",
            &format!("/api/v1/seals/{seal}/sign/ofd"),
            Some(&zhang),
            Some(json!({"pin": PIN, "ofd": b64(&input), "placement": {"page": {"page": 1, "x": 100, "y": 150}}, "document_name": "helloworld.ofd", "purpose": "确认"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let signed =
        <base64ct::Base64 as base64ct::Encoding>::decode_vec(v["ofd"].as_str().unwrap()).unwrap();
    assert_eq!(
        v["usage"]["document_sm3"],
        eseal_gm::Sm3Digest::of(&input).to_hex()
    );
    // The ledger names the signed package by its SM3 and keeps the SES_Signature itself.
    assert_eq!(
        v["usage"]["state"]["document_out_sm3"],
        eseal_gm::Sm3Digest::of(&signed).to_hex()
    );
    let mut pkg = eseal_doc::Package::open(std::io::Cursor::new(signed)).unwrap();
    let policy = eseal_ses::VerifyPolicy {
        chain_validator: Some(std::sync::Arc::new(eseal_doc::trust::PkiValidator {
            store: svc.run.state.pki().trust(svc.clock.now()).unwrap(),
        })),
        ..Default::default()
    };
    let report =
        eseal_doc::verify_ofd(&mut pkg, &policy, &eseal_gm::provider::SoftwareVerifier).unwrap();
    assert_eq!(
        report.indication(),
        eseal_ses::Indication::Passed,
        "{report:?}"
    );
    // The platform TSA stamped the OFD's SES_Signature too (issue 7 item 5).
    let ours = report.signatures.last().unwrap();
    assert_eq!(
        v["usage"]["state"]["signature_sm3"],
        eseal_gm::Sm3Digest::of(&ours.signed_value).to_hex()
    );
    assert_eq!(
        ours.report.outcome(eseal_ses::CheckId::SignatureTimestamp),
        Some(eseal_ses::Outcome::Passed),
        "{report:?}"
    );
    // Not an OFD → 422 with a code, and the intent is aborted (never a signature unknown to
    // the ledger).
    let (s, v) = svc
        .call(
            "POST",
            &format!("/api/v1/seals/{seal}/sign/ofd"),
            Some(&zhang),
            Some(json!({"pin": PIN, "ofd": b64(b"not a zip"), "placement": {"keyword": "甲方"}, "document_name": "x.ofd", "purpose": "确认"})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_document")),
        "{v}"
    );
    svc.run.abort();
}

/// A PDF printed by Chromium (testdata/pdf/NOTES.md).
const PDF: &[u8] = include_bytes!("../../../../testdata/pdf/chromium.pdf");

each_backend!(
    /// Batch signing: one PIN for several documents; each gets its own ledger entry and
    /// signature; a broken OFD in the batch fails alone (its intent aborted); limits enforced.
    batch_signing => batch_signing_on,
    threads = 2
);

async fn batch_signing_on(backend: Backend) {
    let (svc, seal, zhang) = ready_personal_seal(&backend).await;
    let batch = format!("/api/v1/seals/{seal}/sign/batch");
    let docs: Vec<Vec<u8>> = (0..3)
        .map(|i| format!("第{i}份借款合同").into_bytes())
        .collect();
    let (s, v) = svc
        .call(
            "POST",
            &batch,
            Some(&zhang),
            Some(json!({"pin": PIN, "purpose": "批量签署", "documents": [
                {"document_name": "a.pdf", "data": b64(&docs[0])},
                {"document_name": "b.pdf", "data": b64(&docs[1])},
                {"document_name": "c.pdf", "document_sm3": eseal_gm::Sm3Digest::of(&docs[2]).to_hex()},
                {"document_name": "broken.ofd", "ofd": b64(b"not a zip"), "placement": {"keyword": "甲方"}},
                {"document_name": "合同.pdf", "pdf": b64(PDF), "placement": {"page": {"page": 1, "x": 120, "y": 30}}, "form": "cms", "certify": 2},
                {"document_name": "broken.pdf", "pdf": b64(b"%PDF-1.7 no more")},
            ]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 6);
    assert_eq!(results[3]["error"]["code"], "invalid_document", "{v}");
    assert_eq!(results[5]["error"]["code"], "invalid_document", "{v}");
    // The PDF: its bytes, then the signature; verified online PASSED with its ledger entry.
    let pdf =
        <base64ct::Base64 as base64ct::Encoding>::decode_vec(results[4]["pdf"].as_str().unwrap())
            .unwrap();
    assert!(pdf.starts_with(PDF) && pdf.len() > PDF.len());
    // The ledger names the input and the signed file by their SM3 (both from one pass over
    // the input, the signed file's continued over the update).
    let state = &results[4]["usage"];
    assert_eq!(state["document_sm3"], eseal_gm::Sm3Digest::of(PDF).to_hex());
    assert_eq!(
        state["state"]["document_out_sm3"],
        eseal_gm::Sm3Digest::of(&pdf).to_hex()
    );
    let update = String::from_utf8_lossy(&pdf[PDF.len()..]).into_owned();
    assert!(
        update.contains("/adbe.pkcs7.detached") && update.contains("/DocMDP"),
        "the batch's PDF in the CMS form, certifying"
    );
    let (s, verified) = svc
        .call(
            "POST",
            "/api/v1/verify",
            None,
            Some(json!({"pdf": results[4]["pdf"]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{verified}");
    assert_eq!(verified["indication"], "PASSED", "{verified}");
    assert_eq!(
        verified["signatures"][0]["registry"]["ledger"]["id"],
        results[4]["usage"]["id"]
    );
    // A certifying signature (DocMDP level 1) over the API: it verifies; a signature added
    // after it breaks the certification, and the report says why.
    let one_pdf = format!("/api/v1/seals/{seal}/sign/pdf");
    let sign_pdf = |pdf: Value, certify: Value| {
        svc.call(
            "POST",
            &one_pdf,
            Some(&zhang),
            Some(json!({"pin": PIN, "pdf": pdf, "certify": certify, "document_name": "公文.pdf", "purpose": "发文"})),
        )
    };
    let (s, certified) = sign_pdf(json!(b64(PDF)), json!(1)).await;
    assert_eq!(s, StatusCode::CREATED, "{certified}");
    let file =
        <base64ct::Base64 as base64ct::Encoding>::decode_vec(certified["pdf"].as_str().unwrap())
            .unwrap();
    assert_eq!(
        certified["usage"]["document_sm3"],
        eseal_gm::Sm3Digest::of(PDF).to_hex()
    );
    assert_eq!(
        certified["usage"]["state"]["document_out_sm3"],
        eseal_gm::Sm3Digest::of(&file).to_hex()
    );
    let (s, after) = sign_pdf(certified["pdf"].clone(), Value::Null).await;
    assert_eq!(s, StatusCode::CREATED, "{after}");
    let (_, v) = svc
        .call(
            "POST",
            "/api/v1/verify",
            None,
            Some(json!({"pdf": after["pdf"]})),
        )
        .await;
    assert_eq!(v["signatures"][0]["indication"], "FAILED", "{v}");
    assert!(v.to_string().contains("DocMDP"), "{v}");
    assert_eq!(v["signatures"][1]["indication"], "PASSED", "{v}");
    // Form (a): a CMS SignedData with SM2/SM3 and the platform's timestamp; the registry
    // finds it in the ledger by the signature value and takes the seal's status at the
    // timestamp's time.
    let (s, cms) = svc
        .call(
            "POST",
            &one_pdf,
            Some(&zhang),
            Some(json!({"pin": PIN, "pdf": b64(PDF), "form": "cms", "placement": {"page": 1, "x": 20, "y": 30}, "document_name": "合同.pdf", "purpose": "合同"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{cms}");
    let (_, v) = svc
        .call(
            "POST",
            "/api/v1/verify",
            None,
            Some(json!({"pdf": cms["pdf"]})),
        )
        .await;
    assert_eq!(v["indication"], "PASSED", "{v}");
    let found = &v["signatures"][0];
    assert_eq!(found["registry"]["ledger"]["id"], cms["usage"]["id"], "{v}");
    assert_eq!(found["registry"]["time_source"], "timestamp", "{v}");
    assert_eq!(
        found["registry"]["status_at_signing"]["status"], "valid",
        "{v}"
    );
    assert!(v.to_string().contains("CMS SignedData"), "{v}");
    let (s, bad) = svc
        .call(
            "POST",
            &one_pdf,
            Some(&zhang),
            Some(json!({"pin": PIN, "pdf": b64(PDF), "form": "pkcs12", "document_name": "x.pdf", "purpose": "p"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert!(bad["detail"].as_str().unwrap().contains("form"), "{bad}");
    // A PDF on a keyword: the stamp goes where 甲方 is drawn.
    let (s, kw) = svc
        .call(
            "POST",
            &one_pdf,
            Some(&zhang),
            Some(json!({"pin": PIN, "pdf": b64(PDF), "placement": {"keyword": "甲方"}, "document_name": "k.pdf", "purpose": "p"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{kw}");
    let (s, missing) = svc
        .call(
            "POST",
            &one_pdf,
            Some(&zhang),
            Some(json!({"pin": PIN, "pdf": b64(PDF), "placement": {"keyword": "乙方"}, "document_name": "k.pdf", "purpose": "p"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{missing}");
    assert!(
        missing["detail"].as_str().unwrap().contains("乙方"),
        "{missing}"
    );
    // An OFD and a PDF at once is refused; a form or certification for what is not a PDF.
    for (doc, field) in [
        (
            json!({"document_name": "d", "data": b64(b"x"), "form": "cms"}),
            "form",
        ),
        (
            json!({"document_name": "two", "pdf": b64(PDF), "ofd": b64(b"x"), "placement": {"riding": {"y": 10}}}),
            "pdf",
        ),
    ] {
        let (s, v) = svc
            .call(
                "POST",
                &batch,
                Some(&zhang),
                Some(json!({"pin": PIN, "purpose": "p", "documents": [doc]})),
            )
            .await;
        assert_eq!(
            (s, v["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{v}"
        );
    }
    for (i, r) in results[..3].iter().enumerate() {
        assert_eq!(r["usage"]["state"]["state"], "signed", "{r}");
        verifies_online_in_the_ledger(
            &svc,
            json!({"signature": r["signature"], "data": b64(&docs[i])}),
            &r["usage"]["id"],
        )
        .await;
    }
    let (_, ledger) = svc
        .call(
            "GET",
            &format!("/api/v1/seals/{seal}/usages"),
            Some(&zhang),
            None,
        )
        .await;
    let states: Vec<&str> = ledger
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["state"]["state"].as_str().unwrap())
        .collect();
    assert_eq!(states.iter().filter(|s| **s == "signed").count(), 8);
    assert_eq!(
        states.iter().filter(|s| **s == "aborted").count(),
        3,
        "the keyword not found: aborted"
    );
    assert!(!states.contains(&"intent"), "{ledger}");

    // Limits: empty, over 100, a document without data, a wrong PIN (counted once).
    let many: Vec<Value> = (0..101)
        .map(|i| json!({"document_name": format!("{i}.pdf"), "data": b64(b"x")}))
        .collect();
    for (body, field) in [
        (
            json!({"pin": PIN, "purpose": "p", "documents": []}),
            "documents",
        ),
        (
            json!({"pin": PIN, "purpose": "p", "documents": many}),
            "documents",
        ),
        (
            json!({"pin": PIN, "purpose": "p", "documents": [{"document_name": "x"}]}),
            "data",
        ),
    ] {
        let (s, v) = svc.call("POST", &batch, Some(&zhang), Some(body)).await;
        assert_eq!(
            (s, v["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{v}"
        );
    }
    let (s, v) = svc
        .call(
            "POST",
            &batch,
            Some(&zhang),
            Some(json!({"pin": "000111", "purpose": "p", "documents": [
                {"document_name": "a", "data": b64(b"a")}, {"document_name": "b", "data": b64(b"b")}]})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("wrong_pin")),
        "{v}"
    );
    assert!(
        v["detail"].as_str().unwrap().contains("再错 4 次"),
        "one attempt for the whole batch: {v}"
    );

    // Six hundred more under one signing session: the ledger entry of the last one is still
    // found by online verification (looked up by the signature, not among the first rows).
    let (s, v) = svc
        .call(
            "POST",
            &format!("/api/v1/seals/{seal}/unlock"),
            Some(&zhang),
            Some(json!({"pin": PIN, "minutes": 10, "signatures": 600})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let session = v["session"].clone();
    let mut last = None;
    for round in 0..6 {
        let documents: Vec<Value> = (0..100)
            .map(|i| json!({"document_name": format!("{round}-{i}.pdf"), "document_sm3": eseal_gm::Sm3Digest::of(format!("{round}-{i}").as_bytes()).to_hex()}))
            .collect();
        let (s, v) = svc
            .call(
                "POST",
                &batch,
                Some(&zhang),
                Some(json!({"session": session, "purpose": "批量签署", "documents": documents})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        last = Some(v["results"][99].clone());
    }
    let last = last.unwrap();
    verifies_online_in_the_ledger(
        &svc,
        json!({"signature": last["signature"], "data_sm3": eseal_gm::Sm3Digest::of(b"5-99").to_hex()}),
        &last["usage"]["id"],
    )
    .await;
    // The session is used up: 600 signatures.
    let (s, v) = svc
        .call(
            "POST",
            &batch,
            Some(&zhang),
            Some(json!({"session": session, "purpose": "p", "documents": [{"document_name": "x", "data": b64(b"x")}]})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("signing_session_ended")),
        "{v}"
    );
    svc.run.abort();
}
