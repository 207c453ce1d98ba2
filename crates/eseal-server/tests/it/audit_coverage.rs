//! Issue 8, on SQLite and PostgreSQL:
//! * fail-closed — with audit appends failing at the database (an injected trigger), each
//!   audited operation of a seal's life (login, user creation, application, material upload,
//!   submission, review, making, PIN change, signing, revocation) answers an error and writes
//!   nothing at all; once the audit log accepts entries again the same operation succeeds;
//! * coverage — after that life, every entry carries time, actor, event, object and outcome,
//!   and every event kind the life touches is there (record writes of each table the service
//!   writes, artefacts, materials, logins and their failures, lockouts, logout, service start,
//!   export, and — 181 days on — archiving): every explicit `Event` kind occurs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use crate::common;

use base64ct::{Base64, Encoding};
use common::{Backend, Service, start};
use eseal_gm::provider::Clock;
use eseal_server::fixture::{PASSWORD, PIN};
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::macros::datetime;

each_backend!(
    audit_is_fail_closed_and_covers_every_event => on,
    threads = 2
);

/// Runs `op` with the audit log refusing entries: it must fail and write nothing; then again
/// with the log working: it must succeed. Returns the second answer.
async fn fail_closed<F, Fut>(svc: &Service, what: &str, op: F) -> (StatusCode, Value)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = (StatusCode, Value)>,
{
    let before = svc.written().await;
    svc.audit_down().await;
    let (s, v) = op().await;
    svc.audit_up().await;
    assert!(
        s.is_server_error(),
        "{what} with the audit log down: {s} {v}"
    );
    assert_eq!(
        svc.written().await,
        before,
        "{what} wrote something without its audit entry"
    );
    let (s, v) = op().await;
    assert!(s.is_success(), "{what} with the audit log up: {s} {v}");
    (s, v)
}

async fn post(
    svc: &Service,
    path: String,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    svc.call("POST", &path, token, body).await
}

async fn login(svc: &Service, user: &str, password: &str) -> (StatusCode, Value) {
    let totp = svc.totp(user).await;
    svc.call(
        "POST",
        "/api/v1/login",
        None,
        Some(json!({"username": user, "password": password, "totp": totp})),
    )
    .await
}

/// Who the later steps act as, logged in: the maker and the first administrator.
struct Staff {
    maker: String,
    admin: String,
}

async fn on(backend: Backend) {
    let svc = start(&backend, datetime!(2026-06-01 09:00 UTC)).await;
    let fx = eseal_server::fixture::personal_seal(&svc.run)
        .await
        .unwrap();
    svc.clock.advance(time::Duration::seconds(31));

    let (staff, seal) = every_kind_of_write(&svc, &fx).await;
    let seen = the_log_says_who_did_what(&svc).await;
    the_auditor_reads_it_and_others_may_not(&svc, &staff, &seal).await;
    archived_after_181_days_and_every_kind_occurred(&svc, &seen).await;
    svc.run.abort();
}

/// Every kind of write, each also tried while the audit log fails (and refused then): logins,
/// users, an application made into a seal, the fixture seal's PIN change, signing and
/// revocation, failed logins, the filing delivered, a logout, an export.
async fn every_kind_of_write(
    svc: &Service,
    fx: &eseal_server::fixture::SigningFixture,
) -> (Staff, String) {
    // Login (a session and the user's last TOTP step are written).
    let (_, v) = fail_closed(svc, "login", || login(svc, "maker", PASSWORD)).await;
    let maker = v["token"].as_str().unwrap().to_owned();
    let (_, v) = login(svc, "applicant", PASSWORD).await;
    let applicant = v["token"].as_str().unwrap().to_owned();
    let (_, v) = login(svc, "reviewer", PASSWORD).await;
    let reviewer = v["token"].as_str().unwrap().to_owned();
    let a = svc.run.first_admin.clone().unwrap();
    let (_, v) = login(svc, &a.username, &a.password).await;
    let admin = v["token"].as_str().unwrap().to_owned();

    fail_closed(svc, "user creation", || {
        svc.call(
            "POST",
            "/api/v1/users",
            Some(&admin),
            Some(json!({"username": "li", "display_name": "李四", "roles": ["holder"], "password": PASSWORD, "citizen_id": "110105198001010016"})),
        )
    })
    .await;
    let (_, app) = fail_closed(svc, "application", || {
        svc.call(
            "POST",
            "/api/v1/applications",
            Some(&applicant),
            Some(
                json!({"kind": "personal", "seal_name": "李四", "holder_id": "110105198001010016"}),
            ),
        )
    })
    .await;
    let id = app["id"].as_str().unwrap().to_owned();
    let (_, m) = fail_closed(svc, "material upload", || async {
        let r = svc
            .http
            .post(svc.url("/api/v1/materials"))
            .bearer_auth(&applicant)
            .body("li id card")
            .send()
            .await
            .unwrap();
        (r.status(), r.json::<Value>().await.unwrap_or(Value::Null))
    })
    .await;
    let sm3 = m["sm3"].as_str().unwrap().to_owned();
    fail_closed(svc, "material attached", || {
        post(
            svc,
            format!("/api/v1/applications/{id}/materials"),
            Some(&applicant),
            Some(json!({"kind": "holder_id", "sm3": sm3})),
        )
    })
    .await;
    fail_closed(svc, "submission", || {
        post(
            svc,
            format!("/api/v1/applications/{id}/submit"),
            Some(&applicant),
            None,
        )
    })
    .await;
    fail_closed(svc, "review", || {
        post(
            svc,
            format!("/api/v1/applications/{id}/approve"),
            Some(&reviewer),
            None,
        )
    })
    .await;
    let square = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/image/square.png"
    ))
    .unwrap();
    fail_closed(svc, "making", || {
        post(svc, format!("/api/v1/applications/{id}/make"),
            Some(&maker),
            Some(json!({"key": "platform", "pin": "480213", "impression": Base64::encode_string(&square)})),
        )
    })
    .await;

    // The fixture's seal: PIN change, signing, revocation.
    let seal = fx.seal.clone();
    fail_closed(svc, "PIN change", || {
        post(
            svc,
            format!("/api/v1/seals/{seal}/pin"),
            Some(&fx.holder_token),
            Some(json!({"old_pin": PIN, "new_pin": "246810"})),
        )
    })
    .await;
    fail_closed(svc, "signing", || {
        post(svc, format!("/api/v1/seals/{seal}/sign"),
            Some(&fx.holder_token),
            Some(json!({"pin": "246810", "data": Base64::encode_string(b"contract"), "document_name": "contract.txt", "purpose": "test"})),
        )
    })
    .await;
    let proof = svc.upload(&maker, b"loss report".to_vec()).await;
    fail_closed(svc, "revocation", || {
        post(
            svc,
            format!("/api/v1/seals/{seal}/revoke"),
            Some(&maker),
            Some(json!({"reason": "stolen_or_lost", "proof": [proof]})),
        )
    })
    .await;

    // Failed logins: unknown user, bad password five times (the lockout), then locked.
    let (s, _) = svc
        .call(
            "POST",
            "/api/v1/login",
            None,
            Some(json!({"username": "nobody", "password": "x", "totp": "000000"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    for _ in 0..5 {
        svc.call(
            "POST",
            "/api/v1/login",
            None,
            Some(json!({"username": "zhang", "password": "wrong", "totp": "000000"})),
        )
        .await;
    }
    let (s, _) = login(svc, "zhang", PASSWORD).await;
    assert_ne!(s, StatusCode::OK);
    // The filing worker delivers (filings updated). A filing whose delivery was being
    // recorded while the audit log was down stays claimed until its lease ends: at least one.
    let store = svc.run.state.store().clone();
    let mut delivered = false;
    for _ in 0..200 {
        // A delivery pass driven here; a filing still under an earlier claim's lease waits
        // for the lease, which is why this may take more than one pass.
        let state = &svc.run.state;
        let _ = eseal_server::outbox::run_once(state.store(), state.connectors(), state.now(), 10)
            .await;
        let log = store.audit_log(0, 1_000_000).await.unwrap();
        if log.iter().any(|e| e.event == "filings.update") {
            delivered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(delivered, "no filing was delivered");
    // A logout (the session ended).
    let (s, _) = svc
        .call("POST", "/api/v1/logout", Some(&reviewer), None)
        .await;
    assert!(s.is_success(), "logout: {s}");
    // An export (itself audited).
    let log_key = eseal_gm::provider::Sm2Signer::public_key(&svc.run.state.pki().audit_signer());
    eseal_server::audit::export(
        &store,
        &svc.run.state.pki().audit_signer(),
        eseal_server::audit::ORIGIN,
        &common::signed(&log_key),
        &svc.dir.path().join("export"),
        svc.clock.now(),
    )
    .await
    .unwrap();

    // A call the maker's role does not allow: refused, and the refusal audited.
    let (s, _) = svc
        .call("GET", "/api/v1/audit/log", Some(&maker), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    (Staff { maker, admin }, seal)
}

/// The log says who did what: every write is there under its actor, with the outcomes that
/// matter and no secret. Returns the event kinds seen.
async fn the_log_says_who_did_what(svc: &Service) -> std::collections::BTreeSet<String> {
    let store = svc.run.state.store().clone();
    let seen = svc
        .assert_audited(&[
            "service.start",
            "organisations.insert",
            "users.insert",
            "users.update",
            "sessions.insert",
            "applications.insert",
            "applications.update",
            "materials.insert",
            "blobs.insert",
            "seals.insert",
            "seals.update",
            "seal_keys.insert",
            "seal_keys.update",
            "filings.insert",
            "filings.update",
            "usages.insert",
            "usages.update",
            "auth.login",
            "auth.lockout",
            "audit.export",
            "sessions.update",
            "access.refused",
        ])
        .await;
    let log = store.audit_log(0, 1_000_000).await.unwrap();
    // Every event the platform wrote has words for the auditor's page.
    for e in &log {
        assert!(
            eseal_store::audit::event_text(&e.event).is_some(),
            "no words for {}",
            e.event
        );
        // Every outcome but a stored file's media type reads as words, in Chinese throughout.
        if e.event != "blobs.insert" {
            let words = eseal_server::audit_words::outcome_text(&e.event, &e.outcome);
            let zh = words.map(|t| t.zh).unwrap_or_default();
            assert!(!zh.is_empty(), "no words for {}: {}", e.event, e.outcome);
            assert_eq!(eseal_testkit::english_prose(&zh), None, "{zh}");
        }
    }
    let outcomes: std::collections::BTreeSet<&str> = log
        .iter()
        .filter(|e| e.event == "auth.login")
        // Every login outcome names where the attempt came from.
        .map(|e| {
            let (what, from) = e.outcome.split_once(" from=").unwrap();
            assert_eq!(from, "127.0.0.1", "{e:?}");
            what
        })
        .collect();
    for o in [
        "ok",
        "failed:unknown_user",
        "failed:bad_credentials",
        "failed:locked",
    ] {
        assert!(outcomes.contains(o), "no login {o}: {outcomes:?}");
    }
    // PIN events and role changes show in the outcome.
    assert!(log.iter().any(|e| {
        e.event == "seal_keys.update"
            && e.outcome
                .starts_with("pin failures=0 locked=false initial=false")
    }));
    assert!(
        log.iter()
            .any(|e| e.object == "users/li@v1"
                && e.outcome.starts_with("roles=holder disabled=false"))
    );
    // The one who logs in is the actor of a successful login; others are anonymous.
    assert!(
        log.iter()
            .any(|e| e.event == "auth.login" && e.outcome.starts_with("ok ") && e.actor == "maker")
    );
    assert!(log.iter().any(|e| e.event == "auth.login"
        && !e.outcome.starts_with("ok ")
        && e.actor == "anonymous"));
    // No PIN, password or identity number in any entry.
    for e in &log {
        let leaf = e.leaf();
        for secret in [PIN, "246810", "480213", PASSWORD, "wrong"] {
            assert!(!leaf.contains(secret), "{secret} in {leaf}");
        }
    }
    eprintln!("{} audit entries, kinds: {seen:?}", log.len());

    seen
}

/// The auditor reads the log over HTTP, filtered; others may not.
async fn the_auditor_reads_it_and_others_may_not(svc: &Service, staff: &Staff, seal: &str) {
    let Staff { maker, admin, .. } = staff;
    // The auditor reads the log over HTTP, filtered; others may not.
    let auditor = svc.user(admin, "auditor1", &["auditor"]).await;
    let (s, v) = svc
        .call(
            "GET",
            &format!("/api/v1/audit/log?seal={seal}&limit=1000"),
            Some(&auditor),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let events: Vec<&str> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    for k in [
        "seals.insert",
        "seals.update",
        "seal_keys.update",
        "usages.insert",
        "usages.update",
        "filings.insert",
    ] {
        assert!(events.contains(&k), "{k} not in {events:?}");
    }
    let (s, v) = svc
        .call(
            "GET",
            "/api/v1/audit/log?event=auth.&actor=anonymous",
            Some(&auditor),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["entries"].as_array().unwrap().iter().all(|e| e["actor"] == "anonymous" && e["event"].as_str().unwrap().starts_with("auth.")));
    assert!(!v["entries"].as_array().unwrap().is_empty());
    let (s, _) = svc
        .call(
            "GET",
            "/api/v1/audit/log?since=yesterday",
            Some(&auditor),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = svc
        .call("GET", "/api/v1/audit/log", Some(maker), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// 181 days on the first day is archived; every explicit event kind occurred.
async fn archived_after_181_days_and_every_kind_occurred(
    svc: &Service,
    seen: &std::collections::BTreeSet<String>,
) {
    let store = svc.run.state.store().clone();
    // Last, 181 days on: the first day is archived (the live log then starts after it).
    svc.clock.advance(time::Duration::days(181));
    let signer = svc.run.state.pki().audit_signer();
    let log_key = eseal_gm::provider::Sm2Signer::public_key(&signer);
    let n = eseal_server::audit::archive(
        &store,
        &signer,
        eseal_server::audit::ORIGIN,
        &common::signed(&log_key),
        datetime!(2026-06-02 00:00 UTC),
        &svc.dir.path().join("archive"),
        svc.clock.now(),
    )
    .await
    .unwrap();
    assert!(n > 0);
    let live = store.audit_log(0, 1_000_000).await.unwrap();
    let archived = live.last().unwrap();
    assert_eq!(archived.event, "audit.archive");
    for v in [&archived.actor, &archived.object, &archived.outcome] {
        assert!(!v.is_empty(), "{archived:?}");
    }
    // A backup, restored into SQLite (whichever engine it came from): both audited, the
    // restore in the restored log.
    let key = eseal_server::backup::container::BackupKey::from_bytes([7; 16]);
    let data = svc.config.data.clone();
    let archive_file = svc.dir.path().join("coverage.esbk");
    eseal_server::backup::create(
        eseal_server::backup::Source {
            store: &store,
            data: &data,
            checkpoints: &data.join("audit-checkpoints"),
        },
        &key,
        &signer,
        &archive_file,
        svc.clock.now(),
    )
    .await
    .unwrap();
    let target = svc.dir.path().join("restored");
    eseal_server::backup::restore(
        &archive_file,
        &key,
        Some(&log_key),
        eseal_server::backup::Target {
            data: &target,
            database: None,
            schema: None,
        },
        svc.clock.now(),
    )
    .await
    .unwrap();
    let restored = eseal_store::Store::open_sqlite(&target).await.unwrap();
    let restored_log = restored.audit_log(0, 1_000_000).await.unwrap();
    let source_log = store.audit_log(0, 1_000_000).await.unwrap();
    let backup_entries: Vec<&str> = source_log
        .iter()
        .chain(&restored_log)
        .filter(|e| e.event.starts_with("backup."))
        .map(|e| e.event.as_str())
        .collect();
    assert_eq!(backup_entries, ["backup.create", "backup.restore"]);
    // A key ceremony (the backup key split among three custodians) is audited with them.
    let key_text = key.to_text();
    let custodians: Vec<String> = ["张三", "李四", "王五"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let shares =
        eseal_server::backup::shares::split(&key_text, 2, &custodians, "2026-07-01T00:00:00Z")
            .unwrap();
    eseal_server::backup::shares::record(
        &store,
        "backup-key",
        &shares[0].key,
        "split 2-of-3 custodians=张三,李四,王五",
        svc.clock.now(),
    )
    .await
    .unwrap();
    restored.close().await;
    // Every explicit event kind occurred.
    let mut all = seen.clone();
    all.insert(archived.event.clone());
    all.insert("backup.restore".into());
    all.extend(
        store
            .audit_log(0, 1_000_000)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.event),
    );
    // A rollback needs a restore beside newer checkpoints: its event is checked where one
    // is made (backup::rollback_needs_an_audited_acknowledgement).
    all.insert("service.rollback".into());
    for kind in eseal_store::audit::Event::ALL {
        assert!(all.contains(kind.name()), "no {} in the log", kind.name());
    }
}
