//! What the API answers, as types (issue 15 item 1): every JSON response body is one of these
//! (or a domain record), so the OpenAPI document's schemas are generated from the same types
//! the handlers serialise, and cannot drift from them.

use eseal_core::{Seal, SealStatus, Usage};
use schemars::JsonSchema;
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A time as the API writes it (RFC 3339).
pub fn rfc(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// `GET /api/v1/health`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// The service's version.
    pub version: &'static str,
}

/// A login's session.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LoginAnswer {
    /// The bearer token (`Authorization: Bearer …`).
    pub token: String,
    /// The session ends after this long without a request.
    pub idle_timeout_seconds: i64,
    /// …and at this time at the latest (RFC 3339).
    pub expires_at: String,
}

/// `POST /api/v1/me/password`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PasswordChanged {
    /// After an administrator-set initial password: the user's own new TOTP enrolment, to be
    /// confirmed with `POST /api/v1/me/totp` (the old secret works until then).
    pub totp: Option<crate::auth::Enrolment>,
}

/// `GET /api/v1/me`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Me {
    /// The user name.
    pub username: String,
    /// The roles.
    pub roles: Vec<crate::auth::Role>,
    /// The password is the initial one an administrator set: nothing else is allowed until
    /// it is changed (`POST /api/v1/me/password`).
    pub must_change_password: bool,
}

/// An API token, as listed (never its secret).
#[derive(Debug, Serialize, JsonSchema)]
pub struct TokenView {
    /// The token's id (SM3 of the secret).
    pub id: String,
    /// Its first 16 hex digits (what the audit log shows).
    pub short_id: String,
    /// The system account it acts as.
    pub username: String,
    /// What it is for.
    pub label: String,
    /// Who issued it.
    pub issuer: Option<String>,
    /// RFC 3339.
    pub created: String,
    /// RFC 3339.
    pub expires: String,
    /// RFC 3339 (written at most every minute).
    pub last_seen: String,
    /// Revoked (or ended).
    pub revoked: bool,
}

impl TokenView {
    /// The view of a token session.
    pub fn of(t: &crate::auth::Session) -> Self {
        let at = |u: i64| {
            OffsetDateTime::from_unix_timestamp(u)
                .map(rfc)
                .unwrap_or_default()
        };
        Self {
            id: t.id.clone(),
            short_id: t.short_id().to_owned(),
            username: t.user_id.clone(),
            label: t.label.clone(),
            issuer: t.issuer.clone(),
            created: at(t.created),
            expires: at(t.token_expiry()),
            last_seen: at(t.last_seen),
            revoked: t.ended,
        }
    }
}

/// A token just issued: the secret, shown once.
#[derive(Debug, Serialize, JsonSchema)]
pub struct IssuedToken {
    /// The token.
    #[serde(flatten)]
    pub view: TokenView,
    /// The bearer secret (shown this once).
    pub token: String,
}

/// A registered person.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PersonView {
    /// The citizen ID, masked.
    pub citizen_id: String,
    /// The name as on the ID card.
    pub name: String,
}

/// An uploaded material.
#[derive(Debug, Serialize, JsonSchema)]
pub struct StoredMaterial {
    /// Its SM3 (hex): how applications refer to it.
    pub sm3: String,
    /// Bytes.
    pub size: usize,
}

/// A detached signature made.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SignedData {
    /// The ledger entry.
    pub usage: Usage,
    /// The DER SES_Signature, base64.
    pub signature: String,
}

/// An OFD signed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SignedOfd {
    /// The ledger entry.
    pub usage: Usage,
    /// The signed OFD, base64.
    pub ofd: String,
}

/// A PDF signed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SignedPdf {
    /// The ledger entry.
    pub usage: Usage,
    /// The signed PDF, base64.
    pub pdf: String,
}

/// One document of a batch.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum BatchResult {
    /// A detached signature.
    Data(SignedData),
    /// A signed OFD.
    Ofd(SignedOfd),
    /// A signed PDF.
    Pdf(SignedPdf),
    /// Why this document was not signed.
    Refused {
        /// The problem.
        error: Problem,
    },
}

/// A batch's results, in the order of its documents.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BatchAnswer {
    /// One per document.
    pub results: Vec<BatchResult>,
}

/// A signing session opened.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SigningSession {
    /// The session token (give it as `session` instead of `pin`).
    pub session: String,
    /// RFC 3339.
    pub expires_at: String,
    /// How many signatures it allows.
    pub signatures: u32,
}

/// What the holder's device signs (the external signer).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Prepared {
    /// The ledger entry (an intent until finished).
    pub usage: Usage,
    /// The exact TBS_Sign bytes, base64.
    pub to_be_signed: String,
    /// The SM2 signer ID to sign with.
    pub signer_id: &'static str,
    /// Finish before this time (RFC 3339), or recovery aborts the intent.
    pub finish_by: String,
}

/// A PIN changed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PinChanged {
    /// The PIN's state.
    pub pin: eseal_core::PinState,
    /// Whether it must be changed soon.
    pub age: eseal_core::PinAge,
}

/// A seal with its status at a time.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SealView {
    /// The seal ID (esID).
    pub id: eseal_core::SealId,
    /// Its kind.
    pub kind: eseal_core::SealKind,
    /// The kind's dotted name (`official.business.contract`).
    pub kind_name: &'static str,
    /// The name on the seal.
    pub name: String,
    /// The organisation's unified social credit code.
    pub organisation_code: Option<eseal_core::Uscc>,
    /// The holder's citizen ID.
    pub holder_id: Option<eseal_core::CitizenId>,
    /// SM3 of the impression.
    pub impression_sm3: String,
    /// The certificate's serial (hex).
    pub certificate_serial: String,
    /// RFC 3339.
    pub valid_from: String,
    /// RFC 3339.
    pub valid_to: String,
    /// The record's state.
    pub state: eseal_core::SealState,
    /// `platform` (under the holder's PIN) or `device` (the holder's own).
    pub key_custody: &'static str,
    /// SM3 of the seal data.
    pub seal_data_sm3: String,
    /// The time of `status` (RFC 3339).
    pub at: String,
    /// The status then.
    pub status: SealStatus,
}

impl SealView {
    /// The view of `seal` at `at`.
    pub fn of(seal: &Seal, at: OffsetDateTime) -> Self {
        Self {
            id: seal.id.clone(),
            kind: seal.kind.clone(),
            kind_name: seal.kind.wire_name(),
            name: seal.name.clone(),
            organisation_code: seal.organisation_code.clone(),
            holder_id: seal.holder_id.clone(),
            impression_sm3: seal.impression_sm3.to_string(),
            certificate_serial: seal.certificate_serial.clone(),
            valid_from: rfc(seal.valid_from),
            valid_to: rfc(seal.valid_to),
            state: seal.state.clone(),
            key_custody: match seal.key_custody {
                eseal_core::KeyCustody::Device => "device",
                eseal_core::KeyCustody::Platform { .. } => "platform",
            },
            seal_data_sm3: seal
                .seal_data_sm3
                .as_ref()
                .map(|d| d.to_string())
                .unwrap_or_default(),
            at: rfc(at),
            status: seal.status_at(at),
        }
    }
}

/// A seal made.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Made {
    /// The seal.
    pub seal: SealView,
    /// The applicant's impression compared with the registered one, when both exist.
    pub comparison: Option<eseal_image::compare::Comparison>,
}

/// One stored version of a seal.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SealVersion {
    /// From 1.
    pub version: i64,
    /// The record.
    pub seal: Seal,
}

/// A revocation, for the public status.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Revocation {
    /// Why.
    pub reason: eseal_core::RevocationReason,
    /// When (RFC 3339).
    pub at: String,
}

/// `GET /api/v1/status/{id}`: what anyone may know about a seal.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PublicStatus {
    /// The seal ID.
    pub id: String,
    /// The time asked about (RFC 3339).
    pub at: String,
    /// `valid`, `not_yet_valid`, `expired` or `revoked`.
    pub status: &'static str,
    /// The revocation, when revoked.
    pub revocation: Option<Revocation>,
    /// RFC 3339.
    pub valid_from: String,
    /// RFC 3339.
    pub valid_to: String,
}

/// A filing with its deadline.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FilingView {
    /// The filing.
    pub filing: eseal_core::Filing,
    /// Its 24-hour deadline (RFC 3339).
    pub deadline: String,
    /// How it stands against it.
    pub deadline_state: eseal_core::DeadlineState,
}

/// A PIN reset completed: the reset and the re-keyed seal.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ResetCompleted {
    /// The reset (done).
    pub reset: eseal_core::PinReset,
    /// The seal with its new key, certificate and seal data.
    pub seal: SealView,
}

/// One published PKI file.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PkiFile {
    /// `root.pem`, `issuing.pem`, `tsa.pem`, `crl.pem`, `root-crl.pem`.
    pub name: &'static str,
    /// Where to fetch it.
    pub url: String,
    /// SM3 of its bytes (hex).
    pub sm3: String,
}

/// `GET /api/v1/pki`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PkiIndex {
    /// The files.
    pub files: Vec<PkiFile>,
    /// SM3 of the root certificate's DER: compare it with the fingerprint the agency
    /// publishes.
    pub root_sm3: String,
    /// What to do with it.
    pub note: &'static str,
}

/// `POST /api/v1/verify`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct VerifyAnswer {
    /// PASSED only when every signature passed.
    pub indication: eseal_ses::Indication,
    /// One per signature.
    pub signatures: Vec<crate::verifying::Verified>,
}

/// Seal log entries in order.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LogEntries {
    /// The first entry's index.
    pub from: i64,
    /// The entries.
    pub entries: Vec<eseal_store::transparency::SealEntry>,
}

/// A seal's proof in the transparency log.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SealProofAnswer {
    /// The entries in the latest checkpoint with their inclusion proofs.
    pub proof: eseal_store::transparency::SealProof,
    /// How many of its entries are newer than that checkpoint.
    pub pending: u64,
}

/// A consistency proof.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Consistency {
    /// The older size.
    pub from: u64,
    /// The newer size.
    pub to: u64,
    /// The root at `to` (hex).
    pub to_root: String,
    /// The proof's hashes (hex).
    pub proof: Vec<String>,
    /// The signed checkpoint the proof is against.
    pub checkpoint: String,
}

/// Audit entries.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AuditEntries {
    /// In order.
    pub entries: Vec<eseal_store::audit::AuditRecord>,
}

/// A problem (RFC 9457) as the JSON API writes it: also each refused item of a batch.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Problem {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub type_: String,
    /// A short human title (zh-CN or en).
    pub title: &'static str,
    /// HTTP status.
    pub status: u16,
    /// Stable code.
    pub code: &'static str,
    /// Detail.
    pub detail: String,
    /// Field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// A user as the administrators list them.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UserView {
    /// Login name.
    pub username: String,
    /// The name shown.
    pub display_name: String,
    /// Roles.
    pub roles: Vec<crate::auth::Role>,
    /// Locked after failed logins.
    pub locked: bool,
    /// A system (machine) account.
    pub system: bool,
    /// Disabled.
    pub disabled: bool,
}
