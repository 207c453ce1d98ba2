//! Issue 6: "server killed during filing → delivered exactly once after restart". Real
//! processes: `eseal sim police` keeps its state in a file; `eseal serve` is killed with
//! SIGKILL at random moments while filings are in flight (the simulator records a filing,
//! then waits before answering, so kills land between the police system's acceptance and the
//! receipt's commit), restarted, and finally left to finish. Every filing must end delivered
//! with the receipt the simulator gave the first time, and the simulator must hold each
//! filing once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use eseal_core::{
    Application, Filing, FilingState, Material, MaterialKind, OfficialKind, Purpose, Seal,
    SealKind, SealState,
};
use eseal_store::{Batch, Store};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

const USCC: &str = "91350100M000100Y43";
const SEALS: usize = 6;
const KILLS: usize = 6;

fn eseal() -> Command {
    Command::new(env!("CARGO_BIN_EXE_eseal"))
}

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn post(addr: &str, path: &str, body: &str) {
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    write!(
        c,
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    let _ = c.read_to_string(&mut out);
    assert!(out.starts_with("HTTP/1.1 204"), "{out}");
}

fn seal(id: &str, now: OffsetDateTime) -> Seal {
    Seal {
        id: eseal_core::SealId::parse("id", id).unwrap(),
        kind: SealKind::Official(OfficialKind::LegalName),
        name: "威海市示例科技有限公司".into(),
        organisation_code: Some(eseal_core::Uscc::parse("uscc", USCC).unwrap()),
        holder_id: None,
        impression_sm3: eseal_core::Sm3Hex::parse("sm3", &"cd".repeat(32)).unwrap(),
        certificate_serial: format!("{id}01"),
        valid_from: now,
        valid_to: now + time::Duration::days(365),
        state: SealState::Active,
        history: Vec::new(),
        seal_data_sm3: None,
        key_custody: Default::default(),
    }
}

async fn seed(dir: &std::path::Path) -> Vec<String> {
    // An installation first (data key, PKI, the database's record of them), as `eseal serve`
    // makes on its first start; then the seals, written straight into its store.
    let first = eseal_server::fixture::start(dir.to_owned()).await.unwrap();
    first.abort();
    first.state.store().close().await;
    let store = Store::open_sqlite(dir).await.unwrap();
    let now = OffsetDateTime::now_utc();
    let mut ids = Vec::new();
    for i in 0..SEALS {
        let app_id = format!("A{i}");
        let mut app = Application::new(
            &app_id,
            "agent",
            SealKind::Official(OfficialKind::LegalName),
            "威海市示例科技有限公司",
            Some(USCC),
            None,
            Purpose::New,
        )
        .unwrap();
        for (k, b) in [
            (MaterialKind::BusinessLicence, "a1"),
            (MaterialKind::AgentId, "a2"),
            (MaterialKind::Authorisation, "a3"),
        ] {
            app.add_material(Material {
                kind: k,
                sm3: eseal_core::Sm3Hex::parse("sm3", &b.repeat(32)).unwrap(),
            })
            .unwrap();
        }
        app.submit(now).unwrap();
        app.approve("reviewer").unwrap();
        store
            .commit(Batch::new().insert(&app).unwrap(), now)
            .await
            .unwrap();
        let id = format!("ES{i:04}");
        eseal_server::registry::issue(&store, &app_id, &seal(&id, now), None, now)
            .await
            .unwrap();
        ids.push(format!("{id}-v1"));
    }
    store.close().await;
    ids
}

fn start_server(data: &std::path::Path, police: &str) -> Killed {
    Killed(
        eseal()
            .args(["serve", "--listen", "127.0.0.1:0", "--police-url", police])
            .args([
                "--police-token",
                "T",
                "--filing-every-ms",
                "50",
                "--filing-lease-secs",
                "1",
            ])
            .arg("--data")
            .arg(data)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

#[test]
fn killed_server_files_each_filing_exactly_once() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let state = tmp.path().join("police.json");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let filings = rt.block_on(seed(&data));

    let mut sim = Killed(
        eseal()
            .args([
                "sim",
                "police",
                "--listen",
                "127.0.0.1:0",
                "--token",
                "T",
                "--state",
            ])
            .arg(&state)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(sim.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    let addr = url.trim_start_matches("http://").to_owned();

    // Kill the server at pseudo-random moments while the simulator is slow.
    post(&addr, "/_sim/slow", r#"{"millis": 400}"#);
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..KILLS {
        let server = start_server(&data, &url);
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(300 + seed % 900));
        drop(server); // SIGKILL
    }
    // Then let it finish.
    post(&addr, "/_sim/slow", r#"{"millis": 0}"#);
    let _server = start_server(&data, &url);
    let deadline = Instant::now() + Duration::from_secs(60);
    let delivered = loop {
        let done = rt.block_on(async {
            let store = Store::open_sqlite(&data).await.unwrap();
            let mut out = Vec::new();
            for id in &filings {
                if let Some(f) = store.get::<Filing>(id).await.unwrap()
                    && let FilingState::Delivered { receipt, .. } = f.record.state
                {
                    out.push((id.clone(), receipt));
                }
            }
            store.close().await;
            out
        });
        if done.len() == filings.len() {
            break done;
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {} filings delivered",
            done.len(),
            filings.len()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let held: serde_json::Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    let held = held["filings"].as_object().unwrap();
    assert_eq!(
        held.len(),
        filings.len(),
        "the simulator holds each filing once"
    );
    let mut resent = 0;
    for (id, receipt) in delivered {
        assert_eq!(held[&id]["receipt"]["receipt"], receipt.as_str(), "{id}");
        resent += held[&id]["count"].as_u64().unwrap() - 1;
    }
    eprintln!(
        "{} filings, {KILLS} kills, {resent} resends answered with the first receipt",
        filings.len()
    );
    drop(sim);
}
