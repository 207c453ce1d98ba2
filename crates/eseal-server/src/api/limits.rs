//! What one client address may ask of the service (issue 14 items 4 and 10): the public
//! endpoints (verification above all, which hashes documents) and login are rate-limited per
//! address with `governor` (GCRA, a token bucket per key); a caller over the rate gets 429 with
//! `Retry-After`. The client's address is the TCP peer's, or — when the peer is a configured
//! reverse proxy — the nearest address in `X-Forwarded-For` that is not one. Every bound
//! below is kept per [`client_key`]: an IPv6 address counts as its /64.
//!
//! Verification uploads are also bounded all together ([`UPLOAD_BUDGET`]): each is bounded
//! alone, but a caller sending slowly from many addresses (or from one, within its rate, over
//! minutes) held one body buffer per connection with no bound on their sum. An upload
//! reserves its declared length (or its endpoint's bound when it declares none) before any of
//! it is read, and a new one past the budget is refused at once with 503 `busy`. One address
//! may hold at most [`UPLOAD_PER_CLIENT`] of it, so that a single caller cannot fill it.

use crate::api::problem::ApiError;
use crate::failure::{Failure, Kind};
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use eseal_core::Text;
use governor::{Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The bytes of verification uploads (API and console, every client together) that may be
/// in progress at once: about a dozen of the largest (20 MB) at a time.
pub const UPLOAD_BUDGET: usize = 256 << 20;

/// The bytes of [`UPLOAD_BUDGET`] one client address may hold at once: three of the largest
/// uploads (an office behind one address verifying several files at once).
pub const UPLOAD_PER_CLIENT: usize = 64 << 20;

/// A rate per client address: `per_minute` requests on average, at most `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Requests per minute, sustained.
    pub per_minute: u32,
    /// Requests at once.
    pub burst: u32,
}

/// The rates of each class of endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// `POST /api/v1/login`, every attempt.
    pub login: Rate,
    /// `POST /api/v1/verify` (documents up to 20 MB, hashed).
    pub verify: Rate,
    /// The other public endpoints: status, transparency log, health, API description.
    pub public: Rate,
}

impl Default for RateLimits {
    /// An office behind one address can still log in together (a burst of 20), while one
    /// address cannot try more than 20 passwords a minute; verification is the costly one.
    fn default() -> Self {
        Self {
            login: Rate {
                per_minute: 20,
                burst: 20,
            },
            verify: Rate {
                per_minute: 30,
                burst: 10,
            },
            public: Rate {
                per_minute: 600,
                burst: 120,
            },
        }
    }
}

/// Which limit an endpoint falls under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Login.
    Login,
    /// Online verification.
    Verify,
    /// Another public endpoint.
    Public,
}

type Keyed = RateLimiter<
    IpAddr,
    governor::state::keyed::DefaultKeyedStateStore<IpAddr>,
    governor::clock::DefaultClock,
>;

/// The limiters of a running service.
#[derive(Debug)]
pub struct Limiters {
    login: Keyed,
    verify: Keyed,
    public: Keyed,
    trusted_proxies: Vec<IpAddr>,
    /// Bytes of verification uploads in progress ([`UPLOAD_BUDGET`] in all).
    uploads: Arc<Semaphore>,
    /// The same bytes by client address (at most [`UPLOAD_PER_CLIENT`] each; an address
    /// holding none is not kept).
    per_client: Arc<std::sync::Mutex<std::collections::HashMap<IpAddr, usize>>>,
    /// Deadlines of reading requests, bounds on connections.
    pacing: crate::api::pacing::Pacing,
    /// Open connections: in all, and by peer address (an address holding none is not kept).
    connections: Arc<std::sync::Mutex<Connections>>,
}

/// The open connections, counted.
#[derive(Debug, Default)]
struct Connections {
    total: usize,
    by_peer: std::collections::HashMap<IpAddr, usize>,
}

/// One open connection admitted by [`Limiters::connect`]; counted until dropped.
#[derive(Debug)]
pub struct Connection {
    connections: Arc<std::sync::Mutex<Connections>>,
    peer: IpAddr,
}

/// The guarded value, whether or not another thread panicked holding it (the counts stay
/// usable: every change to them is one statement).
fn locked<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Takes `n` off `key`'s count, forgetting a key whose count reaches zero.
fn give_back(counts: &mut std::collections::HashMap<IpAddr, usize>, key: &IpAddr, n: usize) {
    if let Some(held) = counts.get_mut(key) {
        *held = held.saturating_sub(n);
        if *held == 0 {
            counts.remove(key);
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let mut c = locked(&self.connections);
        c.total = c.total.saturating_sub(1);
        give_back(&mut c.by_peer, &self.peer, 1);
    }
}

/// A request admitted by [`Limiters::admit`]: its share of the upload budget, given back when
/// it is dropped (the request answered or abandoned).
#[derive(Debug)]
pub struct Admitted {
    _upload: Option<OwnedSemaphorePermit>,
    _client: Option<ClientShare>,
}

/// An address's share of the uploads in progress, given back on drop.
#[derive(Debug)]
struct ClientShare {
    shares: Arc<std::sync::Mutex<std::collections::HashMap<IpAddr, usize>>>,
    client: IpAddr,
    bytes: usize,
}

impl Drop for ClientShare {
    fn drop(&mut self) {
        give_back(&mut locked(&self.shares), &self.client, self.bytes);
    }
}

/// Why [`Limiters::admit`] refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The client's rate: retry after this many seconds.
    Rate(u64),
    /// The uploads in progress use the whole budget, or the client's share of it.
    Uploads,
}

impl Refused {
    /// The refusal as the service's failure (429 `rate_limited`, or 503 `busy`).
    pub fn failure(self, client: IpAddr) -> Failure {
        match self {
            Self::Rate(wait) => Failure::new(
                Kind::RateLimited,
                "rate_limited",
                Text::new(
                    format!("来自 {client} 的请求过多，请 {wait} 秒后再试"),
                    format!("too many requests from {client}; retry after {wait} s"),
                ),
            ),
            Self::Uploads => Failure::new(
                Kind::Busy,
                "busy",
                Text::new(
                    "服务繁忙：正在上传待核验的文件过多，本次请求未处理，请稍后重试",
                    "the service is busy: too many files are being uploaded for verification; this request was not processed, try again shortly",
                ),
            ),
        }
    }
}

/// The client an address is limited as: an IPv6 address by its /64 (one subscriber's network,
/// whose owner picks the low 64 bits at will: without this, every per-address bound could be
/// escaped by changing them), an IPv4-mapped IPv6 address as its IPv4 address. Texts and the
/// audit keep the address itself.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

fn quota(r: Rate) -> Quota {
    let per_minute = NonZeroU32::new(r.per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(r.burst.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(per_minute).allow_burst(burst)
}

impl Limiters {
    /// Limiters for `limits`; requests from `trusted_proxies` are attributed to the address
    /// they forward for.
    pub fn new(limits: &RateLimits, trusted_proxies: Vec<IpAddr>) -> Self {
        Self {
            login: RateLimiter::keyed(quota(limits.login)),
            verify: RateLimiter::keyed(quota(limits.verify)),
            public: RateLimiter::keyed(quota(limits.public)),
            trusted_proxies,
            uploads: Arc::new(Semaphore::new(UPLOAD_BUDGET)),
            per_client: Arc::default(),
            pacing: crate::api::pacing::Pacing::default(),
            connections: Arc::default(),
        }
    }

    /// The same limiters with `pacing`'s deadlines and connection bounds.
    pub fn with_pacing(mut self, pacing: crate::api::pacing::Pacing) -> Self {
        self.pacing = pacing;
        self
    }

    /// The deadlines of reading a request and the bounds on connections.
    pub fn pacing(&self) -> crate::api::pacing::Pacing {
        self.pacing
    }

    /// Admits a new connection from `peer`: at most [`Pacing::per_address`] from one address
    /// (a trusted proxy excepted), [`Pacing::connections`] in all; `None` past either.
    ///
    /// [`Pacing::per_address`]: crate::api::pacing::Pacing::per_address
    /// [`Pacing::connections`]: crate::api::pacing::Pacing::connections
    pub fn connect(&self, peer: IpAddr) -> Option<Connection> {
        let mut c = locked(&self.connections);
        if c.total >= self.pacing.connections {
            return None;
        }
        let proxy = self.trusted_proxies.contains(&peer);
        let peer = client_key(peer);
        let held = c.by_peer.get(&peer).copied().unwrap_or(0);
        if !proxy && held >= self.pacing.per_address {
            return None;
        }
        c.total += 1;
        *c.by_peer.entry(peer).or_insert(0) += 1;
        Some(Connection {
            connections: self.connections.clone(),
            peer,
        })
    }

    /// Connections open now.
    pub fn open_connections(&self) -> usize {
        locked(&self.connections).total
    }

    /// Admits one request of `class` from `client`: the client's rate, then for a
    /// verification its upload — `declared` bytes (its Content-Length), or `most` (its
    /// endpoint's bound) when it declares none — against the client's share
    /// ([`UPLOAD_PER_CLIENT`]) and [`UPLOAD_BUDGET`]. The API's middleware and the
    /// console's verification page both come here.
    pub fn admit(
        &self,
        class: Class,
        client: IpAddr,
        declared: Option<u64>,
        most: usize,
    ) -> Result<Admitted, Refused> {
        self.check(class, client).map_err(Refused::Rate)?;
        if class != Class::Verify {
            return Ok(Admitted {
                _upload: None,
                _client: None,
            });
        }
        let bytes = declared
            .map_or(most, |d| usize::try_from(d).unwrap_or(usize::MAX).min(most))
            .clamp(1, UPLOAD_PER_CLIENT);
        // The address's share first (taken back on drop if the budget refuses).
        let client = client_key(client);
        let share = {
            let mut shares = locked(&self.per_client);
            let held = shares.entry(client).or_insert(0);
            if *held + bytes > UPLOAD_PER_CLIENT {
                if *held == 0 {
                    shares.remove(&client);
                }
                return Err(Refused::Uploads);
            }
            *held += bytes;
            ClientShare {
                shares: self.per_client.clone(),
                client,
                bytes,
            }
        };
        let permits = u32::try_from(bytes).unwrap_or(u32::MAX);
        match self.uploads.clone().try_acquire_many_owned(permits) {
            Ok(permit) => Ok(Admitted {
                _upload: Some(permit),
                _client: Some(share),
            }),
            Err(_) => Err(Refused::Uploads),
        }
    }

    /// The bytes of verification uploads that may start now.
    pub fn upload_room(&self) -> usize {
        self.uploads.available_permits()
    }

    /// Takes one request of `class` from `client`, or says how many seconds to wait.
    pub fn check(&self, class: Class, client: IpAddr) -> Result<(), u64> {
        let limiter = match class {
            Class::Login => &self.login,
            Class::Verify => &self.verify,
            Class::Public => &self.public,
        };
        limiter.check_key(&client_key(client)).map_err(|not_until| {
            not_until
                .wait_time_from(governor::clock::Clock::now(limiter.clock()))
                .as_secs()
                + 1
        })
    }

    /// Forgets addresses whose buckets are full again (bounded memory under many addresses).
    pub fn forget_idle(&self) {
        for l in [&self.login, &self.verify, &self.public] {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }

    /// The client's address: the peer's, or for a trusted proxy the last address in
    /// `X-Forwarded-For` that is not a trusted proxy.
    pub fn client(&self, req: &Request) -> IpAddr {
        let peer = req
            .extensions()
            .get::<ConnectInfo<crate::wire::Peer>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.0.ip());
        if !self.trusted_proxies.contains(&peer) {
            return peer;
        }
        let forwarded: Vec<IpAddr> = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse().ok())
            .collect();
        forwarded
            .into_iter()
            .rev()
            .find(|a| !self.trusted_proxies.contains(a))
            .unwrap_or(peer)
    }
}

/// The client's address, as the request extensions carry it for the handlers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// Middleware: notes the client's address for the handlers, and admits the request by its
/// endpoint's class when it has one ([`Limiters::admit`]: the rate, and for a verification
/// its upload against the budget, held until the answer is made).
pub async fn limit(
    axum::extract::State((limiters, class, most)): axum::extract::State<(
        Arc<Limiters>,
        Option<Class>,
        usize,
    )>,
    mut req: Request,
    next: Next,
) -> Response {
    let client = limiters.client(&req);
    req.extensions_mut().insert(ClientAddr(client));
    let Some(class) = class else {
        return next.run(req).await;
    };
    match limiters.admit(class, client, content_length(req.headers()), most) {
        // Held until the answer is made (or the request abandoned).
        Ok(_admitted) => next.run(req).await,
        Err(refused) => {
            let mut resp = ApiError::from(refused.failure(client)).into_response();
            if let Refused::Rate(wait) = refused {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(wait));
            }
            resp
        }
    }
}

/// A request's declared body length, when it declares one.
pub fn content_length(headers: &axum::http::HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// The longest request target (path and query) the service reads; a longer one gets a 414
/// problem (one over 64 KiB is answered by the HTTP parser, made a problem by
/// [`crate::wire`]).
pub const MAX_URI: usize = 8 * 1024;

/// Middleware: 414 as problem JSON for a request target longer than [`MAX_URI`].
pub async fn uri_length(req: Request, next: Next) -> Response {
    let len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if len > MAX_URI {
        let failure = Failure::new(
            Kind::TooLarge,
            "uri_too_long",
            Text::new(
                format!("请求地址长 {len} 字节，最多 {MAX_URI} 字节"),
                format!("the request target is {len} bytes, at most {MAX_URI}"),
            ),
        );
        return ApiError::with_status(414, failure).into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lifted() -> Limiters {
        let r = Rate {
            per_minute: 1_000_000,
            burst: 100_000,
        };
        Limiters::new(
            &RateLimits {
                login: r,
                verify: r,
                public: r,
            },
            Vec::new(),
        )
    }

    /// One IPv6 subscriber network (a /64: its owner picks the low 64 bits at will) is one
    /// client for every per-address bound; an IPv4-mapped address is its IPv4 address.
    #[test]
    fn an_ipv6_network_is_one_client() {
        let one = Rate {
            per_minute: 1,
            burst: 2,
        };
        let l = Limiters::new(
            &RateLimits {
                login: one,
                verify: Rate {
                    per_minute: 1000,
                    burst: 100,
                },
                public: one,
            },
            Vec::new(),
        )
        .with_pacing(crate::api::pacing::Pacing {
            per_address: 2,
            ..Default::default()
        });
        let net = |i: u16| IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, i));
        let other = IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 0, 2, 0, 0, 0, 1));
        // The rate: two addresses of the network use its burst.
        l.check(Class::Login, net(1)).unwrap();
        l.check(Class::Login, net(2)).unwrap();
        assert!(l.check(Class::Login, net(3)).is_err());
        l.check(Class::Login, other).unwrap();
        // Connections.
        let held = (l.connect(net(10)).unwrap(), l.connect(net(11)).unwrap());
        assert!(l.connect(net(12)).is_none());
        assert!(l.connect(other).is_some());
        drop(held);
        assert!(l.connect(net(12)).is_some());
        // The upload share.
        let big = Some(30 << 20);
        let first = l.admit(Class::Verify, net(20), big, 64 << 20).unwrap();
        let second = l.admit(Class::Verify, net(21), big, 64 << 20).unwrap();
        assert_eq!(
            l.admit(Class::Verify, net(22), Some(10 << 20), 64 << 20)
                .unwrap_err(),
            Refused::Uploads
        );
        drop((first, second));
        // An IPv4-mapped IPv6 address is its IPv4 address.
        let v4 = IpAddr::from([192, 0, 2, 7]);
        let mapped = IpAddr::V6(std::net::Ipv4Addr::new(192, 0, 2, 7).to_ipv6_mapped());
        l.check(Class::Public, v4).unwrap();
        l.check(Class::Public, mapped).unwrap();
        assert!(l.check(Class::Public, v4).is_err());
    }

    #[test]
    fn uploads_are_bounded_per_address_and_together() {
        let l = lifted();
        let big = 20_000_000u64;
        let most = 20 << 20;
        let addr = |i: u8| IpAddr::from([10, 0, 0, i]);
        // One address: three of the largest, not a fourth.
        let mine: Vec<Admitted> = (0..3)
            .map(|_| l.admit(Class::Verify, addr(1), Some(big), most).unwrap())
            .collect();
        assert_eq!(
            l.admit(Class::Verify, addr(1), Some(big), most)
                .unwrap_err(),
            Refused::Uploads
        );
        // A small one still fits in its share. An upload declaring nothing counts as its
        // endpoint's bound (at most one address's share): the address can start no other.
        let small = l.admit(Class::Verify, addr(1), Some(1000), most).unwrap();
        let unknown = l.admit(Class::Verify, addr(2), None, 70 << 20).unwrap();
        assert_eq!(
            l.admit(Class::Verify, addr(2), Some(1000), most)
                .unwrap_err(),
            Refused::Uploads
        );
        drop(unknown);
        // Many addresses: the budget, together.
        let mut others = Vec::new();
        for i in 2..=20 {
            match l.admit(Class::Verify, addr(i), Some(big), most) {
                Ok(a) => others.push(a),
                Err(r) => assert_eq!(r, Refused::Uploads),
            }
        }
        assert_eq!(others.len() + mine.len(), UPLOAD_BUDGET / big as usize);
        assert!(l.upload_room() < big as usize);
        // Other classes are not uploads.
        l.admit(Class::Public, addr(1), Some(big), most).unwrap();
        // Everything given back; no address kept.
        drop((mine, small, others));
        assert_eq!(l.upload_room(), UPLOAD_BUDGET);
        assert!(l.per_client.lock().unwrap().is_empty());
        // A refusal by the budget gives the address's share back too.
        let fill: Vec<Admitted> = (0..4)
            .flat_map(|i| (0..3).map(move |_| (i, ())))
            .filter_map(|(i, ())| l.admit(Class::Verify, addr(i), Some(big), most).ok())
            .collect();
        assert_eq!(fill.len(), 12);
        let last = l.admit(Class::Verify, addr(9), Some(big), most).unwrap();
        assert_eq!(
            l.admit(Class::Verify, addr(10), Some(big), most)
                .unwrap_err(),
            Refused::Uploads
        );
        assert!(!l.per_client.lock().unwrap().contains_key(&addr(10)));
        drop((fill, last));
        assert!(l.per_client.lock().unwrap().is_empty());
    }
}
