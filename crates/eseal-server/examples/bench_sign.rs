//! Signing throughput and latency over HTTP (issue 7; scripts/bench-sign.sh runs it).
//!
//! Starts the service in-process on SQLite in a temporary directory (PostgreSQL in a fresh
//! schema when `ESEAL_BENCH_PG` is a URL), makes a personal seal with a platform-held key
//! (eseal_server::fixture), then runs C concurrent clients for S seconds in each mode and
//! reports documents per second and per-request p50 and p99: `pin` (a ~100 KB OFD through
//! `/sign/ofd` with the PIN each time), `session` (the same under a signing session), `batch`
//! (ten such OFDs per `/sign/batch` request), `detached` (a detached signature over a digest);
//! not by default: `bytes` (the session mode with the OFD as bytes both ways: multipart in,
//! `Accept: application/ofd` out), `pdf` (the session mode with an 82 KB PDF through
//! `/sign/pdf`, testdata/pdf/chromium.pdf, a visible stamp) and `read` (the seal's record read over the same
//! authenticated API — no signature, no write: the floor under every mode here).
//! `ESEAL_BENCH_MODES=session,detached` picks modes. In the same run it measures the raw SM2
//! signing rate (eseal-gm, one core) and the Argon2id PIN derivation, for comparison.
//!
//! `cargo run --release -p eseal-server --example bench_sign -- [CLIENTS] [SECONDS]`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark tool

use base64ct::{Base64, Encoding};
use eseal_gm::provider::SystemClock;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

use eseal_testkit::ofd::ofd_of;

/// The `pdf` mode's document (testdata/pdf/NOTES.md).
const PDF: &[u8] = include_bytes!("../../../testdata/pdf/chromium.pdf");

/// CPU time this process has used (user + system), in seconds, from /proc (Linux; 0
/// elsewhere): with the rate, the CPU each document costs, which drifts less than the rate
/// when the machine's neighbours come and go.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; the clock
    // ticks 100 times a second on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let clients: usize = args.get(1).map_or(8, |a| a.parse().unwrap());
    let seconds: u64 = args.get(2).map_or(60, |a| a.parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let mut config = eseal_server::app::ServeConfig::new(dir.path().join("data"));
    config.listen = "127.0.0.1:0".into();
    config.filing_every = Duration::from_secs(1);
    // ESEAL_BENCH_PG (a URL): PostgreSQL in a fresh schema instead of SQLite.
    if let Ok(url) = std::env::var("ESEAL_BENCH_PG") {
        config.database = Some(url);
        config.database_schema = Some(format!(
            "eseal_bench_{}",
            time::OffsetDateTime::now_utc().unix_timestamp()
        ));
    }
    let backend = if config.database.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let run = eseal_server::app::start(config, Arc::new(SystemClock))
        .await
        .unwrap();
    let fixture = eseal_server::fixture::personal_seal(&run).await.unwrap();
    let (seal, zh) = (fixture.seal, fixture.holder_token);
    let http = reqwest::Client::new();
    let base = run.url.clone();
    let pin = eseal_server::fixture::PIN;

    let ofd = ofd_of(100 * 1024);
    let body = Arc::new(
        json!({"pin": pin, "ofd": Base64::encode_string(&ofd), "placement": {"page": {"page": 1, "x": 100, "y": 150}}, "document_name": "bench.ofd", "purpose": "benchmark"}),
    );
    println!(
        "{backend}; OFD {} bytes; {clients} clients for {seconds} s; {} cores",
        ofd.len(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    // Raw rates in the same run (one core each).
    let key = eseal_gm::Sm2PrivateKey::generate(&eseal_gm::provider::OsRandom).unwrap();
    let id_ = eseal_gm::SignerId::default();
    let t = Instant::now();
    let mut n = 0u64;
    while t.elapsed() < Duration::from_secs(3) {
        key.sign(&id_, b"raw sign rate").unwrap();
        n += 1;
    }
    let raw = n as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut k = 0u64;
    while t.elapsed() < Duration::from_secs(3) {
        let mut out = [0u8; 16];
        argon2::Argon2::default()
            .hash_password_into(pin.as_bytes(), b"0123456789abcdef", &mut out)
            .unwrap();
        k += 1;
    }
    let kdf = k as f64 / t.elapsed().as_secs_f64();

    let url = format!("{base}/api/v1/seals/{seal}/sign/ofd");
    println!("raw SM2 sign (1 core):       {raw:9.1} /s");
    println!("Argon2id PIN key (1 core):   {kdf:9.1} /s");
    // ESEAL_BENCH_MODES=session (say) runs only some of the modes.
    // pin: an OFD per request, the PIN each time; session: the same under a signing session;
    // bytes: the session mode with the OFD as bytes both ways; batch: ten OFDs per
    // request under a session; detached: a detached signature over a
    // digest (no document travels) under a session.
    let modes =
        std::env::var("ESEAL_BENCH_MODES").unwrap_or_else(|_| "pin,session,batch,detached".into());
    let ofd_doc =
        json!({"document_name": "bench.ofd", "ofd": body["ofd"], "placement": body["placement"]});
    for mode in [
        "pin", "session", "bytes", "pdf", "batch", "detached", "read",
    ] {
        if !modes.split(',').any(|m| m == mode) {
            continue;
        }
        let (url, body, per) = match mode {
            "batch" => (
                format!("{base}/api/v1/seals/{seal}/sign/batch"),
                Arc::new(
                    json!({"pin": pin, "purpose": "benchmark", "documents": vec![ofd_doc.clone(); 10]}),
                ),
                10,
            ),
            "detached" => (
                format!("{base}/api/v1/seals/{seal}/sign"),
                Arc::new(
                    json!({"pin": pin, "document_sm3": eseal_gm::Sm3Digest::of(&ofd).to_hex(), "document_name": "bench.ofd", "purpose": "benchmark"}),
                ),
                1,
            ),
            "read" => (format!("{base}/api/v1/seals/{seal}"), body.clone(), 1),
            "pdf" => (
                format!("{base}/api/v1/seals/{seal}/sign/pdf"),
                Arc::new(
                    json!({"pin": pin, "pdf": Base64::encode_string(PDF), "placement": {"page": 1, "x": 20, "y": 20}, "document_name": "bench.pdf", "purpose": "benchmark"}),
                ),
                1,
            ),
            // The session mode with the OFD as bytes both ways (multipart, and the signed OFD
            // answered as application/ofd) instead of base64 in JSON.
            "bytes" => {
                let mut b = (*body).clone();
                b.as_object_mut().unwrap().remove("ofd");
                (url.clone(), Arc::new(b), 1)
            }
            _ => (url.clone(), body.clone(), 1),
        };
        let ofd_bytes = Arc::new(ofd.clone());
        let cpu_before = cpu_seconds();
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let (http, url, token, base, seal) = (
                http.clone(),
                url.clone(),
                zh.clone(),
                base.clone(),
                seal.clone(),
            );
            let mut body = (*body).clone();
            let ofd_bytes = ofd_bytes.clone();
            tasks.push(tokio::spawn(async move {
                // Each client opens its own signing session with the PIN, and again when one
                // is used up (1,000 signatures); the unlock's time is part of the run.
                let unlock = async |http: &reqwest::Client| -> Value {
                    let v: Value = http
                        .post(format!("{base}/api/v1/seals/{seal}/unlock"))
                        .bearer_auth(&token)
                        .json(&json!({"pin": pin, "minutes": 10, "signatures": 1000}))
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    v["session"].clone()
                };
                if mode != "pin" && mode != "read" {
                    body.as_object_mut().unwrap().remove("pin");
                    body["session"] = unlock(&http).await;
                }
                let mut lat = Vec::new();
                let mut errors = 0u64;
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let request = if mode == "read" {
                        http.get(&url).bearer_auth(&token)
                    } else {
                        http.post(&url).bearer_auth(&token)
                    };
                    let request = if mode == "read" {
                        request
                    } else if mode == "bytes" {
                        let mut form = Vec::with_capacity(ofd_bytes.len() + 1024);
                        form.extend_from_slice(b"--eseal-bench\r\nContent-Disposition: form-data; name=\"request\"\r\nContent-Type: application/json\r\n\r\n");
                        form.extend_from_slice(body.to_string().as_bytes());
                        form.extend_from_slice(b"\r\n--eseal-bench\r\nContent-Disposition: form-data; name=\"document\"; filename=\"bench.ofd\"\r\nContent-Type: application/ofd\r\n\r\n");
                        form.extend_from_slice(&ofd_bytes);
                        form.extend_from_slice(b"\r\n--eseal-bench--\r\n");
                        request
                            .header("content-type", "multipart/form-data; boundary=eseal-bench")
                            .header("accept", "application/ofd")
                            .body(form)
                    } else {
                        request.json(&body)
                    };
                    let r = request.send().await.unwrap();
                    let ok = r.status().is_success();
                    // Bytes, not text: a signed OFD answered as bytes is not UTF-8.
                    let answer = r.bytes().await.unwrap_or_default();
                    let text = if ok {
                        String::new()
                    } else {
                        String::from_utf8_lossy(&answer).into_owned()
                    };
                    if ok {
                        lat.push(t.elapsed().as_secs_f64() * 1000.0);
                    } else if mode != "pin" && text.contains("signing_session_ended") {
                        body["session"] = unlock(&http).await;
                    } else {
                        errors += 1;
                    }
                }
                (lat, errors)
            }));
        }
        let started = Instant::now();
        let mut all = Vec::new();
        let mut errors = 0;
        for t in tasks {
            let (l, e) = t.await.unwrap();
            all.extend(l);
            errors += e;
        }
        let elapsed = started.elapsed().as_secs_f64();
        all.sort_by(f64::total_cmp);
        let rate = (all.len() * per) as f64 / elapsed;
        // Server and clients together (they share the process), the sessions' unlocks too.
        let cpu_per_doc = 1000.0 * (cpu_seconds() - cpu_before) / (all.len() * per).max(1) as f64;
        println!(
            "sign over HTTP ({mode:8}): {rate:9.1} docs/s  ({} requests ok, {errors} errors)  per request p50 {:.1} ms  p99 {:.1} ms  = {:.1}% of raw SM2  CPU {cpu_per_doc:.2} ms/doc",
            all.len(),
            percentile(&all, 0.50),
            percentile(&all, 0.99),
            100.0 * rate / raw
        );
    }
    run.abort();
}
