//! Issue 8, auditor tools (first part): `eseal audit export` writes the log with a signed
//! checkpoint; `eseal audit verify` recomputes it offline and names what is wrong: changed
//! bytes of entries (sampled positions) and of the checkpoint, a deleted, an inserted and two
//! swapped entries, and a log truncated behind an earlier checkpoint kept elsewhere.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use eseal_core::{OfficialKind, Seal, SealKind, SealState};
use eseal_store::{Batch, Store};
use std::path::Path;
use std::process::Command;
use time::OffsetDateTime;

fn eseal() -> Command {
    Command::new(env!("CARGO_BIN_EXE_eseal"))
}

fn seal(i: usize, now: OffsetDateTime) -> Seal {
    Seal {
        id: eseal_core::SealId::parse("id", &format!("ES{i:06}")).unwrap(),
        kind: SealKind::Official(OfficialKind::LegalName),
        name: format!("示例单位{i}"),
        organisation_code: Some(eseal_core::Uscc::parse("uscc", "91350100M000100Y43").unwrap()),
        holder_id: None,
        impression_sm3: eseal_core::Sm3Hex::parse("sm3", &"cd".repeat(32)).unwrap(),
        certificate_serial: format!("{i:032X}"),
        valid_from: now,
        valid_to: now + time::Duration::days(365),
        state: SealState::Active,
        history: Vec::new(),
        seal_data_sm3: None,
        key_custody: Default::default(),
    }
}

/// `count` commits of a seal and an artefact: 2 × count audit entries.
fn grow(data: &Path, from: usize, count: usize) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Store::open_sqlite(data).await.unwrap();
        let now = OffsetDateTime::now_utc();
        for i in from..from + count {
            let mut b = Batch::new();
            b.insert(&seal(i, now)).unwrap();
            b.blob("image/png", format!("impression {i}").as_bytes());
            eseal_store::audit::ACTOR
                .scope(format!("maker{}", i % 3), store.commit(&b, now))
                .await
                .unwrap();
        }
        store.close().await;
    });
}

fn export(data: &Path, key: &Path, out: &Path) {
    let o = eseal()
        .args(["audit", "export", "--data"])
        .arg(data)
        .arg("--key")
        .arg(key)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Said in Chinese, the default language.
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(
        said.starts_with("已导出 ") && said.contains("根哈希"),
        "{said}"
    );
}

/// (exit code, stdout).
fn verify(dir: &Path, key: &Path, earlier: Option<&Path>) -> (i32, String) {
    let mut c = eseal();
    c.args(["--lang", "en", "audit", "verify"])
        .arg(dir)
        .arg("--key")
        .arg(key);
    if let Some(e) = earlier {
        c.arg("--checkpoint").arg(e);
    }
    let o = c.output().unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir(to).unwrap();
    for f in ["log.jsonl", "checkpoint", "audit-key.pem"] {
        std::fs::copy(from.join(f), to.join(f)).unwrap();
    }
}

/// A new SM2 key at DIR/audit.key (`eseal key generate`).
fn new_key(dir: &Path) -> std::path::PathBuf {
    let key = dir.join("audit.key");
    let o = eseal()
        .args(["key", "generate", "--out"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    key
}

#[test]
fn exported_logs_verify_and_tampering_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let key = new_key(tmp.path());
    grow(&data, 0, 500);
    let first = tmp.path().join("first");
    export(&data, &key, &first);
    let public = first.join("audit-key.pem");
    assert_eq!(verify(&first, &public, None).0, 0);
    let log = std::fs::read_to_string(first.join("log.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 1000);

    // Later: the log grew; it verifies against the earlier checkpoint kept outside.
    let earlier = tmp.path().join("kept-checkpoint");
    std::fs::copy(first.join("checkpoint"), &earlier).unwrap();
    grow(&data, 500, 10);
    let second = tmp.path().join("second");
    export(&data, &key, &second);
    let (code, out) = verify(&second, &public, Some(&earlier));
    assert_eq!(code, 0, "{out}");

    let case = |name: &str, change: &dyn Fn(&Path)| -> String {
        let dir = tmp.path().join(name);
        copy(&first, &dir);
        change(&dir);
        let (code, out) = verify(&dir, &public, None);
        assert_eq!(code, 1, "{name}: {out}");
        out
    };
    let lines: Vec<String> = log.lines().map(str::to_owned).collect();
    let write = |dir: &Path, ls: &[String]| {
        std::fs::write(dir.join("log.jsonl"), ls.join("\n") + "\n").unwrap();
    };
    // Single-byte changes at sampled positions of the entries.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for k in 0..40 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let at = (x % (log.len() as u64 - 1)) as usize;
        let out = case(&format!("byte{k}"), &|dir| {
            let mut b = log.as_bytes().to_vec();
            b[at] ^= 0x01;
            std::fs::write(dir.join("log.jsonl"), b).unwrap();
        });
        assert!(out.starts_with("FAILED"), "{out}");
    }
    let out = case("deleted", &|dir| {
        let mut ls = lines.clone();
        ls.remove(400);
        write(dir, &ls);
    });
    assert!(out.contains("entry 400"), "{out}");
    // The same verdict in Chinese, the default language.
    let o = eseal()
        .args(["audit", "verify"])
        .arg(tmp.path().join("deleted"))
        .arg("--key")
        .arg(&public)
        .output()
        .unwrap();
    let zh = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        zh.starts_with("失败（FAILED）") && zh.contains("第 400 项"),
        "{zh}"
    );
    assert_eq!(eseal_testkit::english_prose(&zh), None, "{zh}");
    let out = case("inserted", &|dir| {
        let mut ls = lines.clone();
        ls.insert(700, lines[699].clone());
        write(dir, &ls);
    });
    assert!(out.contains("entry 700"), "{out}");
    let out = case("swapped", &|dir| {
        let mut ls = lines.clone();
        ls.swap(10, 11);
        write(dir, &ls);
    });
    assert!(out.contains("entry 10"), "{out}");
    // A consistent rewrite (new numbers, new checkpoint) needs the key; a checkpoint byte
    // changed is refused.
    let note = std::fs::read(first.join("checkpoint")).unwrap();
    for at in [0, 5, note.len() / 2, note.len() - 3] {
        let out = case(&format!("checkpoint{at}"), &|dir| {
            let mut b = note.clone();
            b[at] ^= 0x01;
            std::fs::write(dir.join("checkpoint"), b).unwrap();
        });
        assert!(out.contains("checkpoint"), "{out}");
    }
    // Truncated tail, re-signed by someone holding the key: the earlier checkpoint shows it.
    let truncated = tmp.path().join("truncated");
    let short = tmp.path().join("short-data");
    grow(&short, 0, 400);
    export(&short, &key, &truncated);
    let (code, out) = verify(&truncated, &public, Some(&earlier));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("truncated"), "{out}");
}

/// `eseal audit archive`: a time within the retention period is refused and nothing is
/// written; an older one archives what is older (here nothing), after a signed export that
/// verifies, and the archiving is itself in the log.
#[test]
fn archive_respects_the_retention_period() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let key = new_key(tmp.path());
    grow(&data, 0, 5);
    let archive = |before: &str, out: &Path| {
        eseal()
            .args(["--lang", "en", "audit", "archive", "--data"])
            .arg(&data)
            .arg("--key")
            .arg(&key)
            .args(["--before", before, "--export"])
            .arg(out)
            .output()
            .unwrap()
    };
    let now = OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let refused = tmp.path().join("refused");
    let o = archive(&now, &refused);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("180 days"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!refused.exists());

    let kept = tmp.path().join("kept");
    let o = archive("2000-01-01T00:00:00Z", &kept);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("0 entries archived"));
    assert_eq!(verify(&kept, &kept.join("audit-key.pem"), None).0, 0);
    let o = eseal()
        .args(["audit", "query", "--json", "--event", "audit.", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    let events: Vec<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["event"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(events, ["audit.export", "audit.archive"]);
}

/// Issue 14 items 5 and 10: a value holding a newline and JSON prints escaped in `eseal audit
/// query`, never as a forged line; `eseal user unlock` unlocks an account on the server when
/// no administrator can log in, and is audited with the operator as the actor.
#[test]
fn query_output_cannot_be_forged_and_the_operator_unlocks() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let forged = "mallory\n       9  2026-01-01T00:00:00Z  system  service.start  x  ok";
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Store::open_sqlite(&data).await.unwrap();
        let now = OffsetDateTime::now_utc();
        let (mut user, _) = eseal_server::auth::new_user(
            "reviewer1",
            "审核员",
            &[eseal_server::auth::Role::Reviewer],
            "Good-Password-2026",
            false,
            &eseal_core::DataKey::new(1, [7; 16]),
            &eseal_gm::provider::SeededRandom::new(b"t"),
        )
        .unwrap();
        user.locked_until = now.unix_timestamp() + 900;
        eseal_store::audit::ACTOR
            .scope(
                forged.to_owned(),
                store.commit(Batch::new().insert(&user).unwrap(), now),
            )
            .await
            .unwrap();
        store.close().await;
    });
    let o = eseal()
        .args(["audit", "query", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(o.status.success());
    let out = String::from_utf8(o.stdout).unwrap();
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("mallory\\n"), "{out}");
    let o = eseal()
        .args(["user", "unlock", "reviewer1", "--data"])
        .arg(&data)
        .env("USER", "ops1")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = eseal()
        .args(["audit", "query", "--actor", "operator:ops1", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(
        out.contains("users/reviewer1@v2") && out.contains("locked_until=0"),
        "{out}"
    );
}

/// Issue 15 item 8: the administrator's password is lost; the operator on the server makes
/// new credentials (`eseal user reset`), audited as theirs, and the administrator logs in.
#[test]
fn the_operator_recovers_a_lost_admin_password() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let run = eseal_server::fixture::start(data.clone()).await.unwrap();
        run.abort();
        run.state.store().close().await;
    });
    let o = eseal()
        .args(["user", "reset", "admin", "--data"])
        .arg(&data)
        .env("USER", "ops1")
        .env("ESEAL_LANG", "en")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).unwrap();
    let field = |name: &str| {
        out.lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .unwrap()
            .trim()
            .to_owned()
    };
    let (password, secret) = (field("password:"), field("TOTP secret:"));
    rt.block_on(async {
        let run = eseal_server::fixture::start(data.clone()).await.unwrap();
        let code = eseal_server::auth::totp_code(
            &eseal_server::auth::base32_decode(&secret).unwrap(),
            eseal_server::auth::totp_step(time::OffsetDateTime::now_utc()),
        );
        let r = reqwest::Client::new()
            .post(format!("{}/api/v1/login", run.url))
            .json(&serde_json::json!({"username": "admin", "password": password, "totp": code}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        let log = run.state.store().audit_log(0, 100_000).await.unwrap();
        assert!(
            log.iter()
                .any(|e| e.actor == "operator:ops1" && e.object.starts_with("users/admin@"))
        );
        run.abort();
    });
}

/// Issue 16 item 5: the operator manages the trust list from the server (`eseal trust-list`)
/// under the rules the API uses, audited as theirs; a removed entry stays listed as removed.
#[test]
fn the_operator_manages_the_trust_list() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        Store::open_sqlite(&data).await.unwrap().close().await;
    });
    let ca = eseal_pki::ca::init(
        &eseal_gm::provider::OsRandom,
        OffsetDateTime::now_utc() - time::Duration::hours(1),
        "Elsewhere CA",
        None,
        eseal_pki::ca::CaSignatureId::Standard,
    )
    .unwrap();
    let root = tmp.path().join("root.pem");
    std::fs::write(&root, ca.root.to_pem()).unwrap();
    let not_ca = tmp.path().join("not-ca.pem");
    std::fs::write(
        &not_ca,
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let o = eseal()
            .args(args)
            .arg("--data")
            .arg(&data)
            .env("USER", "ops1")
            .output()
            .unwrap();
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let root_s = root.to_str().unwrap();
    let (ok, _, err) = run(&[
        "trust-list",
        "add",
        not_ca.to_str().unwrap(),
        "--label",
        "x",
        "--reason",
        "y",
    ]);
    // In the command's language (Chinese by default).
    assert!(!ok && err.contains("不是 X.509 证书"), "{err}");
    let (ok, out, err) = run(&[
        "--lang",
        "en",
        "trust-list",
        "add",
        root_s,
        "--label",
        "外地平台 CA",
        "--reason",
        "全国互认",
        "--crl-url",
        "https://elsewhere.example/crl.pem",
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("active") && out.contains("CN=Elsewhere CA"),
        "{out}"
    );
    let id = out
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let (ok, _, err) = run(&["trust-list", "add", root_s, "--label", "x", "--reason", "y"]);
    assert!(!ok && err.contains("已在信任列表中"), "{err}");
    let (ok, out, _) = run(&["trust-list", "remove", &id, "--reason", "已更换"]);
    assert!(
        ok && out.contains("已移除") && out.contains("operator:ops1"),
        "{out}"
    );
    let (ok, out, _) = run(&["trust-list", "list"]);
    assert!(
        ok && out.contains("已移除") && out.contains("已更换"),
        "{out}"
    );
    let (_, out, _) = run(&["audit", "query", "--actor", "operator:ops1"]);
    assert_eq!(
        out.lines().filter(|l| l.contains("trust_anchors/")).count(),
        2,
        "{out}"
    );
}
