//! Issue 8, item 4: the seal transparency proof travels with a signed document and is checked
//! offline. A seal is made and signs through an in-process service; its proof and the log key
//! are fetched over the public API and saved as files; `eseal verify SIG --data FILE
//! --transparency PROOF --log-key KEY` proves the signature's seal is in the log; a proof
//! that was altered, or that names another seal, fails (exit 1).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use base64ct::{Base64, Encoding};
use eseal_store::transparency::Log;
use serde_json::{Value, json};
use std::process::Command;

fn eseal(args: &[&std::ffi::OsStr]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_eseal"))
        .args(args)
        .env("ESEAL_LANG", "en")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // The verification report, then the transparency report: the last JSON document.
    let at = text
        .rfind("{\n  \"transparency\"")
        .unwrap_or_else(|| panic!("{text}"));
    (
        out.status.code().unwrap(),
        serde_json::from_str(&text[at..]).unwrap(),
    )
}

/// The seal revoked (no longer used), as the registry records it.
fn revoked(mut seal: eseal_core::Seal) -> eseal_core::Seal {
    seal.revoke(
        eseal_core::RevocationReason::NoLongerUsed,
        time::OffsetDateTime::now_utc(),
        None,
        &[eseal_core::Material {
            kind: eseal_core::MaterialKind::Proof,
            sm3: eseal_core::Sm3Hex::parse("sm3", &"00".repeat(32)).unwrap(),
        }],
    )
    .unwrap();
    seal
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn the_proof_beside_a_signed_document_checks_offline() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let rt = runtime();
    let (signature, proof, key, seal) = rt.block_on(async {
        let run = eseal_server::fixture::start(data.clone()).await.unwrap();
        let f = eseal_server::fixture::personal_seal(&run).await.unwrap();
        let http = reqwest::Client::new();
        let signed: Value = http
            .post(format!("{}/api/v1/seals/{}/sign", run.url, f.seal))
            .bearer_auth(&f.holder_token)
            .json(&json!({"pin": eseal_server::fixture::PIN, "data": Base64::encode_string(b"contract"), "document_name": "contract.txt", "purpose": "test"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut tree = run.state.seal_tree().lock().await;
        let checkpoints = dir.path().join("checkpoints");
        eseal_server::audit::checkpoint_once(&run.state, Log::Seals, &mut tree, &checkpoints)
            .await
            .unwrap()
            .unwrap();
        // A witness cosigns it.
        let log_key = eseal_gm::provider::Sm2Signer::public_key(&run.state.pki().audit_signer());
        let witness = eseal_server::witness::WitnessSim::new(
            "witness.example.org",
            eseal_gm::provider::SoftwareSigner::new(
                eseal_gm::Sm2PrivateKey::generate(&eseal_gm::provider::SeededRandom::new(b"w"))
                    .unwrap(),
            ),
            vec![(Log::Seals.origin().into(), log_key)],
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let wurl = format!("http://{}", listener.local_addr().unwrap());
        let router = witness.router();
        tokio::spawn(async move { eseal_server::sim::serve(listener, router).await });
        let mut witnesses = eseal_server::witness::Witnesses::new(vec![wurl]);
        for r in witnesses
            .push_latest(&run.state, Log::Seals, &tree, &checkpoints)
            .await
        {
            r.unwrap();
        }
        drop(tree);
        std::fs::write(
            dir.path().join("witness.pem"),
            eseal_server::witness::public_key(&witness).to_spki_pem().unwrap(),
        )
        .unwrap();
        let get = |path: String| {
            let http = http.clone();
            async move { http.get(path).send().await.unwrap().text().await.unwrap() }
        };
        let proof = get(format!("{}/api/v1/transparency/seals/{}", run.url, f.seal)).await;
        let key = get(format!("{}/api/v1/transparency/key", run.url)).await;
        run.abort();
        run.state.store().close().await;
        (
            Base64::decode_vec(signed["signature"].as_str().unwrap()).unwrap(),
            proof,
            key,
            f.seal,
        )
    });
    // The audit log, searched.
    let about = query(&data, &["--seal", &seal]);
    let events: Vec<&str> = about.iter().map(|e| e["event"].as_str().unwrap()).collect();
    for kind in [
        "seals.insert",
        "seal_keys.insert",
        "seal_keys.update",
        "filings.insert",
        "usages.insert",
        "usages.update",
    ] {
        assert!(events.contains(&kind), "{kind} not in {events:?}");
    }
    assert!(about.iter().all(|e| {
        let o = e["object"].as_str().unwrap();
        o.contains(&seal) || o.starts_with("usages/")
    }));
    let uses = query(&data, &["--actor", "zhang", "--event", "usages."]);
    assert!(!uses.is_empty());
    assert!(
        uses.iter()
            .all(|e| e["actor"] == "zhang" && e["event"].as_str().unwrap().starts_with("usages."))
    );
    let logins = query(&data, &["--event", "auth.login", "--actor", "maker"]);
    assert_eq!(logins.len(), 1, "{logins:?}");
    assert!(query(&data, &["--since", "2999-01-01T00:00:00Z"]).is_empty());
    let all = query(&data, &["--until", "2999-01-01T00:00:00Z", "--limit", "5"]);
    assert_eq!(all.len(), 5);
    assert_eq!(all[0]["seq"], 0);

    let sig = dir.path().join("contract.sig");
    let doc = dir.path().join("contract.txt");
    let proof_file = dir.path().join("seal-proof.json");
    let key_file = dir.path().join("log-key.pem");
    std::fs::write(&sig, &signature).unwrap();
    std::fs::write(&doc, b"contract").unwrap();
    std::fs::write(&proof_file, &proof).unwrap();
    std::fs::write(&key_file, &key).unwrap();
    fn with<'a>(
        sig: &'a std::path::Path,
        doc: &'a std::path::Path,
        proof: &'a std::path::Path,
        key: &'a std::path::Path,
    ) -> Vec<&'a std::ffi::OsStr> {
        vec![
            "verify".as_ref(),
            sig.as_os_str(),
            "--data".as_ref(),
            doc.as_os_str(),
            "--json".as_ref(),
            "--transparency".as_ref(),
            proof.as_os_str(),
            "--log-key".as_ref(),
            key.as_os_str(),
        ]
    }
    let args = |proof| with(&sig, &doc, proof, &key_file);

    // Proven: the signature's own seal is in the log (the chain is INDETERMINATE without a
    // trust store: exit 2, not 1).
    let (code, v) = eseal(&args(&proof_file));
    assert_ne!(code, 1, "{v}");
    let t = &v["transparency"][0];
    assert_eq!(t["outcome"], "PASSED", "{v}");
    assert_eq!(t["state_at_checkpoint"], "active", "{v}");
    assert_eq!(t["index"], 0, "{v}");

    // The checkpoint is cosigned by the witness: required by name and key, it passes; with
    // another key in its place, it fails.
    let with_witness = |key: &std::path::Path| {
        let mut a: Vec<std::ffi::OsString> =
            args(&proof_file).into_iter().map(Into::into).collect();
        a.push("--witness".into());
        a.push(format!("witness.example.org={}", key.display()).into());
        a
    };
    let run_with = |a: Vec<std::ffi::OsString>| {
        let a: Vec<&std::ffi::OsStr> = a.iter().map(|x| x.as_os_str()).collect();
        eseal(&a)
    };
    let (code, v) = run_with(with_witness(&dir.path().join("witness.pem")));
    assert_ne!(code, 1, "{v}");
    assert_eq!(v["transparency"][0]["outcome"], "PASSED", "{v}");
    let (code, v) = run_with(with_witness(&key_file));
    assert_eq!(code, 1, "{v}");
    assert!(
        v["transparency"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("witness.example.org"),
        "{v}"
    );

    // An altered proof (the entry's state rewritten) fails.
    let altered = dir.path().join("altered.json");
    std::fs::write(&altered, proof.replace("active", "revoked")).unwrap();
    let (code, v) = eseal(&args(&altered));
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["transparency"][0]["outcome"], "FAILED", "{v}");

    // A valid-looking proof for other seal data fails: the document's seal is not in it.
    let mut other: Value = serde_json::from_str(&proof).unwrap();
    let leaf = other["proof"]["entries"][0]["leaf"]
        .as_str()
        .unwrap()
        .to_owned();
    let entry: Value = serde_json::from_str(&leaf).unwrap();
    let sm3 = entry["seal_sm3"].as_str().unwrap();
    other["proof"]["entries"][0]["leaf"] = Value::String(leaf.replace(sm3, &"0".repeat(64)));
    let other_file = dir.path().join("other.json");
    std::fs::write(&other_file, other.to_string()).unwrap();
    let (code, v) = eseal(&args(&other_file));
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["transparency"][0]["outcome"], "FAILED", "{v}");
}

/// `eseal audit query` on the same kind of data directory: by seal, actor, event and time.
fn query(data: &std::path::Path, args: &[&str]) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_eseal"))
        .args(["audit", "query", "--json", "--data"])
        .arg(data)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn monitor(url: &str, key: &std::path::Path, state: &std::path::Path) -> (i32, String) {
    monitor_in("en", url, key, state)
}

fn monitor_in(
    lang: &str,
    url: &str,
    key: &std::path::Path,
    state: &std::path::Path,
) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_eseal"))
        .args([
            "--lang",
            lang,
            "transparency",
            "monitor",
            "--url",
            url,
            "--key",
        ])
        .arg(key)
        .arg("--state")
        .arg(state)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// A monitor follows the public log between runs from its own state, and catches an entry
/// rewritten in the registry's database even when the registry re-signs.
#[test]
fn a_monitor_follows_the_log_and_catches_a_rewrite() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let rt = runtime();
    rt.block_on(async {
        let run = eseal_server::fixture::start(data.clone()).await.unwrap();
        let f = eseal_server::fixture::personal_seal(&run).await.unwrap();
        let state = &run.state;
        let checkpoints = dir.path().join("checkpoints");
        let checkpoint = || async {
            let mut tree = state.seal_tree().lock().await;
            eseal_server::audit::checkpoint_once(state, Log::Seals, &mut tree, &checkpoints)
                .await
                .unwrap();
        };
        checkpoint().await;
        let key = dir.path().join("log-key.pem");
        std::fs::write(
            &key,
            eseal_gm::provider::Sm2Signer::public_key(&state.pki().audit_signer())
                .to_spki_pem()
                .unwrap(),
        )
        .unwrap();
        let watch = dir.path().join("monitor");
        let watch_once = || {
            let (url, k, w) = (run.url.clone(), key.clone(), watch.clone());
            async move {
                tokio::task::spawn_blocking(move || monitor(&url, &k, &w))
                    .await
                    .unwrap()
            }
        };
        let first = watch_once().await;
        assert_eq!(first.0, 0, "{}", first.1);
        assert!(first.1.contains(&f.seal) && first.1.contains("OK: 1 entries, 1 new"), "{}", first.1);

        // The seal is revoked (through the store, which publishes every seal write).
        let store = state.store();
        let write = |seal: &eseal_core::Seal, version: i64| {
            let mut batch = eseal_store::Batch::new();
            batch.update(seal, version).unwrap();
            async move {
                store
                    .commit(&batch, time::OffsetDateTime::now_utc())
                    .await
                    .unwrap()
            }
        };
        let v = store.get::<eseal_core::Seal>(&f.seal).await.unwrap().unwrap();
        let seal = revoked(v.record.clone());
        write(&seal, v.version).await;
        checkpoint().await;
        let second = watch_once().await;
        assert_eq!(second.0, 0, "{}", second.1);
        assert!(second.1.contains("revoked:no_longer_used") && second.1.contains("2 entries, 1 new"), "{}", second.1);

        // Someone rewrites the first entry in the database and, after one more write, serves a
        // checkpoint of the rewritten log signed with the stolen log key: the monitor refuses.
        let pool = sqlx::SqlitePool::connect(&format!(
            "sqlite://{}",
            data.join(eseal_store::SQLITE_FILE).display()
        ))
        .await
        .unwrap();
        sqlx::query("UPDATE seal_log SET leaf = replace(leaf, '\"personal\"', '\"official\"') WHERE seq = 0")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let v = store.get::<eseal_core::Seal>(&f.seal).await.unwrap().unwrap();
        write(&v.record, v.version).await;
        let mut rewritten = eseal_tlog::Tree::new();
        // The registry itself refuses to sign it…
        let err = eseal_server::audit::checkpoint_once(state, Log::Seals, &mut rewritten, &checkpoints)
            .await
            .unwrap_err();
        assert!(err.detail.en.contains("rewritten"), "{}", err.detail);
        assert!(err.detail.zh.contains("改写"), "{}", err.detail.zh);
        // …so the one who rewrote it signs it with the stolen key and stores it.
        let forged = eseal_tlog::Checkpoint {
            origin: Log::Seals.origin().into(),
            size: rewritten.size(),
            root: rewritten.root(),
            extensions: Vec::new(),
        }
        .sign(Log::Seals.origin(), &state.pki().audit_signer())
        .unwrap();
        store
            .put_checkpoint(Log::Seals, rewritten.size() as i64, &forged, time::OffsetDateTime::now_utc())
            .await
            .unwrap();
        let third = watch_once().await;
        assert_eq!(third.0, 1, "{}", third.1);
        assert!(third.1.contains("FAILED"), "{}", third.1);
        // The same verdict in Chinese, the default language (the state was not advanced).
        let (url, k, w) = (run.url.clone(), key.clone(), watch.clone());
        let zh = tokio::task::spawn_blocking(move || monitor_in("zh", &url, &k, &w))
            .await
            .unwrap();
        assert_eq!(zh.0, 1, "{}", zh.1);
        assert!(zh.1.starts_with("失败（FAILED）："), "{}", zh.1);
        assert_eq!(eseal_testkit::english_prose(&zh.1), None, "{}", zh.1);
        run.abort();
    });
}

/// Issue 21: a registry restored from a backup older than what a monitor saw — the monitor
/// names the gap (the entries it kept that the log no longer has), and the registry, which
/// refused to start until the rollback was acknowledged, has the acknowledgement in its log.
#[test]
fn a_monitor_shows_the_gap_after_a_rollback() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let checkpoints = dir.path().join("worm");
    let key_file = dir.path().join("log-key.pem");
    let watch = dir.path().join("monitor");
    let archive = dir.path().join("before.esbk");
    let backup_key = eseal_server::backup::container::BackupKey::from_bytes([3; 16]);
    let rt = runtime();
    let watch_once = |url: String| {
        let (k, w) = (key_file.clone(), watch.clone());
        move || monitor(&url, &k, &w)
    };
    let config = rt.block_on(async {
        let mut config = eseal_server::app::ServeConfig::new(data.clone());
        config.listen = "127.0.0.1:0".into();
        config.audit_checkpoints = Some(checkpoints.clone());
        let run = eseal_server::app::start(
            config.clone(),
            std::sync::Arc::new(eseal_gm::provider::SystemClock),
        )
        .await
        .unwrap();
        let f = eseal_server::fixture::personal_seal(&run).await.unwrap();
        let state = &run.state;
        let checkpoint = || async {
            let mut tree = state.seal_tree().lock().await;
            eseal_server::audit::checkpoint_once(state, Log::Seals, &mut tree, &checkpoints)
                .await
                .unwrap();
        };
        checkpoint().await;
        std::fs::write(
            &key_file,
            eseal_gm::provider::Sm2Signer::public_key(&state.pki().audit_signer())
                .to_spki_pem()
                .unwrap(),
        )
        .unwrap();
        let first = tokio::task::spawn_blocking(watch_once(run.url.clone()))
            .await
            .unwrap();
        assert_eq!(first.0, 0, "{}", first.1);
        // The backup, then a revocation the monitor sees.
        eseal_server::backup::create(
            eseal_server::backup::Source {
                store: state.store(),
                data: &data,
                checkpoints: &checkpoints,
            },
            &backup_key,
            &state.pki().audit_signer(),
            &archive,
            time::OffsetDateTime::now_utc(),
        )
        .await
        .unwrap();
        let store = state.store();
        let v = store
            .get::<eseal_core::Seal>(&f.seal)
            .await
            .unwrap()
            .unwrap();
        let seal = revoked(v.record.clone());
        let mut batch = eseal_store::Batch::new();
        batch.update(&seal, v.version).unwrap();
        store
            .commit(&batch, time::OffsetDateTime::now_utc())
            .await
            .unwrap();
        checkpoint().await;
        let second = tokio::task::spawn_blocking(watch_once(run.url.clone()))
            .await
            .unwrap();
        assert!(
            second.0 == 0 && second.1.contains("revoked:no_longer_used"),
            "{}",
            second.1
        );
        run.abort();
        store.close().await;
        config
    });

    // The data is lost; the backup is restored beside the checkpoints the world has seen.
    std::fs::remove_dir_all(&data).unwrap();
    rt.block_on(async {
        eseal_server::backup::restore(
            &archive,
            &backup_key,
            None,
            eseal_server::backup::Target {
                data: &data,
                database: None,
                schema: None,
            },
            time::OffsetDateTime::now_utc(),
        )
        .await
        .unwrap();
        let clock = std::sync::Arc::new(eseal_gm::provider::SystemClock);
        let refused = eseal_server::app::start(config.clone(), clock.clone())
            .await
            .unwrap_err();
        assert!(
            refused.detail.en.contains("--accept-rollback-to"),
            "{}",
            refused.detail.en
        );
        let store = eseal_store::Store::open_sqlite(&data).await.unwrap();
        let to = store.log_size(Log::Audit).await.unwrap() as u64;
        store.close().await;
        let mut config = config.clone();
        config.accept_rollback = Some(eseal_server::install::AcceptRollback {
            to,
            reason: "disk lost; restored before.esbk".into(),
        });
        let run = eseal_server::app::start(config, clock).await.unwrap();
        let third = tokio::task::spawn_blocking(watch_once(run.url.clone()))
            .await
            .unwrap();
        assert_eq!(third.0, 1, "{}", third.1);
        assert!(
            third.1.contains("shrank from 2 to 1")
                && third.1.contains("entries 1–1")
                && third.1.contains("service.rollback"),
            "{}",
            third.1
        );
        let log = run.state.store().audit_log(0, 1_000_000).await.unwrap();
        let gap = log.iter().find(|e| e.event == "service.rollback").unwrap();
        assert!(
            gap.outcome.contains("eseal/seals 2->1") && gap.outcome.contains("disk lost"),
            "{}",
            gap.outcome
        );
        run.abort();
    });
}

/// `eseal transparency monitor` with a key (and the previous one after a rotation).
fn monitor_keys(
    url: &str,
    state: &std::path::Path,
    key: &std::path::Path,
    previous: Option<&std::path::Path>,
) -> (i32, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_eseal"));
    c.args([
        "--lang",
        "en",
        "transparency",
        "monitor",
        "--url",
        url,
        "--state",
    ])
    .arg(state)
    .arg("--key")
    .arg(key);
    if let Some(p) = previous {
        c.arg("--previous-key").arg(p);
    }
    let out = c.output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Issue 21: the log key is rotated (`eseal backup rotate-log-key`, the service stopped); a
/// monitor given the new key and the previous one follows on from what it saw, while the new
/// key alone (its kept checkpoint was signed by the old one) or the old key alone (the
/// registry now signs with the new one) is refused.
#[test]
fn a_monitor_follows_a_log_key_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let checkpoints = data.join("audit-checkpoints");
    let (old_file, new_file) = (dir.path().join("old.pem"), dir.path().join("new.pem"));
    let watch = dir.path().join("monitor");
    let rt = runtime();
    let mut config = eseal_server::app::ServeConfig::new(data.clone());
    config.listen = "127.0.0.1:0".into();
    let seal_id = rt.block_on(async {
        let run = eseal_server::app::start(
            config.clone(),
            std::sync::Arc::new(eseal_gm::provider::SystemClock),
        )
        .await
        .unwrap();
        let f = eseal_server::fixture::personal_seal(&run).await.unwrap();
        let state = &run.state;
        let mut tree = state.seal_tree().lock().await;
        eseal_server::audit::checkpoint_once(state, Log::Seals, &mut tree, &checkpoints)
            .await
            .unwrap();
        drop(tree);
        std::fs::write(
            &old_file,
            eseal_gm::provider::Sm2Signer::public_key(&state.pki().audit_signer())
                .to_spki_pem()
                .unwrap(),
        )
        .unwrap();
        let (url, o, w) = (run.url.clone(), old_file.clone(), watch.clone());
        let first = tokio::task::spawn_blocking(move || monitor_keys(&url, &w, &o, None))
            .await
            .unwrap();
        assert_eq!(first.0, 0, "{}", first.1);
        run.abort();
        state.store().close().await;
        f.seal
    });
    let out = Command::new(env!("CARGO_BIN_EXE_eseal"))
        .args(["--lang", "en", "backup", "rotate-log-key", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("eseal/seals@1"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    rt.block_on(async {
        let run =
            eseal_server::app::start(config, std::sync::Arc::new(eseal_gm::provider::SystemClock))
                .await
                .unwrap();
        let state = &run.state;
        std::fs::write(
            &new_file,
            eseal_gm::provider::Sm2Signer::public_key(&state.pki().audit_signer())
                .to_spki_pem()
                .unwrap(),
        )
        .unwrap();
        assert_ne!(
            std::fs::read(&old_file).unwrap(),
            std::fs::read(&new_file).unwrap()
        );
        let store = state.store();
        let v = store
            .get::<eseal_core::Seal>(&seal_id)
            .await
            .unwrap()
            .unwrap();
        let mut batch = eseal_store::Batch::new();
        batch.update(&revoked(v.record.clone()), v.version).unwrap();
        store
            .commit(&batch, time::OffsetDateTime::now_utc())
            .await
            .unwrap();
        let mut tree = state.seal_tree().lock().await;
        eseal_server::audit::checkpoint_once(state, Log::Seals, &mut tree, &checkpoints)
            .await
            .unwrap();
        drop(tree);
        let (url, o, n, w) = (
            run.url.clone(),
            old_file.clone(),
            new_file.clone(),
            watch.clone(),
        );
        let (new_only, old_only, both) = tokio::task::spawn_blocking(move || {
            (
                monitor_keys(&url, &w, &n, None),
                monitor_keys(&url, &w, &o, None),
                monitor_keys(&url, &w, &n, Some(&o)),
            )
        })
        .await
        .unwrap();
        assert_eq!(new_only.0, 1, "{}", new_only.1);
        assert_eq!(old_only.0, 1, "{}", old_only.1);
        assert_eq!(both.0, 0, "{}", both.1);
        assert!(both.1.contains("2 entries, 1 new"), "{}", both.1);
        run.abort();
    });
}
