#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Issue 16 item 6 (R-ARCH-1): an archive package made today verifies offline with the clock
//! moved 20 years ahead — every certificate of the document and of the first TSA expired by
//! then — because it was renewed twice by platforms whose TSAs were still valid; without the
//! renewals it does not; and it fails when any byte of it is changed, also when the attacker
//! fixes up the ZIP's CRCs, adds a file or drops the last timestamp.

use crate::common;

use common::{Backend, Service, start};
use eseal_server::archive::{self, ArchiveReport, VerifyOptions};
use eseal_ses::{Indication, Outcome};
use serde_json::json;
use std::collections::BTreeMap;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const T0: OffsetDateTime = datetime!(2026-05-11 09:00 UTC);

fn b64(b: &[u8]) -> String {
    <base64ct::Base64 as base64ct::Encoding>::encode_string(b)
}

async fn post(svc: &Service, path: &str, body: serde_json::Value) -> (u16, Vec<u8>, String) {
    let r = svc
        .http
        .post(svc.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let media = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, r.bytes().await.unwrap().to_vec(), media)
}

fn root(svc: &Service) -> eseal_pki::Certificate {
    svc.run.state.pki().trust(T0).unwrap().anchors()[0].clone()
}

fn trust(roots: &[&eseal_pki::Certificate]) -> eseal_pki::TrustStore {
    let mut t = eseal_pki::TrustStore::new();
    for r in roots {
        t.add_anchor((*r).clone());
    }
    t
}

fn check(bytes: &[u8], trust: eseal_pki::TrustStore, now: OffsetDateTime) -> ArchiveReport {
    archive::verify(
        bytes,
        &VerifyOptions {
            trust,
            root_sm3: Vec::new(),
            log_key: None,
            now,
        },
    )
}

fn failing(r: &ArchiveReport) -> String {
    r.checks
        .iter()
        .filter(|c| c.outcome != Outcome::Passed)
        .map(|c| format!("{} {:?}: {}", c.id, c.outcome, c.detail))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archive_verifies_in_twenty_years_when_renewed_and_fails_on_any_change() {
    let a = start(&Backend::Sqlite, T0).await;
    let fixture = eseal_server::fixture::personal_seal(&a.run).await.unwrap();
    let data = b"a decision to keep for thirty years".to_vec();
    let (s, v) = a
        .call(
            "POST",
            &format!("/api/v1/seals/{}/sign", fixture.seal),
            Some(&fixture.holder_token),
            Some(json!({"pin": eseal_server::fixture::PIN, "data": b64(&data), "document_name": "决定.txt", "purpose": "归档测试"})),
        )
        .await;
    assert!(s.is_success(), "{v}");
    let signature = v["signature"].as_str().unwrap().to_owned();

    // A document that does not verify is not archived.
    let (status, body, _) = post(
        &a,
        "/api/v1/archives",
        json!({"signature": signature, "data": b64(b"other data"), "name": "决定.txt"}),
    )
    .await;
    assert_eq!(status, 422, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("not_verified"));

    let (status, package, media) = post(
        &a,
        "/api/v1/archives",
        json!({"signature": signature, "data": b64(&data), "name": "决定.txt"}),
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&package));
    assert_eq!(media, archive::MEDIA_TYPE);
    let root_a = root(&a);

    // Offline, the next day: PASSED, with the seal's status answer under the timestamp.
    let r = check(&package, trust(&[&root_a]), T0 + Duration::days(1));
    assert_eq!(r.indication, Indication::Passed, "{}", failing(&r));
    assert_eq!(r.generations, 1);
    assert!(
        r.checks
            .iter()
            .any(|c| c.id == "seal_status" && c.outcome == Outcome::Passed),
        "{r:?}"
    );
    // Without a trust anchor: INDETERMINATE, naming the package's root fingerprint; with
    // that fingerprint accepted: PASSED.
    let r = check(
        &package,
        eseal_pki::TrustStore::new(),
        T0 + Duration::days(1),
    );
    assert_eq!(r.indication, Indication::Indeterminate);
    let sm3 = eseal_gm::Sm3Digest::of(root_a.der()).to_hex();
    assert!(failing(&r).contains(&sm3), "{}", failing(&r));
    let r = archive::verify(
        &package,
        &VerifyOptions {
            trust: eseal_pki::TrustStore::new(),
            root_sm3: vec![sm3.to_uppercase()],
            log_key: None,
            now: T0 + Duration::days(1),
        },
    );
    assert_eq!(r.indication, Indication::Passed, "{}", failing(&r));

    // Twenty years on without renewal: the TSA's certificate has expired.
    let later = T0 + Duration::days(20 * 365 + 10);
    let r = check(&package, trust(&[&root_a]), later);
    assert_ne!(r.indication, Indication::Passed);
    assert!(
        failing(&r).contains("timestamp 1's certificate"),
        "{}",
        failing(&r)
    );

    // Renewed after 9 years by a platform with a TSA of its own, and after 18 by another.
    let b = start(&Backend::Sqlite, T0 + Duration::days(9 * 365)).await;
    let (status, renewed, _) = post(
        &b,
        "/api/v1/archives/renew",
        json!({"archive": b64(&package)}),
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&renewed));
    let c = start(&Backend::Sqlite, T0 + Duration::days(18 * 365)).await;
    let (status, twice, _) = post(
        &c,
        "/api/v1/archives/renew",
        json!({"archive": b64(&renewed)}),
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&twice));
    let (root_b, root_c) = (root(&b), root(&c));
    let roots = [&root_a, &root_b, &root_c];

    let r = check(&twice, trust(&roots), later);
    assert_eq!(r.indication, Indication::Passed, "{}", failing(&r));
    assert_eq!(r.generations, 3);
    assert_eq!(r.original_time.as_deref(), Some("2026-05-11T09:00:00Z"));
    // The first TSA is judged at the time the second timestamp proves, not now.
    let first = r
        .checks
        .iter()
        .find(|c| c.id == "timestamp_chain" && c.generation == Some(1))
        .unwrap();
    assert!(
        first.detail.contains("the time timestamp 2 proves"),
        "{first:?}"
    );

    // Too late: a package whose last timestamp's certificate has expired is not renewed.
    let d = start(&Backend::Sqlite, T0 + Duration::days(11 * 365)).await;
    let (status, body, _) = post(
        &d,
        "/api/v1/archives/renew",
        json!({"archive": b64(&package)}),
    )
    .await;
    assert_eq!(status, 422, "{}", String::from_utf8_lossy(&body));
    // Garbage is refused with the reason.
    let (status, body, _) = post(
        &d,
        "/api/v1/archives/renew",
        json!({"archive": b64(b"PK\x03\x04 no")}),
    )
    .await;
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));

    // Any changed byte: never PASSED (each flip is refused by the container rule, a CRC, a
    // manifest's SM3 or a signature).
    let t = trust(&roots);
    for i in 0..twice.len() {
        let mut changed = twice.clone();
        changed[i] ^= 0x20;
        let r = check(&changed, t.clone(), later);
        assert_ne!(
            r.indication,
            Indication::Passed,
            "byte {i} changed and still PASSED"
        );
        // What the reader is told is in Chinese as well, whatever broke.
        for c in &r.checks {
            assert_eq!(
                eseal_testkit::english_prose(&c.detail_zh),
                None,
                "byte {i}, {}: {}",
                c.id,
                c.detail_zh
            );
        }
    }

    // An attacker who rewrites the ZIP properly (CRCs right): the manifests catch it.
    let files = archive::read_zip(&twice).unwrap();
    let rezip = |f: &BTreeMap<String, Vec<u8>>| archive::write_zip(f).unwrap();
    assert_eq!(rezip(&files), twice, "the writer is canonical");
    let doc = files
        .keys()
        .find(|k| k.starts_with("document/") && !k.ends_with(".ses"))
        .unwrap()
        .clone();
    let mut f = files.clone();
    f.get_mut(&doc).unwrap()[0] ^= 1;
    let r = check(&rezip(&f), t.clone(), later);
    assert_eq!(r.indication, Indication::Failed);
    assert!(failing(&r).contains("was changed"), "{}", failing(&r));
    // A file added afterwards.
    let mut f = files.clone();
    f.insert("evidence/0003/crls/extra.crl".into(), b"x".to_vec());
    let r = check(&rezip(&f), t.clone(), later);
    assert_eq!(r.indication, Indication::Failed, "{}", failing(&r));
    let mut f = files.clone();
    f.insert("notes.txt".into(), b"x".to_vec());
    let r = check(&rezip(&f), t.clone(), later);
    assert!(
        failing(&r).contains("covered by no manifest"),
        "{}",
        failing(&r)
    );
    // The last generation dropped: its TSA (the second platform's) has expired by now.
    let mut f = files.clone();
    f.retain(|k, _| {
        !(k.starts_with("evidence/0003/")
            || k == "META-INF/manifest-0003.json"
            || k == "META-INF/timestamp-0003.tst")
    });
    let r = check(&rezip(&f), t.clone(), later);
    assert_ne!(r.indication, Indication::Passed, "{}", failing(&r));
    // A timestamp of one generation put in the place of another.
    let mut f = files.clone();
    let t1 = f["META-INF/timestamp-0001.tst"].clone();
    f.insert("META-INF/timestamp-0002.tst".into(), t1);
    let r = check(&rezip(&f), t.clone(), later);
    assert_eq!(r.indication, Indication::Failed, "{}", failing(&r));
}

/// An OFD signed on the platform is archived with its report; what the package holds is
/// readable by any ZIP tool.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_ofd_is_archived_with_its_evidence() {
    let a = start(&Backend::Sqlite, T0).await;
    let fixture = eseal_server::fixture::personal_seal(&a.run).await.unwrap();
    let ofd = eseal_testkit::ofd::ofd_of(1024);
    let (s, v) = a
        .call(
            "POST",
            &format!("/api/v1/seals/{}/sign/ofd", fixture.seal),
            Some(&fixture.holder_token),
            Some(json!({"pin": eseal_server::fixture::PIN, "ofd": b64(&ofd), "placement": {"page": {"page": 1, "x": 120, "y": 200}}, "document_name": "合同.ofd", "purpose": "归档"})),
        )
        .await;
    assert!(s.is_success(), "{v}");
    let signed = v["ofd"].as_str().unwrap().to_owned();
    // The seal is in a signed checkpoint of the seal log (the service makes one every minute).
    {
        let state = &a.run.state;
        let mut tree = state.seal_tree().lock().await;
        let dir = a.dir.path().join("checkpoints");
        eseal_server::audit::checkpoint_once(
            state,
            eseal_store::transparency::Log::Seals,
            &mut tree,
            &dir,
        )
        .await
        .unwrap()
        .unwrap();
    }
    let (status, package, _) = post(
        &a,
        "/api/v1/archives",
        json!({"ofd": signed, "name": "../../合同.ofd"}),
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&package));
    let r = check(&package, trust(&[&root(&a)]), T0 + Duration::days(30));
    assert_eq!(r.indication, Indication::Passed, "{}", failing(&r));
    assert!(
        r.checks
            .iter()
            .any(|c| c.id == "transparency" && c.outcome == Outcome::Passed),
        "{r:?}"
    );
    // The seal log's key given out of band must be the one the package carries.
    let other = eseal_gm::Sm2PrivateKey::generate(&eseal_gm::provider::OsRandom).unwrap();
    let r = archive::verify(
        &package,
        &VerifyOptions {
            trust: trust(&[&root(&a)]),
            root_sm3: Vec::new(),
            log_key: Some(other.public_key()),
            now: T0 + Duration::days(30),
        },
    );
    assert_eq!(r.indication, Indication::Failed, "{}", failing(&r));
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(package)).unwrap();
    let names: Vec<String> = (0..z.len())
        .map(|i| z.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    assert_eq!(names[0], "mimetype");
    assert!(names.contains(&"document/合同.ofd".to_owned()), "{names:?}");
    assert!(names.contains(&"evidence/0001/report.json".to_owned()));
    assert!(names.iter().any(|n| n.starts_with("evidence/0001/crls/")));
    assert!(names.iter().any(|n| n.starts_with("evidence/0001/status/")));
    assert!(names.contains(&"META-INF/timestamp-0001.tst".to_owned()));
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("evidence/0001/transparency/")),
        "{names:?}"
    );
}
