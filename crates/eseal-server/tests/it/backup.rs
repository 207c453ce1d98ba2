//! Issue 21: backup, verification and restore on SQLite and PostgreSQL — the restore drill
//! (records made through the service, a backup taken while a signing load runs, the data
//! destroyed, restored on a fresh directory/schema, every row and both logs compared, the
//! service started on it, an earlier signature verified online, a new one made) and the
//! refusals (a changed byte anywhere, a wrong key, a target that is not empty).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use crate::common::{self, Backend, Service};
use crate::http_signing::{PIN, T0, b64, ready_personal_seal, sign_body};
use eseal_gm::provider::Clock;
use eseal_server::backup::{self, container::BackupKey};
use eseal_store::Store;
use reqwest::StatusCode;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Signatures made before the backup, and during it.
const BEFORE: usize = 800;
const DURING: usize = 150;
/// Applications filed (drafts and submitted).
const APPLICATIONS: usize = 120;
/// Seals made through the whole making flow.
const MADE: usize = 100;

/// A valid citizen ID number (GB 11643) for the `n`th test person.
fn citizen_id(n: usize) -> String {
    let stem = format!("11010519800101{:03}", n % 1000);
    "0123456789X"
        .chars()
        .map(|c| format!("{stem}{c}"))
        .find(|id| eseal_core::ids::is_valid_citizen_id(id))
        .unwrap()
}

/// Makes `n` personal seals through the API, each for its own registered person.
async fn made_through_the_service(svc: &Service, admin: &str, n: usize) {
    let applicant = svc.user(admin, "applicant-m", &["applicant"]).await;
    let reviewer = svc.user(admin, "reviewer-m", &["reviewer"]).await;
    let maker = svc.user(admin, "maker-m", &["maker"]).await;
    let impression = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/image/square.png"
    ))
    .unwrap();
    let sm3 = svc.upload(&applicant, b"id card".to_vec()).await;
    for i in 0..n {
        let id = citizen_id(100 + i);
        let (s, v) = svc
            .call(
                "PUT",
                &format!("/api/v1/people/{id}"),
                Some(admin),
                Some(json!({"name": "王小明"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, app) = svc
            .call(
                "POST",
                "/api/v1/applications",
                Some(&applicant),
                Some(json!({"kind": "personal", "seal_name": "王小明", "holder_id": id})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{app}");
        let app = app["id"].as_str().unwrap().to_owned();
        for (path, token, body) in [
            (
                format!("/api/v1/applications/{app}/materials"),
                &applicant,
                Some(json!({"kind": "holder_id", "sm3": sm3})),
            ),
            (
                format!("/api/v1/applications/{app}/submit"),
                &applicant,
                None,
            ),
            (
                format!("/api/v1/applications/{app}/approve"),
                &reviewer,
                None,
            ),
        ] {
            let (s, v) = svc.call("POST", &path, Some(token), body).await;
            assert_eq!(s, StatusCode::OK, "{path}: {v}");
        }
        let (s, made) = svc
            .call(
                "POST",
                &format!("/api/v1/applications/{app}/make"),
                Some(&maker),
                Some(json!({"key": "platform", "pin": "480213", "impression": b64(&impression)})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{made}");
    }
}

fn key() -> BackupKey {
    BackupKey::from_bytes(*b"drill backup key")
}

/// Every table's rows as the database copy writes them.
async fn rows(store: &Store) -> BTreeMap<String, Vec<String>> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(8);
    let collect = async move {
        let mut text = Vec::new();
        while let Some(p) = rx.recv().await {
            text.extend_from_slice(&p);
        }
        text
    };
    let mut tap = eseal_store::dump::NoTap;
    let (summary, text) = tokio::join!(store.dump(tx, &mut tap), collect);
    summary.unwrap();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut table = String::new();
    for line in String::from_utf8(text).unwrap().lines().skip(1) {
        if line.starts_with("{\"table\"") {
            table = serde_json::from_str::<serde_json::Value>(line).unwrap()["table"]
                .as_str()
                .unwrap()
                .to_owned();
            out.entry(table.clone()).or_default();
        } else if line.starts_with('[') {
            out.get_mut(&table).unwrap().push(line.to_owned());
        }
    }
    out
}

async fn restored_store(backend: &Backend, data: &Path, schema: Option<&str>) -> Store {
    match (backend, schema) {
        (Backend::Postgres(url), Some(s)) => Store::open_postgres_in_schema(url, s).await.unwrap(),
        _ => Store::open_sqlite(data).await.unwrap(),
    }
}

/// Restores `archive` into a fresh directory (and schema): (directory, schema).
async fn restore_fresh(
    backend: &Backend,
    archive: &Path,
    into: &Path,
) -> (PathBuf, Option<String>) {
    let schema = matches!(backend, Backend::Postgres(_)).then(common::pg_schema);
    let url = match backend {
        Backend::Postgres(u) => Some(u.as_str()),
        Backend::Sqlite => None,
    };
    let r = backup::restore(
        archive,
        &key(),
        None,
        backup::Target {
            data: into,
            database: url,
            schema: schema.as_deref(),
        },
        T0,
    )
    .await
    .unwrap();
    assert!(!r.files.is_empty());
    (into.to_path_buf(), schema)
}

/// A seal record as the registry stores one.
fn seal_record(i: usize, now: time::OffsetDateTime) -> eseal_core::Seal {
    eseal_core::Seal {
        id: eseal_core::SealId::parse("id", &format!("ES{i:024}")).unwrap(),
        kind: eseal_core::SealKind::Official(eseal_core::OfficialKind::LegalName),
        name: eseal_server::app::DEMO_ORG.to_string(),
        organisation_code: Some(
            eseal_core::Uscc::parse("uscc", eseal_server::app::DEMO_USCC).unwrap(),
        ),
        holder_id: None,
        impression_sm3: eseal_core::Sm3Hex::parse("sm3", &"cd".repeat(32)).unwrap(),
        certificate_serial: format!("{i:032X}"),
        valid_from: now,
        valid_to: now + time::Duration::days(365),
        state: eseal_core::SealState::Active,
        history: Vec::new(),
        seal_data_sm3: Some(eseal_core::Sm3Hex::parse("sm3", &"ab".repeat(32)).unwrap()),
        key_custody: Default::default(),
    }
}

/// The holder `zhang` logs in and signs `data` with the PIN at `sign`: 201.
async fn zhang_signs(svc: &Service, sign: &str, data: &[u8]) {
    let zhang = svc.login("zhang", common::PASSWORD).await;
    let (s, v) = svc
        .call("POST", sign, Some(&zhang), Some(sign_body(PIN, data)))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

async fn make_backup(svc: &Service, out: &Path) -> backup::Created {
    let signer = svc.run.state.pki().audit_signer();
    let data = svc.config.data.clone();
    let checkpoints = data.join("audit-checkpoints");
    backup::create(
        backup::Source {
            store: svc.run.state.store(),
            data: &data,
            checkpoints: &checkpoints,
        },
        &key(),
        &signer,
        out,
        svc.clock.now(),
    )
    .await
    .unwrap()
}

async fn drill(backend: Backend) {
    let (svc, seal, zhang) = ready_personal_seal(&backend).await;
    svc.clock.advance(time::Duration::seconds(31));
    let admin = svc.admin().await;
    let applicant = svc.user(&admin, "applicant9", &["applicant"]).await;
    for _ in 0..APPLICATIONS {
        let (s, app) = svc
            .call(
                "POST",
                "/api/v1/applications",
                Some(&applicant),
                Some(json!({"kind": crate::http_lifecycle::contract_kind(), "seal_name": format!("{}合同专用章", eseal_server::app::DEMO_ORG), "organisation_code": eseal_server::app::DEMO_USCC, "purpose": {"purpose": "new"}})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{app}");
    }
    // 100 personal seals made through the service (apply, material, submit, approve, make
    // with a platform key): each one filed with the police by the outbox.
    made_through_the_service(&svc, &admin, MADE).await;
    // 1,000 seal records as the registry writes them (each published in the seal log, with
    // its history and audit entry), beside the one made through the API.
    let now = svc.clock.now();
    for chunk in 0..5 {
        let mut batch = eseal_store::Batch::new();
        for i in chunk * 200..(chunk + 1) * 200 {
            batch.insert(&seal_record(i, now)).unwrap();
        }
        svc.run.state.store().commit(&batch, now).await.unwrap();
    }
    // A signing session for all the signatures.
    let (s, v) = svc
        .call(
            "POST",
            &format!("/api/v1/seals/{seal}/unlock"),
            Some(&zhang),
            Some(json!({"pin": PIN, "minutes": 10, "signatures": 1000})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let session = v["session"].as_str().unwrap().to_owned();
    let sign = format!("/api/v1/seals/{seal}/sign");
    let body = move |i: usize, session: &str| {
        let mut b = sign_body(PIN, format!("第 {i} 号合同").as_bytes());
        b.as_object_mut().unwrap().remove("pin");
        b["session"] = json!(session);
        b
    };
    let mut first = None;
    for i in 0..BEFORE {
        let (s, v) = svc
            .call("POST", &sign, Some(&zhang), Some(body(i, &session)))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        first.get_or_insert(v);
    }
    let first = first.unwrap();

    // A backup while signatures go on: every signature the load got is in the source; the
    // backup holds a consistent prefix.
    let out = svc.dir.path().join("backups");
    std::fs::create_dir_all(&out).unwrap();
    let online = out.join("online.esbk");
    let load = {
        let (http, url, zhang, session, sign) = (
            svc.http.clone(),
            svc.run.url.clone(),
            zhang.clone(),
            session.clone(),
            sign.clone(),
        );
        tokio::spawn(async move {
            let mut ok = 0;
            for i in 0..DURING {
                let r = http
                    .post(format!("{url}{sign}"))
                    .bearer_auth(&zhang)
                    .json(&body(BEFORE + i, &session))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::CREATED);
                ok += 1;
            }
            ok
        })
    };
    let during = make_backup(&svc, &online).await;
    assert_eq!(load.await.unwrap(), DURING);
    let m = &during.manifest;
    assert!(
        m.tables
            .iter()
            .any(|(t, n)| t == "usages" && *n as usize >= BEFORE),
        "{m:?}"
    );

    // Quiet: a second backup, then the source is compared with its restore row by row.
    svc.run
        .state
        .store()
        .commit(
            eseal_store::Batch::new().event(
                eseal_store::audit::Event::Refused,
                "marker",
                "before the final backup",
            ),
            svc.clock.now(),
        )
        .await
        .unwrap();
    let quiet = out.join("quiet.esbk");
    let last = make_backup(&svc, &quiet).await;
    let count = |t: &str| {
        last.manifest
            .tables
            .iter()
            .find(|(n, _)| n == t)
            .map_or(0, |(_, c)| *c as usize)
    };
    assert!(
        count("seals") > 1000 + MADE
            && count("filings") >= MADE
            && count("usages") >= BEFORE + DURING,
        "{:?}",
        last.manifest.tables
    );
    let v = backup::verify(&quiet, &key(), None).unwrap();
    assert_eq!(v.manifest, last.manifest);
    assert_eq!(v.signed_by, backup::SignedBy::Archive);
    let log_key = eseal_gm::provider::Sm2Signer::public_key(&svc.run.state.pki().audit_signer());
    assert_eq!(
        backup::verify(&quiet, &key(), Some(&log_key))
            .unwrap()
            .signed_by,
        backup::SignedBy::Given
    );
    let source = rows(svc.run.state.store()).await;
    let seal_root = svc
        .run
        .state
        .store()
        .log_size(eseal_store::transparency::Log::Seals)
        .await
        .unwrap();

    // Destroy the data: the service stops, its directory (and schema) are gone.
    svc.run.abort();
    let keep = tempfile::tempdir().unwrap();
    for f in [&online, &quiet] {
        std::fs::copy(f, keep.path().join(f.file_name().unwrap())).unwrap();
    }
    let (online, quiet) = (
        keep.path().join("online.esbk"),
        keep.path().join("quiet.esbk"),
    );
    std::fs::remove_dir_all(&svc.config.data).unwrap();

    // The online backup restores to exactly its manifest: the logs' roots recomputed from
    // the restored database are the manifest's.
    let fresh = tempfile::tempdir().unwrap();
    let (dir1, schema1) = restore_fresh(&backend, &online, &fresh.path().join("a")).await;
    let store1 = restored_store(&backend, &dir1, schema1.as_deref()).await;
    let restored1 = rows(&store1).await;
    for (t, n) in &m.tables {
        let got = restored1[t].len() as u64;
        // The restore appends its own audit entry.
        let want = if t == "audit_log" { n + 1 } else { *n };
        assert_eq!(got, want, "{t}");
    }
    // Every row of the online copy is a row the source had (or had then, for records
    // updated since: their history rows are all there).
    for t in [
        "usages",
        "applications",
        "seals",
        "history",
        "seal_log",
        "filings",
        "blobs",
    ] {
        let src: std::collections::BTreeSet<&String> = source[t].iter().collect();
        if t == "usages" || t == "seals" {
            // Updated records: their versions are in history, compared there.
            continue;
        }
        for r in &restored1[t] {
            assert!(
                src.contains(r),
                "{t}: a restored row the source never had: {r}"
            );
        }
    }
    store1.close().await;

    // The quiet backup restores to the source, row for row; only the restore's own audit
    // entry and the log head that counts it differ.
    let (dir2, schema2) = restore_fresh(&backend, &quiet, &fresh.path().join("b")).await;
    let store2 = restored_store(&backend, &dir2, schema2.as_deref()).await;
    let restored2 = rows(&store2).await;
    assert_eq!(
        restored2.keys().collect::<Vec<_>>(),
        source.keys().collect::<Vec<_>>()
    );
    for (t, src) in &source {
        let got = &restored2[t];
        match t.as_str() {
            "audit_log" => {
                // The source also audited the backup itself after its snapshot.
                let n = last
                    .manifest
                    .log(eseal_store::transparency::Log::Audit)
                    .unwrap()
                    .size as usize
                    - store2.audit_archived().await.unwrap() as usize;
                assert_eq!(&got[..n], &src[..n], "audit_log");
                assert!(got[n].contains("backup.restore"), "{}", got[n]);
                assert!(src[n].contains("backup.create"), "{}", src[n]);
            }
            "audit_head" => {}
            _ => assert_eq!(got, src, "{t}"),
        }
    }
    assert_eq!(
        store2
            .log_size(eseal_store::transparency::Log::Seals)
            .await
            .unwrap(),
        seal_root
    );
    store2.close().await;

    // The service starts on the restored data, verifies the first signature online (its
    // ledger entry found) and signs again.
    let mut config = svc.config.clone();
    config.data = dir2.clone();
    if let Some(s) = &schema2 {
        config.database_schema = Some(s.clone());
    }
    config.demo = false;
    let clock = std::sync::Arc::new(common::TestClock(std::sync::Mutex::new(
        svc.clock.now() + time::Duration::minutes(5),
    )));
    let run = eseal_server::app::start(config.clone(), clock.clone())
        .await
        .unwrap();
    let again = Service {
        run,
        clock,
        http: reqwest::Client::new(),
        dir: tempfile::tempdir().unwrap(),
        config,
    };
    let (s, checked) = again
        .call(
            "POST",
            "/api/v1/verify",
            None,
            Some(json!({"signature": first["signature"], "data": b64("第 0 号合同".as_bytes())})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{checked}");
    assert_eq!(checked["indication"], "PASSED", "{checked}");
    assert_eq!(
        checked["signatures"][0]["registry"]["ledger"]["id"], first["usage"]["id"],
        "{checked}"
    );
    // Sessions live in memory only: the holder logs in and gives the PIN again.
    zhang_signs(&again, &sign, b"after the restore").await;
    again.run.abort();
}

each_backend!(
    /// 100 seals made and filed through the service beside 1,000 seal records, 950
    /// signatures and 120 applications through the API: backed up under load, destroyed,
    /// restored on a fresh target, compared row by row.
    restore_drill => drill, threads = 2
);

async fn refusals(backend: Backend) {
    let svc = common::start(&backend, T0).await;
    let _admin = svc.admin().await;
    let archive = svc.dir.path().join("b.esbk");
    make_backup(&svc, &archive).await;
    // Never over an existing file.
    let signer = svc.run.state.pki().audit_signer();
    let data = svc.config.data.clone();
    let again = backup::create(
        backup::Source {
            store: svc.run.state.store(),
            data: &data,
            checkpoints: &data.join("audit-checkpoints"),
        },
        &key(),
        &signer,
        &archive,
        svc.clock.now(),
    )
    .await;
    assert!(again.is_err());
    let bytes = std::fs::read(&archive).unwrap();
    backup::verify(&archive, &key(), None).unwrap();

    // A wrong key is named as such, before anything else.
    let wrong = BackupKey::from_bytes([1; 16]);
    let e = backup::verify(&archive, &wrong, None).unwrap_err();
    assert_eq!(e.code, "backup_wrong_key", "{}", e.detail.en);
    assert!(e.detail.zh.contains("备份密钥"), "{}", e.detail.zh);

    // A changed byte anywhere is refused (sampled over the whole file), by verify and by
    // restore, which leaves its target empty.
    let tampered = svc.dir.path().join("t.esbk");
    let step = (bytes.len() / 60).max(1);
    for i in (0..bytes.len()).step_by(step).chain([bytes.len() - 1]) {
        let mut t = bytes.clone();
        t[i] ^= 0x01;
        std::fs::write(&tampered, &t).unwrap();
        let e = backup::verify(&tampered, &key(), None);
        assert!(
            e.is_err(),
            "byte {i} of {} changed, still verified",
            bytes.len()
        );
    }
    // Cut short, or with a byte appended.
    for t in [
        &bytes[..bytes.len() - 1],
        &bytes[..bytes.len() / 2],
        &[bytes.as_slice(), b"x"].concat()[..],
    ] {
        std::fs::write(&tampered, t).unwrap();
        assert!(backup::verify(&tampered, &key(), None).is_err());
    }
    let mut t = bytes.clone();
    let mid = t.len() / 2;
    t[mid] ^= 0x80;
    std::fs::write(&tampered, &t).unwrap();
    let target = svc.dir.path().join("restored");
    let schema = common::pg_schema();
    let url = match &backend {
        Backend::Postgres(u) => Some(u.as_str()),
        Backend::Sqlite => None,
    };
    let e = backup::restore(
        &tampered,
        &key(),
        None,
        backup::Target {
            data: &target,
            database: url,
            schema: url.map(|_| schema.as_str()),
        },
        T0,
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, "backup_invalid", "{}", e.detail.en);
    assert!(!target.exists() || std::fs::read_dir(&target).unwrap().next().is_none());

    // Not over existing data: the service's own directory is refused, naming what is there.
    let e = backup::restore(
        &archive,
        &key(),
        None,
        backup::Target {
            data: &svc.config.data,
            database: None,
            schema: None,
        },
        T0,
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, "backup_refused");
    assert!(e.detail.zh.contains("keys"), "{}", e.detail.zh);
    // Nor into a database that holds records (the service's own).
    if let Backend::Postgres(u) = &backend {
        let e = backup::restore(
            &archive,
            &key(),
            None,
            backup::Target {
                data: &svc.dir.path().join("empty"),
                database: Some(u),
                schema: svc.config.database_schema.as_deref(),
            },
            T0,
        )
        .await
        .unwrap_err();
        assert_eq!(e.code, "backup_refused", "{}", e.detail.en);
        assert!(!svc.dir.path().join("empty").exists());
    }
    svc.run.abort();
}

each_backend!(
    /// Changed bytes, a wrong key and occupied targets are refused with the reason.
    refusals_are_clear => refusals, threads = 2
);

/// Scheduled backups: one per interval, the oldest beyond the count removed, each one
/// verifying; a failing one raises the alert in the system status and in /metrics.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_backups_are_kept_pruned_and_watched() {
    let dir = tempfile::tempdir().unwrap();
    let backups = dir.path().join("backups");
    let schedule = backup::schedule::Schedule {
        dir: backups.clone(),
        every: std::time::Duration::from_secs(1),
        keep: 2,
        key: std::sync::Arc::new(key()),
        first_after: std::time::Duration::ZERO,
    };
    let svc = common::start_with(&Backend::Sqlite, T0, |c| c.backup = Some(schedule.clone())).await;
    // Four rounds (the test clock stands still, so the names differ by the clock moved on).
    let mut names = std::collections::BTreeSet::new();
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        if let Some((_, f, _)) = svc.run.state.backups().last_ok
            && names.insert(f)
        {
            svc.clock.advance(time::Duration::seconds(1));
        }
        if names.len() >= 4 {
            break;
        }
    }
    assert!(names.len() >= 4, "{names:?}");
    let kept = backup::schedule::archives(&backups);
    assert!(kept.len() <= 3 && kept.len() >= 2, "{kept:?}");
    for f in &kept {
        backup::verify(f, &key(), None).unwrap();
    }
    let admin = svc.admin().await;
    let r = svc
        .http
        .get(svc.url("/metrics"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(text.contains("eseal_backup_last_failed 0"), "{text}");
    // The backup directory becomes a file: the next backups fail, the status says so.
    svc.run.abort();
    let status = svc.run.state.backups();
    assert!(status.alert(T0.unix_timestamp()).is_none(), "{status:?}");
    let blocked = dir.path().join("blocked");
    std::fs::write(&blocked, b"not a directory").unwrap();
    let failing = backup::schedule::Schedule {
        dir: blocked,
        ..schedule
    };
    backup::schedule::once(
        &svc.run.state,
        &failing,
        &svc.config.data,
        &svc.config.data.join("audit-checkpoints"),
    )
    .await;
    let alert = svc.run.state.backups().alert(T0.unix_timestamp()).unwrap();
    assert!(alert.zh.contains("最近一次备份失败"), "{}", alert.zh);
    assert!(alert.en.contains("blocked"), "{}", alert.en);
}

/// Waits until the exported checkpoints cover each log's current size.
async fn checkpointed(svc: &Service, dir: &Path) {
    use eseal_store::transparency::Log;
    for _ in 0..100 {
        let mut all = true;
        for log in [Log::Audit, Log::Seals] {
            let size = svc.run.state.store().log_size(log).await.unwrap() as u64;
            let newest = eseal_server::install::newest_checkpoint(
                &eseal_server::files::checkpoint_dir(dir, log),
            )
            .map_or(0, |(s, _)| s);
            all &= newest >= size;
        }
        if all {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no checkpoint covers the logs");
}

/// A service whose checkpoints go to an outside directory every 50 ms, with both logs
/// checkpointed after the administrator's first login: (the outside folder, the checkpoint
/// directory in it, the service).
async fn checkpointing(backend: &Backend) -> (tempfile::TempDir, PathBuf, Service) {
    let outside = tempfile::tempdir().unwrap();
    let checkpoints = outside.path().join("worm");
    let cp = checkpoints.clone();
    let svc = common::start_with(backend, T0, move |c| {
        c.audit_checkpoints = Some(cp);
        c.audit_every = std::time::Duration::from_millis(50);
    })
    .await;
    let _admin = svc.admin().await;
    checkpointed(&svc, &checkpoints).await;
    (outside, checkpoints, svc)
}

/// Rollback: a backup, then 10 more seals and their checkpoints; the backup restored beside
/// the (external) checkpoint directory → the service refuses to start, naming the entries
/// missing, until the operator acknowledges exactly that rollback with a reason; then the
/// newer checkpoints are kept aside, the gap is in the audit log, and checkpoints go on.
async fn rollback(backend: Backend) {
    let (outside, checkpoints, svc) = checkpointing(&backend).await;
    let archive = outside.path().join("before.esbk");
    let signer = svc.run.state.pki().audit_signer();
    let made = backup::create(
        backup::Source {
            store: svc.run.state.store(),
            data: &svc.config.data,
            checkpoints: &checkpoints,
        },
        &key(),
        &signer,
        &archive,
        svc.clock.now(),
    )
    .await
    .unwrap();
    // Ten more seals (records written as the registry writes them: each published in the
    // seal log) and the checkpoints over them.
    let now = svc.clock.now();
    let mut batch = eseal_store::Batch::new();
    for i in 0..10 {
        let seal = seal_record(i, now);
        batch.insert(&seal).unwrap();
    }
    svc.run.state.store().commit(&batch, now).await.unwrap();
    checkpointed(&svc, &checkpoints).await;
    let seals_signed = eseal_server::install::newest_checkpoint(&checkpoints.join("seals"))
        .unwrap()
        .0;
    assert!(seals_signed >= 10);
    svc.run.abort();

    // The data is lost; the backup comes back, beside the checkpoints the world has seen.
    let fresh = tempfile::tempdir().unwrap();
    let (data, schema) = restore_fresh(&backend, &archive, &fresh.path().join("data")).await;
    let mut config = svc.config.clone();
    config.data = data.clone();
    config.demo = false;
    if let Some(s) = &schema {
        config.database_schema = Some(s.clone());
    }
    let clock = std::sync::Arc::new(common::TestClock(std::sync::Mutex::new(
        now + time::Duration::minutes(1),
    )));
    let audit_now = made
        .manifest
        .log(eseal_store::transparency::Log::Audit)
        .unwrap()
        .size
        + 1;
    let refused = eseal_server::app::start(config.clone(), clock.clone())
        .await
        .unwrap_err();
    let text = &refused.detail.zh;
    assert!(
        text.contains(&format!("--accept-rollback-to {audit_now}")),
        "{text}"
    );
    assert!(
        text.contains("eseal/seals") && text.contains("缺第"),
        "{text}"
    );
    assert!(
        refused.detail.en.contains("entries 0–"),
        "{}",
        refused.detail.en
    );
    // A wrong size, or no reason: still refused.
    config.accept_rollback = Some(eseal_server::install::AcceptRollback {
        to: audit_now + 1,
        reason: "数据盘损坏".into(),
    });
    assert!(
        eseal_server::app::start(config.clone(), clock.clone())
            .await
            .is_err()
    );
    // Acknowledged: it starts; the newer checkpoints are kept aside; the gap is audited.
    config.accept_rollback = Some(eseal_server::install::AcceptRollback {
        to: audit_now,
        reason: "数据盘损坏，从 before.esbk 恢复".into(),
    });
    let run = eseal_server::app::start(config.clone(), clock.clone())
        .await
        .unwrap();
    let kept: Vec<_> = std::fs::read_dir(&checkpoints)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("rolled-back-"))
        .collect();
    assert_eq!(kept.len(), 1);
    assert!(
        eseal_server::install::newest_checkpoint(&kept[0].path().join("seals"))
            .is_some_and(|(s, _)| s == seals_signed)
    );
    let log = run.state.store().audit_log(0, 1_000_000).await.unwrap();
    let gap = log
        .iter()
        .find(|e| e.event == "service.rollback")
        .expect("the rollback is audited");
    assert!(
        gap.outcome
            .contains(&format!("eseal/seals {seals_signed}->0"))
            || gap.outcome.contains("eseal/seals"),
        "{}",
        gap.outcome
    );
    assert!(gap.outcome.contains("数据盘损坏"), "{}", gap.outcome);
    // The logs go on from the restored state: new checkpoints, no "rewritten" refusal.
    let again = Service {
        run,
        clock,
        http: reqwest::Client::new(),
        dir: tempfile::tempdir().unwrap(),
        config,
    };
    checkpointed(&again, &checkpoints).await;
    again.run.abort();
}

each_backend!(
    /// A restore older than the world's checkpoints needs the audited acknowledgement.
    rollback_needs_an_audited_acknowledgement => rollback, threads = 2
);

/// Restarts `svc`'s service on its data directory (and database), `minutes` later.
async fn restarted(svc: Service, minutes: i64) -> Result<Service, eseal_server::failure::Failure> {
    svc.run.abort();
    svc.run.state.store().close().await;
    let clock = std::sync::Arc::new(common::TestClock(std::sync::Mutex::new(
        svc.clock.now() + time::Duration::minutes(minutes),
    )));
    let mut run = eseal_server::app::start(svc.config.clone(), clock.clone()).await?;
    run.first_admin = svc.run.first_admin.clone(); // the same administrator logs in
    Ok(Service {
        run,
        clock,
        http: reqwest::Client::new(),
        dir: svc.dir,
        config: svc.config,
    })
}

/// Data key rotation without downtime: a key added (servers restarted, everything old still
/// opens, new things sealed under the new key), everything sealed again while the service
/// runs, the old key retired; the service works on the new key alone, and the old key alone
/// is refused.
async fn rotation(backend: Backend) {
    use eseal_server::backup::rotate;
    let (svc, seal, _) = ready_personal_seal(&backend).await;
    let random = eseal_gm::provider::OsRandom;
    let data = svc.config.data.clone();
    let key_file = data.join("keys/data.key");
    let old_text = std::fs::read_to_string(&key_file).unwrap();
    let material = |store: &Store, sm3: String| {
        let store = store.clone();
        async move { store.material(&sm3).await.unwrap().unwrap() }
    };
    let first_material = svc
        .run
        .state
        .store()
        .materials_not_under(u32::MAX, "", 10)
        .await
        .unwrap()
        .remove(0)
        .0;

    // 1. add, and restart.
    assert_eq!(rotate::add(&data, &random).unwrap(), (1, 2));
    let svc = restarted(svc, 5).await.unwrap();
    assert_eq!(svc.run.state.data_key().ids(), [2, 1]);
    let zhang = svc.login("zhang", common::PASSWORD).await; // TOTP sealed under key 1
    let sign = format!("/api/v1/seals/{seal}/sign");
    let (s, v) = svc
        .call(
            "POST",
            &sign,
            Some(&zhang),
            Some(sign_body(PIN, b"under two keys")),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}"); // the seal key's outer layer under key 1
    let admin = svc.admin().await;
    let applicant = svc.user(&admin, "applicant7", &["applicant"]).await;
    let fresh = svc.upload(&applicant, b"licence scan".to_vec()).await;
    let blob = material(svc.run.state.store(), fresh.clone()).await;
    assert_eq!(eseal_core::material::key_id(&blob).unwrap(), 2);

    // 2. rewrap while it runs.
    let n = rotate::rewrap(
        svc.run.state.store(),
        svc.run.state.data_key(),
        &random,
        svc.clock.now(),
    )
    .await
    .unwrap();
    assert!(
        n.materials >= 1 && n.seal_keys == 1 && n.users >= 4 && n.installation == 1,
        "{n:?}"
    );
    let again = rotate::rewrap(
        svc.run.state.store(),
        svc.run.state.data_key(),
        &random,
        svc.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(again.total(), 0);
    let blob = material(svc.run.state.store(), first_material.clone()).await;
    assert_eq!(eseal_core::material::key_id(&blob).unwrap(), 2);
    let log = svc.run.state.store().audit_log(0, 1_000_000).await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.event == "materials.rewrap" && e.outcome == "data_key 1->2")
    );

    // 3. retire; the service restarts on the new key alone and does everything.
    assert_eq!(
        rotate::retire(&data, svc.run.state.store(), &random, svc.clock.now())
            .await
            .unwrap(),
        [1]
    );
    assert_eq!(
        std::fs::read_to_string(&key_file).unwrap().lines().count(),
        1
    );
    let svc = restarted(svc, 5).await.unwrap();
    assert_eq!(svc.run.state.data_key().ids(), [2]);
    zhang_signs(&svc, &sign, b"after the rotation").await;
    let blob = material(svc.run.state.store(), first_material.clone()).await;
    let digest = eseal_gm::Sm3Digest::from_slice(&hex::decode(&first_material).unwrap()).unwrap();
    assert_eq!(
        eseal_core::material::open(svc.run.state.data_key(), &digest, &blob).unwrap(),
        b"id card",
        "the material uploaded before the rotation opens with the new key alone"
    );
    // The old key alone no longer opens this installation.
    let config = svc.config.clone();
    svc.run.abort();
    svc.run.state.store().close().await;
    std::fs::write(&key_file, &old_text).unwrap();
    let e = eseal_server::app::start(config, svc.clock.clone())
        .await
        .unwrap_err();
    assert!(
        e.detail.en.contains("does not open this database"),
        "{}",
        e.detail.en
    );
}

each_backend!(
    /// The data key is rotated in three steps without downtime.
    data_key_rotation => rotation, threads = 2
);

/// Log key rotation: the latest checkpoints signed by both keys (the handover), the service
/// restarted on the new key goes on checkpointing with it alone, the ceremony is audited, and
/// a backup made afterwards verifies with the new key.
async fn log_key(backend: Backend) {
    use eseal_gm::provider::Sm2Signer;
    use eseal_store::transparency::Log;
    let (outside, checkpoints, svc) = checkpointing(&backend).await;
    let old_key = svc.run.state.pki().audit_signer().public_key();
    svc.run.abort();
    let r = eseal_server::backup::rotate::rotate_log_key(
        &svc.config.data,
        svc.run.state.store(),
        &checkpoints,
        &eseal_gm::provider::OsRandom,
        svc.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(r.announced.len(), 2, "{r:?}");
    let svc = restarted(svc, 5).await.unwrap();
    let new_key = svc.run.state.pki().audit_signer().public_key();
    assert_ne!(new_key, old_key);
    // The handover opens with either key.
    for (origin, size) in &r.announced {
        let log = if *origin == Log::Audit.origin() {
            Log::Audit
        } else {
            Log::Seals
        };
        let file = eseal_server::files::checkpoint_dir(&checkpoints, log)
            .join(format!("{size:012}.checkpoint"));
        let note = std::fs::read_to_string(&file).unwrap();
        eseal_tlog::Checkpoint::open(&note, origin, &old_key).unwrap();
        eseal_tlog::Checkpoint::open(&note, origin, &new_key).unwrap();
    }
    // The service goes on with the new key alone.
    let _admin = svc.admin().await;
    checkpointed(&svc, &checkpoints).await;
    let (size, newest) = eseal_server::install::newest_checkpoint(&checkpoints).unwrap();
    assert!(
        size as i64 > r.announced[0].1,
        "no checkpoint after the rotation"
    );
    let note = std::fs::read_to_string(newest).unwrap();
    eseal_tlog::Checkpoint::open(&note, Log::Audit.origin(), &new_key).unwrap();
    assert!(eseal_tlog::Checkpoint::open(&note, Log::Audit.origin(), &old_key).is_err());
    let log = svc.run.state.store().audit_log(0, 1_000_000).await.unwrap();
    let ceremony = log
        .iter()
        .find(|e| e.event == "key.ceremony")
        .expect("audited");
    assert!(
        ceremony.outcome.contains(&format!("-> {}", r.new)),
        "{}",
        ceremony.outcome
    );
    assert!(
        svc.config
            .data
            .join(format!("pki/audit-key.{}.pem", r.old))
            .exists()
    );
    // A backup made now is signed by the new key.
    let archive = outside.path().join("after.esbk");
    let made = backup::create(
        backup::Source {
            store: svc.run.state.store(),
            data: &svc.config.data,
            checkpoints: &checkpoints,
        },
        &key(),
        &svc.run.state.pki().audit_signer(),
        &archive,
        svc.clock.now(),
    )
    .await
    .unwrap();
    let v = backup::verify(&made.path, &key(), Some(&new_key)).unwrap();
    assert_eq!(v.signed_by, backup::SignedBy::Given);
    assert!(backup::verify(&made.path, &key(), Some(&old_key)).is_err());
    svc.run.abort();
}

each_backend!(
    /// The log key is rotated with a handover signed by both keys.
    log_key_rotation => log_key, threads = 2
);
