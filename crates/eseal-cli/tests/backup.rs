//! Issue 21 from the command line: `eseal backup key | create | verify | restore` and the key
//! ceremony (`key-split`, `key-join`, `--share`): an archive verifies with the key or with
//! enough shares, too few shares and a changed byte are refused with the reason (in Chinese,
//! or English with --lang en), and a restore never goes over existing data.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use eseal_store::{Batch, Store};
use std::path::Path;
use std::process::{Command, Output};

fn eseal(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eseal"))
        .args(args)
        .env_remove("ESEAL_LANG")
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

/// A data directory as the service leaves it: a database with records, a log key.
fn installation(data: &Path) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Store::open_sqlite(data).await.unwrap();
        let now = time::OffsetDateTime::now_utc();
        for i in 0..20 {
            let mut b = Batch::new();
            b.blob("image/png", format!("impression {i}").as_bytes());
            store.commit(&b, now).await.unwrap();
        }
        store.close().await;
    });
    let pki = data.join("pki");
    std::fs::create_dir_all(&pki).unwrap();
    let key = eseal_gm::Sm2PrivateKey::generate(&eseal_gm::provider::OsRandom).unwrap();
    std::fs::write(
        pki.join("audit.key"),
        key.to_pkcs8_pem().unwrap().as_bytes(),
    )
    .unwrap();
    std::fs::write(
        pki.join("audit-key.pem"),
        key.public_key().to_spki_pem().unwrap(),
    )
    .unwrap();
    std::fs::create_dir_all(data.join("keys")).unwrap();
    std::fs::write(
        data.join("keys/data.key"),
        "1:000102030405060708090a0b0c0d0e0f\n",
    )
    .unwrap();
}

#[test]
fn backup_with_a_key_or_its_shares() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_owned();
    installation(&dir.path().join("data"));
    let o = eseal(&["backup", "key", "--out", &p("backup.key")]);
    assert!(o.status.success(), "{}", text(&o));
    let o = eseal(&[
        "backup",
        "create",
        "--data",
        &p("data"),
        "--key",
        &p("backup.key"),
        "--out",
        &p("a.esbk"),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("已写出备份"), "{}", text(&o));
    let o = eseal(&["backup", "verify", &p("a.esbk"), "--key", &p("backup.key")]);
    assert!(
        o.status.success() && text(&o).contains("通过（PASSED）"),
        "{}",
        text(&o)
    );

    // The key split 2-of-3; two shares verify, one is refused with how many are needed.
    let o = eseal(&[
        "backup",
        "key-split",
        "--key",
        &p("backup.key"),
        "--threshold",
        "2",
        "--custodian",
        "张三",
        "--custodian",
        "李四",
        "--custodian",
        "王五",
        "--out",
        &p("shares"),
        "--audit-data",
        &p("data"),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let share = |n: u8| p(&format!("shares/share-{n}.txt"));
    let o = eseal(&[
        "backup",
        "verify",
        &p("a.esbk"),
        "--share",
        &share(1),
        "--share",
        &share(3),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = eseal(&["backup", "verify", &p("a.esbk"), "--share", &share(2)]);
    assert!(!o.status.success());
    assert!(text(&o).contains("份额不够：需要 2 份"), "{}", text(&o));
    let o = eseal(&[
        "--lang",
        "en",
        "backup",
        "verify",
        &p("a.esbk"),
        "--share",
        &share(2),
    ]);
    assert!(
        text(&o).contains("too few shares: 2 of the 3 are needed"),
        "{}",
        text(&o)
    );
    // A share copied wrongly is named.
    let typo = std::fs::read_to_string(share(1))
        .unwrap()
        .replacen("data:\n", "data:\n00", 1);
    std::fs::write(p("typo.txt"), typo).unwrap();
    let o = eseal(&[
        "backup",
        "verify",
        &p("a.esbk"),
        "--share",
        &p("typo.txt"),
        "--share",
        &share(3),
    ]);
    assert!(
        !o.status.success() && text(&o).contains("typo.txt 不是有效的密钥份额"),
        "{}",
        text(&o)
    );
    // Joined back, the same key file; the ceremony is in the audit log.
    let o = eseal(&[
        "backup",
        "key-join",
        "--share",
        &share(2),
        "--share",
        &share(3),
        "--out",
        &p("again.key"),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        std::fs::read(p("again.key")).unwrap(),
        std::fs::read(p("backup.key")).unwrap()
    );
    let o = eseal(&["audit", "query", "--data", &p("data"), "--event", "key."]);
    assert!(
        text(&o).contains("split 2-of-3 custodians=张三,李四,王五"),
        "{}",
        text(&o)
    );

    // A changed byte: FAILED, exit 1.
    let mut bytes = std::fs::read(p("a.esbk")).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(p("t.esbk"), &bytes).unwrap();
    let o = eseal(&["backup", "verify", &p("t.esbk"), "--key", &p("backup.key")]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("失败（FAILED）") && text(&o).contains("改动或损坏"),
        "{}",
        text(&o)
    );

    // Restored with the shares into a new directory; never over existing data.
    let o = eseal(&[
        "backup",
        "restore",
        &p("a.esbk"),
        "--share",
        &share(1),
        "--share",
        &share(2),
        "--data",
        &p("restored"),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        std::fs::read(dir.path().join("restored/keys/data.key")).unwrap(),
        std::fs::read(dir.path().join("data/keys/data.key")).unwrap()
    );
    let o = eseal(&[
        "backup",
        "restore",
        &p("a.esbk"),
        "--key",
        &p("backup.key"),
        "--data",
        &p("data"),
    ]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("不是空目录") && text(&o).contains("eseal.db"),
        "{}",
        text(&o)
    );
}
