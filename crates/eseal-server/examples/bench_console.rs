//! Server time of the console's list pages at scale (issue 19; docs/performance.md): seeds
//! N seals of one organisation (half revoked) and N filings (half pending, half delivered)
//! into a fresh SQLite registry of a service started in this process, logs a maker in, and
//! times R sequential requests per page from one client on loopback — the seal search (its
//! first page and one deep in the list), a seal's page, and the filings pages — after a
//! warm-up. Prints the median and p99 of each.
//!
//! `cargo run --release -p eseal-server --example bench_console -- [N] [R]`
//! (defaults 100000 and 300); `scripts/bench-console.sh` runs it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark tool

use eseal_core::{
    Filing, FilingEvent, FilingState, OfficialKind, RevocationReason, Seal, SealKind, SealState,
};
use eseal_store::{Batch, Store};
use std::time::Instant;
use time::{Duration, OffsetDateTime};

const USCC: &str = "91350100M000100Y43";

async fn seed(store: &Store, n: usize) {
    let now = OffsetDateTime::now_utc();
    let started = Instant::now();
    let mut batch = Batch::new();
    for i in 0..n {
        let id = eseal_core::SealId::parse("id", &format!("ES{i:024}")).unwrap();
        let seal = Seal {
            id: id.clone(),
            kind: SealKind::Official(OfficialKind::LegalName),
            name: format!("示例单位{i}"),
            organisation_code: Some(eseal_core::Uscc::parse("uscc", USCC).unwrap()),
            holder_id: None,
            impression_sm3: eseal_core::Sm3Hex::parse("sm3", &"cd".repeat(32)).unwrap(),
            certificate_serial: format!("{i:032X}"),
            valid_from: now - Duration::days(30),
            valid_to: now + Duration::days(335),
            state: if i % 2 == 0 {
                SealState::Active
            } else {
                SealState::Revoked {
                    reason: RevocationReason::NoLongerUsed,
                    at: now - Duration::days(1),
                    replaced_by: None,
                    proof: Vec::new(),
                }
            },
            history: Vec::new(),
            seal_data_sm3: Some(eseal_core::Sm3Hex::parse("sm3", &"ab".repeat(32)).unwrap()),
            key_custody: Default::default(),
        };
        batch.insert(&seal).unwrap();
        let mut filing = Filing::new(
            &format!("F{i:024}"),
            &id,
            FilingEvent::Made,
            now - Duration::hours((i % 48) as i64),
        );
        // Pending ones wait a day for their next attempt, so the filing worker leaves them
        // alone while the pages are timed.
        filing.state = FilingState::Pending {
            attempts: 3,
            next_attempt: now + Duration::days(1),
            last_error: Some("police system unavailable".into()),
            last_error_zh: Some("公安系统不可用".into()),
        };
        if i % 2 == 1 {
            filing.state = FilingState::Delivered {
                receipt: format!("GA{i:016}"),
                at: now - Duration::hours(1),
            };
        }
        batch.insert(&filing).unwrap();
        if (i + 1) % 2000 == 0 || i + 1 == n {
            store.commit(&batch, now).await.unwrap();
            batch = Batch::new();
        }
    }
    println!(
        "seeded {n} seals and {n} filings in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).map_or(100_000, |a| a.parse().expect("N"));
    let rounds: usize = args.get(2).map_or(300, |a| a.parse().expect("R"));
    let dir = tempfile::tempdir().unwrap();
    let run = eseal_server::fixture::start(dir.path().to_path_buf())
        .await
        .unwrap();
    // Seeded through the running service's own store (its keys and PKI are set up first).
    seed(run.state.store(), n).await;
    let staff = eseal_server::fixture::staff(&run).await.unwrap();
    let state = &run.state;
    state
        .accounts()
        .create_user(
            &staff.admin,
            eseal_server::service::NewUser {
                username: "bench".into(),
                display_name: "bench".into(),
                roles: vec![eseal_server::auth::Role::Maker],
                password: eseal_server::fixture::PASSWORD.into(),
                system: false,
                citizen_id: None,
                organisation_code: None,
                temporary_password: false,
            },
        )
        .await
        .unwrap();
    let user = state
        .store()
        .get::<eseal_server::auth::User>("bench")
        .await
        .unwrap()
        .unwrap()
        .record;
    let secret = eseal_server::auth::totp_secret(&user, state.data_key()).unwrap();
    let code = eseal_server::auth::totp_code(&secret, eseal_server::auth::totp_step(state.now()));
    let token = state
        .accounts()
        .login("bench", eseal_server::fixture::PASSWORD, &code, "bench")
        .await
        .unwrap();
    let cookie = format!("eseal_session={token}");
    let http = reqwest::Client::new();
    let deep = format!("ES{:024}", n / 2);
    let pages = [
        (
            "seal search, first page (50 rows)",
            format!("/seals?q={USCC}"),
        ),
        (
            "seal search, a page in the middle",
            format!("/seals?q={USCC}&after={deep}"),
        ),
        ("a seal's page", format!("/seals/ES{:024}", n / 3)),
        (
            "filings, pending (first 50)",
            "/filings?state=pending".to_owned(),
        ),
        (
            "filings, delivered, a page in the middle",
            format!("/filings?state=delivered&after=F{:024}", n / 2),
        ),
        (
            "filings, delivered, searched by one seal's ID",
            format!("/filings?state=delivered&q=ES{:024}", (n / 3) | 1),
        ),
        (
            "my tasks (start page, counts capped at 1,000)",
            "/".to_owned(),
        ),
    ];
    println!(
        "{n} seals, {rounds} sequential requests per page after 20 warm-up, {} cores",
        std::thread::available_parallelism().map_or(0, |p| p.get())
    );
    println!("| page | median | p99 | bytes |");
    println!("| --- | ---: | ---: | ---: |");
    for (name, path) in pages {
        let url = format!("{}{path}", run.url);
        let mut times = Vec::with_capacity(rounds);
        let mut bytes = 0;
        for i in 0..rounds + 20 {
            let t = Instant::now();
            let r = http
                .get(&url)
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "{path}: {}", r.status());
            let body = r.bytes().await.unwrap();
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            if i >= 20 {
                times.push(ms);
                bytes = body.len();
            }
        }
        times.sort_by(f64::total_cmp);
        println!(
            "| {name} | {:.1} ms | {:.1} ms | {bytes} |",
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
    }
    // The store's part: the same page read straight from the store.
    let store = run.state.store();
    for (name, column, value) in [
        (
            "store: seals of the organisation, 50",
            "organisation_code",
            USCC,
        ),
        ("store: filings pending, 50", "state", "pending"),
    ] {
        let mut times = Vec::with_capacity(rounds);
        for i in 0..rounds + 20 {
            let t = Instant::now();
            let n = if column == "state" {
                store
                    .find_page::<Filing>(column, value, "", 50)
                    .await
                    .unwrap()
                    .len()
            } else {
                store
                    .find_page::<Seal>(column, value, "", 50)
                    .await
                    .unwrap()
                    .len()
            };
            assert_eq!(n, 50);
            if i >= 20 {
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        times.sort_by(f64::total_cmp);
        println!(
            "| {name} | {:.1} ms | {:.1} ms | |",
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
    }
    run.abort();
}
