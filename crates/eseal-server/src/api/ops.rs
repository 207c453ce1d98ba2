//! Operating the service (issue 15 item 8): a request log and metrics.
//!
//! * The request log is one JSON line per request on standard error: time, method, the route
//!   (its template, `/api/v1/seals/{id}`, so no identifier or citizen ID from the path is
//!   written), status, duration, the acting user and the client address. Never a body, a
//!   query string or a header.
//! * `GET /metrics` (the system and security admins and the auditor; a scraper uses a system
//!   account's token with the auditor role) answers in the Prometheus text format: requests by
//!   route and status, their total time, signatures made, filings pending, near their
//!   deadline and overdue, each log's checkpoint age, verifications abandoned by their client,
//!   and the blocking work running in each lane ([`crate::work`]).

use crate::api::problem::ApiError;
use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write as _;

pub use crate::reqlog::{Actor, RequestCounts, RequestLog};

/// Middleware: counts every request and writes its line to the request log.
pub async fn observe(
    State((state, log)): State<(AppState, RequestLog)>,
    req: Request,
    next: Next,
) -> Response {
    let started = std::time::Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("(no route)".to_owned(), |m| m.as_str().to_owned());
    let client = state.limiters().client(&req).to_string();
    let resp = next.run(req).await;
    let seconds = started.elapsed().as_secs_f64();
    let status = resp.status().as_u16();
    state.requests().add(&method, &route, status, seconds);
    if !matches!(log, RequestLog::Off) {
        let user = resp.extensions().get::<Actor>().map(|a| a.0.clone());
        let line = serde_json::json!({
            "ts": time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            "method": method,
            "route": route,
            "status": status,
            "ms": (seconds * 1000.0 * 10.0).round() / 10.0,
            "user": user,
            "client": client,
        });
        log.write(&line.to_string());
    }
    resp
}

fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// `GET /metrics`.
pub async fn metrics(State(s): State<AppState>) -> Result<Response, ApiError> {
    let now = s.now();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP eseal_http_requests_total HTTP requests by method, route and status.\n# TYPE eseal_http_requests_total counter"
    );
    let counts = s.requests().snapshot();
    for ((m, r, st), (n, _)) in &counts {
        let _ = writeln!(
            out,
            "eseal_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{st}\"}} {n}",
            label(m),
            label(r)
        );
    }
    let _ = writeln!(
        out,
        "# HELP eseal_http_request_seconds_total Time spent answering, by method and route.\n# TYPE eseal_http_request_seconds_total counter"
    );
    let mut by_route: BTreeMap<(String, String), f64> = BTreeMap::new();
    for ((m, r, _), (_, secs)) in &counts {
        *by_route.entry((m.clone(), r.clone())).or_default() += secs;
    }
    for ((m, r), secs) in by_route {
        let _ = writeln!(
            out,
            "eseal_http_request_seconds_total{{method=\"{}\",route=\"{}\"}} {secs:.6}",
            label(&m),
            label(&r)
        );
    }
    let store = s.store();
    let _ = writeln!(
        out,
        "# HELP eseal_usages Uses of seals in the ledger, by state.\n# TYPE eseal_usages gauge"
    );
    for state in ["signed", "intent", "aborted"] {
        let n = store.count::<eseal_core::Usage>("state", state).await?;
        let _ = writeln!(out, "eseal_usages{{state=\"{state}\"}} {n}");
    }
    let pending = store.pending_filings(100_000).await?;
    let mut by_deadline: BTreeMap<String, u64> = BTreeMap::new();
    for f in &pending {
        let st = serde_json::to_value(f.record.deadline_state(now))
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "unknown".into());
        *by_deadline.entry(st).or_default() += 1;
    }
    let _ = writeln!(
        out,
        "# HELP eseal_filings_pending Filings (备案) not yet delivered to the police, by deadline state.\n# TYPE eseal_filings_pending gauge"
    );
    for st in ["on_time", "warning", "overdue"] {
        let n = by_deadline.get(st).copied().unwrap_or(0);
        let _ = writeln!(out, "eseal_filings_pending{{deadline=\"{st}\"}} {n}");
    }
    let backups = s.backups();
    if backups.schedule.is_some() {
        let _ = writeln!(
            out,
            "# HELP eseal_backup_age_seconds Seconds since the last scheduled backup was made (since the schedule began, when none was).\n# TYPE eseal_backup_age_seconds gauge\neseal_backup_age_seconds {}",
            (now.unix_timestamp() - backups.last_ok.as_ref().map_or(backups.since, |b| b.0)).max(0)
        );
        let failed = backups
            .last_error
            .as_ref()
            .is_some_and(|(at, _)| backups.last_ok.as_ref().is_none_or(|(ok, _, _)| at >= ok));
        let _ = writeln!(
            out,
            "# HELP eseal_backup_last_failed 1 when the last scheduled backup failed.\n# TYPE eseal_backup_last_failed gauge\neseal_backup_last_failed {}",
            u8::from(failed)
        );
    }
    let _ = writeln!(
        out,
        "# HELP eseal_checkpoint_age_seconds Seconds since each log's latest signed checkpoint.\n# TYPE eseal_checkpoint_age_seconds gauge"
    );
    for log in [
        eseal_store::transparency::Log::Audit,
        eseal_store::transparency::Log::Seals,
    ] {
        if let Some(at) = store.latest_checkpoint_time(log).await? {
            let _ = writeln!(
                out,
                "eseal_checkpoint_age_seconds{{log=\"{}\"}} {}",
                log.origin(),
                (now.unix_timestamp() - at).max(0)
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP eseal_verifications_cancelled_total Online verifications stopped because their client went away.\n# TYPE eseal_verifications_cancelled_total counter\neseal_verifications_cancelled_total {}",
        s.verifications_cancelled()
            .load(std::sync::atomic::Ordering::Relaxed)
    );
    let lanes = [
        ("sign", crate::work::Lane::Sign),
        ("verify", crate::work::Lane::Verify),
    ];
    for (metric, help, read) in [
        (
            "eseal_work_busy",
            "Blocking work running now in each lane (signing, verification), of eseal_work_places.",
            crate::work::busy as fn(crate::work::Lane) -> usize,
        ),
        (
            "eseal_work_waiting",
            "Blocking work waiting for a place in each lane; verification refuses more than eseal_work_places times 16 (busy, 503).",
            crate::work::waiting,
        ),
    ] {
        let _ = writeln!(out, "# HELP {metric} {help}\n# TYPE {metric} gauge");
        for (name, lane) in lanes {
            let _ = writeln!(out, "{metric}{{lane=\"{name}\"}} {}", read(lane));
        }
    }
    let _ = writeln!(
        out,
        "# HELP eseal_work_places How many pieces of blocking work each lane runs at once (the cores).\n# TYPE eseal_work_places gauge\neseal_work_places {}",
        crate::work::places()
    );
    let _ = writeln!(
        out,
        "# HELP eseal_verify_upload_bytes Bytes reserved by verification uploads in progress; a new one past eseal_verify_upload_budget_bytes is refused (busy, 503).\n# TYPE eseal_verify_upload_bytes gauge\neseal_verify_upload_bytes {}\n# HELP eseal_verify_upload_budget_bytes The bytes of verification uploads that may be in progress at once.\n# TYPE eseal_verify_upload_budget_bytes gauge\neseal_verify_upload_budget_bytes {}",
        crate::limits::UPLOAD_BUDGET.saturating_sub(s.limiters().upload_room()),
        crate::limits::UPLOAD_BUDGET
    );
    let _ = writeln!(
        out,
        "# HELP eseal_http_connections Client connections open now; one past eseal_http_connections_limit (or past the per-address bound) is refused (busy, 503).\n# TYPE eseal_http_connections gauge\neseal_http_connections {}\n# HELP eseal_http_connections_limit Client connections that may be open at once.\n# TYPE eseal_http_connections_limit gauge\neseal_http_connections_limit {}",
        s.limiters().open_connections(),
        s.limiters().pacing().connections
    );
    let mut resp = out.into_response();
    resp.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    Ok(resp)
}
