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
    pub id: String,
    /// Kind, wire name.
    pub kind: String,
    /// Type code.
    pub type_code: i64,
    /// Name.
    pub name: String,
    /// Organisation.
    pub uscc: Option<String>,
    /// Holder.
    pub holder_id: Option<String>,
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
            impression_sm3: seal.impression_sm3.clone(),
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

fn err(e: impl std::fmt::Display) -> ConnectorError {
    ConnectorError(e.to_string())
}

async fn problem_text(resp: reqwest::Response) -> String {
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    format!(
        "HTTP {status}: {}",
        body.chars().take(300).collect::<String>()
    )
}

impl PoliceClient {
    /// A client for the police system at `base` (e.g. `http://127.0.0.1:8181`).
    pub fn new(base: &str, token: &str) -> Result<Self, ConnectorError> {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(err)?;
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            http,
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
            .map_err(err)?;
        if resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !resp.status().is_success() {
            return Err(ConnectorError(problem_text(resp).await));
        }
        let reg: RegisteredImpression = resp.json().await.map_err(err)?;
        let image = Base64::decode_vec(&reg.image).map_err(|e| err(format!("image: {e}")))?;
        if eseal_gm::Sm3Digest::of(&image).to_hex() != reg.sm3.to_ascii_lowercase() {
            return Err(ConnectorError(
                "the registered impression does not match its SM3 digest".into(),
            ));
        }
        Ok(Some((reg, image)))
    }
}

impl PoliceFiling for PoliceClient {
    async fn file(&self, filing: &Filing, seal: &Seal) -> Result<String, ConnectorError> {
        let body = filing_request(filing, seal, filing.replaces.clone());
        let resp = self
            .http
            .post(format!("{}/api/v1/filings", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .map_err(err)?;
        if !resp.status().is_success() {
            return Err(ConnectorError(problem_text(resp).await));
        }
        let receipt: FilingReceipt = resp.json().await.map_err(err)?;
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
}

impl NationalClient {
    /// A client for the platform at `base`.
    pub fn new(base: &str, token: &str, issuer_uscc: &str) -> Result<Self, ConnectorError> {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(err)?;
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            issuer_uscc: issuer_uscc.to_owned(),
            http,
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
            .map_err(err)?;
        if resp.status() == reqwest::StatusCode::CONFLICT {
            return Ok(format!(
                "stale: the platform holds a version above {version}"
            ));
        }
        if !resp.status().is_success() {
            return Err(ConnectorError(problem_text(resp).await));
        }
        let v: serde_json::Value = resp.json().await.map_err(err)?;
        Ok(format!(
            "accepted version {}",
            v["accepted_version"].as_i64().unwrap_or(version)
        ))
    }
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
            None => Err(ConnectorError(
                "no national platform connector is configured".into(),
            )),
        }
    }
}
