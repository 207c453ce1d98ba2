//! Issues 7 and 21: "kill -9 the server at random points during a signing load; afterwards
//! every signature a client received is in the ledger and no intent is left unresolved" —
//! now also while it makes scheduled backups (every 300 ms) and checkpoints (every 20
//! entries), on SQLite and on PostgreSQL, 100 kills each (`ESEAL_SIGN_KILLS` changes the
//! count): 200 in all.
//!
//! Real processes: a personal seal with a platform-held key is made through the HTTP API by
//! an in-process service (eseal_server::fixture), which then stops. `eseal serve` is started
//! on the same data directory (and database) and SIGKILLed at a pseudo-random moment while
//! clients sign detached signatures with the PIN (each signature: PIN reservation, intent,
//! key use, ledger completion). Every 201 response is remembered. Finally the server runs
//! once more with `--intent-timeout-secs 0` (one server, nothing in flight) and the database
//! is read directly; the logs still extend their checkpoints, the newest backup verifies, and
//! no half-written archive is left.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use base64ct::{Base64, Encoding};
use eseal_core::{Usage, UsageState};
use eseal_store::Store;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CLIENTS: usize = 4;

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Where the service keeps its records: SQLite in the data directory, or a PostgreSQL schema.
#[derive(Clone)]
enum Db {
    Sqlite,
    Postgres(String, String),
}

impl Db {
    fn args(&self) -> Vec<String> {
        match self {
            Db::Sqlite => Vec::new(),
            Db::Postgres(url, schema) => vec![
                "--database".into(),
                url.clone(),
                "--database-schema".into(),
                schema.clone(),
            ],
        }
    }

    async fn open(&self, data: &Path) -> Store {
        match self {
            Db::Sqlite => Store::open_sqlite(data).await.unwrap(),
            Db::Postgres(url, schema) => Store::open_postgres_in_schema(url, schema).await.unwrap(),
        }
    }
}

/// Starts `eseal serve` on `data` and returns it with its URL once it answers.
fn start_server(data: &Path, db: &Db, intent_timeout_secs: u32) -> (Killed, String) {
    let backups = data.with_extension("backups");
    let key = data.with_extension("key");
    let mut child = Killed(
        Command::new(env!("CARGO_BIN_EXE_eseal"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--filing-every-ms",
                "100",
                "--audit-every-secs",
                "1",
                "--audit-every-entries",
                "20",
                "--backup-every",
                "300ms",
                "--backup-keep",
                "3",
            ])
            .arg("--backup-dir")
            .arg(&backups)
            .arg("--backup-key")
            .arg(&key)
            .args(db.args())
            .args(["--intent-timeout-secs", &intent_timeout_secs.to_string()])
            .arg("--data")
            .arg(data)
            .env("ESEAL_LANG", "en")
            .stdout(Stdio::piped())
            .stderr(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(data.with_extension("log"))
                    .unwrap(),
            )
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    let mut out = BufReader::new(child.0.stdout.take().unwrap());
    out.read_line(&mut line).unwrap();
    // Keep reading: a closed pipe would make the server's next println fail.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_owned();
    (child, url)
}

/// What a client was given: usage ID, the signature's SM3 and its bytes.
type Received = (String, String, Vec<u8>);

async fn client(
    http: reqwest::Client,
    url: String,
    token: String,
    tag: String,
    received: Arc<Mutex<Vec<Received>>>,
    refused: Arc<Mutex<Vec<String>>>,
) {
    for n in 0.. {
        let data = format!("{tag}-{n}");
        let r = http
            .post(&url)
            .bearer_auth(&token)
            .json(&json!({"pin": eseal_server::fixture::PIN, "data": Base64::encode_string(data.as_bytes()), "document_name": "load.txt", "purpose": "crash test"}))
            .send()
            .await;
        // The server was killed: this client's round ends.
        let Ok(r) = r else { return };
        let status = r.status();
        let Ok(v) = r.json::<Value>().await else {
            return;
        };
        if status == reqwest::StatusCode::CREATED {
            let sig = Base64::decode_vec(v["signature"].as_str().unwrap()).unwrap();
            received.lock().unwrap().push((
                v["usage"]["id"].as_str().unwrap().to_owned(),
                eseal_gm::Sm3Digest::of(&sig).to_hex(),
                sig,
            ));
        } else {
            refused.lock().unwrap().push(format!("{status} {v}"));
        }
    }
}

#[test]
fn killed_while_signing_the_ledger_knows_every_signature() {
    killed_while_signing(Db::Sqlite);
}

#[test]
fn killed_while_signing_on_postgres_the_ledger_knows_every_signature() {
    let Some(url) = eseal_testkit::pg_url() else {
        return;
    };
    let schema = format!(
        "eseal_kill_{}_{}",
        std::process::id(),
        time::OffsetDateTime::now_utc().unix_timestamp()
    );
    killed_while_signing(Db::Postgres(url, schema));
}

fn killed_while_signing(db: Db) {
    let kills: usize = std::env::var("ESEAL_SIGN_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(100);
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let backup_key = eseal_server::backup::container::BackupKey::from_bytes([0x5a; 16]);
    std::fs::write(data.with_extension("key"), backup_key.to_text().as_bytes()).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let fixture = rt.block_on(async {
        let mut config = eseal_server::app::ServeConfig::new(data.clone());
        config.listen = "127.0.0.1:0".into();
        if let Db::Postgres(url, schema) = &db {
            config.database = Some(url.clone());
            config.database_schema = Some(schema.clone());
        }
        let run = eseal_server::app::start(config, Arc::new(eseal_gm::provider::SystemClock))
            .await
            .unwrap();
        let f = eseal_server::fixture::personal_seal(&run).await.unwrap();
        run.abort();
        run.state.store().close().await;
        f
    });

    let received: Arc<Mutex<Vec<Received>>> = Arc::default();
    let refused: Arc<Mutex<Vec<String>>> = Arc::default();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let started = Instant::now();
    let mut productive_rounds = 0;
    for k in 0..kills {
        let before = received.lock().unwrap().len();
        let (server, base) = start_server(&data, &db, 600);
        let url = format!("{base}/api/v1/seals/{}/sign", fixture.seal);
        let tasks: Vec<_> = (0..CLIENTS)
            .map(|c| {
                rt.spawn(client(
                    http.clone(),
                    url.clone(),
                    fixture.holder_token.clone(),
                    format!("{k}-{c}"),
                    received.clone(),
                    refused.clone(),
                ))
            })
            .collect();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(250 + seed % 600));
        drop(server); // SIGKILL at whatever point the signings are
        rt.block_on(async {
            for t in tasks {
                t.await.unwrap();
            }
        });
        if received.lock().unwrap().len() > before {
            productive_rounds += 1;
        }
    }
    // The kills must land in a live signing load, not in a server that never came up (a
    // round killed early, while the server starts, signs nothing; most must sign).
    assert!(
        productive_rounds * 4 >= kills * 3,
        "only {productive_rounds} of {kills} rounds signed anything"
    );
    eprintln!("{productive_rounds} of {kills} rounds signed");
    let load = started.elapsed();

    // Recovery: one server alone, so every intent left is from a killed process.
    let received = received.lock().unwrap().clone();
    let (server, _) = start_server(&data, &db, 0);
    let deadline = Instant::now() + Duration::from_secs(30);
    let (ledger, intents) = loop {
        let (ledger, intents) = rt.block_on(async {
            let store = db.open(&data).await;
            let intents = store
                .find::<Usage>("state", "intent", 10_000)
                .await
                .unwrap();
            let mut ledger = Vec::new();
            for (id, sm3, sig) in &received {
                let u = store.get::<Usage>(id).await.unwrap();
                let blob = match &u {
                    Some(_) => store.blob(sm3).await.unwrap().map(|(_, b)| b),
                    None => None,
                };
                ledger.push((id.clone(), sm3.clone(), sig.clone(), u, blob));
            }
            let signed = store
                .find::<Usage>("state", "signed", 100_000)
                .await
                .unwrap();
            let aborted = store
                .find::<Usage>("state", "aborted", 100_000)
                .await
                .unwrap();
            store.close().await;
            (ledger, (intents.len(), signed.len(), aborted.len()))
        });
        if intents.0 == 0 || Instant::now() > deadline {
            break (ledger, intents);
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    // Let the last server make a backup and a checkpoint over what recovery wrote.
    std::thread::sleep(Duration::from_millis(1500));
    drop(server);
    // The logs still extend every checkpoint signed before the kills (the checkpointer says
    // `log_rewritten` otherwise), the newest backup verifies, and the writer's temporary
    // files of killed backups were cleared.
    let server_log = std::fs::read_to_string(data.with_extension("log")).unwrap_or_default();
    assert!(!server_log.contains("log_rewritten"), "{server_log}");
    let backups = data.with_extension("backups");
    let archives = eseal_server::backup::schedule::archives(&backups);
    let newest = archives.last().expect("backups were made under the load");
    let verified = eseal_server::backup::verify(newest, &backup_key, None).unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(&backups)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    eprintln!(
        "{} archives kept, the newest verified ({}); killed backups cleared: {}",
        archives.len(),
        eseal_server::backup::log_outcome(&verified.manifest),
        server_log.matches("left by an interrupted backup").count()
    );
    assert!(
        leftovers.len() <= 1,
        "half-written archives left: {leftovers:?}"
    );

    let (intents, signed, aborted) = intents;
    let refused = refused.lock().unwrap().clone();
    eprintln!(
        "{kills} kills in {:.1} s; {} signatures received by clients, {signed} signed in the \
         ledger (the rest: answers lost to a kill), {aborted} intents aborted by recovery; \
         refusals: {refused:?}",
        load.as_secs_f64(),
        ledger.len()
    );
    assert!(
        ledger.len() >= kills,
        "the load was too light to mean anything: {} signatures in {kills} rounds",
        ledger.len()
    );
    assert!(
        refused.is_empty(),
        "a client was refused (a lock from counted attempts?): {refused:?}\nserver log:\n{}",
        std::fs::read_to_string(data.with_extension("log")).unwrap_or_default()
    );
    for (id, sm3, sig, usage, blob) in ledger {
        let usage = usage.unwrap_or_else(|| panic!("usage {id} a client received is missing"));
        match usage.record.state {
            UsageState::Signed { signature_sm3, .. } => {
                assert_eq!(signature_sm3, sm3, "usage {id} names another signature");
            }
            other => panic!("usage {id} a client received is {other:?}"),
        }
        assert_eq!(blob.as_deref(), Some(&sig[..]), "usage {id}: stored bytes");
    }
    assert_eq!(intents, 0, "unresolved intents after recovery");

    // Thousands of requests carried the PIN: it is in no line of the server's log as a word of
    // its own, and in no file of its data directory (database, WAL, keys, PKI) as a JSON
    // string. A bare search would match by chance: six digits turn up inside the log's
    // nanosecond timestamps and inside the many SM3 hex strings (one run in ten or so).
    let pin = eseal_server::fixture::PIN.as_bytes();
    let log = std::fs::read(data.with_extension("log")).unwrap();
    let leaks: Vec<String> = log
        .split(|b| *b == b'\n')
        .filter(|line| holds_word(line, pin))
        .map(|line| String::from_utf8_lossy(line).into_owned())
        .collect();
    assert!(leaks.is_empty(), "the PIN is in the server log: {leaks:#?}");
    let pin = format!("\"{}\"", eseal_server::fixture::PIN);
    let pin = pin.as_bytes();
    let mut files = Vec::new();
    let mut dirs = vec![data.clone()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                files.push(p);
            }
        }
    }
    assert!(files.len() >= 4, "{files:?}");
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !bytes.windows(pin.len()).any(|w| w == pin),
            "the PIN is in {}",
            f.display()
        );
    }
}

/// Whether `needle` occurs in `line` with no letter or digit right before or after it.
fn holds_word(line: &[u8], needle: &[u8]) -> bool {
    let n = needle.len();
    (0..line.len().saturating_sub(n - 1)).any(|i| {
        line[i..i + n] == *needle
            && !i
                .checked_sub(1)
                .is_some_and(|j| line[j].is_ascii_alphanumeric())
            && !line.get(i + n).is_some_and(u8::is_ascii_alphanumeric)
    })
}

#[test]
fn a_word_is_found_alone_and_not_inside_a_longer_one() {
    assert!(holds_word(b"{\"pin\":\"739164\"}", b"739164"));
    assert!(holds_word(b"739164", b"739164"));
    assert!(holds_word(b"pin=739164 ok", b"739164"));
    assert!(!holds_word(
        b"\"ts\":\"2026-12-06T23:59:01.8739164Z\"",
        b"739164"
    ));
    assert!(!holds_word(b"a739164b", b"739164"));
    assert!(!holds_word(b"73916", b"739164"));
}
