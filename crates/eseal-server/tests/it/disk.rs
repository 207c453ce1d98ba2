//! Issue 21 item 5, disk faults: a database file cut short or with a damaged page is refused
//! at start, naming the file and what to do; a full disk (a small tmpfs made by the test)
//! refuses writes with `storage_full` and loses nothing — reads go on, every write that was
//! acknowledged is there, and writes work again once space is freed. (A missing data key or
//! PKI file: review.rs, `a_changed_installation_is_refused`.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use crate::common::{self, Backend};
use reqwest::StatusCode;
use serde_json::json;
use std::path::Path;
use time::OffsetDateTime;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2026-06-01 09:00 UTC);

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_database_file_is_refused_at_start() {
    let svc = common::start(&Backend::Sqlite, T0).await;
    let admin = svc.admin().await;
    for i in 0..30 {
        svc.user(&admin, &format!("user{i}"), &["auditor"]).await;
    }
    svc.run.abort();
    svc.run.state.store().close().await;
    let data = svc.config.data.clone();
    let db = data.join("eseal.db");
    let len = std::fs::metadata(&db).unwrap().len() as usize;
    assert!(len > 64 * 1024, "{len}");
    type Damage = fn(&mut Vec<u8>);
    let cases: [(&str, Damage); 2] = [
        ("cut short", |b| b.truncate(b.len() / 2)),
        ("a damaged page", |b| {
            let at = (b.len() / 2) / 4096 * 4096;
            for x in &mut b[at..at + 8192] {
                *x = 0xA5;
            }
        }),
    ];
    for (what, damage) in cases {
        let copy = svc.dir.path().join(what.replace(' ', "-"));
        copy_dir(&data, &copy);
        let file = copy.join("eseal.db");
        let mut bytes = std::fs::read(&file).unwrap();
        damage(&mut bytes);
        std::fs::write(&file, &bytes).unwrap();
        let mut config = svc.config.clone();
        config.data = copy.clone();
        let e = eseal_server::app::start(config, svc.clock.clone())
            .await
            .expect_err(what);
        assert_eq!(e.code, "refused_to_start", "{what}: {}", e.detail.en);
        assert!(
            e.detail.zh.contains(&file.display().to_string())
                && e.detail.zh.contains("eseal backup restore"),
            "{what}: {}",
            e.detail.zh
        );
        assert!(
            e.detail.en.contains("is damaged"),
            "{what}: {}",
            e.detail.en
        );
    }
    // The undamaged file still starts.
    let again = eseal_server::app::start(svc.config.clone(), svc.clock.clone())
        .await
        .unwrap();
    again.abort();
}

/// Unmounts the test's tmpfs when the test ends, however it ends.
struct Mounted(std::path::PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_and_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mnt = tmp.path().join("small-disk");
    std::fs::create_dir_all(&mnt).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=8m", "tmpfs"])
        .arg(&mnt)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI: the full-disk test needs to mount a tmpfs (root, CAP_SYS_ADMIN)"
        );
        eprintln!("SKIPPED: cannot mount a tmpfs here; the full-disk test did not run");
        return;
    }
    let _guard = Mounted(mnt.clone());
    let data = mnt.join("data");
    let svc = common::start_with(&Backend::Sqlite, T0, |c| c.data = data.clone()).await;
    let admin = svc.admin().await;
    let create = |name: String| json!({"username": name, "display_name": "审计员", "roles": ["auditor"], "password": common::PASSWORD});
    let (s, _) = svc
        .call(
            "POST",
            "/api/v1/users",
            Some(&admin),
            Some(create("before".into())),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);

    // Fill the disk.
    let filler = mnt.join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while f.write_all(&chunk).is_ok() {}
        let _ = f.sync_all();
    }
    // Writes are refused with the reason (SQLite may first fill pages it already has).
    let mut acked = vec!["before".to_owned()];
    let mut refusal = None;
    for i in 0..300 {
        let name = format!("full{i}");
        let (s, v) = svc
            .call(
                "POST",
                "/api/v1/users",
                Some(&admin),
                Some(create(name.clone())),
            )
            .await;
        match s {
            StatusCode::CREATED => acked.push(name),
            StatusCode::SERVICE_UNAVAILABLE => {
                refusal = Some(v);
                break;
            }
            other => panic!("{other}: {v}"),
        }
    }
    let v = refusal.expect("a write was refused on the full disk");
    assert_eq!(v["code"], "storage_full", "{v}");
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.contains("eseal.db") && detail.contains("存储空间已满"),
        "{detail}"
    );
    // Reads are still served.
    let (s, _) = svc.call("GET", "/api/v1/users", Some(&admin), None).await;
    assert_eq!(s, StatusCode::OK);
    // Space freed: writes work again, and every acknowledged one is there.
    std::fs::remove_file(&filler).unwrap();
    let (s, v) = svc
        .call(
            "POST",
            "/api/v1/users",
            Some(&admin),
            Some(create("after".into())),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    acked.push("after".into());
    for name in &acked {
        assert!(
            svc.run
                .state
                .store()
                .get::<eseal_server::auth::User>(name)
                .await
                .unwrap()
                .is_some(),
            "{name} was acknowledged and is gone"
        );
    }
    // The file is whole: it opens, and quick_check passes.
    svc.run.abort();
    svc.run.state.store().close().await;
    let store = eseal_store::Store::open_sqlite(&data).await.unwrap();
    store.close().await;
    eprintln!(
        "{} users acknowledged, then the disk was full: {detail}",
        acked.len()
    );
}
