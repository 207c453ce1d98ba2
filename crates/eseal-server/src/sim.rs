//! Simulators of the police seal-management system and the national platform (issue 6 item 8;
//! R-INT-3): they serve the contracts in docs/connectors/ over real HTTP, keep what they
//! receive (in memory, and in a JSON file when given one), deduplicate filings on
//! `filing_id`, and can be told to fail or be slow. `eseal sim police|national` runs them;
//! the tests and `eseal serve --demo` start them in-process.

use crate::connectors::{FilingReceipt, FilingRequest, RegisteredImpression};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use base64ct::{Base64, Encoding};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

/// A failure instruction: answer the next `count` requests with `status`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FailControl {
    /// HTTP status to answer with.
    pub status: u16,
    /// How many requests.
    pub count: u32,
    /// Only requests to paths starting with this (e.g. `/api/v1/filings`); all when absent.
    #[serde(default)]
    pub only: Option<String>,
}

/// A slowness instruction.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SlowControl {
    /// Delay per request.
    pub millis: u64,
}

/// One received filing and how often it came.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReceivedFiling {
    /// The first request.
    pub request: FilingRequest,
    /// The receipt given.
    pub receipt: FilingReceipt,
    /// How many times it was sent (1 + repeats).
    pub count: u32,
}

/// What the police simulator holds.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct PoliceState {
    /// Registered impressions by `uscc|kind`.
    pub impressions: BTreeMap<String, RegisteredImpression>,
    /// Filings by id.
    pub filings: BTreeMap<String, ReceivedFiling>,
    /// Requests answered with an injected failure.
    pub failed_requests: u32,
    #[serde(skip)]
    fail: FailControl,
    #[serde(skip)]
    slow: SlowControl,
}

/// A shared simulator.
#[derive(Debug, Clone)]
pub struct PoliceSim {
    /// The state (tests inspect it).
    pub state: Arc<Mutex<PoliceState>>,
    token: Option<String>,
    file: Option<PathBuf>,
}

fn problem(status: StatusCode, code: &str, detail: &str) -> Response {
    let mut r = (
        status,
        Json(serde_json::json!({
            "type": format!("https://eseal.invalid/problems/{code}"),
            "title": code, "status": status.as_u16(), "code": code, "detail": detail
        })),
    )
        .into_response();
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/problem+json"),
    );
    r
}

/// Registration of an impression through the simulator's control API.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterImpression {
    /// Organisation.
    pub uscc: String,
    /// Kind (wire name).
    pub kind: String,
    /// Seal name.
    pub name: String,
    /// PNG, base64.
    pub image: String,
}

#[derive(Debug, Deserialize)]
struct ImpressionQuery {
    uscc: String,
    kind: String,
}

impl PoliceSim {
    /// A simulator; `token` is the bearer token it requires (none: any), `file` where it
    /// keeps its state across restarts.
    pub fn new(token: Option<String>, file: Option<PathBuf>) -> Self {
        let state = file
            .as_ref()
            .and_then(|f| std::fs::read(f).ok())
            .and_then(|b| serde_json::from_slice::<PoliceState>(&b).ok())
            .unwrap_or_default();
        Self {
            state: Arc::new(Mutex::new(state)),
            token,
            file,
        }
    }

    /// Registers an impression (as the police would when the physical seal was registered).
    pub fn register(&self, uscc: &str, kind: &str, name: &str, png: &[u8], at: OffsetDateTime) {
        let mut s = self.lock();
        let n = s.impressions.len() + 1;
        s.impressions.insert(
            format!("{uscc}|{kind}"),
            RegisteredImpression {
                registration_no: format!("GA-371000-{}-{n:06}", at.year()),
                uscc: uscc.to_owned(),
                kind: kind.to_owned(),
                name: name.to_owned(),
                image_type: "png".into(),
                image: Base64::encode_string(png),
                sm3: eseal_gm::Sm3Digest::of(png).to_hex(),
                registered_at: at,
            },
        );
        drop(s);
        self.save();
    }

    /// Fail the next `count` requests with `status`.
    pub fn fail(&self, status: u16, count: u32) {
        self.lock().fail = FailControl {
            status,
            count,
            only: None,
        };
    }

    /// Fail the next `count` filing requests with `status` (impressions still answer).
    pub fn fail_filings(&self, status: u16, count: u32) {
        self.lock().fail = FailControl {
            status,
            count,
            only: Some("/api/v1/filings".into()),
        };
    }

    /// How often a filing was received (0: never).
    pub fn count(&self, filing_id: &str) -> u32 {
        self.lock().filings.get(filing_id).map_or(0, |f| f.count)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PoliceState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn save(&self) {
        if let Some(f) = &self.file {
            let json = serde_json::to_vec_pretty(&*self.lock()).unwrap_or_default();
            // Atomic: a crash leaves the previous state, never half of this one.
            let _ = crate::files::write_private(f, &json);
        }
    }

    /// Waits as long as `/_sim/slow` says.
    async fn delay(&self) {
        let millis = self.lock().slow.millis;
        if millis > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
        }
    }

    /// Slow every answer down by `millis` (a filing is recorded before the wait, so a client
    /// that gives up meanwhile leaves it filed without a receipt: the crash case).
    pub fn slow(&self, millis: u64) {
        self.lock().slow = SlowControl { millis };
    }

    /// Applies the controls: `Some(response)` to answer at once with an injected failure.
    async fn gate(&self, path: &str, headers: &HeaderMap) -> Option<Response> {
        let (delay, failure): (u64, Option<u16>) = {
            let mut s = self.lock();
            let applies = s.fail.only.as_deref().is_none_or(|p| path.starts_with(p));
            let failure = if s.fail.count > 0 && applies {
                s.fail.count -= 1;
                s.failed_requests += 1;
                Some(s.fail.status)
            } else {
                None
            };
            (s.slow.millis, failure)
        };
        let _ = delay;
        if let Some(status) = failure {
            let st = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            return Some(problem(
                st,
                "simulated_failure",
                "failure injected by /_sim/fail",
            ));
        }
        if let Some(token) = &self.token {
            let ok = headers
                .get(axum::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v == format!("Bearer {token}"));
            if !ok {
                return Some(problem(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "a valid agency bearer token is required",
                ));
            }
        }
        None
    }

    /// The simulator's routes.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/api/v1/impressions", get(impression))
            .route("/api/v1/filings", post(file))
            .route("/_sim/fail", post(set_fail))
            .route("/_sim/slow", post(set_slow))
            .route("/_sim/filings", get(list_filings))
            .route("/_sim/impressions", post(register))
            .with_state(self.clone())
    }
}

async fn impression(
    State(sim): State<PoliceSim>,
    headers: HeaderMap,
    Query(q): Query<ImpressionQuery>,
) -> Response {
    sim.delay().await;
    if let Some(r) = sim.gate("/api/v1/impressions", &headers).await {
        return r;
    }
    match sim
        .lock()
        .impressions
        .get(&format!("{}|{}", q.uscc, q.kind))
    {
        Some(i) => Json(i.clone()).into_response(),
        None => problem(
            StatusCode::NOT_FOUND,
            "impression_not_registered",
            &format!("no impression of kind {} for {}", q.kind, q.uscc),
        ),
    }
}

async fn file(
    State(sim): State<PoliceSim>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Some(r) = sim.gate("/api/v1/filings", &headers).await {
        return r;
    }
    let req: FilingRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_filing",
                &e.to_string(),
            );
        }
    };
    let (status, receipt) = {
        let mut s = sim.lock();
        let n = s.filings.len() + 1;
        match s.filings.get_mut(&req.filing_id) {
            Some(prev) if prev.request != req => {
                return problem(
                    StatusCode::CONFLICT,
                    "filing_id_reused",
                    "this filing_id was used with a different body",
                );
            }
            Some(prev) => {
                prev.count += 1;
                (StatusCode::OK, prev.receipt.clone())
            }
            None => {
                let receipt = FilingReceipt {
                    receipt: format!("BA-{n:08}"),
                    received_at: OffsetDateTime::now_utc(),
                };
                s.filings.insert(
                    req.filing_id.clone(),
                    ReceivedFiling {
                        request: req,
                        receipt: receipt.clone(),
                        count: 1,
                    },
                );
                (StatusCode::CREATED, receipt)
            }
        }
    };
    sim.save();
    sim.delay().await;
    (status, Json(receipt)).into_response()
}

async fn set_fail(State(sim): State<PoliceSim>, Json(c): Json<FailControl>) -> StatusCode {
    sim.lock().fail = c;
    StatusCode::NO_CONTENT
}

async fn set_slow(State(sim): State<PoliceSim>, Json(c): Json<SlowControl>) -> StatusCode {
    sim.lock().slow = c;
    StatusCode::NO_CONTENT
}

async fn list_filings(State(sim): State<PoliceSim>) -> Response {
    Json(sim.lock().filings.clone()).into_response()
}

async fn register(State(sim): State<PoliceSim>, Json(r): Json<RegisterImpression>) -> Response {
    let Ok(png) = Base64::decode_vec(&r.image) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            "image is not base64",
        );
    };
    sim.register(&r.uscc, &r.kind, &r.name, &png, OffsetDateTime::now_utc());
    StatusCode::CREATED.into_response()
}

/// A seal record pushed to the national platform (docs/connectors/national.md §1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NationalRecord {
    /// esID.
    pub id: String,
    /// Version.
    pub version: i64,
    /// The rest of the record as sent.
    #[serde(flatten)]
    pub rest: serde_json::Map<String, serde_json::Value>,
}

/// The national platform simulator: keeps the highest version of each pushed seal record and
/// answers status queries for them.
#[derive(Debug, Clone, Default)]
pub struct NationalSim {
    /// Records by id.
    pub seals: Arc<Mutex<BTreeMap<String, NationalRecord>>>,
    /// Status queries answered or refused so far (§2/§3).
    pub status_queries: Arc<std::sync::atomic::AtomicUsize>,
    fail: Arc<Mutex<FailControl>>,
}

impl NationalSim {
    /// The simulator's routes.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/api/v1/seals/{id}", put(national_put))
            .route("/api/v1/status/{id}", get(national_status))
            .route("/_sim/seals", get(national_list))
            .route("/_sim/fail", post(national_fail))
            .with_state(self.clone())
    }

    /// Fail the next `count` requests (pushes and status queries) with `status`.
    pub fn fail_next(&self, status: u16, count: u32) {
        *self.fail.lock().unwrap_or_else(|p| p.into_inner()) = FailControl {
            status,
            count,
            only: None,
        };
    }

    fn failing(&self) -> Option<Response> {
        let mut f = self.fail.lock().unwrap_or_else(|p| p.into_inner());
        if f.count == 0 {
            return None;
        }
        f.count -= 1;
        let st = StatusCode::from_u16(f.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        Some(problem(
            st,
            "simulated_failure",
            "failure injected by /_sim/fail",
        ))
    }
}

async fn national_put(
    State(sim): State<NationalSim>,
    Path(id): Path<String>,
    Json(rec): Json<NationalRecord>,
) -> Response {
    if let Some(r) = sim.failing() {
        return r;
    }
    if rec.id != id {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "id differs from the path",
        );
    }
    let mut seals = sim.seals.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(prev) = seals.get(&id)
        && prev.version > rec.version
    {
        return problem(
            StatusCode::CONFLICT,
            "stale_version",
            "a higher version is held",
        );
    }
    let v = rec.version;
    seals.insert(id, rec);
    Json(serde_json::json!({ "accepted_version": v })).into_response()
}

#[derive(Debug, Deserialize)]
struct AtParam {
    #[serde(default, with = "time::serde::rfc3339::option")]
    at: Option<OffsetDateTime>,
}

/// §2/§3 status at `at` (default now), computed from the record held: not yet valid before
/// `valid_from`, expired after `valid_to`, revoked from the revocation's time on.
async fn national_status(
    State(sim): State<NationalSim>,
    Path(id): Path<String>,
    Query(q): Query<AtParam>,
) -> Response {
    sim.status_queries
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if let Some(r) = sim.failing() {
        return r;
    }
    let at = q.at.unwrap_or_else(OffsetDateTime::now_utc);
    let seals = sim.seals.lock().unwrap_or_else(|p| p.into_inner());
    let Some(r) = seals.get(&id) else {
        return problem(StatusCode::NOT_FOUND, "unknown_seal", "no such seal");
    };
    let time = |k: &str| {
        r.rest.get(k).and_then(|v| v.as_str()).and_then(|t| {
            OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
        })
    };
    let revoked_at = r
        .rest
        .get("revocation")
        .and_then(|v| v.get("at"))
        .and_then(|v| v.as_str())
        .and_then(|t| {
            OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
        });
    let status = match (time("valid_from"), time("valid_to"), revoked_at) {
        (_, _, Some(t)) if t <= at => "revoked",
        (Some(from), _, _) if at < from => "not_yet_valid",
        (_, Some(to), _) if at > to => "expired",
        _ => "valid",
    };
    Json(serde_json::json!({
        "id": r.id,
        "at": at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "status": status,
        "revocation": r.rest.get("revocation").cloned().unwrap_or_default(),
        "valid_from": r.rest.get("valid_from").cloned().unwrap_or_default(),
        "valid_to": r.rest.get("valid_to").cloned().unwrap_or_default(),
    }))
    .into_response()
}

async fn national_list(State(sim): State<NationalSim>) -> Response {
    Json(sim.seals.lock().unwrap_or_else(|p| p.into_inner()).clone()).into_response()
}

async fn national_fail(State(sim): State<NationalSim>, Json(c): Json<FailControl>) -> StatusCode {
    *sim.fail.lock().unwrap_or_else(|p| p.into_inner()) = c;
    StatusCode::NO_CONTENT
}

/// Serves `router` on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, router: Router) -> std::io::Result<()> {
    axum::serve(listener, router).await
}
