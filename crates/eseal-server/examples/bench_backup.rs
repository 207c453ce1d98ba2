//! Backup benchmark (issue 21): `cargo run --release -p eseal-server --example bench_backup
//! -- [SEALS] [SECONDS] [CLIENTS]` (scripts/bench-backup.sh). Starts the service in-process
//! (SQLite in a temporary directory, or PostgreSQL in a fresh schema when `ESEAL_BENCH_PG`
//! is a URL), makes a signing-ready personal seal, loads SEALS seal records (each published
//! in the seal log, as the registry writes them), then measures in one run:
//! - `eseal backup create` (time, archive size), `verify`, `restore` into a fresh target;
//! - the engine's own copy for reference: SQLite `VACUUM INTO`, or `pg_dump -Fc` of the schema;
//! - detached signing over HTTP with CLIENTS clients for SECONDS, without a backup, then
//!   with backups made back to back for the same time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark tool

use eseal_core::{OfficialKind, Seal, SealKind, SealState};
use eseal_gm::provider::SystemClock;
use eseal_server::backup::{self, container::BackupKey};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn seal(i: usize, now: time::OffsetDateTime) -> Seal {
    Seal {
        id: eseal_core::SealId::parse("id", &format!("ES{i:024}")).unwrap(),
        kind: SealKind::Official(OfficialKind::LegalName),
        name: format!("示例单位{i}"),
        organisation_code: Some(eseal_core::Uscc::parse("uscc", "91350100M000100Y43").unwrap()),
        holder_id: None,
        impression_sm3: eseal_core::Sm3Hex::parse("sm3", &"cd".repeat(32)).unwrap(),
        certificate_serial: format!("{i:032X}"),
        valid_from: now - time::Duration::days(30),
        valid_to: now + time::Duration::days(335),
        state: SealState::Active,
        history: Vec::new(),
        seal_data_sm3: Some(eseal_core::Sm3Hex::parse("sm3", &"ab".repeat(32)).unwrap()),
        key_custody: Default::default(),
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// Detached signatures over HTTP for `seconds` with `clients` clients: (docs/s, p99 ms).
async fn sign_load(
    base: &str,
    seal: &str,
    token: &str,
    clients: usize,
    seconds: u64,
) -> (f64, f64) {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (http, base, seal, token) = (
            http.clone(),
            base.to_owned(),
            seal.to_owned(),
            token.to_owned(),
        );
        tasks.push(tokio::spawn(async move {
            let unlock = async |http: &reqwest::Client| -> Value {
                let v: Value = http
                    .post(format!("{base}/api/v1/seals/{seal}/unlock"))
                    .bearer_auth(&token)
                    .json(&json!({"pin": eseal_server::fixture::PIN, "minutes": 10, "signatures": 1000}))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                v["session"].clone()
            };
            let mut body = json!({"document_sm3": eseal_gm::Sm3Digest::of(format!("doc {c}").as_bytes()).to_hex(), "document_name": "bench.pdf", "purpose": "benchmark"});
            body["session"] = unlock(&http).await;
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                let r = http
                    .post(format!("{base}/api/v1/seals/{seal}/sign"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let ok = r.status().is_success();
                let text = r.text().await.unwrap_or_default();
                if ok {
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                } else if text.contains("signing_session_ended") {
                    body["session"] = unlock(&http).await;
                } else {
                    panic!("signing failed: {text}");
                }
            }
            lat
        }));
    }
    let started = Instant::now();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let rate = all.len() as f64 / started.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    let p99 = all
        .get((all.len() * 99 / 100).min(all.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0.0);
    (rate, p99)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seals: usize = args.get(1).map_or(100_000, |a| a.parse().unwrap());
    let seconds: u64 = args.get(2).map_or(20, |a| a.parse().unwrap());
    let clients: usize = args.get(3).map_or(8, |a| a.parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let mut config = eseal_server::app::ServeConfig::new(dir.path().join("data"));
    config.listen = "127.0.0.1:0".into();
    config.request_log = eseal_server::ops::RequestLog::Off;
    let pg = std::env::var("ESEAL_BENCH_PG")
        .ok()
        .filter(|u| !u.is_empty());
    let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
    if let Some(url) = &pg {
        config.database = Some(url.clone());
        config.database_schema = Some(format!("eseal_bench_{stamp}"));
    }
    let run = eseal_server::app::start(config.clone(), Arc::new(SystemClock))
        .await
        .unwrap();
    let fixture = eseal_server::fixture::personal_seal(&run).await.unwrap();
    let store = run.state.store().clone();
    let now = time::OffsetDateTime::now_utc();
    let t = Instant::now();
    let mut batch = eseal_store::Batch::new();
    for i in 0..seals {
        batch.insert(&seal(i, now)).unwrap();
        if (i + 1) % 2000 == 0 || i + 1 == seals {
            store.commit(&batch, now).await.unwrap();
            batch = eseal_store::Batch::new();
        }
    }
    println!(
        "{}; {seals} seals loaded in {:.1} s; {} cores",
        if pg.is_some() { "PostgreSQL" } else { "SQLite" },
        t.elapsed().as_secs_f64(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let key = BackupKey::from_bytes([0x42; 16]);
    let signer = run.state.pki().audit_signer();
    let checkpoints = config.data.join("audit-checkpoints");
    let src = backup::Source {
        store: &store,
        data: &config.data,
        checkpoints: &checkpoints,
    };
    let out = dir.path().join("backups");
    std::fs::create_dir_all(&out).unwrap();

    // The engine's own copy, for reference.
    let t = Instant::now();
    let reference = match &pg {
        None => {
            let copy = out.join("vacuum-into.db");
            let pool = sqlx::SqlitePool::connect(&format!(
                "sqlite://{}",
                config.data.join("eseal.db").display()
            ))
            .await
            .unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "VACUUM INTO '{}'",
                copy.display()
            )))
            .execute(&pool)
            .await
            .unwrap();
            pool.close().await;
            (
                "SQLite VACUUM INTO",
                std::fs::metadata(&copy).unwrap().len(),
            )
        }
        Some(url) => {
            let file = out.join("pg_dump.custom");
            let st = std::process::Command::new("pg_dump")
                .args([
                    "-Fc",
                    "-n",
                    config.database_schema.as_deref().unwrap(),
                    "-f",
                ])
                .arg(&file)
                .arg(url)
                .status()
                .unwrap();
            assert!(st.success());
            ("pg_dump -Fc", std::fs::metadata(&file).unwrap().len())
        }
    };
    println!(
        "{:<28} {:7.2} s  {:8.1} MiB",
        reference.0,
        t.elapsed().as_secs_f64(),
        mb(reference.1)
    );

    let t = Instant::now();
    let made = backup::create(src, &key, &signer, &out.join("a.esbk"), now)
        .await
        .unwrap();
    let create_s = t.elapsed().as_secs_f64();
    println!(
        "{:<28} {:7.2} s  {:8.1} MiB  ({} rows, {})",
        "eseal backup create",
        create_s,
        mb(made.bytes),
        made.manifest.tables.iter().map(|(_, n)| n).sum::<u64>(),
        backup::log_outcome(&made.manifest)
    );
    let t = Instant::now();
    backup::verify(&made.path, &key, None).unwrap();
    println!(
        "{:<28} {:7.2} s",
        "eseal backup verify",
        t.elapsed().as_secs_f64()
    );
    let schema = format!("eseal_bench_restore_{stamp}");
    let t = Instant::now();
    backup::restore(
        &made.path,
        &key,
        None,
        backup::Target {
            data: &dir.path().join("restored"),
            database: pg.as_deref(),
            schema: pg.as_ref().map(|_| schema.as_str()),
        },
        now,
    )
    .await
    .unwrap();
    println!(
        "{:<28} {:7.2} s",
        "eseal backup restore",
        t.elapsed().as_secs_f64()
    );

    // Signing without, then with backups running back to back.
    let (base, seal, token) = (
        run.url.clone(),
        fixture.seal.clone(),
        fixture.holder_token.clone(),
    );
    let (quiet, quiet_p99) = sign_load(&base, &seal, &token, clients, seconds).await;
    println!("detached signing, no backup:   {quiet:8.1} /s  p99 {quiet_p99:6.1} ms");
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let backups = {
        let (store, data, checkpoints, out, stop) = (
            store.clone(),
            config.data.clone(),
            checkpoints.clone(),
            out.clone(),
            stop.clone(),
        );
        let signer = run.state.pki().audit_signer();
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let key = BackupKey::from_bytes([0x42; 16]);
                backup::create(
                    backup::Source {
                        store: &store,
                        data: &data,
                        checkpoints: &checkpoints,
                    },
                    &key,
                    &signer,
                    &out.join(format!("load-{n}.esbk")),
                    time::OffsetDateTime::now_utc(),
                )
                .await
                .unwrap();
                let _ = std::fs::remove_file(out.join(format!("load-{n}.esbk")));
                n += 1;
            }
            n
        })
    };
    let (busy, busy_p99) = sign_load(&base, &seal, &token, clients, seconds).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let n = backups.await.unwrap();
    println!(
        "detached signing, backing up:  {busy:8.1} /s  p99 {busy_p99:6.1} ms  ({n} backups made meanwhile) = {:.0}% of the rate without",
        100.0 * busy / quiet
    );
    run.abort();
    if let (Some(url), Some(s)) = (&pg, &config.database_schema) {
        for schema in [s.as_str(), schema.as_str()] {
            let _ = std::process::Command::new("psql")
                .env("PGOPTIONS", "-c client_min_messages=warning")
                .arg(url)
                .args(["-qc", &format!("DROP SCHEMA {schema} CASCADE")])
                .status();
        }
    }
}
