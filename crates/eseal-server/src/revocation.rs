//! Revocation from the network, bounded (issue 16 item 4): for each certificate on a path
//! that already verifies up to a configured trust anchor, ask the OCSP responder of its
//! authorityInfoAccess (RFC 6960, SM2/SM3) and, when that gives no usable answer, fetch the
//! CRLs of its CRL distribution points. Every request has a timeout and an answer size limit;
//! answers are cached until their nextUpdate (failures briefly), so a burst of verifications
//! costs one fetch per responder.
//!
//! Only URLs inside certificates whose signature chains to a trust anchor are fetched: a
//! hostile document cannot make the verifier fetch an address of its choosing (SSRF) by
//! carrying a self-made certificate. Only `http` and `https` URLs are used.

use eseal_pki::crl::Crl;
use eseal_pki::ocsp::{self, OcspStatus};
use eseal_pki::{Certificate, Purpose, TrustStore};
use eseal_ses::report::Text;
use eseal_ses::{CertificateRole, CertificateValidator, ChainVerdict};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// Limits of the online fetcher.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Per request (connect + answer).
    pub timeout: Duration,
    /// The largest OCSP answer read.
    pub max_ocsp: usize,
    /// The largest CRL read.
    pub max_crl: usize,
    /// Most fetches for one validation.
    pub max_fetches: usize,
    /// How long a failure is remembered (no refetch before).
    pub failure_ttl: Duration,
    /// The longest an answer is cached, whatever its nextUpdate.
    pub max_ttl: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            max_ocsp: 64 << 10,
            max_crl: 16 << 20,
            max_fetches: 8,
            failure_ttl: Duration::from_secs(30),
            max_ttl: Duration::from_secs(24 * 3600),
        }
    }
}

#[derive(Debug, Clone)]
enum Cached {
    Bytes(Vec<u8>),
    Failed(Text),
}

/// The fetcher and its cache (shared by every verification of a process).
#[derive(Debug)]
pub struct OnlineRevocation {
    limits: Limits,
    cache: Mutex<HashMap<String, (Cached, Instant)>>,
}

/// Why a server could not be reached, in both languages (the HTTP client's own message is
/// English only and is kept in the English text).
fn unreachable(e: &reqwest::Error) -> Text {
    let zh = if e.is_timeout() {
        "无法连接：超时"
    } else if e.is_connect() {
        "无法连接：连接被拒绝或地址不可达"
    } else if e.is_body() || e.is_decode() {
        "答复读取中断"
    } else {
        "无法连接"
    };
    Text::new(zh, format!("cannot reach: {e}"))
}

/// What one fetch gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The body.
    Body(Vec<u8>),
    /// Why there is none.
    Failed(Text),
}

impl OnlineRevocation {
    /// A fetcher with these limits.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn cached(&self, key: &str) -> Option<Cached> {
        let cache = self.cache.lock().ok()?;
        cache
            .get(key)
            .filter(|(_, until)| *until > Instant::now())
            .map(|(c, _)| c.clone())
    }

    fn remember(&self, key: &str, value: Cached, ttl: Duration) {
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() > 10_000 {
                let now = Instant::now();
                cache.retain(|_, (_, until)| *until > now);
            }
            cache.insert(key.to_owned(), (value, Instant::now() + ttl));
        }
    }

    /// One HTTP exchange, on a thread of its own (callable from any context, async or not).
    fn exchange(&self, url: &str, post: Option<Vec<u8>>, max: usize) -> Fetched {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Fetched::Failed(Text::new(
                format!("不是 http(s) 地址：{url}"),
                format!("not an http(s) URL: {url}"),
            ));
        }
        let (url_owned, timeout) = (url.to_owned(), self.limits.timeout);
        let work = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Text::new("无法启动网络请求", e.to_string()))?;
            rt.block_on(async move {
                let client = reqwest::Client::builder()
                    .timeout(timeout + Duration::from_secs(1))
                    .connect_timeout(timeout)
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .map_err(|e| Text::new("无法建立 HTTP 客户端", e.to_string()))?;
                let req = match post {
                    Some(body) => client
                        .post(&url_owned)
                        .header("content-type", "application/ocsp-request")
                        .body(body),
                    None => client.get(&url_owned),
                };
                let fetch = async {
                    let mut r = req.send().await.map_err(|e| unreachable(&e))?;
                    if !r.status().is_success() {
                        return Err(Text::new(
                            format!("服务答复 HTTP {}", r.status().as_u16()),
                            format!("HTTP {}", r.status()),
                        ));
                    }
                    let mut body = Vec::new();
                    while let Some(chunk) = r.chunk().await.map_err(|e| unreachable(&e))? {
                        if body.len() + chunk.len() > max {
                            return Err(Text::new(
                                format!("答复超过 {max} 字节，未读取"),
                                format!("the answer is larger than {max} bytes"),
                            ));
                        }
                        body.extend_from_slice(&chunk);
                    }
                    Ok(body)
                };
                // The whole exchange, body included, within the timeout.
                tokio::time::timeout(timeout, fetch).await.map_err(|_| {
                    Text::new(
                        format!("{} 秒内没有答复", timeout.as_secs()),
                        format!("no answer within {} s", timeout.as_secs()),
                    )
                })?
            })
        });
        match work.join() {
            Ok(Ok(body)) => Fetched::Body(body),
            Ok(Err(e)) => Fetched::Failed(e),
            Err(_) => Fetched::Failed(Text::new("查询失败", "the fetch failed")),
        }
    }

    /// Ask `url` about `cert` (issued by `issuer`); the checked answer, or why there is none.
    pub fn ask_ocsp(
        &self,
        url: &str,
        cert: &Certificate,
        issuer: &Certificate,
        now: OffsetDateTime,
    ) -> Result<ocsp::OcspAnswer, (String, String)> {
        let key = format!("ocsp {url} {} {}", issuer.subject(), cert.serial_hex());
        let to_pair = |e: ocsp::OcspError| (e.zh, e.en);
        let (body, nonce) = match self.cached(&key) {
            Some(Cached::Bytes(b)) => (b, None),
            Some(Cached::Failed(why)) => {
                return Err((
                    format!("OCSP {url}：{}", why.zh),
                    format!("OCSP {url}: {}", why.en),
                ));
            }
            None => {
                let mut nonce = [0u8; 16];
                if eseal_gm::provider::SecureRandom::fill(&eseal_gm::provider::OsRandom, &mut nonce)
                    .is_err()
                {
                    return Err((
                        "无法生成随机数".into(),
                        "no randomness for the nonce".into(),
                    ));
                }
                let req = ocsp::request(cert, issuer, &nonce).map_err(to_pair)?;
                match self.exchange(url, Some(req), self.limits.max_ocsp) {
                    Fetched::Body(b) => (b, Some(nonce)),
                    Fetched::Failed(why) => {
                        self.remember(&key, Cached::Failed(why.clone()), self.limits.failure_ttl);
                        return Err((
                            format!("OCSP {url}：{}", why.zh),
                            format!("OCSP {url}: {}", why.en),
                        ));
                    }
                }
            }
        };
        match ocsp::check_response(
            &body,
            cert,
            issuer,
            nonce.as_ref().map(|n| n.as_slice()),
            now,
        ) {
            Ok(answer) => {
                if nonce.is_some() {
                    let ttl = answer
                        .next_update
                        .map(|n| {
                            Duration::from_secs(
                                u64::try_from((n - now).whole_seconds()).unwrap_or(0),
                            )
                        })
                        .unwrap_or(Duration::from_secs(300))
                        .min(self.limits.max_ttl);
                    self.remember(&key, Cached::Bytes(body), ttl);
                }
                Ok(answer)
            }
            Err(e) => {
                self.remember(
                    &key,
                    Cached::Failed(Text::new(e.zh.clone(), e.en.clone())),
                    self.limits.failure_ttl,
                );
                Err((
                    format!("OCSP {url}：{}", e.zh),
                    format!("OCSP {url}: {}", e.en),
                ))
            }
        }
    }

    /// Fetch the CRL at `url`, checked as signed by `issuer`.
    pub fn fetch_crl(
        &self,
        url: &str,
        issuer: &Certificate,
        now: OffsetDateTime,
    ) -> Result<Crl, (String, String)> {
        let key = format!("crl {url}");
        let body = match self.cached(&key) {
            Some(Cached::Bytes(b)) => b,
            Some(Cached::Failed(why)) => {
                return Err((
                    format!("CRL {url}：{}", why.zh),
                    format!("CRL {url}: {}", why.en),
                ));
            }
            None => match self.exchange(url, None, self.limits.max_crl) {
                Fetched::Body(b) => b,
                Fetched::Failed(why) => {
                    self.remember(&key, Cached::Failed(why.clone()), self.limits.failure_ttl);
                    return Err((
                        format!("CRL {url}：{}", why.zh),
                        format!("CRL {url}: {}", why.en),
                    ));
                }
            },
        };
        let crl = Crl::parse_all(&body)
            .ok()
            .and_then(|v| v.into_iter().next())
            .filter(|c| {
                c.issuer_der() == issuer.subject_der()
                    && issuer
                        .sm2_public_key()
                        .is_some_and(|k| c.verify_signed_by(&k).is_some())
            });
        match crl {
            Some(crl) => {
                let ttl = crl
                    .next_update()
                    .map(|n| {
                        Duration::from_secs(u64::try_from((n - now).whole_seconds()).unwrap_or(0))
                    })
                    .unwrap_or(Duration::from_secs(3600))
                    .min(self.limits.max_ttl);
                self.remember(&key, Cached::Bytes(body), ttl);
                Ok(crl)
            }
            None => {
                let why = Text::new(
                    "不是签发者签名的证书撤销列表",
                    "not a CRL signed by the issuer",
                );
                self.remember(&key, Cached::Failed(why.clone()), self.limits.failure_ttl);
                Err((
                    format!("CRL {url}：{}", why.zh),
                    format!("CRL {url}: {}", why.en),
                ))
            }
        }
    }

    /// `base` plus what the network says about every certificate on `leaf`'s path (the path
    /// must already verify to an anchor of `base`; otherwise nothing is fetched), and notes
    /// on what could not be fetched (zh, en). A certificate that names no CRL distribution
    /// point is looked up at the CRL address `crl_urls` gives for its issuer (the trust list's
    /// entries carry one: a platform's CA whose certificates name none).
    pub fn gather(
        &self,
        leaf: &Certificate,
        base: &TrustStore,
        crl_urls: &[(Certificate, String)],
        now: OffsetDateTime,
    ) -> (TrustStore, Vec<(String, String)>) {
        let mut store = base.clone();
        let mut notes = Vec::new();
        let offline = eseal_pki::validate(leaf, &[], base, &[], now, Purpose::Signing);
        use eseal_pki::chain::{ChainCheck, ChainOutcome};
        let signatures_ok = offline
            .checks
            .iter()
            .all(|c| c.check != ChainCheck::Signature || c.outcome == ChainOutcome::Passed);
        let anchored = offline
            .checks
            .iter()
            .any(|c| c.check == ChainCheck::PathFound && c.outcome == ChainOutcome::Passed);
        if !anchored || !signatures_ok {
            return (store, notes);
        }
        // The path again, as certificates: leaf, then each issuer from the store.
        let mut path = vec![leaf.clone()];
        let pool: Vec<Certificate> = base
            .anchors()
            .iter()
            .chain(base.intermediates().iter())
            .cloned()
            .collect();
        while path.len() < 8 {
            let Some(current) = path.last() else { break };
            if base.anchors().contains(current) {
                break;
            }
            let Some(issuer) = pool.iter().find(|c| {
                c.subject_der() == current.issuer_der()
                    && c.sm2_public_key()
                        .is_some_and(|k| current.verify_signed_by(&k).is_some())
            }) else {
                break;
            };
            path.push(issuer.clone());
        }
        let mut fetches = 0usize;
        for pair in path.windows(2) {
            let [cert, issuer] = pair else { continue };
            // A current CRL of this issuer is already at hand (the platform's own, a --trust
            // file): nothing to ask.
            let current = base.crls().iter().any(|c| {
                c.issuer_der() == issuer.subject_der()
                    && c.next_update().is_some_and(|n| n > now)
                    && issuer
                        .sm2_public_key()
                        .is_some_and(|k| c.verify_signed_by(&k).is_some())
            });
            if current {
                continue;
            }
            let mut answered = false;
            for url in cert.ocsp_urls() {
                if fetches >= self.limits.max_fetches {
                    break;
                }
                fetches += 1;
                match self.ask_ocsp(&url, cert, issuer, now) {
                    Ok(a)
                        if a.status != OcspStatus::Unknown
                            || cert.crl_distribution_points().is_empty() =>
                    {
                        store.add_ocsp(a, &url);
                        answered = true;
                        break;
                    }
                    Ok(_) => notes.push((
                        format!("OCSP {url}：应答者不认识证书 {}，改查 CRL", cert.subject()),
                        format!(
                            "OCSP {url}: the responder does not know {}; trying the CRL",
                            cert.subject()
                        ),
                    )),
                    Err(n) => notes.push(n),
                }
            }
            if answered {
                continue;
            }
            let mut points = cert.crl_distribution_points();
            if points.is_empty() {
                points.extend(
                    crl_urls
                        .iter()
                        .filter(|(ca, _)| ca == issuer)
                        .map(|(_, url)| url.clone()),
                );
            }
            for url in points {
                if fetches >= self.limits.max_fetches {
                    notes.push((
                        format!("已达单次核验的网络请求上限（{}）", self.limits.max_fetches),
                        format!(
                            "the limit of {} fetches per validation was reached",
                            self.limits.max_fetches
                        ),
                    ));
                    break;
                }
                fetches += 1;
                match self.fetch_crl(&url, issuer, now) {
                    Ok(crl) => {
                        store.add_crl_from(crl, &url);
                        break;
                    }
                    Err(n) => notes.push(n),
                }
            }
        }
        (store, notes)
    }
}

/// A certificate validator that asks the network (see [`OnlineRevocation::gather`]) before
/// validating against `store`.
#[derive(Debug, Clone)]
pub struct OnlineValidator {
    /// Anchors, intermediates, CRLs from files.
    pub store: TrustStore,
    /// The fetcher (its cache is shared).
    pub online: Arc<OnlineRevocation>,
    /// Where to fetch the CRL of an issuer whose certificates name no distribution point.
    pub crl_urls: Vec<(Certificate, String)>,
    /// The time that decides whether a CRL or OCSP answer is current (the service's clock).
    pub now: OffsetDateTime,
}

impl CertificateValidator for OnlineValidator {
    fn validate(&self, cert: &[u8], at: OffsetDateTime, role: CertificateRole) -> ChainVerdict {
        let offline = eseal_doc::PkiValidator {
            store: self.store.clone(),
        };
        let Ok(parsed) = Certificate::from_der(cert) else {
            return offline.validate(cert, at, role);
        };
        let (store, notes) = self
            .online
            .gather(&parsed, &self.store, &self.crl_urls, self.now);
        let mut verdict = eseal_doc::PkiValidator { store }.validate(cert, at, role);
        if !notes.is_empty() {
            let (zh, en): (Vec<String>, Vec<String>) = notes.into_iter().unzip();
            verdict.detail.zh = format!("{}（联网查询：{}）", verdict.detail.zh, zh.join("；"));
            verdict.detail.en = format!("{} (online: {})", verdict.detail.en, en.join("; "));
        }
        verdict
    }
}

/// The development CA's revocation service (`eseal ca serve`): `GET /crl` (the current CRL,
/// DER, `application/pkix-crl`) and `POST /ocsp` (RFC 6960 over HTTP, requests of at most
/// 64 KiB). The CRL is built anew for each request (the state's CRL number is not advanced
/// on disk: the served CRLs are ephemeral views of the same revocation list).
pub fn ca_router(ca: Arc<Mutex<eseal_pki::ca::DevCa>>) -> axum::Router {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    use axum::routing::{get, post};
    let for_crl = ca.clone();
    axum::Router::new()
        .route(
            "/crl",
            get(move || {
                let ca = for_crl.clone();
                async move {
                    let crl = ca.lock().map_err(|_| "lock".to_owned()).and_then(|mut c| {
                        c.crl(OffsetDateTime::now_utc()).map_err(|e| e.to_string())
                    });
                    match crl {
                        Ok(c) => (
                            [(header::CONTENT_TYPE, "application/pkix-crl")],
                            c.der().to_vec(),
                        )
                            .into_response(),
                        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
                    }
                }
            }),
        )
        .route(
            "/ocsp",
            post(move |body: axum::body::Bytes| {
                let ca = ca.clone();
                async move {
                    let answer = ca.lock().map_err(|_| "lock".to_owned()).and_then(|c| {
                        c.respond_ocsp(&body, OffsetDateTime::now_utc())
                            .map_err(|e| e.en)
                    });
                    match answer {
                        Ok(a) => ([(header::CONTENT_TYPE, "application/ocsp-response")], a)
                            .into_response(),
                        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
                    }
                }
            }),
        )
        .layer(axum::extract::DefaultBodyLimit::max(64 << 10))
}

/// Serve [`ca_router`] on `listener` until the process stops.
pub async fn serve_ca(
    listener: tokio::net::TcpListener,
    ca: Arc<Mutex<eseal_pki::ca::DevCa>>,
) -> std::io::Result<()> {
    axum::serve(listener, ca_router(ca)).await
}
