//! Loads N seals into a registry store for the benchmark (scripts/bench-registry.sh).
//!
//! `cargo run --release -p eseal-server --example seed -- (--data DIR | --database URL
//! [--schema S]) --count N`. Seal ids are `ES` + 24 decimal digits (0 … N-1), so a load
//! script can pick them at random; half are revoked, so status answers vary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark tool

use eseal_core::{OfficialKind, RevocationReason, Seal, SealKind, SealState};
use eseal_store::{Batch, Store};
use time::{Duration, OffsetDateTime};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let get = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let count: usize = get("--count").map_or(100_000, |c| c.parse().expect("--count N"));
    let store = match (get("--data"), get("--database"), get("--schema")) {
        (Some(dir), None, _) => Store::open_sqlite(std::path::Path::new(&dir))
            .await
            .unwrap(),
        (None, Some(url), Some(schema)) => {
            Store::open_postgres_in_schema(&url, &schema).await.unwrap()
        }
        (None, Some(url), None) => Store::open_url(&url).await.unwrap(),
        _ => panic!("give --data DIR or --database URL"),
    };
    let now = OffsetDateTime::now_utc();
    let started = std::time::Instant::now();
    let mut batch = Batch::new();
    for i in 0..count {
        let state = if i % 2 == 0 {
            SealState::Active
        } else {
            SealState::Revoked {
                reason: RevocationReason::NoLongerUsed,
                at: now - Duration::days(1),
                replaced_by: None,
                proof: Vec::new(),
            }
        };
        let seal = Seal {
            id: eseal_core::SealId::parse("id", &format!("ES{i:024}")).unwrap(),
            kind: SealKind::Official(OfficialKind::LegalName),
            name: format!("示例单位{i}"),
            organisation_code: Some(eseal_core::Uscc::parse("uscc", "91350100M000100Y43").unwrap()),
            holder_id: None,
            impression_sm3: eseal_core::Sm3Hex::parse("sm3", &"cd".repeat(32)).unwrap(),
            certificate_serial: format!("{i:032X}"),
            valid_from: now - Duration::days(30),
            valid_to: now + Duration::days(335),
            state,
            history: Vec::new(),
            seal_data_sm3: Some(eseal_core::Sm3Hex::parse("sm3", &"ab".repeat(32)).unwrap()),
            key_custody: Default::default(),
        };
        batch.insert(&seal).unwrap();
        if (i + 1) % 2000 == 0 || i + 1 == count {
            store.commit(&batch, now).await.unwrap();
            batch = Batch::new();
        }
    }
    println!(
        "seeded {count} seals in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    store.close().await;
}
