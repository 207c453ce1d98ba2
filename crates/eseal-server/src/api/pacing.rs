//! How long a client may take to send a request, and how many connections it may hold
//! (请求读取时限与连接数). Without these a caller could hold the service's resources for as
//! long as it liked at almost no cost of its own: a connection that never finishes its header
//! lines, a body that stops half-way (holding its share of the verification upload budget,
//! [`crate::limits::UPLOAD_BUDGET`]), a body sent a byte at a time, or thousands of idle
//! connections until the process runs out of file descriptors.
//!
//! * **Header lines**: the whole request head must arrive within [`Pacing::header`] of the
//!   first moment the connection waits for it — the same deadline closes a keep-alive
//!   connection idle between requests (hyper's `header_read_timeout`, run by
//!   [`crate::wire::serve`]).
//! * **Body**: [`Paced`] wraps every request body. It fails the read when nothing has arrived
//!   for [`Pacing::body_idle`], or when fewer than [`Pacing::body_min_rate`] bytes a second
//!   have arrived on average after the first [`Pacing::body_grace`] (the rule of Apache's
//!   `mod_reqtimeout`: each byte received extends the deadline by `1 / min_rate` s). The
//!   API and the console both answer such a request with 408 and close the connection.
//! * **Connections**: at most [`Pacing::per_address`] at once from one peer address (a
//!   configured reverse proxy excepted: it carries many clients), and
//!   [`Pacing::connections`] in all, lowered to leave room under the process's file
//!   descriptor limit. A connection past either is answered 503 `busy` and closed before any
//!   of its request is read.

use crate::api::problem::ApiError;
use crate::failure::{Failure, Kind};
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use eseal_core::Text;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// The deadlines of reading a request and the bounds on connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pacing {
    /// The request line and header fields must arrive within this (also: the longest a
    /// keep-alive connection stays open between requests).
    pub header: Duration,
    /// A body read fails when nothing has arrived for this long.
    pub body_idle: Duration,
    /// The part of a body read not held to [`Pacing::body_min_rate`].
    pub body_grace: Duration,
    /// Bytes per second a body must arrive at, on average, after [`Pacing::body_grace`].
    pub body_min_rate: u32,
    /// Connections one peer address may hold at once (a trusted proxy is not bounded).
    pub per_address: usize,
    /// Connections at once, in all.
    pub connections: usize,
}

impl Default for Pacing {
    /// A 20 MB upload may take 30 s plus 640 s at the slowest allowed rate (256 kbit/s, a
    /// poor mobile link); an office behind one address keeps 256 connections (about forty
    /// browsers with six each).
    fn default() -> Self {
        Self {
            header: Duration::from_secs(20),
            body_idle: Duration::from_secs(30),
            body_grace: Duration::from_secs(30),
            body_min_rate: 32 * 1024,
            per_address: 256,
            connections: 4096,
        }
    }
}

/// Why a body read was given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TooSlow {
    /// Nothing arrived for [`Pacing::body_idle`].
    Idle,
    /// Less than [`Pacing::body_min_rate`] on average.
    Rate,
}

impl TooSlow {
    /// What the client is told, in both languages.
    pub fn text(self, p: &Pacing) -> Text {
        match self {
            Self::Idle => Text::new(
                format!(
                    "请求体中断：{} 秒内没有收到任何数据，请求未处理；请检查网络后重新提交",
                    p.body_idle.as_secs()
                ),
                format!(
                    "the request body stopped: nothing arrived for {} s; the request was not processed — check the connection and send it again",
                    p.body_idle.as_secs()
                ),
            ),
            Self::Rate => Text::new(
                format!(
                    "请求体上传过慢：开头 {} 秒之后平均每秒不足 {} KiB，请求未处理；请换用更快的网络后重新提交",
                    p.body_grace.as_secs(),
                    p.body_min_rate / 1024
                ),
                format!(
                    "the request body arrived too slowly: less than {} KiB/s on average after the first {} s; the request was not processed — send it again over a faster connection",
                    p.body_min_rate / 1024,
                    p.body_grace.as_secs()
                ),
            ),
        }
    }

    /// The failure answered with 408.
    pub fn failure(self, p: &Pacing) -> Failure {
        Failure::new(Kind::Invalid, "request_timeout", self.text(p))
    }
}

impl std::fmt::Display for TooSlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Idle => "the request body stopped arriving",
            Self::Rate => "the request body arrived too slowly",
        })
    }
}

impl std::error::Error for TooSlow {}

/// Whether a [`Paced`] body was given up, and why; shared with the middleware that made it.
#[derive(Debug, Clone, Default)]
pub struct Expiry(Arc<AtomicU8>);

impl Expiry {
    /// Why the body was given up, once it was.
    pub fn why(&self) -> Option<TooSlow> {
        match self.0.load(Ordering::Acquire) {
            1 => Some(TooSlow::Idle),
            2 => Some(TooSlow::Rate),
            _ => None,
        }
    }

    fn set(&self, why: TooSlow) {
        let v = match why {
            TooSlow::Idle => 1,
            TooSlow::Rate => 2,
        };
        self.0.store(v, Ordering::Release);
    }
}

/// A request body read under [`Pacing`]'s deadlines (see the module documentation).
#[derive(Debug)]
pub struct Paced {
    inner: Body,
    pacing: Pacing,
    start: Instant,
    received: u64,
    /// When the last bytes arrived (the start, before any).
    last: Instant,
    /// Fires at the nearer of the two deadlines.
    alarm: Pin<Box<Sleep>>,
    expiry: Expiry,
}

impl Paced {
    /// Wraps `inner`; its deadlines start now.
    pub fn new(inner: Body, pacing: Pacing) -> (Self, Expiry) {
        let start = Instant::now();
        let expiry = Expiry::default();
        let mut paced = Self {
            inner,
            pacing,
            start,
            received: 0,
            last: start,
            alarm: Box::pin(tokio::time::sleep_until(start)),
            expiry: expiry.clone(),
        };
        let at = paced.deadline();
        paced.alarm.as_mut().reset(at);
        (paced, expiry)
    }

    /// When the bytes received so far stop being enough for the minimum rate.
    fn rate_deadline(&self) -> Instant {
        let earned = Duration::from_millis(
            self.received.saturating_mul(1000) / u64::from(self.pacing.body_min_rate.max(1)),
        );
        self.start
            .checked_add(self.pacing.body_grace.saturating_add(earned))
            .unwrap_or_else(far_future)
    }

    /// The nearer deadline: the rate's, or the idle time after the last bytes.
    fn deadline(&self) -> Instant {
        let idle = self
            .last
            .checked_add(self.pacing.body_idle)
            .unwrap_or_else(far_future);
        self.rate_deadline().min(idle)
    }
}

impl HttpBody for Paced {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        if let Some(why) = self.expiry.why() {
            return Poll::Ready(Some(Err(axum::Error::new(why))));
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                let now = Instant::now();
                if let Some(data) = frame.data_ref() {
                    self.received += data.len() as u64;
                    self.last = now;
                }
                let at = self.deadline();
                self.alarm.as_mut().reset(at);
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(other) => Poll::Ready(other),
            Poll::Pending => {
                if self.alarm.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                // Which deadline passed: nothing for the idle time (whatever the rate), else
                // the rate's.
                let why = if self.last + self.pacing.body_idle <= Instant::now() {
                    TooSlow::Idle
                } else {
                    TooSlow::Rate
                };
                self.expiry.set(why);
                Poll::Ready(Some(Err(axum::Error::new(why))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// A deadline that does not come (a day away; tokio's own "far future").
fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400)
}

/// `req` with its body under `pacing`, and the handle that says whether it was given up (a
/// request without a body is left as it is).
pub fn pace(req: Request, pacing: Pacing) -> (Request, Expiry) {
    if req.body().is_end_stream() {
        return (req, Expiry::default());
    }
    let (parts, body) = req.into_parts();
    let (paced, expiry) = Paced::new(body, pacing);
    (Request::from_parts(parts, Body::new(paced)), expiry)
}

/// Marks a response so that the connection is closed after it (the rest of a body given up
/// on is not read).
pub fn closing(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// Middleware of the API: the request's body under the service's [`Pacing`]; a request whose
/// body was given up is answered 408 `request_timeout` (whatever its handler made of the
/// failed read) and its connection closed.
pub async fn paced(
    State(limiters): State<Arc<crate::limits::Limiters>>,
    req: Request,
    next: Next,
) -> Response {
    let pacing = limiters.pacing();
    let (req, expiry) = pace(req, pacing);
    let resp = next.run(req).await;
    match expiry.why() {
        Some(why) => closing(ApiError::with_status(408, why.failure(&pacing)).into_response()),
        None => resp,
    }
}

/// Descriptors kept for everything but client connections: the databases, files being
/// written, backups, connections to the police system, the national platform and witnesses.
const DESCRIPTORS_KEPT: usize = 256;

/// `pacing` with its connection bound lowered to leave [`DESCRIPTORS_KEPT`] of the process's
/// file descriptor limit free, after raising the limit's soft value to its hard one (as Go's
/// runtime does): a service that runs out of descriptors can neither accept nor open its
/// database. Says so on standard error when the bound is lowered.
pub fn within_descriptors(mut pacing: Pacing) -> Pacing {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if let (Some(soft), Some(hard)) = (limit.current, limit.maximum)
        && soft < hard
    {
        let raised = rustix::process::Rlimit {
            current: Some(hard),
            maximum: Some(hard),
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            limit = getrlimit(Resource::Nofile);
        }
    }
    if let Some(soft) = limit.current {
        let room = usize::try_from(soft)
            .unwrap_or(usize::MAX)
            .saturating_sub(DESCRIPTORS_KEPT)
            .max(16);
        if room < pacing.connections {
            eprintln!(
                "connections: at most {room} at once (the file descriptor limit is {soft}; {} asked)",
                pacing.connections
            );
            pacing.connections = room;
        }
    }
    pacing
}
