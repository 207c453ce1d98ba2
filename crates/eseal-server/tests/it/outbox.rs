//! The filing outbox against a police system that is down for a while, and across a crash
//! between delivery and recording. Time is injected: every pass gets its `now`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use eseal_core::{
    DeadlineState, Filing, FilingEvent, FilingState, OfficialKind, Seal, SealKind, SealState,
};
use eseal_server::outbox::{self, ConnectorError, LEASE, PoliceFiling};
use eseal_store::{Batch, Store};
use std::collections::HashMap;
use std::sync::Mutex;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const T0: OffsetDateTime = datetime!(2026-11-25 08:00 UTC);

/// A police system that refuses the first `down_for` calls and deduplicates on filing id.
#[derive(Default)]
struct Police {
    state: Mutex<PoliceState>,
}

#[derive(Default)]
struct PoliceState {
    down_for: u32,
    calls: u32,
    receipts: HashMap<String, String>,
}

impl PoliceFiling for Police {
    async fn file(&self, filing: &Filing, seal: &Seal) -> Result<String, ConnectorError> {
        let mut s = self.state.lock().unwrap();
        s.calls += 1;
        if s.down_for > 0 {
            s.down_for -= 1;
            return Err(ConnectorError::new("无法连接", "connection refused"));
        }
        assert_eq!(filing.seal_id, seal.id);
        let n = s.receipts.len() + 1;
        Ok(s.receipts
            .entry(filing.id.clone())
            .or_insert_with(|| format!("GA-{n:06}"))
            .clone())
    }
}

fn seal() -> Seal {
    Seal {
        id: eseal_core::SealId::parse("id", "s1").unwrap(),
        kind: SealKind::Official(OfficialKind::LegalName),
        name: "威海市示例科技有限公司".into(),
        organisation_code: Some(eseal_core::Uscc::parse("uscc", "91350100M000100Y43").unwrap()),
        holder_id: None,
        impression_sm3: eseal_core::Sm3Hex::parse("sm3", &"cd".repeat(32)).unwrap(),
        certificate_serial: "01".into(),
        valid_from: T0,
        valid_to: T0 + Duration::days(365),
        state: SealState::Active,
        history: Vec::new(),
        seal_data_sm3: None,
        key_custody: Default::default(),
    }
}

async fn store_with_filing(dir: &std::path::Path) -> Store {
    let store = Store::open_sqlite(dir).await.unwrap();
    let mut b = Batch::new();
    b.insert(&seal()).unwrap();
    b.insert(&Filing::new(
        "f1",
        &eseal_core::SealId::parse("seal_id", "s1").unwrap(),
        FilingEvent::Made,
        T0,
    ))
    .unwrap();
    store.commit(&b, T0).await.unwrap();
    store
}

async fn filing(store: &Store) -> Filing {
    store.get::<Filing>("f1").await.unwrap().unwrap().record
}

#[tokio::test]
async fn police_down_then_retried_with_backoff_and_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_filing(dir.path()).await;
    let police = Police::default();
    police.state.lock().unwrap().down_for = 3;

    let m = |min: i64| T0 + Duration::minutes(min);
    let pass = outbox::run_once(&store, &police, m(0), 10).await.unwrap();
    assert_eq!(pass.failed, ["f1"]);
    let f = filing(&store).await;
    assert_eq!(
        f.deadline_state(T0 + Duration::hours(19)),
        DeadlineState::OnTime
    );
    assert_eq!(
        f.deadline_state(T0 + Duration::hours(21)),
        DeadlineState::Warning
    );
    assert_eq!(
        f.deadline_state(T0 + Duration::hours(25)),
        DeadlineState::Overdue
    );
    match &f.state {
        FilingState::Pending {
            attempts,
            next_attempt,
            last_error,
            last_error_zh,
        } => {
            assert_eq!(*attempts, 1);
            assert_eq!(*next_attempt, m(1));
            assert!(
                last_error
                    .as_deref()
                    .unwrap()
                    .contains("connection refused")
            );
            assert_eq!(last_error_zh.as_deref(), Some("无法连接"));
        }
        other => panic!("{other:?}"),
    }

    // Not due before its backoff; then 1, 2, 4 minutes apart.
    assert_eq!(
        outbox::run_once(&store, &police, m(0) + Duration::seconds(30), 10)
            .await
            .unwrap(),
        Default::default()
    );
    assert_eq!(
        outbox::run_once(&store, &police, m(1), 10)
            .await
            .unwrap()
            .failed,
        ["f1"]
    );
    assert!(
        outbox::run_once(&store, &police, m(2), 10)
            .await
            .unwrap()
            .failed
            .is_empty()
    );
    assert_eq!(
        outbox::run_once(&store, &police, m(3), 10)
            .await
            .unwrap()
            .failed,
        ["f1"]
    );
    assert_eq!(
        outbox::run_once(&store, &police, m(7), 10)
            .await
            .unwrap()
            .delivered,
        ["f1"]
    );

    let f = filing(&store).await;
    assert_eq!(f.deadline_state(m(8)), DeadlineState::DeliveredOnTime);
    assert!(
        matches!(&f.state, FilingState::Delivered { receipt, at } if receipt == "GA-000001" && *at == m(7))
    );
    // Delivered filings are never sent again.
    assert_eq!(
        outbox::run_once(&store, &police, m(600), 10).await.unwrap(),
        Default::default()
    );
    let s = police.state.lock().unwrap();
    assert_eq!((s.calls, s.receipts.len()), (4, 1));
}

#[tokio::test]
async fn crash_between_delivery_and_recording_files_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_filing(dir.path()).await;
    let police = Police::default();

    // A worker claims, the police system accepts, and the process dies before recording.
    let claimed = store.claim_due_filings(T0, LEASE, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let first = police.file(&claimed[0].record, &seal()).await.unwrap();
    store.close().await;
    drop(store);

    // Restart: the claim holds until the lease runs out, then the filing goes again.
    let store = Store::open_sqlite(dir.path()).await.unwrap();
    assert!(matches!(
        filing(&store).await.state,
        FilingState::Pending { .. }
    ));
    let early = outbox::run_once(&store, &police, T0 + Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!(
        early,
        Default::default(),
        "claimed filing taken before its lease ended"
    );
    let pass = outbox::run_once(&store, &police, T0 + LEASE, 10)
        .await
        .unwrap();
    assert_eq!(pass.delivered, ["f1"]);
    assert!(
        matches!(&filing(&store).await.state, FilingState::Delivered { receipt, .. } if *receipt == first)
    );
    let s = police.state.lock().unwrap();
    assert_eq!(s.calls, 2, "sent again after the crash");
    assert_eq!(s.receipts.len(), 1, "but filed once");
}

/// A police system that answers every request with `status` and `body`.
async fn police_answering(status: u16, body: &'static str) -> String {
    let router = axum::Router::new()
        .fallback(move || async move { (axum::http::StatusCode::from_u16(status).unwrap(), body) });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

/// What the console shows beside a pending filing is in both languages: a police system
/// that cannot be reached, or that refuses, is described in Chinese (the reason's kind and
/// where), not in the HTTP library's English.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_delivery_is_recorded_in_both_languages() {
    // Nothing listens on a port just released.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let refusing = police_answering(503, "maintenance\u{7}window").await;
    let problem = police_answering(
        502,
        r#"{"type":"about:blank","title":"bad gateway","status":502,"detail":"the police network link is down"}"#,
    )
    .await;
    let cases = [
        (closed.clone(), "公安系统：无法连接（", "police system: "),
        (refusing, "公安系统答复 HTTP 503：maintenance", "HTTP 503"),
        // A problem document: its detail, not the JSON.
        (
            problem,
            "公安系统答复 HTTP 502：the police network link is down",
            "HTTP 502: the police network link is down",
        ),
    ];
    for (url, zh, en) in cases {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_filing(dir.path()).await;
        let police = eseal_server::connectors::PoliceClient::new(&url, "token").unwrap();
        let pass = outbox::run_once(&store, &police, T0, 10).await.unwrap();
        assert_eq!(pass.failed, ["f1"]);
        let FilingState::Pending {
            last_error,
            last_error_zh,
            ..
        } = filing(&store).await.state
        else {
            panic!("not pending");
        };
        let (last_error, last_error_zh) = (last_error.unwrap(), last_error_zh.unwrap());
        assert!(last_error_zh.starts_with(zh), "{last_error_zh}");
        assert!(last_error.contains(en), "{last_error}");
        // The Chinese names no library's words: only the URL and the answer are Latin.
        for word in ["error", "request", "connect", "tcp"] {
            assert!(!last_error_zh.contains(word), "{last_error_zh}");
        }
        // The answer's control characters are not shown as they are.
        assert!(!last_error_zh.contains('\u{7}'), "{last_error_zh:?}");
    }
    // A filing recorded before the Chinese was kept still reads (the English is shown).
    let old = r#"{"state":"pending","attempts":2,"next_attempt":"2026-11-25T08:00:00Z","last_error":"police system: HTTP 503"}"#;
    let state: FilingState = serde_json::from_str(old).unwrap();
    assert!(matches!(
        state,
        FilingState::Pending {
            last_error_zh: None,
            ..
        }
    ));
}
