//! Regression tests for the outside review of issue 14: each reproduces an attack as the
//! review described it and shows it refused (every one failed before its fix).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use crate::common;

use common::{Backend, Service, start, start_with};
use eseal_server::fixture;
use eseal_testkit::rawzip;
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const T0: OffsetDateTime = datetime!(2026-06-01 09:00 UTC);

fn b64(b: &[u8]) -> String {
    <base64ct::Base64 as base64ct::Encoding>::encode_string(b)
}

fn unb64(v: &Value) -> Vec<u8> {
    <base64ct::Base64 as base64ct::Encoding>::decode_vec(v.as_str().unwrap()).unwrap()
}

/// A service with the fixture's personal seal, and an OFD signed with it through the API.
async fn signed_ofd(svc: &Service) -> (fixture::SigningFixture, Vec<u8>) {
    let fx = fixture::personal_seal(&svc.run).await.unwrap();
    let (s, v) = svc
        .call(
            "POST",
            &format!("/api/v1/seals/{}/sign/ofd", fx.seal),
            Some(&fx.holder_token),
            Some(json!({"pin": fixture::PIN, "ofd": b64(&eseal_testkit::ofd::ofd_of(2048)), "placement": {"page": {"page": 1, "x": 60, "y": 60}}, "document_name": "合同.ofd", "purpose": "签订合同"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    (fx, unb64(&v["ofd"]))
}

async fn verify(svc: &Service, ofd: &[u8]) -> (StatusCode, Value) {
    svc.call(
        "POST",
        "/api/v1/verify",
        None,
        Some(json!({"ofd": b64(ofd)})),
    )
    .await
}

const PAGE: &str = "Doc_0/Pages/Page_0/Content.xml";
const SIG_XML: &str = "Doc_0/Signs/Sign_0/Signature.xml";

/// Item 1: a changed page inserted before the signed one, under the same name, made
/// `POST /api/v1/verify` answer PASSED. It is refused, naming the entry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item1_a_duplicate_entry_does_not_verify() {
    let svc = start(&Backend::Sqlite, T0).await;
    let (_, signed) = signed_ofd(&svc).await;
    let (s, v) = verify(&svc, &signed).await;
    assert_eq!(
        (s, v["indication"].as_str()),
        (StatusCode::OK, Some("PASSED")),
        "{v}"
    );
    let mut entries = rawzip::entries(&signed);
    let at = entries
        .iter()
        .position(|e| e.name == PAGE.as_bytes())
        .unwrap();
    entries.insert(
        at,
        rawzip::Entry::stored(
            PAGE,
            b"<ofd:Page xmlns:ofd=\"http://www.ofdspec.org/2016\"/>",
        ),
    );
    let (s, v) = verify(&svc, &rawzip::assemble(&entries, b"", b"")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["detail"].as_str().unwrap().contains("有两个条目都名为"),
        "{v}"
    );
    svc.run.abort();
}

/// Item 10, last: `sign/ofd` signed a package with an entry whose declared size is false,
/// which can never verify. It is refused and nothing is signed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item10_sign_ofd_refuses_an_entry_with_a_false_size() {
    let svc = start(&Backend::Sqlite, T0).await;
    let fx = fixture::personal_seal(&svc.run).await.unwrap();
    let mut entries = rawzip::entries(&eseal_testkit::ofd::ofd_of(1024));
    let page = entries
        .iter()
        .position(|e| e.name == PAGE.as_bytes())
        .unwrap();
    entries[page].size += 5;
    let (s, v) = svc
        .call(
            "POST",
            &format!("/api/v1/seals/{}/sign/ofd", fx.seal),
            Some(&fx.holder_token),
            Some(json!({"pin": fixture::PIN, "ofd": b64(&rawzip::assemble(&entries, b"", b"")), "placement": {"page": {"page": 1, "x": 60, "y": 60}}, "document_name": "x.ofd", "purpose": "确认"})),
        )
        .await;
    assert!(s.is_client_error(), "{s} {v}");
    assert!(v["detail"].as_str().unwrap().contains("却声明为"), "{v}");
    svc.run.abort();
}

/// A system account and a security admin, both logged in or holding a token.
async fn token_setup(svc: &Service) -> (String, String) {
    let admin = svc.admin().await;
    let sec = svc.user(&admin, "secadmin", &["security_admin"]).await;
    let (s, v) = svc
        .call(
            "POST",
            "/api/v1/users",
            Some(&admin),
            Some(json!({"username": "police-gateway", "display_name": "公安网关", "roles": ["police_officer"], "system": true})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    (admin, sec)
}

/// Item 2: a security admin could get a token acting as any user (a system admin, say),
/// which never expired, could not be listed or revoked, and was audited as that user.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item2_tokens_are_for_system_accounts_and_name_their_issuer() {
    let svc = start(&Backend::Sqlite, T0).await;
    let (admin, sec) = token_setup(&svc).await;
    // For a person's account (the administrator): refused.
    let (s, v) = svc
        .call(
            "POST",
            "/api/v1/tokens",
            Some(&sec),
            Some(json!({"username": "admin", "label": "x"})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("not_a_system_account")
        ),
        "{v}"
    );
    // A system account cannot be an administrator at all.
    let (s, _) = svc
        .call(
            "POST",
            "/api/v1/users",
            Some(&admin),
            Some(json!({"username": "robot-admin", "display_name": "robot", "roles": ["system_admin"], "system": true})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // Longer than a year: refused.
    let (s, _) = svc
        .call(
            "POST",
            "/api/v1/tokens",
            Some(&sec),
            Some(json!({"username": "police-gateway", "label": "police", "days": 400})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, issued) = svc
        .call(
            "POST",
            "/api/v1/tokens",
            Some(&sec),
            Some(json!({"username": "police-gateway", "label": "police", "days": 30})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{issued}");
    assert_eq!(issued["issuer"], "secadmin");
    let token = issued["token"].as_str().unwrap().to_owned();
    let (s, me) = svc.call("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(
        (s, me["username"].as_str()),
        (StatusCode::OK, Some("police-gateway"))
    );
    // Listed (by the security admin and the auditor), without the secret.
    let auditor = svc.user(&admin, "auditor1", &["auditor"]).await;
    for who in [&sec, &auditor] {
        let (s, list) = svc.call("GET", "/api/v1/tokens", Some(who), None).await;
        assert_eq!(s, StatusCode::OK, "{list}");
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0]["username"], "police-gateway");
        assert_eq!(list[0]["issuer"], "secadmin");
        assert!(list[0].get("token").is_none());
        assert!(!list[0].to_string().contains(&token));
    }
    // Its writes name the account, the token and the issuer; issuance names both too.
    let (s, _) = svc.call("POST", "/api/v1/logout", Some(&token), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let log = svc.run.state.store().audit_log(0, 100_000).await.unwrap();
    let short = issued["short_id"].as_str().unwrap();
    assert!(
        log.iter().any(|e| e.event == "sessions.insert"
            && e.actor == "secadmin"
            && e.outcome.contains("for=police-gateway issuer=secadmin")),
        "no issuance entry"
    );
    assert!(
        log.iter().any(|e| e.event == "sessions.update"
            && e.actor == format!("police-gateway [token {short} issued by secadmin]")),
        "no entry naming the token's issuer: {:?}",
        log.iter().rev().take(3).collect::<Vec<_>>()
    );
    // `--actor police-gateway` finds what the token did.
    let found = svc
        .run
        .state
        .store()
        .audit_query(&eseal_store::audit::AuditQuery {
            actor: Some("police-gateway".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!found.is_empty());
    // Logged out is ended; a fresh token is revoked by the security admin; expiry holds.
    let (_, again) = svc
        .call(
            "POST",
            "/api/v1/tokens",
            Some(&sec),
            Some(json!({"username": "police-gateway", "label": "police 2", "days": 1})),
        )
        .await;
    let second = again["token"].as_str().unwrap().to_owned();
    let (s, _) = svc.call("GET", "/api/v1/me", Some(&second), None).await;
    assert_eq!(s, StatusCode::OK);
    svc.clock.advance(Duration::days(1) + Duration::seconds(1));
    let (s, v) = svc.call("GET", "/api/v1/me", Some(&second), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "expired: {v}");
    // (The security admin's session idled out meanwhile.)
    let sec = svc.login("secadmin", common::PASSWORD).await;
    let (_, third) = svc
        .call(
            "POST",
            "/api/v1/tokens",
            Some(&sec),
            Some(json!({"username": "police-gateway", "label": "police 3"})),
        )
        .await;
    let third_token = third["token"].as_str().unwrap().to_owned();
    let (s, v) = svc
        .call(
            "POST",
            &format!(
                "/api/v1/tokens/{}/revoke",
                third["short_id"].as_str().unwrap()
            ),
            Some(&sec),
            None,
        )
        .await;
    assert_eq!(
        (s, v["revoked"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{v}"
    );
    let (s, _) = svc
        .call("GET", "/api/v1/me", Some(&third_token), None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // A token made for a person's account before this fix is not honoured.
    let old = eseal_server::auth::Session {
        id: eseal_gm::Sm3Digest::of(b"old-token").to_hex(),
        user_id: "admin".into(),
        token: true,
        label: "legacy".into(),
        created: svc.clock_now().unix_timestamp(),
        last_seen: svc.clock_now().unix_timestamp(),
        ended: false,
        issuer: None,
        expires: 0,
    };
    svc.run
        .state
        .store()
        .commit(
            eseal_store::Batch::new().insert(&old).unwrap(),
            svc.clock_now(),
        )
        .await
        .unwrap();
    let (s, _) = svc.call("GET", "/api/v1/me", Some("old-token"), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // Disabling: the user's sessions stop at once and they cannot log in; enabled again.
    let admin = svc.admin().await;
    let rev = svc.user(&admin, "reviewer9", &["reviewer"]).await;
    let (s, _) = svc
        .call(
            "POST",
            "/api/v1/users/reviewer9/disable",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = svc.call("GET", "/api/v1/me", Some(&rev), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = svc
        .call("POST", "/api/v1/users/admin/disable", Some(&admin), None)
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "nobody disables themself"
    );
    let (s, _) = svc
        .call("POST", "/api/v1/users/reviewer9/enable", Some(&admin), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    svc.clock.advance(Duration::seconds(31));
    svc.login("reviewer9", common::PASSWORD).await;
    svc.run.abort();
}

impl ServiceExt for Service {
    fn clock_now(&self) -> OffsetDateTime {
        eseal_gm::provider::Clock::now(&*self.clock)
    }
}

trait ServiceExt {
    fn clock_now(&self) -> OffsetDateTime;
}

/// Starts the same service again (its data directory and database) after `change`, and
/// returns the start's error.
async fn restart_error(svc: &Service, change: impl FnOnce(&std::path::Path)) -> String {
    svc.run.abort();
    change(&svc.config.data);
    match eseal_server::app::start(svc.config.clone(), svc.clock.clone()).await {
        Ok(r) => {
            r.abort();
            panic!("the service started")
        }
        Err(e) => {
            assert_eq!(e.code, "refused_to_start", "{e:?}");
            assert!(
                eseal_testkit::english_prose(&e.detail.zh).is_none(),
                "the operator reads Chinese too: {e:?}"
            );
            e.detail.en
        }
    }
}

/// Item 3: a missing or altered data key, a deleted PKI and an emptied database all started
/// silently with something new. Each is refused, naming the file and what to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item3_damage_is_refused_at_start() {
    let key_path = |d: &std::path::Path| d.join("keys").join("data.key");
    // An altered data key.
    let svc = start(&Backend::Sqlite, T0).await;
    svc.admin().await;
    let err = restart_error(&svc, |d| {
        std::fs::write(key_path(d), format!("1:{}\n", "ab".repeat(16))).unwrap();
    })
    .await;
    assert!(
        err.contains("keys/data.key") && err.contains("Restore"),
        "{err}"
    );
    // A missing data key.
    let svc = start(&Backend::Sqlite, T0).await;
    let err = restart_error(&svc, |d| std::fs::remove_file(key_path(d)).unwrap()).await;
    assert!(err.contains("data.key is missing"), "{err}");
    // A deleted PKI directory.
    let svc = start(&Backend::Sqlite, T0).await;
    let err = restart_error(&svc, |d| {
        // A write the stopped service had in flight may still add a file for a moment.
        for _ in 0..50 {
            match std::fs::remove_dir_all(d.join("pki")) {
                Err(e) if e.kind() == std::io::ErrorKind::DirectoryNotEmpty => {
                    std::thread::sleep(std::time::Duration::from_millis(20))
                }
                r => return r.unwrap(),
            }
        }
        panic!("pki could not be removed");
    })
    .await;
    assert!(err.contains("pki") && err.contains("restore"), "{err}");
    // A replaced PKI directory (another installation's).
    let svc = start(&Backend::Sqlite, T0).await;
    let other = start(&Backend::Sqlite, T0).await;
    other.run.abort();
    let err = restart_error(&svc, |d| {
        for f in eseal_server::devpki::FILES {
            std::fs::copy(other.config.data.join("pki").join(f), d.join("pki").join(f)).unwrap();
        }
    })
    .await;
    assert!(err.contains("pki/root.pem is not the one"), "{err}");
    // An emptied database beside its exported checkpoints.
    let svc = start(&Backend::Sqlite, T0).await;
    let mut tree = eseal_tlog::Tree::new();
    eseal_server::audit::checkpoint_once(
        &svc.run.state,
        eseal_store::transparency::Log::Audit,
        &mut tree,
        &svc.config.data.join("audit-checkpoints"),
    )
    .await
    .unwrap();
    svc.run.state.store().close().await;
    let err = restart_error(&svc, |d| {
        for f in ["eseal.db", "eseal.db-wal", "eseal.db-shm"] {
            let _ = std::fs::remove_file(d.join(f));
        }
    })
    .await;
    assert!(
        err.contains("older than its checkpoints") && err.contains("audit-checkpoints"),
        "{err}"
    );
}

each_backend!(
    /// Item 3, second part: a crypto failure that is not a wrong PIN (here a damaged sealed key)
    /// used to count as a wrong try: five correct tries locked the seal. It is an internal error
    /// and counts for nothing.
    item3_a_damaged_key_does_not_count_as_a_wrong_pin => item3_a_damaged_key_does_not_count_as_a_wrong_pin_on,
    threads = 2
);

async fn item3_a_damaged_key_does_not_count_as_a_wrong_pin_on(backend: Backend) {
    let svc = start(&backend, T0).await;
    let fx = fixture::personal_seal(&svc.run).await.unwrap();
    // The outer layer of the sealed key changed (the last hex digit of its blob).
    let store = svc.run.state.store();
    let mut key = store
        .get::<eseal_server::keystore::SealKey>(&fx.seal)
        .await
        .unwrap()
        .unwrap();
    let last = key.record.sealed.pop().unwrap();
    key.record.sealed.push(if last == '0' { '1' } else { '0' });
    store
        .commit(
            eseal_store::Batch::new()
                .update(&key.record, key.version)
                .unwrap(),
            svc.clock_now(),
        )
        .await
        .unwrap();
    for _ in 0..6 {
        let (s, v) = svc
            .call(
                "POST",
                &format!("/api/v1/seals/{}/sign", fx.seal),
                Some(&fx.holder_token),
                Some(json!({"pin": fixture::PIN, "data": b64(b"x"), "document_name": "x", "purpose": "确认"})),
            )
            .await;
        assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR, "{v}");
    }
    let key = svc
        .run
        .state
        .store()
        .get::<eseal_server::keystore::SealKey>(&fx.seal)
        .await
        .unwrap()
        .unwrap()
        .record;
    assert_eq!((key.pin.failures, key.pin.locked), (0, false));
    svc.run.abort();
}

/// An OFD signed through the API whose Signature.xml lists `refs` more references, and
/// with `extra` more entries.
fn with_references(signed: &[u8], refs: &str, extra: Vec<rawzip::Entry>) -> Vec<u8> {
    let mut entries = rawzip::entries(signed);
    let at = entries
        .iter()
        .position(|e| e.name == SIG_XML.as_bytes())
        .unwrap();
    let text = String::from_utf8(rawzip::read(signed, SIG_XML)).unwrap();
    let text = text.replace("</ofd:References>", &format!("{refs}</ofd:References>"));
    entries[at] = rawzip::deflated(SIG_XML, text.as_bytes());
    entries.extend(extra);
    rawzip::assemble(&entries, b"", b"")
}

fn reference(file: &str) -> String {
    format!(
        "<ofd:Reference FileRef=\"/{file}\"><ofd:CheckValue>AAAA</ofd:CheckValue></ofd:Reference>"
    )
}

/// Item 4: an 8 KB OFD whose signature lists 8,000 references to one 1 MiB entry kept a core
/// busy ~37 s per request on the public endpoint. Each entry is now hashed once; a document
/// needing more than the bound gets 422 too_much_work; a client that goes away stops the work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item4_verification_work_is_bounded() {
    let svc = start(&Backend::Sqlite, T0).await;
    let (_, signed) = signed_ofd(&svc).await;
    let big = "Doc_0/Res/big.bin";
    let attack = with_references(
        &signed,
        &reference(big).repeat(8000),
        vec![rawzip::deflated(big, &vec![0u8; 1 << 20])],
    );
    assert!(attack.len() < 64 * 1024, "{}", attack.len());
    let started = std::time::Instant::now();
    let (s, v) = verify(&svc, &attack).await;
    assert_eq!(
        (s, v["indication"].as_str()),
        (StatusCode::OK, Some("FAILED")),
        "{v}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    // 300 distinct 1 MiB entries (a 300 KB upload): more than one verification may read.
    let many: Vec<rawzip::Entry> = (0..300)
        .map(|i| rawzip::deflated(&format!("Doc_0/Res/r{i}.bin"), &vec![i as u8; 1 << 20]))
        .collect();
    let refs: String = (0..300)
        .map(|i| reference(&format!("Doc_0/Res/r{i}.bin")))
        .collect();
    let heavy = with_references(&signed, &refs, many);
    let (s, v) = verify(&svc, &heavy).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("too_much_work")),
        "{v}"
    );
    // A client that goes away mid-verification: the work stops.
    let slow: Vec<rawzip::Entry> = (0..200)
        .map(|i| rawzip::deflated(&format!("Doc_0/Res/s{i}.bin"), &vec![i as u8; 1 << 20]))
        .collect();
    let refs: String = (0..200)
        .map(|i| reference(&format!("Doc_0/Res/s{i}.bin")))
        .collect();
    let body = json!({"ofd": b64(&with_references(&signed, &refs, slow))}).to_string();
    {
        use tokio::io::AsyncWriteExt;
        let addr = svc.run.url.trim_start_matches("http://").to_owned();
        let started = svc.run.state.verifications_started();
        let before = started.load(std::sync::atomic::Ordering::Relaxed);
        let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        c.write_all(head.as_bytes()).await.unwrap();
        c.write_all(body.as_bytes()).await.unwrap();
        // Leave once the server has begun the work (not before it read the body, not after
        // it finished), then a little later so that it is under way.
        for _ in 0..600 {
            if started.load(std::sync::atomic::Ordering::Relaxed) > before {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        drop(c);
    }
    // The work notices at its next check; under the load of the whole test binary that may
    // take longer than `until`'s 20 s, so this waits up to 90 s.
    let cancelled = svc.run.state.verifications_cancelled();
    let mut stopped = false;
    for _ in 0..900 {
        if cancelled.load(std::sync::atomic::Ordering::Relaxed) == 1 {
            stopped = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(stopped, "the abandoned verification did not stop");
    svc.run.abort();
}

/// Items 4 and 10: login and the public endpoints are limited per client address, with 429,
/// Retry-After and problem JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item4_public_endpoints_and_login_are_rate_limited() {
    let svc = start_with(&Backend::Sqlite, T0, |c| {
        c.rate_limits = eseal_server::limits::RateLimits::default();
    })
    .await;
    let login = json!({"username": "admin", "password": "Wrong-Password-1", "totp": "000000"});
    let limits = eseal_server::limits::RateLimits::default();
    let mut answers = Vec::new();
    for _ in 0..limits.login.burst + 1 {
        let r = svc
            .http
            .post(svc.url("/api/v1/login"))
            .json(&login)
            .send()
            .await
            .unwrap();
        answers.push((
            r.status(),
            r.headers().get("retry-after").cloned(),
            r.json::<Value>().await.unwrap(),
        ));
    }
    let (last_status, retry, problem) = answers.pop().unwrap();
    assert!(
        answers
            .iter()
            .all(|(s, _, _)| *s == StatusCode::UNAUTHORIZED)
    );
    assert_eq!(last_status, StatusCode::TOO_MANY_REQUESTS, "{problem}");
    assert_eq!(problem["code"], "rate_limited");
    assert!(
        problem["detail"].as_str().unwrap().contains("请求过多"),
        "{problem}"
    );
    let wait: u64 = retry.unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // English too, with the header kept.
    let r = svc
        .http
        .post(svc.url("/api/v1/login"))
        .header("accept-language", "en")
        .json(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get("retry-after").is_some());
    let en: Value = r.json().await.unwrap();
    assert_eq!(en["title"], "Too many requests; retry later", "{en}");
    assert!(
        en["detail"]
            .as_str()
            .unwrap()
            .starts_with("too many requests from"),
        "the detail follows the language too: {en}"
    );
    // Verification: a burst of 10 a client.
    let mut last = StatusCode::OK;
    for _ in 0..limits.verify.burst + 1 {
        last = svc
            .http
            .post(svc.url("/api/v1/verify"))
            .json(&json!({"ofd": b64(b"x")}))
            .send()
            .await
            .unwrap()
            .status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    // The status endpoint has its own, larger bucket.
    let (s, _) = svc.call("GET", "/api/v1/status/ES00", None, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    svc.run.abort();
}

/// Verification uploads in progress are bounded all together. Each is bounded alone (20 MB),
/// but a caller sending slowly — from many addresses, or from one within its rate over
/// minutes — held one body buffer per connection and their sum had no bound. Here, with the
/// rates lifted and each connection from its own loopback address (127.0.0.x), three at
/// most per address: uploads declaring 20,000,000 bytes are admitted (and wait for their
/// bodies) up to `UPLOAD_PER_CLIENT` per address and `UPLOAD_BUDGET` in all; past either,
/// a new one is refused at once with 503 `busy`, and one is admitted again once an upload
/// ends. Before the budget every one was admitted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_uploads_in_progress_are_bounded_together() {
    use eseal_server::limits::{UPLOAD_BUDGET, UPLOAD_PER_CLIENT};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let svc = start(&Backend::Sqlite, T0).await;
    let server: std::net::SocketAddr = svc.run.url.trim_start_matches("http://").parse().unwrap();
    let declared: usize = 20_000_000;
    let per_client = UPLOAD_PER_CLIENT / declared;
    let fits = UPLOAD_BUDGET / declared;
    // Starts an upload to `path` from 127.0.0.`from` (its headers and the body's first byte)
    // and waits up to `wait` for an answer: None while the server waits for the rest.
    let send = |path: &'static str, kind: &'static str, from: u8, wait: std::time::Duration| async move {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket
            .bind(std::net::SocketAddr::from(([127, 0, 0, from], 0)))
            .unwrap();
        let mut conn = socket.connect(server).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {server}\r\nContent-Type: {kind}\r\nContent-Length: {declared}\r\n\r\n{{"
        );
        conn.write_all(head.as_bytes()).await.unwrap();
        let mut answer = vec![0u8; 4096];
        let got = match tokio::time::timeout(wait, conn.read(&mut answer)).await {
            Ok(Ok(n)) if n > 0 => Some(String::from_utf8_lossy(&answer[..n]).into_owned()),
            _ => None,
        };
        (conn, got)
    };
    let open = |from: u8, wait: std::time::Duration| {
        send("/api/v1/verify", "application/json", from, wait)
    };
    let refused = |got: Option<String>| {
        let got = got.expect("refused at once");
        assert!(got.starts_with("HTTP/1.1 503"), "{got}");
        assert!(got.contains("\"code\":\"busy\""), "{got}");
        assert!(got.contains("正在上传待核验的文件过多"), "{got}");
        assert!(got.to_ascii_lowercase().contains("retry-after: 1"), "{got}");
    };
    let short = std::time::Duration::from_millis(300);
    let long = std::time::Duration::from_secs(20);
    let mut held = Vec::new();
    for i in 0..fits {
        let from = 2 + (i / per_client) as u8;
        let (conn, got) = open(from, short).await;
        assert_eq!(got, None, "upload {i} of {fits} was answered at once");
        held.push(conn);
        // One address holds no more than its share, while the budget has room.
        if i + 1 == per_client {
            refused(open(from, long).await.1);
        }
    }
    assert!(
        svc.run.state.limiters().upload_room() < declared,
        "{} bytes free",
        svc.run.state.limiters().upload_room()
    );
    // The budget is full: a new address is refused too.
    for from in [100, 101] {
        refused(open(from, long).await.1);
    }
    // The console's verification page goes through the same admission: its forms again, with
    // the reason.
    let (_conn, page) = send("/verify", "multipart/form-data; boundary=x", 103, long).await;
    let page = page.expect("the console refused at once");
    assert!(page.starts_with("HTTP/1.1 503"), "{page}");
    let mut conn = _conn;
    let mut rest = String::new();
    let _ = tokio::time::timeout(long, conn.read_to_string(&mut rest)).await;
    let page = page + &rest;
    assert!(page.contains("正在上传待核验的文件过多"), "{page}");
    assert!(
        page.contains("name=\"ofd\""),
        "the upload form is shown again: {page}"
    );
    // One upload ends (its client goes away): its share comes back.
    drop(held.pop());
    let mut admitted = false;
    for _ in 0..100 {
        let (conn, got) = open(102, short).await;
        if got.is_none() {
            held.push(conn);
            admitted = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(admitted, "no upload admitted after one ended");
    drop(held);
    svc.run.abort();
}

/// The audit entries of failed logins once every window is closed: (entries, attempts).
async fn failed_logins(svc: &Service) -> (usize, u64) {
    let store = svc.run.state.store();
    let now = svc.clock_now();
    store
        .flush_failure_counts(now + Duration::days(1), now)
        .await
        .unwrap();
    let log = store.audit_log(0, 1_000_000).await.unwrap();
    let failed: Vec<_> = log
        .iter()
        .filter(|e| e.event == "auth.login" && e.outcome.starts_with("failed:"))
        .collect();
    let attempts = failed
        .iter()
        .map(|e| {
            e.outcome.split_once(" repeated=").map_or(1, |(_, n)| {
                n.split(' ').next().unwrap().parse::<u64>().unwrap()
            })
        })
        .sum();
    (failed.len(), attempts)
}

/// Item 5: 30 logins with a 900 KB user name added 27 MB of permanent audit entries, and a
/// user name with a newline and JSON printed as a forged line. The name is bounded before
/// anything is recorded (and never logged: it may be a password typed in the wrong field);
/// repeated failures from one source are summarised, counted and never dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item5_login_floods_are_summarised() {
    let svc = start(&Backend::Sqlite, T0).await;
    let store = svc.run.state.store();
    let size = |log: &[eseal_store::audit::AuditRecord]| -> usize {
        log.iter().map(|e| e.leaf().len()).sum()
    };
    let before = store.audit_log(0, 1_000_000).await.unwrap();
    let huge = "x".repeat(900 * 1024);
    for name in [huge.as_str(), "admin\n{\"seq\":1,\"actor\":\"system\"}"] {
        for _ in 0..15 {
            let (s, v) = svc
                .call(
                    "POST",
                    "/api/v1/login",
                    None,
                    Some(json!({"username": name, "password": "p", "totp": "1"})),
                )
                .await;
            assert_eq!(
                (s, v["code"].as_str()),
                (StatusCode::UNAUTHORIZED, Some("login_failed"))
            );
        }
    }
    let (entries, attempts) = failed_logins(&svc).await;
    assert_eq!(attempts, 30, "every attempt counted");
    assert!(entries <= 2, "{entries} entries");
    let after = store.audit_log(0, 1_000_000).await.unwrap();
    let added = size(&after) - size(&before);
    assert!(added < 2048, "{added} bytes added");
    for e in &after[before.len()..] {
        assert!(
            !e.leaf().contains("xxxx") && !e.leaf().contains("\\n{"),
            "{e:?}"
        );
    }
    svc.run.abort();
}

each_backend!(
    /// Item 6: of 50 parallel wrong passwords for one account, 45 answered 409 and left no
    /// audit entry. Every attempt answers as a failed login and is recorded.
    item6_concurrent_failed_logins_are_all_audited => item6_concurrent_failed_logins_are_all_audited_on,
    threads = 2
);

async fn item6_concurrent_failed_logins_are_all_audited_on(backend: Backend) {
    let svc = start(&backend, T0).await;
    let admin = svc.admin().await;
    svc.user(&admin, "reviewer1", &["reviewer"]).await;
    let (entries_before, _) = failed_logins(&svc).await;
    let attempts = (0..50).map(|_| {
        svc.call(
            "POST",
            "/api/v1/login",
            None,
            Some(
                json!({"username": "reviewer1", "password": "Wrong-Password-1", "totp": "000000"}),
            ),
        )
    });
    let answers = futures_join_all(attempts).await;
    for (s, v) in &answers {
        assert_eq!(
            (*s, v["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("login_failed")),
            "{v}"
        );
    }
    let (_, attempts) = failed_logins(&svc).await;
    assert_eq!(attempts, 50, "{entries_before}");
    svc.run.abort();
}

/// Runs the futures concurrently (the test harness has no futures crate).
async fn futures_join_all<F: std::future::Future>(fs: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut out = Vec::new();
    let mut pending: Vec<_> = fs.map(|f| Some(Box::pin(f))).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for slot in pending.iter_mut() {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        out.push(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    out
}

/// Item 7: seals named 北京某某有限公司合同专用章 and 中华人民共和国公安部 were made for
/// the organisation registered as 威海市示例科技有限公司. The name must be the registered
/// party's, NFC-normalised, without hidden characters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item7_seal_names_belong_to_the_registered_party() {
    use eseal_server::app::DEMO_USCC;
    let svc = start(&Backend::Sqlite, T0).await;
    let admin = svc.admin().await;
    let applicant = svc.user(&admin, "applicant1", &["applicant"]).await;
    let apply =
        |body: Value| svc.call("POST", "/api/v1/applications", Some(&applicant), Some(body));
    let contract = json!({"official": {"business": "contract"}});
    for (kind, name, code) in [
        (contract.clone(), "北京某某有限公司合同专用章", DEMO_USCC),
        (
            json!({"official": "legal_name"}),
            "中华人民共和国公安部",
            DEMO_USCC,
        ),
        (
            contract.clone(),
            "威海市示例科技有限公司\u{200B}合同专用章",
            DEMO_USCC,
        ),
        (
            contract.clone(),
            "威海市示例科技有限公司\u{202E}章用专同合",
            DEMO_USCC,
        ),
        (
            contract.clone(),
            "威海市示例科技有限公司合同专用章\u{0000}",
            DEMO_USCC,
        ),
        // An unregistered organisation (a valid code).
        (
            contract.clone(),
            "威海市示例科技有限公司合同专用章",
            "91110000600037341L",
        ),
    ] {
        let (s, v) =
            apply(json!({"kind": kind, "seal_name": name, "organisation_code": code})).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{name}: {v}");
    }
    // A personal seal for an unregistered holder, or in another's name.
    let (s, _) = apply(
        json!({"kind": "personal", "seal_name": "习近平", "holder_id": "11010519491231002X"}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    svc.call(
        "PUT",
        "/api/v1/people/11010519491231002x",
        Some(&admin),
        Some(json!({"name": "张三丰"})),
    )
    .await;
    let (s, _) =
        apply(json!({"kind": "personal", "seal_name": "李四", "holder_id": "11010519491231002X"}))
            .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // The registered party's own name, and a lower-case check character, are accepted.
    let (s, v) = apply(
        json!({"kind": "personal", "seal_name": "张三丰", "holder_id": "11010519491231002x"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["holder_id"], "11010519491231002X");
    let (s, v) = apply(json!({"kind": contract, "seal_name": "威海市示例科技有限公司合同专用章", "organisation_code": DEMO_USCC.to_ascii_lowercase()})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["organisation_name"], "威海市示例科技有限公司");
    // Display names are held to the same rule; user names stay plain ASCII.
    let (s, _) = svc
        .call(
            "POST",
            "/api/v1/users",
            Some(&admin),
            Some(json!({"username": "bidi", "display_name": "审核员\u{202E}一", "roles": ["reviewer"], "password": common::PASSWORD})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    svc.run.abort();
}

/// Item 8: a holder listed another person's seals by their citizen ID; a custodian another
/// organisation's. Non-public seal data is the holder's, their organisation's and the
/// agency's; the usage ledger pages instead of stopping at 500 without saying so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item8_people_see_only_their_own_seals() {
    use eseal_server::app::DEMO_USCC;
    let svc = start(&Backend::Sqlite, T0).await;
    let fx = fixture::personal_seal(&svc.run).await.unwrap();
    svc.clock.advance(Duration::seconds(31));
    let admin = svc.admin().await;
    svc.call(
        "PUT",
        "/api/v1/people/440524188001010014",
        Some(&admin),
        Some(json!({"name": "李四"})),
    )
    .await;
    let user = |name: &'static str, roles: &'static [&'static str], extra: Value| {
        let admin = admin.clone();
        let svc = &svc;
        async move {
            let mut body = json!({"username": name, "display_name": if name == "li" {"李四"} else {name}, "roles": roles, "password": common::PASSWORD});
            for (k, v) in extra.as_object().unwrap() {
                body[k] = v.clone();
            }
            let (s, v) = svc
                .call("POST", "/api/v1/users", Some(&admin), Some(body))
                .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            svc.login(name, common::PASSWORD).await
        }
    };
    let li = user(
        "li",
        &["holder"],
        json!({"citizen_id": "440524188001010014"}),
    )
    .await;
    let other_custodian = user(
        "keeper2",
        &["custodian"],
        json!({"organisation_code": "91110000600037341L"}),
    )
    .await;
    let maker = svc.login("maker", fixture::PASSWORD).await;
    let seal = &fx.seal;
    // Another holder: not their seals (403 for the list, 404 for the seal itself).
    let (s, v) = svc
        .call(
            "GET",
            &format!("/api/v1/seals?holder={}", fixture::HOLDER_ID),
            Some(&li),
            None,
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_yours")),
        "{v}"
    );
    for path in [
        format!("/api/v1/seals/{seal}"),
        format!("/api/v1/seals/{seal}/data"),
        format!("/api/v1/seals/{seal}/usages"),
    ] {
        let (s, _) = svc.call("GET", &path, Some(&li), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
    }
    let (s, _) = svc
        .call(
            "GET",
            &format!("/api/v1/seals?organisation={DEMO_USCC}"),
            Some(&other_custodian),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // The holder sees their own (also with a lower-case x); the agency sees all.
    let zhang = &fx.holder_token;
    let (s, v) = svc
        .call(
            "GET",
            &format!(
                "/api/v1/seals?holder={}",
                fixture::HOLDER_ID.to_ascii_lowercase()
            ),
            Some(zhang),
            None,
        )
        .await;
    assert_eq!(
        (s, v.as_array().map(Vec::len)),
        (StatusCode::OK, Some(1)),
        "{v}"
    );
    for token in [zhang, &maker] {
        let (s, _) = svc
            .call("GET", &format!("/api/v1/seals/{seal}"), Some(token), None)
            .await;
        assert_eq!(s, StatusCode::OK);
    }
    // The public status stays public.
    let (s, _) = svc
        .call("GET", &format!("/api/v1/status/{seal}"), None, None)
        .await;
    assert_eq!(s, StatusCode::OK);
    // 501 ledger entries: two pages, the first saying where the next begins.
    let mut batch = eseal_store::Batch::new();
    for i in 0..501 {
        let mut u = eseal_core::Usage::intent(
            &format!("U{i:05}"),
            &eseal_core::SealId::parse("seal_id", seal).unwrap(),
            "zhang",
            &eseal_gm::Sm3Digest::of(b"d").to_hex(),
            "d",
            "确认",
            None,
            svc.clock_now(),
        )
        .unwrap();
        u.state = eseal_core::UsageState::Aborted {
            why: "test".into(),
            at: svc.clock_now(),
        };
        batch.insert(&u).unwrap();
    }
    svc.run
        .state
        .store()
        .commit(&batch, svc.clock_now())
        .await
        .unwrap();
    let r = svc
        .http
        .get(svc.url(&format!("/api/v1/seals/{seal}/usages")))
        .bearer_auth(zhang)
        .send()
        .await
        .unwrap();
    let next = r
        .headers()
        .get("x-next-after")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let first: Vec<Value> = r.json().await.unwrap();
    assert_eq!(first.len(), 500);
    let (s, rest) = svc
        .call(
            "GET",
            &format!("/api/v1/seals/{seal}/usages?after={next}"),
            Some(zhang),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(!rest.as_array().unwrap().is_empty());
    assert_eq!(
        first.len() + rest.as_array().unwrap().len(),
        501,
        "every entry once"
    );
    svc.run.abort();
}

each_backend!(
    /// Item 9: editing one stored leaf while the service ran made `audit export` sign a
    /// checkpoint contradicting the service's own at the same size. The export refuses.
    item9_export_refuses_a_rewritten_log => item9_export_refuses_a_rewritten_log_on,
    threads = 2
);

async fn item9_export_refuses_a_rewritten_log_on(backend: Backend) {
    let svc = start(&backend, T0).await;
    svc.admin().await;
    let state = &svc.run.state;
    let dir = svc.config.data.join("audit-checkpoints");
    let mut tree = eseal_tlog::Tree::new();
    eseal_server::audit::checkpoint_once(
        state,
        eseal_store::transparency::Log::Audit,
        &mut tree,
        &dir,
    )
    .await
    .unwrap();
    svc.raw_sql(
        "UPDATE audit_log SET leaf = replace(leaf, '\"actor\":\"system\"', '\"actor\":\"nobody\"') WHERE seq = 0",
    )
    .await;
    let signer = state.pki().audit_signer();
    let key = eseal_gm::provider::Sm2Signer::public_key(&signer);
    for checkpoints in [None, Some(dir.as_path())] {
        let out = svc.dir.path().join("export");
        let err = eseal_server::audit::export(
            state.store(),
            &signer,
            eseal_server::audit::ORIGIN,
            &eseal_server::audit::Signed {
                log_key: &key,
                checkpoints,
            },
            &out,
            svc.clock_now(),
        )
        .await
        .unwrap_err();
        assert_eq!(err.code, "log_rewritten", "{err:?}");
        assert!(!out.exists(), "nothing exported");
    }
    svc.run.abort();
}

/// Item 10: files, identifiers, enumeration, lockout by anyone, 414.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item10_smaller_items() {
    let svc = start(&Backend::Sqlite, T0).await;
    let admin = svc.admin().await;
    // The data directory is 0700 and every file in it 0600 (database and WAL included).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let data = &svc.config.data;
        assert_eq!(
            std::fs::metadata(data).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let mut tree = eseal_tlog::Tree::new();
        eseal_server::audit::checkpoint_once(
            &svc.run.state,
            eseal_store::transparency::Log::Audit,
            &mut tree,
            &data.join("audit-checkpoints"),
        )
        .await
        .unwrap();
        let mut files = Vec::new();
        let mut dirs = vec![data.clone()];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let e = e.unwrap();
                if e.file_type().unwrap().is_dir() {
                    assert_eq!(
                        e.metadata().unwrap().permissions().mode() & 0o777,
                        0o700,
                        "{}",
                        e.path().display()
                    );
                    dirs.push(e.path());
                } else {
                    files.push(e.path());
                }
            }
        }
        for f in [
            "eseal.db",
            "eseal.db-wal",
            "keys/data.key",
            "pki/root.pem",
            "pki/ca.json",
        ] {
            assert!(files.contains(&data.join(f)), "{f} missing: {files:?}");
        }
        for f in &files {
            let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", f.display());
        }
    }
    // A locked account answers exactly as an unknown one.
    svc.user(&admin, "reviewer1", &["reviewer"]).await;
    let attempt = |user: &'static str| {
        svc.call(
            "POST",
            "/api/v1/login",
            None,
            Some(json!({"username": user, "password": "Wrong-Password-1", "totp": "000000"})),
        )
    };
    for _ in 0..5 {
        attempt("reviewer1").await;
    }
    let locked = attempt("reviewer1").await;
    let unknown = attempt("nobody-at-all").await;
    assert_eq!(locked, unknown);
    // Nobody can unlock through the API once the only administrator is locked; the operator
    // on the server can (`eseal user unlock`, through the same function).
    eseal_store::audit::ACTOR
        .scope(
            "operator:test".into(),
            eseal_server::auth::unlock(svc.run.state.store(), "reviewer1", svc.clock_now()),
        )
        .await
        .unwrap();
    svc.clock.advance(Duration::seconds(31));
    svc.login("reviewer1", common::PASSWORD).await;
    let log = svc.run.state.store().audit_log(0, 100_000).await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.actor == "operator:test" && e.object.starts_with("users/reviewer1@"))
    );
    // A citizen ID with a lower-case x is stored upper-case.
    let (s, _) = svc
        .call(
            "POST",
            "/api/v1/users",
            Some(&admin),
            Some(json!({"username": "zhang", "display_name": "张三丰", "roles": ["holder"], "password": common::PASSWORD, "citizen_id": "11010519491231002x"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let zhang = svc.stored_user("zhang").await;
    assert_eq!(zhang.citizen_id.as_deref(), Some("11010519491231002X"));
    // 414 is problem JSON.
    let r = svc
        .http
        .get(svc.url(&format!("/api/v1/status/{}", "S".repeat(20_000))))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::URI_TOO_LONG);
    assert_eq!(
        r.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "uri_too_long");
    // Over 64 KiB the HTTP parser answers before the service sees the request: a problem too
    // (sent by hand: HTTP clients refuse such a target themselves).
    let answer = {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = svc.run.url.trim_start_matches("http://").to_owned();
        let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "GET /api/v1/status/{} HTTP/1.1\r\nHost: x\r\n\r\n",
            "S".repeat(70_000)
        );
        let _ = c.write_all(head.as_bytes()).await;
        let mut out = Vec::new();
        let _ =
            tokio::time::timeout(std::time::Duration::from_secs(5), c.read_to_end(&mut out)).await;
        String::from_utf8_lossy(&out).into_owned()
    };
    assert!(
        answer.starts_with("HTTP/1.1 414 "),
        "{}",
        &answer[..answer.len().min(300)]
    );
    assert!(
        answer.contains("content-type: application/problem+json"),
        "{answer}"
    );
    let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(
        (body["code"].as_str(), body["status"].as_u64()),
        (Some("uri_too_long"), Some(414))
    );
    svc.run.abort();
}
