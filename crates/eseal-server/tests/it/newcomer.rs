//! Issue 15: what a newcomer tripped over, tested through the API as they met it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use crate::common;

use common::{Backend, start};
use eseal_server::fixture;
use reqwest::StatusCode;
use serde_json::json;
use time::macros::datetime;

fn b64(b: &[u8]) -> String {
    <base64ct::Base64 as base64ct::Encoding>::encode_string(b)
}

/// Item 5: logging in again within the same 30 s step with the same code counted as a wrong
/// credential, and five such retries locked the account. It is named a replay, audited as
/// one, and never counts toward the lockout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item5_a_reused_totp_code_is_a_replay_not_a_failure() {
    let svc = start(&Backend::Sqlite, datetime!(2026-06-01 09:00 UTC)).await;
    let admin = svc.admin().await;
    svc.user(&admin, "reviewer1", &["reviewer"]).await;
    // The code reviewer1 just used, once more (same step), six times.
    let user = svc.stored_user("reviewer1").await;
    let secret = eseal_server::auth::totp_secret(&user, svc.run.state.data_key()).unwrap();
    let used = eseal_server::auth::totp_code(&secret, user.totp_last_step);
    for _ in 0..6 {
        let (s, v) = svc
            .call(
                "POST",
                "/api/v1/login",
                None,
                Some(json!({"username": "reviewer1", "password": common::PASSWORD, "totp": used})),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("totp_replayed")),
            "{v}"
        );
        assert!(
            v["title"].as_str().unwrap().contains("动态口令已使用过"),
            "{v}"
        );
        assert!(
            v["detail"]
                .as_str()
                .unwrap()
                .contains("请等待下一个动态口令"),
            "{v}"
        );
    }
    let user = svc.stored_user("reviewer1").await;
    assert_eq!((user.failures, user.locked_until), (0, 0));
    let log = svc.run.state.store().audit_log(0, 100_000).await.unwrap();
    assert_eq!(
        log.iter()
            .filter(|e| e.outcome.starts_with("failed:totp_replay"))
            .count(),
        6
    );
    // A wrong password with that code is an ordinary failure (no hint the code was right).
    let (_, v) = svc
        .call(
            "POST",
            "/api/v1/login",
            None,
            Some(json!({"username": "reviewer1", "password": "Wrong-Password-1", "totp": used})),
        )
        .await;
    assert_eq!(v["code"], "login_failed");
    // The next step's code logs in.
    svc.clock.advance(time::Duration::seconds(30));
    svc.login("reviewer1", common::PASSWORD).await;
    svc.run.abort();
}

/// Item 4: a stamp outside the page (`x: 5000`) was signed and verified PASSED, invisible.
/// The API refuses it, naming the page's size.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item4_a_stamp_off_the_page_is_refused() {
    let svc = start(&Backend::Sqlite, datetime!(2026-06-01 09:00 UTC)).await;
    let fx = fixture::personal_seal(&svc.run).await.unwrap();
    let (s, v) = svc
        .call(
            "POST",
            &format!("/api/v1/seals/{}/sign/ofd", fx.seal),
            Some(&fx.holder_token),
            Some(json!({"pin": fixture::PIN, "ofd": b64(&eseal_testkit::ofd::ofd_of(1024)), "placement": {"page": {"page": 1, "x": 5000, "y": 5000}}, "document_name": "x.ofd", "purpose": "确认"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("不在第 1 页内，该页为 210 × 297 毫米"),
        "{v}"
    );
    svc.run.abort();
}

/// Item 8: a request log (method, route, status, duration, user; never a body, a query or a
/// secret) and Prometheus metrics.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item8_requests_are_logged_and_counted() {
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let svc = common::start_with(&Backend::Sqlite, datetime!(2026-06-01 09:00 UTC), |c| {
        c.request_log = eseal_server::ops::RequestLog::Memory(lines.clone());
    })
    .await;
    let admin = svc.admin().await;
    let auditor = svc.user(&admin, "auditor1", &["auditor"]).await;
    let (s, _) = svc
        .call(
            "GET",
            "/api/v1/seals?holder=11010519491231002X",
            Some(&auditor),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = svc.call("GET", "/api/v1/status/ES123", None, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let logged = lines.lock().unwrap().clone();
    let parsed: Vec<serde_json::Value> = logged
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let login = parsed
        .iter()
        .find(|v| v["route"] == "/api/v1/login" && v["status"] == 200)
        .unwrap();
    assert!(login["ms"].as_f64().unwrap() >= 0.0 && login["client"] == "127.0.0.1");
    assert!(
        parsed
            .iter()
            .any(|v| v["route"] == "/api/v1/seals" && v["user"] == "auditor1")
    );
    assert!(
        parsed
            .iter()
            .any(|v| v["route"] == "/api/v1/status/{id}" && v["status"] == 404)
    );
    let all = logged.join("\n");
    for secret in [common::PASSWORD, "11010519491231002X", "ES123", "Bearer"] {
        assert!(!all.contains(secret), "{secret} in the request log");
    }
    // Metrics, to the auditor (not to the public).
    let (s, _) = svc.call("GET", "/metrics", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let r = svc
        .http
        .get(svc.url("/metrics"))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    for want in [
        "eseal_http_requests_total{method=\"POST\",route=\"/api/v1/login\",status=\"200\"}",
        "eseal_usages{state=\"signed\"} 0",
        "eseal_filings_pending{deadline=\"overdue\"} 0",
        "eseal_verifications_cancelled_total 0",
        "# TYPE eseal_http_request_seconds_total counter",
        "eseal_work_busy{lane=\"sign\"} ",
        "eseal_work_busy{lane=\"verify\"} ",
        &format!("eseal_work_places {}", eseal_server::work::places()),
    ] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
    svc.run.abort();
}
