//! The audit log and the transparency tree (issue 8; scripts/bench-audit.sh runs it).
//!
//! 1. Audited appends: C concurrent tasks commit for S seconds, each commit one audit entry
//!    (an `auth.login`-sized event) through the store's group committer, on SQLite in a
//!    temporary directory or PostgreSQL (`ESEAL_BENCH_PG`, a fresh schema); then the whole log
//!    is read into a Merkle tree, a checkpoint signed, and every entry's inclusion proof made
//!    and verified ("with proofs"). Reports appends/s and the proof phase's time per entry.
//! 2. The tree at 10^6 leaves: build time, then inclusion and consistency proofs for 10,000
//!    random leaves / size pairs: median and p99 time to make and to verify, proof size.
//! 3. For comparison in the same run: SM3 over the same leaf sizes (eseal-gm, one core).
//!
//! `cargo run --release -p eseal-server --example bench_audit -- [CLIENTS] [SECONDS]`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark tool

use eseal_gm::provider::{SeededRandom, Sm2Signer, SoftwareSigner};
use eseal_store::Store;
use eseal_store::audit::{ACTOR, Event};
use eseal_store::transparency::Log;
use eseal_tlog::{Checkpoint, Tree, leaf_hash, verify_consistency, verify_inclusion};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// A small deterministic generator (xorshift) for sample positions.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let clients: usize = args.get(1).map_or(16, |a| a.parse().unwrap());
    let seconds: u64 = args.get(2).map_or(20, |a| a.parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let (store, backend) = match std::env::var("ESEAL_BENCH_PG") {
        Ok(url) => {
            let schema = format!(
                "eseal_bench_audit_{}",
                time::OffsetDateTime::now_utc().unix_timestamp()
            );
            (
                Store::open_postgres_in_schema(&url, &schema).await.unwrap(),
                "PostgreSQL",
            )
        }
        Err(_) => (Store::open_sqlite(dir.path()).await.unwrap(), "SQLite"),
    };
    let store = Arc::new(store);

    // 1. Audited appends.
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut lat = Vec::new();
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let (store, done) = (store.clone(), done.clone());
            tokio::spawn(ACTOR.scope(format!("user{c}"), async move {
                let mut lat = Vec::new();
                let mut i = 0u64;
                while Instant::now() < deadline {
                    let t = Instant::now();
                    store
                        .record_event(
                            Event::Login,
                            &format!("users/user{c}"),
                            if i.is_multiple_of(7) {
                                "failed:bad_credentials"
                            } else {
                                "ok"
                            },
                            time::OffsetDateTime::now_utc(),
                        )
                        .await
                        .unwrap();
                    lat.push(t.elapsed().as_secs_f64() * 1e3);
                    done.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
                lat
            }))
        })
        .collect();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    let n = done.load(Ordering::Relaxed);
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "{backend}: {clients} tasks x {seconds} s: {n} audited commits, {:.0} appends/s, commit p50 {:.2} ms p99 {:.2} ms",
        n as f64 / elapsed,
        percentile(&lat, 0.5),
        percentile(&lat, 0.99)
    );

    // ... with proofs: the log into a tree, a signed checkpoint, every inclusion proof.
    let signer = SoftwareSigner::new(
        eseal_gm::Sm2PrivateKey::generate(&SeededRandom::new(b"bench")).unwrap(),
    );
    let t = Instant::now();
    let mut tree = Tree::new();
    let mut leaves = Vec::new();
    loop {
        let page = store
            .log_leaves(Log::Audit, tree.size() as i64, 10_000)
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        for (_, leaf) in page {
            tree.push(leaf.as_bytes());
            leaves.push(leaf);
        }
    }
    let read = t.elapsed();
    let t = Instant::now();
    let note = Checkpoint {
        origin: Log::Audit.origin().into(),
        size: tree.size(),
        root: tree.root(),
        extensions: Vec::new(),
    }
    .sign(Log::Audit.origin(), &signer)
    .unwrap();
    let cp = Checkpoint::open(&note, Log::Audit.origin(), &signer.public_key()).unwrap();
    let signed = t.elapsed();
    let t = Instant::now();
    let mut proof_bytes = 0usize;
    for (i, leaf) in leaves.iter().enumerate() {
        let p = tree.inclusion_proof(i as u64, cp.size).unwrap();
        proof_bytes += p.len() * 32;
        verify_inclusion(&leaf_hash(leaf.as_bytes()), i as u64, cp.size, &p, &cp.root).unwrap();
    }
    let proofs = t.elapsed();
    println!(
        "{backend}: with proofs: read + tree {:.0} ms ({:.1} µs/entry), checkpoint signed and opened {:.2} ms, {} inclusion proofs made and verified in {:.0} ms ({:.1} µs each, {:.0} bytes mean)",
        read.as_secs_f64() * 1e3,
        micros(read) / leaves.len() as f64,
        signed.as_secs_f64() * 1e3,
        leaves.len(),
        proofs.as_secs_f64() * 1e3,
        micros(proofs) / leaves.len() as f64,
        proof_bytes as f64 / leaves.len() as f64
    );
    store.close().await;

    // 2. The tree at 10^6 leaves.
    const BIG: u64 = 1_000_000;
    let leaf = leaves.first().cloned().unwrap_or_else(|| "x".repeat(150));
    let t = Instant::now();
    let mut big = Tree::new();
    for i in 0..BIG {
        big.push(format!("{leaf}{i}").as_bytes());
    }
    let build = t.elapsed();
    let root = big.root();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut make, mut check, mut sizes) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..10_000 {
        let i = rng.below(BIG);
        let t = Instant::now();
        let p = big.inclusion_proof(i, BIG).unwrap();
        make.push(micros(t.elapsed()));
        let h = leaf_hash(format!("{leaf}{i}").as_bytes());
        let t = Instant::now();
        verify_inclusion(&h, i, BIG, &p, &root).unwrap();
        check.push(micros(t.elapsed()));
        sizes.push(p.len() as f64 * 32.0);
    }
    let (mut cmake, mut ccheck, mut csizes) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..10_000 {
        let m = 1 + rng.below(BIG - 1);
        let t = Instant::now();
        let p = big.consistency_proof(m, BIG).unwrap();
        cmake.push(micros(t.elapsed()));
        let old = big.root_at(m).unwrap();
        let t = Instant::now();
        verify_consistency(m, BIG, &p, &old, &root).unwrap();
        ccheck.push(micros(t.elapsed()));
        csizes.push(p.len() as f64 * 32.0);
    }
    for v in [
        &mut make,
        &mut check,
        &mut sizes,
        &mut cmake,
        &mut ccheck,
        &mut csizes,
    ] {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    }
    println!(
        "tree of 10^6 leaves ({} bytes each): built in {:.2} s ({:.2} µs/leaf)",
        leaf.len() + 6,
        build.as_secs_f64(),
        micros(build) / BIG as f64
    );
    println!(
        "inclusion at 10^6: make p50 {:.1} µs p99 {:.1} µs; verify p50 {:.1} µs p99 {:.1} µs; size p50 {:.0} B max {:.0} B",
        percentile(&make, 0.5),
        percentile(&make, 0.99),
        percentile(&check, 0.5),
        percentile(&check, 0.99),
        percentile(&sizes, 0.5),
        percentile(&sizes, 1.0)
    );
    println!(
        "consistency to 10^6: make p50 {:.1} µs p99 {:.1} µs; verify p50 {:.1} µs p99 {:.1} µs; size p50 {:.0} B max {:.0} B",
        percentile(&cmake, 0.5),
        percentile(&cmake, 0.99),
        percentile(&ccheck, 0.5),
        percentile(&ccheck, 0.99),
        percentile(&csizes, 0.5),
        percentile(&csizes, 1.0)
    );

    // 3. SM3 alone over the same leaf sizes, for comparison.
    let t = Instant::now();
    let mut x = 0u8;
    for i in 0..BIG {
        x ^= eseal_gm::Sm3Digest::of(format!("{leaf}{i}").as_bytes()).as_bytes()[0];
    }
    let sm3 = t.elapsed();
    println!(
        "SM3 of the same 10^6 leaves alone: {:.2} s ({:.2} µs/leaf; the tree costs {:.2}x) [{x}]",
        sm3.as_secs_f64(),
        micros(sm3) / BIG as f64,
        build.as_secs_f64() / sm3.as_secs_f64()
    );
}
