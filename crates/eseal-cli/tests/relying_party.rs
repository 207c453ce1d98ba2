//! Issue 15 item 2, the README's walk for a relying party: a document signed through the
//! platform's API is verified offline after fetching the platform's trust directory once
//! (`eseal trust fetch`), and reaches PASSED (有效); a revocation is seen by the next fetch
//! (`--update`), so a signature made after it fails offline too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use base64ct::{Base64, Encoding};
use serde_json::{Value, json};
use std::process::{Command, Output};

fn eseal(args: &[&str], lang: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eseal"))
        .args(args)
        .env("ESEAL_LANG", lang)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_relying_party_fetches_trust_once_and_verifies_offline() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (run, fx) = rt.block_on(async {
        let run = eseal_server::fixture::start(data.clone()).await.unwrap();
        let fx = eseal_server::fixture::personal_seal(&run).await.unwrap();
        (run, fx)
    });
    let sign = |name: &str| -> std::path::PathBuf {
        let v: Value = rt.block_on(async {
            reqwest::Client::new()
                .post(format!("{}/api/v1/seals/{}/sign/ofd", run.url, fx.seal))
                .bearer_auth(&fx.holder_token)
                .json(&json!({"pin": eseal_server::fixture::PIN, "ofd": Base64::encode_string(&eseal_testkit::ofd::ofd_of(1024)), "placement": {"page": {"page": 1, "x": 60, "y": 60}}, "document_name": name, "purpose": "确认"}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        });
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            Base64::decode_vec(v["ofd"].as_str().unwrap()).unwrap(),
        )
        .unwrap();
        path
    };
    let signed = sign("合同.ofd");
    let trust = dir.path().join("trust");
    let t = trust.to_str().unwrap();
    // Once: the trust directory.
    let o = eseal(&["trust", "fetch", &run.url, t], "zh");
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("根证书 SM3 指纹"), "{}", text(&o));
    let mut files: Vec<String> = std::fs::read_dir(&trust)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "crl.pem",
            "issuing.pem",
            "root-crl.pem",
            "root.pem",
            "tsa.pem"
        ]
    );
    // A second fetch into the same directory is refused (nothing is overwritten).
    assert_eq!(
        eseal(&["trust", "fetch", &run.url, t], "en").status.code(),
        Some(3)
    );
    // Offline: PASSED (有效).
    let o = eseal(&["verify", signed.to_str().unwrap(), "--trust", t], "zh");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("结论: 有效"), "{}", text(&o));
    let o = eseal(
        &[
            "verify",
            signed.to_str().unwrap(),
            "--trust",
            t,
            "--at",
            "2030-01-01T00:00:00Z",
        ],
        "en",
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // An archive package (issue 16 item 6): made by the registry, verified offline with the
    // trust directory, renewed, and a changed byte is caught.
    let pkg = dir.path().join("合同.archive.zip");
    let p = pkg.to_str().unwrap();
    let o = eseal(
        &[
            "archive",
            "create",
            signed.to_str().unwrap(),
            "--registry",
            &run.url,
            "--out",
            p,
        ],
        "zh",
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = eseal(&["archive", "verify", p, "--trust", t], "zh");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("结论：有效"), "{}", text(&o));
    let renewed = dir.path().join("renewed.zip");
    let r = renewed.to_str().unwrap();
    let o = eseal(
        &["archive", "renew", p, "--registry", &run.url, "--out", r],
        "en",
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = eseal(&["archive", "verify", r, "--trust", t, "--json"], "en");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["generations"], 2, "{report}");
    let mut bytes = std::fs::read(&renewed).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&renewed, bytes).unwrap();
    let o = eseal(&["archive", "verify", r, "--trust", t], "en");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("verdict: FAILED"), "{}", text(&o));
    // A file that is not a package: a clear error, no panic.
    let o = eseal(&["archive", "verify", signed.to_str().unwrap()], "en");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("mimetype") || text(&o).contains("first file"),
        "{}",
        text(&o)
    );
    // The seal is revoked; a signature made after it is not PASSED offline once the CRLs are
    // refreshed (the certificate is on the published CRL).
    rt.block_on(async {
        run.state
            .pki()
            .revoke(
                &run.state
                    .store()
                    .get::<eseal_core::Seal>(&fx.seal)
                    .await
                    .unwrap()
                    .unwrap()
                    .record
                    .certificate_serial,
                eseal_core::RevocationReason::KeyCompromise,
                time::OffsetDateTime::now_utc(),
            )
            .unwrap()
    });
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let later = sign("later.ofd");
    let o = eseal(&["trust", "fetch", &run.url, t, "--update"], "en");
    assert!(o.status.success(), "{}", text(&o));
    let o = eseal(&["verify", later.to_str().unwrap(), "--trust", t], "en");
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).to_lowercase().contains("revoked"), "{}", text(&o));
    run.abort();
}
