//! HTTP clients for the police seal-management system (docs/connectors/police.md, R-INT-2).
//!
//! Plain HTTP JSON with a bearer token; the transport to the real police network (TLS, VPN,
//! mutual TLS) is a gateway in front of it, see ARCHITECTURE.md.

use crate::outbox::{ConnectorError, PoliceFiling};
use base64ct::{Base64, Encoding};
use eseal_core::{Filing, FilingEvent, Seal, SealKind, SealState};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use time::OffsetDateTime;

/// How long one request may take; shorter than the outbox lease.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// A registered impression (印模) as the police system gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredImpression {
    /// The police registration number.
    pub registration_no: String,
    /// The organisation.
    pub uscc: String,
    /// The seal kind (wire name).
    pub kind: String,
    /// The seal name.
    pub name: String,
    /// `png`.
    pub image_type: String,
    /// Base64 image.
    pub image: String,
    /// SM3 of the decoded image, hex.
    pub sm3: String,
    /// When registered.
    #[serde(with = "time::serde::rfc3339")]
    pub registered_at: OffsetDateTime,
}

/// The seal as filed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiledSeal {
    /// esID.
    pub id: eseal_core::SealId,
    /// Kind, wire name.
    pub kind: String,
    /// Type code.
    pub type_code: i64,
    /// Name.
    pub name: String,
    /// Organisation.
    pub uscc: Option<eseal_core::Uscc>,
    /// Holder.
    pub holder_id: Option<eseal_core::CitizenId>,
    /// SM3 of the impression.
    pub impression_sm3: String,
    /// Certificate serial.
    pub certificate_serial: String,
    /// Validity.
    #[serde(with = "time::serde::rfc3339")]
    pub valid_from: OffsetDateTime,
    /// Validity.
    #[serde(with = "time::serde::rfc3339")]
    pub valid_to: OffsetDateTime,
}

/// A revocation as filed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiledRevocation {
    /// Reason (eseal-core's snake_case name).
    pub reason: String,
    /// Effective from.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// The body of `POST /api/v1/filings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilingRequest {
    /// Idempotency key.
    pub filing_id: String,
    /// made | changed | renewed | revoked | rekeyed.
    pub event: FilingEvent,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// The seal.
    pub seal: FiledSeal,
    /// The replaced seal, for a change.
    pub replaces: Option<String>,
    /// The revocation, for a revocation.
    pub revocation: Option<FiledRevocation>,
}

/// The police system's answer to a filing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilingReceipt {
    /// Receipt number.
    pub receipt: String,
    /// When received.
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
}

/// What is sent for `filing` about `seal`.
pub fn filing_request(filing: &Filing, seal: &Seal, replaces: Option<String>) -> FilingRequest {
    let revocation = match &seal.state {
        SealState::Revoked { reason, at, .. } if filing.event == FilingEvent::Revoked => {
            Some(FiledRevocation {
                reason: serde_json::to_value(reason)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                at: *at,
            })
        }
        _ => None,
    };
    FilingRequest {
        filing_id: filing.id.clone(),
        event: filing.event,
        occurred_at: filing.created,
        seal: FiledSeal {
            id: seal.id.clone(),
            kind: seal.kind.wire_name().to_owned(),
            type_code: seal.kind.type_code(),
            name: seal.name.clone(),
            uscc: seal.organisation_code.clone(),
            holder_id: seal.holder_id.clone(),
            impression_sm3: seal.impression_sm3.to_string(),
            certificate_serial: seal.certificate_serial.clone(),
            valid_from: seal.valid_from,
            valid_to: seal.valid_to,
        },
        replaces,
        revocation,
    }
}

/// The police system over HTTP.
#[derive(Debug, Clone)]
pub struct PoliceClient {
    base: String,
    token: String,
    http: reqwest::Client,
}

/// An outside system's name in Chinese and English, for its failures.
pub(crate) type System = (&'static str, &'static str);
const POLICE: System = ("公安系统", "police system");
const NATIONAL: System = ("全国一体化平台", "national platform");

/// A failed HTTP exchange with `system`: in Chinese what kind of failure it was and where,
/// in English reqwest's own words (which name the URL).
pub(crate) fn http_failure((zh, en): System, e: &reqwest::Error) -> ConnectorError {
    let what = if e.is_timeout() {
        "请求超时"
    } else if e.is_connect() {
        "无法连接"
    } else if e.is_decode() {
        "答复不是约定的格式"
    } else if e.is_body() {
        "答复未能读完"
    } else if e.is_redirect() {
        "重定向无效或过多"
    } else if e.is_builder() {
        "地址或请求无效"
    } else {
        "请求失败"
    };
    let at = e
        .url()
        .map(|u| format!("（{}）", u.as_str()))
        .unwrap_or_default();
    ConnectorError::new(format!("{zh}：{what}{at}"), format!("{en}: {e}"))
}

/// An HTTP client for `system` (`timeout` for each request; `follow`: whether redirects are
/// followed).
fn client(
    system: System,
    timeout: Duration,
    follow: bool,
) -> Result<reqwest::Client, ConnectorError> {
    let b = reqwest::Client::builder().timeout(timeout);
    let b = if follow {
        b
    } else {
        b.redirect(reqwest::redirect::Policy::none())
    };
    b.build().map_err(|e| http_failure(system, &e))
}

/// An answer that is not a success: its status and what the system said — a problem
/// document's `detail` (or `title`), else the start of the body — at most 200 characters,
/// made printable (it is shown on the filings page).
async fn problem((zh, en): System, resp: reqwest::Response) -> ConnectorError {
    let status = resp.status().as_u16();
    let body = resp.text().await.unwrap_or_default();
    let said = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            ["detail", "title"]
                .iter()
                .find_map(|k| v.get(k).and_then(|d| d.as_str()).map(str::to_owned))
        })
        .unwrap_or(body);
    let said: String = said.chars().take(200).collect();
    let body = eseal_core::text::printable(&said);
    ConnectorError::new(
        format!("{zh}答复 HTTP {status}：{body}"),
        format!("{en}: HTTP {status}: {body}"),
    )
}

impl PoliceClient {
    /// A client for the police system at `base` (e.g. `http://127.0.0.1:8181`).
    pub fn new(base: &str, token: &str) -> Result<Self, ConnectorError> {
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            http: client(POLICE, TIMEOUT, true)?,
        })
    }

    /// The impression registered for the organisation and kind, decoded and checked against
    /// its SM3; `None` when none is registered.
    pub async fn registered_impression(
        &self,
        uscc: &str,
        kind: &SealKind,
    ) -> Result<Option<(RegisteredImpression, Vec<u8>)>, ConnectorError> {
        let resp = self
            .http
            .get(format!("{}/api/v1/impressions", self.base))
            .query(&[("uscc", uscc), ("kind", kind.wire_name())])
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| http_failure(POLICE, &e))?;
        if resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !resp.status().is_success() {
            return Err(problem(POLICE, resp).await);
        }
        let reg: RegisteredImpression = resp.json().await.map_err(|e| http_failure(POLICE, &e))?;
        let image = Base64::decode_vec(&reg.image).map_err(|e| {
            ConnectorError::new(
                "公安系统：备案印模的图像不是有效的 Base64",
                format!("police system: the registered impression's image: {e}"),
            )
        })?;
        if eseal_gm::Sm3Digest::of(&image).to_hex() != reg.sm3.to_ascii_lowercase() {
            return Err(ConnectorError::new(
                "公安系统：备案印模与其 SM3 摘要不符",
                "police system: the registered impression does not match its SM3 digest",
            ));
        }
        Ok(Some((reg, image)))
    }
}

impl PoliceFiling for PoliceClient {
    async fn file(&self, filing: &Filing, seal: &Seal) -> Result<String, ConnectorError> {
        let replaces = filing.replaces.as_ref().map(ToString::to_string);
        let body = filing_request(filing, seal, replaces);
        let resp = self
            .http
            .post(format!("{}/api/v1/filings", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .map_err(|e| http_failure(POLICE, &e))?;
        if !resp.status().is_success() {
            return Err(problem(POLICE, resp).await);
        }
        let receipt: FilingReceipt = resp.json().await.map_err(|e| http_failure(POLICE, &e))?;
        Ok(receipt.receipt)
    }
}

/// The national platform over HTTP (docs/connectors/national.md §1).
#[derive(Debug, Clone)]
pub struct NationalClient {
    base: String,
    token: String,
    /// This agency's code, sent as the issuer.
    pub issuer_uscc: String,
    http: reqwest::Client,
    /// For status queries (§3): a short timeout, no redirects.
    status_http: reqwest::Client,
    status_cache: std::sync::Arc<StatusCache>,
}

impl NationalClient {
    /// A client for the platform at `base`.
    pub fn new(base: &str, token: &str, issuer_uscc: &str) -> Result<Self, ConnectorError> {
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            issuer_uscc: issuer_uscc.to_owned(),
            http: client(NATIONAL, TIMEOUT, true)?,
            status_http: client(NATIONAL, STATUS_TIMEOUT, false)?,
            status_cache: Default::default(),
        })
    }

    /// The record the platform receives.
    pub fn record(&self, seal: &Seal, version: i64, seal_data: Option<&[u8]>) -> serde_json::Value {
        let rfc = |t: OffsetDateTime| {
            t.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        };
        let (status, revocation) = match &seal.state {
            SealState::Active => ("valid", serde_json::Value::Null),
            SealState::Revoked {
                reason,
                at,
                replaced_by,
                ..
            } => (
                "revoked",
                serde_json::json!({"reason": reason, "at": rfc(*at), "replaced_by": replaced_by}),
            ),
        };
        serde_json::json!({
            "id": seal.id,
            "version": version,
            "issuer": {"uscc": self.issuer_uscc, "region": "371000"},
            "kind": seal.kind.wire_name(),
            "type_code": seal.kind.type_code(),
            "name": seal.name,
            "uscc": seal.organisation_code,
            "seal_data": seal_data.map(Base64::encode_string),
            "certificate_serial": seal.certificate_serial,
            "valid_from": rfc(seal.valid_from),
            "valid_to": rfc(seal.valid_to),
            "status": status,
            "revocation": revocation,
        })
    }

    /// `PUT /api/v1/seals/{id}`; a `409 stale_version` (the platform holds a newer record)
    /// counts as done: the platform never goes backwards and neither do we.
    pub async fn push(
        &self,
        seal: &Seal,
        version: i64,
        seal_data: Option<&[u8]>,
    ) -> Result<String, ConnectorError> {
        let resp = self
            .http
            .put(format!("{}/api/v1/seals/{}", self.base, seal.id))
            .bearer_auth(&self.token)
            .json(&self.record(seal, version, seal_data))
            .send()
            .await
            .map_err(|e| http_failure(NATIONAL, &e))?;
        if resp.status() == reqwest::StatusCode::CONFLICT {
            return Ok(format!("{STALE}{version}"));
        }
        if !resp.status().is_success() {
            return Err(problem(NATIONAL, resp).await);
        }
        let v: serde_json::Value = resp.json().await.map_err(|e| http_failure(NATIONAL, &e))?;
        Ok(format!(
            "{ACCEPTED}{}",
            v["accepted_version"].as_i64().unwrap_or(version)
        ))
    }
}

/// The receipt [`NationalClient::push`] records for an accepted record (then its version).
const ACCEPTED: &str = "accepted version ";
/// The receipt it records when the platform already holds a newer version (then ours).
const STALE: &str = "stale: the platform holds a version above ";

/// A national push's receipt in words in both languages; `None` for any other receipt (the
/// police system's receipt number), which is shown as it is.
pub fn national_receipt(receipt: &str) -> Option<eseal_core::Text> {
    let version = |rest: &str| rest.parse::<i64>().ok();
    if let Some(v) = receipt.strip_prefix(ACCEPTED).and_then(version) {
        return Some(eseal_core::Text::new(
            format!("全国平台已接受第 {v} 版"),
            format!("the national platform accepted version {v}"),
        ));
    }
    let v = receipt.strip_prefix(STALE).and_then(version)?;
    Some(eseal_core::Text::new(
        format!("全国平台已有高于第 {v} 版的记录"),
        format!("the national platform already holds a version above {v}"),
    ))
}

/// The connectors the service delivers through.
#[derive(Debug, Clone)]
pub struct Connectors {
    /// The police system.
    pub police: PoliceClient,
    /// The national platform.
    pub national: Option<NationalClient>,
}

impl PoliceFiling for Connectors {
    async fn file(&self, filing: &Filing, seal: &Seal) -> Result<String, ConnectorError> {
        self.police.file(filing, seal).await
    }

    async fn push_national(
        &self,
        seal: &Seal,
        version: i64,
        seal_data: Option<&[u8]>,
    ) -> Result<String, ConnectorError> {
        match &self.national {
            Some(n) => n.push(seal, version, seal_data).await,
            None => Err(ConnectorError::new(
                "未配置全国一体化平台连接",
                "no national platform connector is configured",
            )),
        }
    }
}

/// A seal's status as the national platform states it (docs/connectors/national.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RemoteStatus {
    /// Valid at the time asked.
    Valid,
    /// Not yet valid then.
    NotYetValid,
    /// Expired then.
    Expired,
    /// Revoked then.
    Revoked,
}

/// A revocation the national platform reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RemoteRevocation {
    /// The reason as the platform words it.
    pub reason: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub at: OffsetDateTime,
}

/// The national platform's answer about one seal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RemoteSealStatus {
    /// The esID asked about (the answer names the same one, or it is refused).
    pub id: String,
    /// The platform knows the seal.
    pub known: bool,
    /// Its status at the time asked, when known.
    pub status: Option<RemoteStatus>,
    /// Its revocation, when it has one (also one after the time asked).
    pub revocation: Option<RemoteRevocation>,
    /// Validity, when known.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>")]
    pub valid_from: Option<OffsetDateTime>,
    /// Validity, when known.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>")]
    pub valid_to: Option<OffsetDateTime>,
}

/// Why the national platform gave no usable answer, in both languages.
pub type StatusProblem = eseal_core::Text;

/// How long a status answer is reused (docs/connectors/national.md §3: at most 5 minutes).
pub const STATUS_TTL: Duration = Duration::from_secs(300);
/// How long one status query may take: a person waits for the verification.
pub const STATUS_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest status answer read.
pub const MAX_STATUS_ANSWER: usize = 64 << 10;
/// Longest esID asked about (GB/T 38540 esIDs are far shorter).
const MAX_ES_ID: usize = 128;

/// The answers of the last [`STATUS_TTL`], by (esID, time asked).
type StatusCache = std::sync::Mutex<
    std::collections::HashMap<(String, i64), (RemoteSealStatus, std::time::Instant)>,
>;

#[derive(Deserialize)]
struct StatusWire {
    id: String,
    status: RemoteStatus,
    #[serde(default)]
    revocation: Option<RemoteRevocation>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    valid_from: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    valid_to: Option<OffsetDateTime>,
}

impl NationalClient {
    /// The platform's base URL (what a report names as the status source).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// §3: the status at `at` of a seal issued elsewhere, from the cache when asked within
    /// [`STATUS_TTL`]; `Ok` with `known: false` when the platform answers `404 unknown_seal`.
    /// The second value says whether the answer came from the cache. Every other answer —
    /// an error status, a body that is not the documented JSON, another seal's id, more than
    /// [`MAX_STATUS_ANSWER`] bytes, no answer within [`STATUS_TIMEOUT`] — is a problem.
    pub async fn status(
        &self,
        id: &str,
        at: OffsetDateTime,
    ) -> Result<(RemoteSealStatus, bool), StatusProblem> {
        let key = (id.to_owned(), at.unix_timestamp());
        if let Some(hit) = self.status_cache.lock().ok().and_then(|c| {
            c.get(&key)
                .filter(|(_, t)| t.elapsed() < STATUS_TTL)
                .map(|(s, _)| s.clone())
        }) {
            return Ok((hit, true));
        }
        let answer = self.ask_status(id, at).await?;
        if let Ok(mut c) = self.status_cache.lock() {
            if c.len() > 10_000 {
                c.retain(|_, (_, t)| t.elapsed() < STATUS_TTL);
            }
            c.insert(key, (answer.clone(), std::time::Instant::now()));
        }
        Ok((answer, false))
    }

    async fn ask_status(
        &self,
        id: &str,
        at: OffsetDateTime,
    ) -> Result<RemoteSealStatus, StatusProblem> {
        if id.is_empty() || id.len() > MAX_ES_ID || id.chars().any(char::is_control) {
            return Err(StatusProblem::new(
                format!("印章编码不能用于查询（为空、超过 {MAX_ES_ID} 字节或含控制字符）"),
                format!(
                    "the seal's esID cannot be asked about (empty, over {MAX_ES_ID} bytes or with control characters)"
                ),
            ));
        }
        let unreachable = |e: &dyn std::fmt::Display| {
            StatusProblem::new(
                format!(
                    "无法从全国一体化平台 {} 取得印章状态（无法连接、超时或地址无效）",
                    self.base
                ),
                format!(
                    "no seal status from the national platform {}: {e}",
                    self.base
                ),
            )
        };
        let mut url = reqwest::Url::parse(&self.base).map_err(|e| unreachable(&e))?;
        url.path_segments_mut()
            .map_err(|_| unreachable(&"the URL cannot have a path"))?
            .extend(["api", "v1", "status", id]);
        let at_text = at
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| unreachable(&e))?;
        url.query_pairs_mut().append_pair("at", &at_text);
        let mut resp = self
            .status_http
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| unreachable(&e))?;
        let code = resp.status();
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| unreachable(&e))? {
            if body.len() + chunk.len() > MAX_STATUS_ANSWER {
                return Err(StatusProblem::new(
                    format!(
                        "全国一体化平台的状态答复超过 {} KiB，未读取",
                        MAX_STATUS_ANSWER >> 10
                    ),
                    format!(
                        "the national platform's status answer is over {} KiB and was not read",
                        MAX_STATUS_ANSWER >> 10
                    ),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        let snippet = || {
            eseal_core::text::printable(&String::from_utf8_lossy(&body[..body.len().min(200)]))
                .into_owned()
        };
        if code == reqwest::StatusCode::NOT_FOUND {
            let problem: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            if problem["code"] == "unknown_seal" {
                return Ok(RemoteSealStatus {
                    id: id.to_owned(),
                    known: false,
                    status: None,
                    revocation: None,
                    valid_from: None,
                    valid_to: None,
                });
            }
        }
        if !code.is_success() {
            return Err(StatusProblem::new(
                format!("全国一体化平台答复 HTTP {}：{}", code.as_u16(), snippet()),
                format!(
                    "the national platform answered HTTP {}: {}",
                    code.as_u16(),
                    snippet()
                ),
            ));
        }
        let wire: StatusWire = serde_json::from_slice(&body).map_err(|e| {
            StatusProblem::new(
                format!(
                    "全国一体化平台的状态答复不是约定的格式（第 {} 行第 {} 列）：{}",
                    e.line(),
                    e.column(),
                    snippet()
                ),
                format!(
                    "the national platform's status answer is not in the documented form ({e}): {}",
                    snippet()
                ),
            )
        })?;
        if wire.id != id {
            return Err(StatusProblem::new(
                format!(
                    "全国一体化平台答复的是另一枚印章（{}），而查询的是 {id}",
                    eseal_core::text::printable(&wire.id)
                ),
                format!(
                    "the national platform answered about another seal ({}) than the one asked ({id})",
                    eseal_core::text::printable(&wire.id)
                ),
            ));
        }
        if wire.status == RemoteStatus::Revoked && wire.revocation.is_none() {
            return Err(StatusProblem::new(
                "全国一体化平台答复印章已注销，但未给出注销时间",
                "the national platform says the seal is revoked but gives no revocation time",
            ));
        }
        Ok(RemoteSealStatus {
            id: wire.id,
            known: true,
            status: Some(wire.status),
            revocation: wire.revocation,
            valid_from: wire.valid_from,
            valid_to: wire.valid_to,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code
    use super::*;

    #[test]
    fn a_national_receipt_reads_in_both_languages() {
        let t = national_receipt(&format!("{ACCEPTED}3")).unwrap();
        assert_eq!(t.zh, "全国平台已接受第 3 版");
        assert_eq!(t.en, "the national platform accepted version 3");
        let t = national_receipt(&format!("{STALE}7")).unwrap();
        assert_eq!(t.zh, "全国平台已有高于第 7 版的记录");
        // The police system's receipt number, or anything else, is shown as it is.
        assert!(national_receipt("GA-2026-000123").is_none());
        assert!(national_receipt("accepted version three").is_none());
    }
}
