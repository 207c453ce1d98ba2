//! The managed trust list (issue 16 item 5; R-INT-1): the trust anchors of other CAs — the
//! national government-service CAs, another region's platform — whose documents online
//! verification accepts besides this platform's own PKI. Entries live in the store, not in a
//! directory: each is added and removed by a security administrator (or an operator on the
//! server, `eseal trust-list`), with a reason, and every change is a versioned record whose
//! writes the audit log names with the actor. An entry is trusted from `trusted_from` to
//! `trusted_until` (within its certificate's validity) unless removed; removing keeps the
//! entry and its history.
//!
//! The one place for these rules: the API handlers and the CLI call [`add`], [`remove`],
//! [`list`] and [`active`] and nothing else.

use crate::failure::{Failure, Thing};
use base64ct::{Base64, Encoding};
use eseal_pki::Certificate;
use eseal_store::record::{Column, Record};
use eseal_store::{Batch, Store};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Most entries the list holds (active or removed).
pub const MAX_ENTRIES: i64 = 1000;
/// Longest label and reason, in characters.
const MAX_TEXT: usize = 500;

/// One trust anchor of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TrustAnchor {
    /// SM3 (hex) of the certificate's DER.
    pub id: String,
    /// The certificate, base64 DER.
    pub certificate: String,
    /// Its subject, as the certificate writes it.
    pub subject: String,
    /// Its serial number (hex).
    pub serial: String,
    /// What it is, in the words of whoever added it (e.g. 国家政务服务平台 CA).
    pub label: String,
    /// Trusted from, Unix seconds.
    pub trusted_from: i64,
    /// Trusted until, Unix seconds.
    pub trusted_until: i64,
    /// Who added it (user, or `operator:<login>`).
    pub added_by: String,
    /// When, Unix seconds.
    pub added_at: i64,
    /// Why.
    pub reason: String,
    /// Where the CA publishes its CRL (HTTP or HTTPS), for certificates that name no CRL
    /// distribution point of their own (e.g. another eseal platform's `/api/v1/pki/crl.pem`).
    #[serde(default)]
    pub crl_url: Option<String>,
    /// Its removal, when removed.
    pub removed: Option<Removal>,
}

/// The removal of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Removal {
    /// Who.
    pub by: String,
    /// When, Unix seconds.
    pub at: i64,
    /// Why.
    pub reason: String,
}

impl TrustAnchor {
    /// `active`, `removed`, `not_yet` or `expired` at `now`.
    pub fn state_at(&self, now: OffsetDateTime) -> &'static str {
        let t = now.unix_timestamp();
        if self.removed.is_some() {
            "removed"
        } else if t < self.trusted_from {
            "not_yet"
        } else if t > self.trusted_until {
            "expired"
        } else {
            "active"
        }
    }

    /// The certificate.
    pub fn cert(&self) -> Result<Certificate, Failure> {
        let der = Base64::decode_vec(&self.certificate)
            .map_err(|e| Failure::internal(format!("trust list entry {}: {e}", self.id)))?;
        Certificate::from_der(&der)
            .map_err(|e| Failure::internal(format!("trust list entry {}: {e}", self.id)))
    }
}

impl Record for TrustAnchor {
    const TABLE: &'static str = "trust_anchors";
    fn key(&self) -> &str {
        &self.id
    }
    fn columns(&self) -> Vec<(&'static str, Column)> {
        vec![(
            "state",
            Column::Text(Some(
                if self.removed.is_some() {
                    "removed"
                } else {
                    "listed"
                }
                .into(),
            )),
        )]
    }
    /// The auditor sees which certificate, for which period, why, and its removal.
    fn audit_outcome(&self) -> Option<String> {
        let day = |t: i64| {
            OffsetDateTime::from_unix_timestamp(t)
                .map(|t| t.date().to_string())
                .unwrap_or_default()
        };
        Some(format!(
            "anchor={} subject={} trusted={}..{} {}",
            self.id.get(..16).unwrap_or(&self.id),
            eseal_core::text::printable(&self.subject),
            day(self.trusted_from),
            day(self.trusted_until),
            match &self.removed {
                Some(r) => format!(
                    "state=removed reason={}",
                    eseal_core::text::printable(&r.reason)
                ),
                None => format!(
                    "state=listed reason={}",
                    eseal_core::text::printable(&self.reason)
                ),
            }
        ))
    }
}

/// An entry as listed: the record and its state now.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Listed {
    /// The entry.
    #[serde(flatten)]
    pub entry: TrustAnchor,
    /// `active`, `removed`, `not_yet` or `expired`.
    pub state: &'static str,
}

impl Listed {
    /// `entry` with its state at `now`.
    pub fn at(entry: TrustAnchor, now: OffsetDateTime) -> Self {
        let state = entry.state_at(now);
        Self { entry, state }
    }
}

/// What adding an anchor takes.
#[derive(Debug, Clone)]
pub struct AddAnchor {
    /// The certificate, DER or PEM.
    pub certificate: Vec<u8>,
    /// What it is.
    pub label: String,
    /// Trusted from (default: the certificate's notBefore).
    pub trusted_from: Option<OffsetDateTime>,
    /// Trusted until (default: the certificate's notAfter).
    pub trusted_until: Option<OffsetDateTime>,
    /// Why it is added.
    pub reason: String,
    /// Where the CA publishes its CRL, when its certificates name no distribution point.
    pub crl_url: Option<String>,
}

/// Longest CRL address, in bytes.
const MAX_URL: usize = 2000;

fn crl_url(value: Option<&str>) -> Result<Option<String>, Failure> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let url = reqwest::Url::parse(v)
        .map_err(|e| Failure::invalid("crl_url", "不是有效的网址", format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() || v.len() > MAX_URL {
        return Err(Failure::invalid(
            "crl_url",
            format!("须为不超过 {MAX_URL} 字节的 http:// 或 https:// 地址"),
            format!("must be an http:// or https:// address of at most {MAX_URL} bytes"),
        ));
    }
    Ok(Some(url.to_string()))
}

fn text(field: &str, value: &str) -> Result<String, Failure> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Failure::invalid(
            field,
            format!("{field} 必须填写"),
            format!("{field} is required"),
        ));
    }
    if v.chars().count() > MAX_TEXT || v.chars().any(char::is_control) {
        return Err(Failure::invalid(
            field,
            format!("{field} 须为一行，不超过 {MAX_TEXT} 个字符"),
            format!("{field} must be one line of at most {MAX_TEXT} characters"),
        ));
    }
    Ok(v.to_owned())
}

/// Adds a CA certificate to the list, as `actor` (the audit log names them). The certificate
/// must be one SM2 CA certificate (basicConstraints cA) valid now; the trusted period must lie
/// within its validity and not have ended. Adding an anchor already listed is refused
/// (`exists`); adding a removed one lists it again (its history keeps the removal).
pub async fn add(
    store: &Store,
    actor: &str,
    req: AddAnchor,
    now: OffsetDateTime,
) -> Result<TrustAnchor, Failure> {
    let label = text("label", &req.label)?;
    let reason = text("reason", &req.reason)?;
    let crl_url = crl_url(req.crl_url.as_deref())?;
    let certs = Certificate::parse_all(&req.certificate).map_err(|e| {
        Failure::invalid(
            "certificate",
            format!("不是 X.509 证书（DER 或 PEM）：{}", e.zh()),
            format!("not an X.509 certificate (DER or PEM): {e}"),
        )
    })?;
    let [cert] = certs.as_slice() else {
        return Err(Failure::invalid(
            "certificate",
            format!("每个条目只能给一张证书（给了 {} 张）", certs.len()),
            format!(
                "give exactly one certificate per entry ({} were given)",
                certs.len()
            ),
        ));
    };
    if !matches!(cert.basic_constraints(), Some((true, _, _))) {
        return Err(Failure::invalid(
            "certificate",
            format!(
                "{} 不是 CA 证书（没有 basicConstraints cA=true）：只有 CA 能作为信任锚",
                cert.subject()
            ),
            format!(
                "{} is not a CA certificate (no basicConstraints cA=true): only CAs are trust anchors",
                cert.subject()
            ),
        ));
    }
    if cert.sm2_public_key().is_none() {
        return Err(Failure::invalid(
            "certificate",
            format!("{}：其密钥不是 SM2 密钥", cert.subject()),
            format!("{}: its key is not an SM2 key", cert.subject()),
        ));
    }
    let from = req.trusted_from.unwrap_or(cert.not_before());
    let until = req.trusted_until.unwrap_or(cert.not_after());
    if from < cert.not_before() || until > cert.not_after() {
        return Err(Failure::invalid(
            "trusted_until",
            format!(
                "信任期 {from}..{until} 须在证书有效期 {}..{} 之内",
                cert.not_before(),
                cert.not_after()
            ),
            format!(
                "the trusted period {from}..{until} must lie within the certificate's validity {}..{}",
                cert.not_before(),
                cert.not_after()
            ),
        ));
    }
    if from >= until || until <= now {
        return Err(Failure::invalid(
            "trusted_until",
            format!("信任期 {from}..{until} 为空或已结束（现在是 {now}）"),
            format!("the trusted period {from}..{until} is empty or has ended (now {now})"),
        ));
    }
    let id = eseal_gm::Sm3Digest::of(cert.der()).to_hex();
    let entry = TrustAnchor {
        id: id.clone(),
        certificate: Base64::encode_string(cert.der()),
        subject: cert.subject(),
        serial: cert.serial_hex(),
        label,
        trusted_from: from.unix_timestamp(),
        trusted_until: until.unix_timestamp(),
        added_by: actor.to_owned(),
        added_at: now.unix_timestamp(),
        reason,
        crl_url,
        removed: None,
    };
    let mut batch = Batch::new();
    match store.get::<TrustAnchor>(&id).await? {
        Some(old) if old.record.removed.is_none() => {
            return Err(Failure::conflict(
                "exists",
                format!(
                    "{}（{}）已在信任列表中，由 {} 添加",
                    entry.subject,
                    &id[..16],
                    old.record.added_by
                ),
                format!(
                    "{} ({}) is already on the trust list, added by {}",
                    entry.subject,
                    &id[..16],
                    old.record.added_by
                ),
            ));
        }
        Some(old) => batch.update(&entry, old.version)?,
        None => {
            if store.all::<TrustAnchor>(MAX_ENTRIES).await?.len() as i64 >= MAX_ENTRIES {
                return Err(Failure::unprocessable(
                    "forbidden",
                    format!("信任列表已达上限 {MAX_ENTRIES} 个条目"),
                    format!("the trust list holds its maximum of {MAX_ENTRIES} entries"),
                ));
            }
            batch.insert(&entry)?
        }
    };
    store.commit(&batch, now).await?;
    Ok(entry)
}

/// Removes the entry `id` (its SM3, or the first 16 hex digits of it) as `actor`, with a
/// reason. The entry stays, marked removed; online verification stops trusting it at once.
pub async fn remove(
    store: &Store,
    actor: &str,
    id: &str,
    reason: &str,
    now: OffsetDateTime,
) -> Result<TrustAnchor, Failure> {
    let reason = text("reason", reason)?;
    let found = find(store, id).await?;
    let mut entry = found.record;
    if let Some(r) = &entry.removed {
        return Err(Failure::conflict(
            "illegal_transition",
            format!("{} 已被 {} 移除", entry.subject, r.by),
            format!("{} was already removed by {}", entry.subject, r.by),
        ));
    }
    entry.removed = Some(Removal {
        by: actor.to_owned(),
        at: now.unix_timestamp(),
        reason,
    });
    store
        .commit(Batch::new().update(&entry, found.version)?, now)
        .await?;
    Ok(entry)
}

async fn find(store: &Store, id: &str) -> Result<eseal_store::Versioned<TrustAnchor>, Failure> {
    let id = id.trim().to_ascii_lowercase();
    if id.len() < 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Failure::invalid(
            "id",
            "条目用其 SM3（十六进制）或至少前 16 位十六进制数字指明",
            "an entry is named by its SM3 (hex) or at least its first 16 hex digits",
        ));
    }
    if let Some(v) = store.get::<TrustAnchor>(&id).await? {
        return Ok(v);
    }
    let matching: Vec<_> = store
        .all::<TrustAnchor>(MAX_ENTRIES)
        .await?
        .into_iter()
        .filter(|v| v.record.id.starts_with(&id))
        .collect();
    match <[_; 1]>::try_from(matching) {
        Ok([one]) => Ok(one),
        Err(v) if v.is_empty() => Err(Failure::not_found(Thing::TrustListEntry, &id)),
        Err(_) => Err(Failure::invalid(
            "id",
            format!("{id} 对应多个条目：请给出更多位数字"),
            format!("{id} names more than one entry: give more digits"),
        )),
    }
}

/// Every entry, oldest first.
pub async fn list(store: &Store) -> Result<Vec<TrustAnchor>, Failure> {
    Ok(store
        .all::<TrustAnchor>(MAX_ENTRIES)
        .await?
        .into_iter()
        .map(|v| v.record)
        .collect())
}

/// What online verification takes from the list at one time.
#[derive(Debug, Default)]
pub struct Active {
    /// The anchors trusted: listed, not removed, within their trusted period.
    pub trust: eseal_pki::TrustStore,
    /// Where those of them that gave one publish their CRL.
    pub crl_urls: Vec<(Certificate, String)>,
}

/// The anchors trusted at `now`, with their CRL addresses.
pub async fn active(store: &Store, now: OffsetDateTime) -> Result<Active, Failure> {
    let mut out = Active::default();
    for entry in list(store).await? {
        if entry.state_at(now) == "active" {
            let cert = entry.cert()?;
            if let Some(url) = &entry.crl_url {
                out.crl_urls.push((cert.clone(), url.clone()));
            }
            out.trust.add_anchor(cert);
        }
    }
    Ok(out)
}
