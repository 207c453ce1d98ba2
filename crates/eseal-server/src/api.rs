//! The HTTP API (issue 6 item 7). One table, [`ENDPOINTS`], lists every endpoint with the
//! roles allowed to call it; the router is built from it (an endpoint missing from the table
//! does not exist: default deny), the OpenAPI document is generated from it, and the
//! endpoint × role test walks it.

use crate::auth::{self, Caller, Role, User};
use crate::making::{self, KeySource, MakeInput};
use crate::problem::{self, ApiError};
use crate::registry;
pub(crate) use crate::seals::{load_seal, remake, store_artefacts};
use crate::state::AppState;
use crate::views;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Extension, Json, Router};
use base64ct::{Base64, Encoding};
use eseal_core::{
    Application, ApplicationState, Filing, Material, MaterialKind, Purpose, RevocationReason, Seal,
    SealKind, SealState,
};
use eseal_store::Batch;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (relying parties, the national platform).
    Public,
    /// Any logged-in user.
    Authenticated,
    /// Only these roles.
    Roles(&'static [Role]),
}

impl Access {
    /// Whether a caller with `roles` may call.
    pub fn allows(self, roles: &[Role]) -> bool {
        match self {
            Access::Public | Access::Authenticated => true,
            Access::Roles(allowed) => roles.iter().any(|r| allowed.contains(r)),
        }
    }
}

/// One endpoint.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    /// HTTP method.
    pub method: &'static str,
    /// Path (axum syntax, `{id}` for parameters).
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
    /// What it does (English).
    pub summary: &'static str,
    /// What it does (Chinese).
    pub summary_zh: &'static str,
    /// Request body, for the OpenAPI document: a JSON example, or `raw` for bytes.
    pub body: Option<&'static str>,
    /// The request body's type (its schema).
    pub request: Option<SchemaFn>,
    /// The query parameters' type, whose properties are the parameters.
    pub query: Option<SchemaFn>,
    /// The status of success.
    pub status: u16,
    /// The response body's type, when JSON.
    pub response: Option<SchemaFn>,
    /// The response's media type when it is not JSON (PEM, a signed note, bytes, HTML).
    pub media: Option<&'static str>,
}

/// Makes the JSON Schema of one type (schemars) for the OpenAPI document.
pub type SchemaFn = fn(&mut schemars::SchemaGenerator) -> schemars::Schema;

/// The [`SchemaFn`] of `T`.
pub fn schema<T: schemars::JsonSchema>(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
    g.subschema_for::<T>()
}

impl Endpoint {
    /// The request body is a `T` (JSON).
    pub const fn request(mut self, f: SchemaFn) -> Self {
        self.request = Some(f);
        self
    }

    /// The query string's parameters are `T`'s fields.
    pub const fn query(mut self, f: SchemaFn) -> Self {
        self.query = Some(f);
        self
    }

    /// Success is `status` with a `T` (JSON).
    pub const fn ok(mut self, status: u16, f: SchemaFn) -> Self {
        self.status = status;
        self.response = Some(f);
        self
    }

    /// Success is `status` with no body.
    pub const fn empty(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Success is 200 with a body of this media type.
    pub const fn media(mut self, media: &'static str) -> Self {
        self.media = Some(media);
        self
    }
}

use Role::*;
const SEAL_READERS: &[Role] = &[
    Reviewer,
    Maker,
    PoliceOfficer,
    Auditor,
    Custodian,
    Approver,
    Holder,
];
const APP_READERS: &[Role] = &[Applicant, Reviewer, Maker, Auditor];

macro_rules! ep {
    ($m:literal, $p:literal, $a:expr, $s:literal, $z:literal) => {
        Endpoint {
            method: $m,
            path: $p,
            access: $a,
            summary: $s,
            summary_zh: $z,
            body: None,
            request: None,
            query: None,
            status: 200,
            response: None,
            media: None,
        }
    };
    ($m:literal, $p:literal, $a:expr, $s:literal, $z:literal, $b:literal) => {
        Endpoint {
            body: Some($b),
            ..ep!($m, $p, $a, $s, $z)
        }
    };
}

/// Every endpoint.
pub const ENDPOINTS: &[Endpoint] = &[
    ep!(
        "POST",
        "/api/v1/seals/{id}/unlock",
        Access::Roles(&[Holder, Custodian]),
        "Open a signing session with the PIN (key held in memory for ≤ 10 minutes and ≤ 1,000 signatures)",
        "开启签章会话（输入一次口令）",
        r#"{"pin":"{{pin}}","minutes":10,"signatures":100}"#
    )
    .request(schema::<UnlockBody>)
    .ok(201, schema::<views::SigningSession>),
    ep!(
        "POST",
        "/api/v1/verify",
        Access::Public,
        "Verify online: an OFD, or a detached signature with its data; the offline report plus the registry's status at signing time and ledger entry",
        "在线验章",
        r#"{"ofd":"{{signed_ofd}}"}"#
    )
    .request(schema::<VerifyBody>)
    .ok(200, schema::<views::VerifyAnswer>),
    ep!(
        "POST",
        "/api/v1/archives",
        Access::Public,
        "Make an archive package (R-ARCH-1) of a document that verifies — an OFD, or a detached signature with its data: the report, the certificates and CRLs, each seal's status answer and seal log proof, under the platform TSA's timestamp; an ASiC-E-style ZIP (docs/archive.md), checked offline by `eseal archive verify`",
        "制作归档包（长期保存）",
        r#"{"ofd":"{{signed_ofd}}","name":"合同.ofd"}"#
    )
    .request(schema::<ArchiveBody>)
    .media(crate::archive::MEDIA_TYPE),
    ep!(
        "POST",
        "/api/v1/archives/renew",
        Access::Public,
        "Renew an archive package before its last timestamp's certificate expires: it must still verify; the platform's current certificates and CRLs and a new timestamp over the whole package are added",
        "归档包续期（加盖新时间戳）",
        r#"{"archive":"{{archive}}"}"#
    )
    .request(schema::<ArchiveRenewBody>)
    .media(crate::archive::MEDIA_TYPE),
    ep!(
        "POST",
        "/api/v1/seals/{id}/sign/ofd",
        Access::Roles(&[Holder, Custodian]),
        "Sign an OFD (GB/T 33190) with a visible stamp, with a platform-held key under its PIN",
        "OFD 文档签章",
        r#"{"pin":"{{pin}}","ofd":"{{ofd}}","placement":{"page":{"page":1,"x":120,"y":200}},"document_name":"合同.ofd","purpose":"签订合同"}"#
    )
    .request(schema::<SignOfdBody>)
    .ok(201, schema::<views::SignedOfd>),
    ep!(
        "POST",
        "/api/v1/seals/{id}/sign/batch",
        Access::Roles(&[Holder, Custodian]),
        "Sign up to 100 documents (detached or OFD) under one PIN or session, one purpose and approval; one result per document",
        "批量签章",
        r#"{"pin":"{{pin}}","purpose":"签订合同","documents":[{"document_name":"a.pdf","data":"{{data}}"},{"document_name":"b.ofd","ofd":"{{ofd}}","placement":{"page":{"page":1,"x":120,"y":200}}}]}"#
    )
    .request(schema::<BatchBody>)
    .ok(201, schema::<views::BatchAnswer>),
    ep!(
        "PUT",
        "/api/v1/seals/{id}/scope",
        Access::Roles(&[Custodian]),
        "Set a position seal's authorised scope (document types, business categories, amount limit)",
        "设置职务章授权范围",
        r#"{"document_types":["报销单"],"business_categories":["财务"],"amount_limit":50000}"#
    )
    .request(schema::<ScopeBody>)
    .ok(200, schema::<eseal_core::PositionScope>),
    ep!(
        "POST",
        "/api/v1/seals/{id}/sign/prepare",
        Access::Roles(&[Holder, Custodian]),
        "External signer, step 1: the exact TBS_Sign bytes for the holder's device to sign",
        "外部签名（设备持钥）第一步：待签数据",
        r#"{"data":"{{data}}","document_name":"合同.pdf","purpose":"签订合同","counterparty":null,"use_request":null}"#
    )
    .request(schema::<PrepareBody>)
    .ok(201, schema::<views::Prepared>),
    ep!(
        "POST",
        "/api/v1/usages/{id}/finish",
        Access::Roles(&[Holder, Custodian]),
        "External signer, step 2: the device's SM2 signature; checked, assembled, recorded",
        "外部签名第二步：提交设备签名值",
        r#"{"signature":"{{device_signature}}"}"#
    )
    .request(schema::<FinishBody>)
    .ok(200, schema::<views::SignedData>),
    ep!(
        "PUT",
        "/api/v1/organisations/{uscc}",
        Access::Roles(&[SystemAdmin]),
        "Register an organisation and its internal rule (approval levels for official-seal use)",
        "登记单位及用印审批级数",
        r#"{"name":"威海市示例科技有限公司","approval_levels":2}"#
    )
    .request(schema::<OrganisationBody>)
    .ok(200, schema::<eseal_core::Organisation>),
    ep!(
        "POST",
        "/api/v1/seals/{id}/use-requests",
        Access::Roles(&[Custodian]),
        "Ask to use an official seal: documents (SM3), purpose, counterparty, stamps, window",
        "用印申请",
        r#"{"documents":["{{data_sm3}}"],"purpose":"签订采购合同","counterparty":"某公司","stamps":1,"not_before":null,"not_after":"{{tomorrow}}"}"#
    )
    .request(schema::<UseRequestBody>)
    .ok(201, schema::<eseal_core::UseRequest>),
    ep!(
        "GET",
        "/api/v1/use-requests",
        Access::Roles(&[Custodian, Approver, Auditor]),
        "Use requests of the caller's organisation (?state=pending|approved|rejected)",
        "用印申请列表"
    )
    .query(schema::<StateQuery>)
    .ok(200, schema::<Vec<eseal_core::UseRequest>>),
    ep!(
        "POST",
        "/api/v1/use-requests/{id}/approve",
        Access::Roles(&[Approver]),
        "Approve a use request (one level)",
        "用印审批通过"
    )
    .ok(200, schema::<eseal_core::UseRequest>),
    ep!(
        "POST",
        "/api/v1/use-requests/{id}/reject",
        Access::Roles(&[Approver]),
        "Reject a use request with a reason",
        "用印审批驳回",
        r#"{"reason":"合同未经法务审核"}"#
    )
    .request(schema::<RejectBody>)
    .ok(200, schema::<eseal_core::UseRequest>),
    ep!(
        "POST",
        "/api/v1/seals/{id}/sign",
        Access::Roles(&[Holder, Custodian]),
        "Sign data (detached SES_Signature) with a platform-held seal key under its PIN",
        "签章（分离式签名）",
        r#"{"pin":"{{pin}}","data":"{{data}}","document_name":"合同.pdf","purpose":"签订合同","counterparty":"某公司"}"#
    )
    .request(schema::<SignBody>)
    .ok(201, schema::<views::SignedData>),
    ep!(
        "POST",
        "/api/v1/seals/{id}/pin",
        Access::Roles(&[Holder, Custodian]),
        "Change the seal's PIN (old + new)",
        "修改印章口令",
        r#"{"old_pin":"{{pin}}","new_pin":"{{new_pin}}"}"#
    )
    .request(schema::<PinBody>)
    .ok(200, schema::<views::PinChanged>),
    ep!(
        "POST",
        "/api/v1/seals/{id}/pin-resets",
        Access::Roles(&[Holder, Custodian]),
        "Apply to reset a forgotten or locked PIN, with proof materials (identity document and statement)",
        "申请重置印章口令",
        r#"{"reason":"忘记口令","materials":[{"kind":"holder_id","sm3":"{{id_card_sm3}}"},{"kind":"proof","sm3":"{{statement_sm3}}"}]}"#
    )
    .request(schema::<crate::resets::ApplyBody>)
    .ok(201, schema::<eseal_core::PinReset>),
    ep!(
        "GET",
        "/api/v1/pin-resets",
        Access::Roles(&[Reviewer, Auditor]),
        "PIN reset applications (?state=submitted|approved|rejected|done)",
        "口令重置申请列表"
    )
    .query(schema::<crate::resets::ListQuery>)
    .ok(200, schema::<Vec<eseal_core::PinReset>>),
    ep!(
        "POST",
        "/api/v1/pin-resets/{id}/approve",
        Access::Roles(&[Reviewer]),
        "Approve a PIN reset (not one's own)",
        "口令重置审核通过"
    )
    .ok(200, schema::<eseal_core::PinReset>),
    ep!(
        "POST",
        "/api/v1/pin-resets/{id}/reject",
        Access::Roles(&[Reviewer]),
        "Reject a PIN reset with a reason",
        "口令重置审核驳回",
        r#"{"reason":"身份证明不清晰"}"#
    )
    .request(schema::<crate::resets::RejectBody>)
    .ok(200, schema::<eseal_core::PinReset>),
    ep!(
        "POST",
        "/api/v1/pin-resets/{id}/complete",
        Access::Roles(&[Holder, Custodian]),
        "Complete an approved PIN reset with the new PIN: the seal is re-keyed (new key, certificate, seal data) and filed",
        "完成口令重置（印章换钥）",
        r#"{"new_pin":"{{new_pin}}"}"#
    )
    .request(schema::<crate::resets::CompleteBody>)
    .ok(200, schema::<views::ResetCompleted>),
    ep!(
        "GET",
        "/api/v1/seals/{id}/usages",
        Access::Roles(&[Holder, Custodian, Approver, Auditor]),
        "The seal's usage ledger, at most 500 per page (?after= the last id of the previous page; x-next-after names it when there are more)",
        "用印登记"
    )
    .query(schema::<AfterQuery>)
    .ok(200, schema::<Vec<eseal_core::Usage>>),
    ep!(
        "GET",
        "/api/v1/materials/{sm3}",
        Access::Roles(&[Reviewer, Maker]),
        "Read a material for review (decrypted)",
        "查看申请材料"
    )
    .media("application/octet-stream"),
    ep!(
        "GET",
        "/api/v1/health",
        Access::Public,
        "Liveness and the storage backend",
        "健康检查"
    )
    .ok(200, schema::<views::Health>),
    ep!(
        "GET",
        "/api/openapi.json",
        Access::Public,
        "This API as OpenAPI 3.1",
        "OpenAPI 文档"
    )
    .media("application/json"),
    ep!(
        "GET",
        "/api/docs",
        Access::Public,
        "Browsable API description",
        "接口说明页面"
    )
    .media("text/html"),
    ep!(
        "POST",
        "/api/v1/login",
        Access::Public,
        "Log in with password and TOTP",
        "登录（口令 + 动态口令）",
        r#"{"username":"reviewer1","password":"{{password}}","totp":"{{totp}}"}"#
    )
    .request(schema::<LoginBody>)
    .ok(200, schema::<views::LoginAnswer>),
    ep!(
        "POST",
        "/api/v1/logout",
        Access::Authenticated,
        "End the session",
        "退出登录"
    )
    .empty(204),
    ep!(
        "GET",
        "/api/v1/me",
        Access::Authenticated,
        "The caller and their roles",
        "当前用户"
    )
    .ok(200, schema::<views::Me>),
    ep!(
        "POST",
        "/api/v1/users",
        Access::Roles(&[SystemAdmin]),
        "Create a user; returns the TOTP enrolment once",
        "创建用户",
        r#"{"username":"reviewer1","display_name":"审核员一","roles":["reviewer"],"password":"{{password}}","system":false}"#
    )
    .request(schema::<NewUserBody>)
    .ok(201, schema::<auth::Enrolment>),
    ep!(
        "GET",
        "/api/v1/users",
        Access::Roles(&[SystemAdmin, SecurityAdmin, Auditor]),
        "List users",
        "用户列表"
    )
    .ok(200, schema::<Vec<UserView>>),
    ep!(
        "POST",
        "/api/v1/users/{username}/unlock",
        Access::Roles(&[SecurityAdmin]),
        "Unlock a locked account",
        "解锁账户"
    )
    .empty(204),
    ep!(
        "POST",
        "/api/v1/users/{username}/disable",
        Access::Roles(&[SystemAdmin]),
        "Disable a user: their sessions and tokens stop at once, they cannot log in (users are never deleted)",
        "停用账户"
    )
    .empty(204),
    ep!(
        "POST",
        "/api/v1/users/{username}/enable",
        Access::Roles(&[SystemAdmin]),
        "Enable a disabled user again",
        "启用账户"
    )
    .empty(204),
    ep!(
        "PUT",
        "/api/v1/people/{citizen_id}",
        Access::Roles(&[SystemAdmin]),
        "Register a person (a seal holder) by citizen ID with the name on their ID card; personal and position seals carry it",
        "登记人员（印章持有人）",
        r#"{"name":"张三丰"}"#
    )
    .request(schema::<PersonBody>)
    .ok(200, schema::<views::PersonView>),
    ep!(
        "POST",
        "/api/v1/tokens",
        Access::Roles(&[SecurityAdmin]),
        "Issue an API token for a system (machine) account, for at most 365 days; people log in instead",
        "签发接口令牌（仅限系统账户）",
        r#"{"username":"police-gateway","label":"police","days":90}"#
    )
    .request(schema::<TokenBody>)
    .ok(201, schema::<views::IssuedToken>),
    ep!(
        "GET",
        "/api/v1/tokens",
        Access::Roles(&[SecurityAdmin, Auditor]),
        "API tokens: account, issuer, label, created, expiry, last use, revoked",
        "接口令牌列表"
    )
    .ok(200, schema::<Vec<views::TokenView>>),
    ep!(
        "POST",
        "/api/v1/tokens/{id}/revoke",
        Access::Roles(&[SecurityAdmin]),
        "Revoke an API token (by its id or the id's first 16 hex digits)",
        "吊销接口令牌"
    )
    .ok(200, schema::<views::TokenView>),
    ep!(
        "POST",
        "/api/v1/materials",
        Access::Roles(&[Applicant, Maker, Holder, Custodian]),
        "Upload a material file (≤ 10 MiB); stored encrypted by SM3",
        "上传申请材料",
        "raw"
    )
    .ok(201, schema::<views::StoredMaterial>),
    ep!(
        "POST",
        "/api/v1/applications",
        Access::Roles(&[Applicant]),
        "Create an application (draft)",
        "创建制章申请",
        r#"{"kind":{"official":{"business":"contract"}},"seal_name":"威海市示例科技有限公司合同专用章","organisation_code":"91350100M000100Y43","holder_id":null,"purpose":{"purpose":"new"}}"#
    )
    .request(schema::<NewApplicationBody>)
    .ok(201, schema::<Application>),
    ep!(
        "GET",
        "/api/v1/applications",
        Access::Roles(APP_READERS),
        "List applications by state (applicants see their own)",
        "申请列表"
    )
    .query(schema::<StateQuery>)
    .ok(200, schema::<Vec<Application>>),
    ep!(
        "GET",
        "/api/v1/applications/{id}",
        Access::Roles(APP_READERS),
        "One application",
        "申请详情"
    )
    .ok(200, schema::<Application>),
    ep!(
        "POST",
        "/api/v1/applications/{id}/materials",
        Access::Roles(&[Applicant]),
        "Attach an uploaded material",
        "添加申请材料",
        r#"{"kind":"business_licence","sm3":"{{licence_sm3}}"}"#
    )
    .request(schema::<MaterialBody>)
    .ok(200, schema::<Application>),
    ep!(
        "POST",
        "/api/v1/applications/{id}/submit",
        Access::Roles(&[Applicant]),
        "Submit for review",
        "提交审核"
    )
    .ok(200, schema::<Application>),
    ep!(
        "POST",
        "/api/v1/applications/{id}/approve",
        Access::Roles(&[Reviewer]),
        "Approve (not one's own application)",
        "审核通过"
    )
    .ok(200, schema::<Application>),
    ep!(
        "POST",
        "/api/v1/applications/{id}/reject",
        Access::Roles(&[Reviewer]),
        "Reject with a reason",
        "审核驳回",
        r#"{"reason":"营业执照不清晰"}"#
    )
    .request(schema::<RejectBody>)
    .ok(200, schema::<Application>),
    ep!(
        "POST",
        "/api/v1/applications/{id}/make",
        Access::Roles(&[Maker]),
        "Make the seal of an approved application",
        "制作印章",
        r#"{"key":"platform","certificate":null,"pin":"{{initial_pin}}"}"#
    )
    .request(schema::<MakeBody>)
    .ok(201, schema::<views::Made>),
    ep!(
        "GET",
        "/api/v1/seals",
        Access::Roles(SEAL_READERS),
        "Seals of an organisation (?organisation=) or holder (?holder=), with status (?at=); holders see only their own, custodians and approvers only their organisation's",
        "印章查询"
    )
    .query(schema::<SealQuery>)
    .ok(200, schema::<Vec<views::SealView>>),
    ep!(
        "GET",
        "/api/v1/seals/{id}",
        Access::Roles(SEAL_READERS),
        "One seal with its status (its holder, its organisation's custodians and approvers, and the agency)",
        "印章详情"
    )
    .query(schema::<AtQuery>)
    .ok(200, schema::<views::SealView>),
    ep!(
        "GET",
        "/api/v1/seals/{id}/data",
        Access::Roles(SEAL_READERS),
        "The seal data (GB/T 38540 DER), to the same callers as the seal",
        "印章数据"
    )
    .media("application/octet-stream"),
    ep!(
        "GET",
        "/api/v1/seals/{id}/history",
        Access::Roles(&[Maker, PoliceOfficer, Auditor]),
        "Every stored version of a seal",
        "印章历史"
    )
    .ok(200, schema::<Vec<views::SealVersion>>),
    ep!(
        "POST",
        "/api/v1/seals/{id}/renew",
        Access::Roles(&[Maker]),
        "Renew (last 3 months before expiry) with a new certificate",
        "印章延期",
        r#"{"certificate":null,"pin":"{{initial_pin}}"}"#
    )
    .request(schema::<RenewBody>)
    .ok(200, schema::<views::SealView>),
    ep!(
        "POST",
        "/api/v1/seals/{id}/revoke",
        Access::Roles(&[Maker]),
        "Revoke with a reason and proof materials",
        "印章注销",
        r#"{"reason":"stolen_or_lost","proof":["{{proof_sm3}}"]}"#
    )
    .request(schema::<RevokeBody>)
    .ok(200, schema::<views::SealView>),
    ep!(
        "GET",
        "/api/v1/status/{id}",
        Access::Public,
        "Public seal status at a time (?at=)",
        "印章状态查询（公开）"
    )
    .query(schema::<AtQuery>)
    .ok(200, schema::<views::PublicStatus>),
    ep!(
        "GET",
        "/api/v1/audit/checkpoint",
        Access::Roles(&[Auditor]),
        "The latest signed checkpoint of the audit log (a C2SP signed note; key in DATA/pki/audit-key.pem)",
        "审计日志最新签名检查点"
    )
    .media("text/plain"),
    ep!(
        "GET",
        "/api/v1/audit/log",
        Access::Roles(&[Auditor]),
        "The audit log, filtered (?since=&until= RFC 3339, &actor=, &event= prefix, &seal=, &limit= ≤ 1000)",
        "审计日志查询"
    )
    .query(schema::<crate::transparency::AuditFilter>)
    .ok(200, schema::<views::AuditEntries>),
    ep!(
        "GET",
        "/api/v1/transparency/checkpoint",
        Access::Public,
        "The seal transparency log's latest signed checkpoint (origin eseal/seals, C2SP signed note)",
        "印章透明日志最新签名检查点（公开）"
    )
    .media("text/plain"),
    ep!(
        "GET",
        "/api/v1/transparency/key",
        Access::Public,
        "The public key (SM2, SPKI PEM) that signs the logs' checkpoints",
        "日志检查点签名公钥（公开）"
    )
    .media("application/x-pem-file"),
    ep!(
        "GET",
        "/api/v1/transparency/entries",
        Access::Public,
        "Seal log entries in order (?from=&limit=, at most 1000)",
        "印章透明日志条目（公开）"
    )
    .query(schema::<crate::transparency::Page>)
    .ok(200, schema::<views::LogEntries>),
    ep!(
        "GET",
        "/api/v1/transparency/seals/{id}",
        Access::Public,
        "A seal's log entries with inclusion proofs against the latest checkpoint (keep it beside a signed document; eseal verify --transparency checks it offline)",
        "印章的日志条目及包含证明（公开）"
    )
    .ok(200, schema::<views::SealProofAnswer>),
    ep!(
        "GET",
        "/api/v1/transparency/consistency",
        Access::Public,
        "Consistency proof between two sizes of the seal log (?from=M&to=N)",
        "印章透明日志一致性证明（公开）"
    )
    .query(schema::<crate::transparency::Between>)
    .ok(200, schema::<views::Consistency>),
    ep!(
        "GET",
        "/api/v1/pki",
        Access::Public,
        "What a relying party needs to verify this platform's documents offline: the CA certificates, the TSA certificate and the CRLs (refreshed daily and on every revocation), each with its URL and SM3",
        "离线验证所需的证书与吊销列表（公开）"
    )
    .ok(200, schema::<views::PkiIndex>),
    ep!(
        "GET",
        "/api/v1/pki/{file}",
        Access::Public,
        "One of root.pem, issuing.pem, tsa.pem, crl.pem, root-crl.pem (PEM); `eseal trust fetch URL DIR` fetches them all",
        "下载证书或吊销列表（公开）"
    )
    .media("application/x-pem-file"),
    ep!(
        "GET",
        "/api/v1/trust-list",
        Access::Public,
        "The trust list: anchors of other CAs (the national government-service CAs, other platforms) whose documents online verification accepts, with who added or removed each, when and why, and its state now",
        "信任列表（公开）：在线验证所接受的其他 CA 信任锚"
    )
    .ok(200, schema::<Vec<crate::trustlist::Listed>>),
    ep!(
        "POST",
        "/api/v1/trust-list",
        Access::Roles(&[SecurityAdmin]),
        "Add a CA certificate (PEM, or base64 DER) to the trust list, with a label, a reason, optionally a narrower trusted period (RFC 3339) and where the CA publishes its CRL when its certificates name none",
        "添加信任锚",
        r#"{"certificate":"{{ca_pem}}","label":"国家政务服务平台 CA","reason":"全国互认","trusted_from":null,"trusted_until":null,"crl_url":null}"#
    )
    .request(schema::<TrustAddBody>)
    .ok(201, schema::<crate::trustlist::Listed>),
    ep!(
        "POST",
        "/api/v1/trust-list/{id}/remove",
        Access::Roles(&[SecurityAdmin]),
        "Remove an entry of the trust list (by its SM3 or its first 16 hex digits) with a reason; verification stops trusting it at once, the entry and its history stay",
        "移除信任锚",
        r#"{"reason":"该 CA 已停止服务"}"#
    )
    .request(schema::<RejectBody>)
    .ok(200, schema::<crate::trustlist::Listed>),
    ep!(
        "GET",
        "/metrics",
        Access::Roles(&[SystemAdmin, SecurityAdmin, Auditor]),
        "Prometheus metrics: requests by route and status, signatures, filings pending and overdue, checkpoint ages (a scraper uses a system account's token with the auditor role)",
        "运行指标（Prometheus 格式）"
    )
    .media("text/plain"),
    ep!(
        "GET",
        "/api/v1/filings",
        Access::Roles(&[Maker, PoliceOfficer, Auditor]),
        "Filings (备案) with their deadline state (?state=pending|delivered)",
        "备案列表"
    )
    .query(schema::<StateQuery>)
    .ok(200, schema::<Vec<views::FilingView>>),
];

/// JSON bodies larger than this are refused (413).
pub const JSON_LIMIT: usize = 1024 * 1024;
/// Material uploads larger than this are refused (413).
pub const MATERIAL_LIMIT: usize = 10 * 1024 * 1024;
/// The make request carries an impression and maybe a certificate.
pub const MAKE_LIMIT: usize = 4 * 1024 * 1024;

fn handler(method: &str, path: &str) -> Option<MethodRouter<AppState>> {
    Some(match (method, path) {
        ("GET", "/api/v1/health") => get(health),
        ("GET", "/api/openapi.json") => get(openapi_json),
        ("GET", "/api/docs") => get(docs_page),
        ("POST", "/api/v1/login") => post(login),
        ("POST", "/api/v1/logout") => post(logout),
        ("GET", "/api/v1/me") => get(me),
        ("POST", "/api/v1/users") => post(create_user),
        ("GET", "/api/v1/users") => get(list_users),
        ("POST", "/api/v1/users/{username}/unlock") => post(unlock_user),
        ("POST", "/api/v1/tokens") => post(create_token),
        ("GET", "/api/v1/tokens") => get(list_tokens),
        ("POST", "/api/v1/tokens/{id}/revoke") => post(revoke_token),
        ("POST", "/api/v1/users/{username}/disable") => post(disable_user),
        ("POST", "/api/v1/users/{username}/enable") => post(enable_user),
        ("PUT", "/api/v1/people/{citizen_id}") => axum::routing::put(put_person),
        ("POST", "/api/v1/materials") => post(upload_material),
        ("GET", "/api/v1/materials/{sm3}") => get(read_material),
        ("POST", "/api/v1/seals/{id}/sign") => post(sign),
        ("POST", "/api/v1/seals/{id}/unlock") => post(unlock),
        ("POST", "/api/v1/verify") => post(verify),
        ("POST", "/api/v1/archives") => post(archive_create),
        ("POST", "/api/v1/archives/renew") => post(archive_renew),
        ("POST", "/api/v1/seals/{id}/sign/ofd") => post(sign_ofd),
        ("POST", "/api/v1/seals/{id}/sign/batch") => post(sign_batch),
        ("PUT", "/api/v1/seals/{id}/scope") => axum::routing::put(put_scope),
        ("POST", "/api/v1/seals/{id}/sign/prepare") => post(prepare_external),
        ("POST", "/api/v1/usages/{id}/finish") => post(finish_external),
        ("PUT", "/api/v1/organisations/{uscc}") => axum::routing::put(put_organisation),
        ("POST", "/api/v1/seals/{id}/use-requests") => post(create_use_request),
        ("GET", "/api/v1/use-requests") => get(list_use_requests),
        ("POST", "/api/v1/use-requests/{id}/approve") => post(approve_use),
        ("POST", "/api/v1/use-requests/{id}/reject") => post(reject_use),
        ("POST", "/api/v1/seals/{id}/pin") => post(change_pin),
        ("GET", "/api/v1/seals/{id}/usages") => get(usages),
        ("POST", "/api/v1/seals/{id}/pin-resets") => post(crate::resets::apply),
        ("GET", "/api/v1/pin-resets") => get(crate::resets::list),
        ("POST", "/api/v1/pin-resets/{id}/approve") => post(crate::resets::approve),
        ("POST", "/api/v1/pin-resets/{id}/reject") => post(crate::resets::reject),
        ("POST", "/api/v1/pin-resets/{id}/complete") => post(crate::resets::complete),
        ("POST", "/api/v1/applications") => post(create_application),
        ("GET", "/api/v1/applications") => get(list_applications),
        ("GET", "/api/v1/applications/{id}") => get(get_application),
        ("POST", "/api/v1/applications/{id}/materials") => post(add_material),
        ("POST", "/api/v1/applications/{id}/submit") => post(submit),
        ("POST", "/api/v1/applications/{id}/approve") => post(approve),
        ("POST", "/api/v1/applications/{id}/reject") => post(reject),
        ("POST", "/api/v1/applications/{id}/make") => post(make),
        ("GET", "/api/v1/seals") => get(list_seals),
        ("GET", "/api/v1/seals/{id}") => get(get_seal),
        ("GET", "/api/v1/seals/{id}/data") => get(seal_data),
        ("GET", "/api/v1/seals/{id}/history") => get(seal_history),
        ("POST", "/api/v1/seals/{id}/renew") => post(renew),
        ("POST", "/api/v1/seals/{id}/revoke") => post(revoke),
        ("GET", "/api/v1/status/{id}") => get(status),
        ("GET", "/api/v1/filings") => get(list_filings),
        ("GET", "/api/v1/pki") => get(pki_index),
        ("GET", "/metrics") => get(crate::ops::metrics),
        ("GET", "/api/v1/trust-list") => get(trust_list),
        ("POST", "/api/v1/trust-list") => post(trust_add),
        ("POST", "/api/v1/trust-list/{id}/remove") => post(trust_remove),
        ("GET", "/api/v1/pki/{file}") => get(pki_file),
        ("GET", "/api/v1/audit/checkpoint") => get(crate::transparency::audit_checkpoint),
        ("GET", "/api/v1/audit/log") => get(crate::transparency::audit_log),
        ("GET", "/api/v1/transparency/checkpoint") => get(crate::transparency::checkpoint),
        ("GET", "/api/v1/transparency/key") => get(crate::transparency::key),
        ("GET", "/api/v1/transparency/entries") => get(crate::transparency::entries),
        ("GET", "/api/v1/transparency/seals/{id}") => get(crate::transparency::seal_proof),
        ("GET", "/api/v1/transparency/consistency") => get(crate::transparency::consistency),
        _ => return None,
    })
}

/// The router: every endpoint of [`ENDPOINTS`] behind its access check.
pub fn router(state: AppState) -> Router {
    let mut r = Router::new();
    for ep in ENDPOINTS {
        let Some(h) = handler(ep.method, ep.path) else {
            // A table entry without a handler is a programming error caught by the tests.
            eprintln!("no handler for {} {}", ep.method, ep.path);
            continue;
        };
        // The size limit is checked first, from Content-Length when there is one (413 before
        // any of the body is read), then the caller.
        let limit = match ep.path {
            "/api/v1/materials" => MATERIAL_LIMIT,
            // An OFD of up to 15 MB, base64 in JSON.
            "/api/v1/seals/{id}/sign/ofd" | "/api/v1/verify" | "/api/v1/archives" => {
                MATERIAL_LIMIT * 2
            }
            // A package (at most 64 MiB), base64 in JSON.
            "/api/v1/archives/renew" => crate::archive::MAX_ARCHIVE / 3 * 4 + (64 << 10),
            // Up to 100 documents; OFDs in a batch share 50 MiB.
            "/api/v1/seals/{id}/sign/batch" => MATERIAL_LIMIT * 5,
            "/api/v1/applications/{id}/make"
            | "/api/v1/seals/{id}/renew"
            | "/api/v1/seals/{id}/sign"
            | "/api/v1/seals/{id}/sign/prepare" => MAKE_LIMIT,
            _ => JSON_LIMIT,
        };
        // Login and the public endpoints are rate-limited per client address.
        let class = match (ep.access, ep.path) {
            (_, "/api/v1/login") => Some(crate::limits::Class::Login),
            (_, "/api/v1/verify" | "/api/v1/archives" | "/api/v1/archives/renew") => {
                Some(crate::limits::Class::Verify)
            }
            (Access::Public, _) => Some(crate::limits::Class::Public),
            _ => None,
        };
        let h = h
            .route_layer(middleware::from_fn_with_state(
                (state.clone(), ep.access),
                authorize,
            ))
            .layer::<_, std::convert::Infallible>(DefaultBodyLimit::disable())
            .layer::<_, std::convert::Infallible>(tower_http::limit::RequestBodyLimitLayer::new(
                limit,
            ))
            .layer::<_, std::convert::Infallible>(middleware::from_fn_with_state(
                (state.limiters().clone(), class),
                crate::limits::limit,
            ));
        r = r.route(ep.path, h);
    }
    let log = state.request_log();
    r.fallback(|| async { ApiError::not_found("endpoint", "") })
        .layer(middleware::from_fn_with_state(
            (state.clone(), log),
            crate::ops::observe,
        ))
        .layer(middleware::from_fn(crate::limits::uri_length))
        .layer(middleware::from_fn(problem::localize))
        .with_state(state)
}

fn bearer(req: &Request) -> Option<String> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|s| s.trim().to_owned())
}

async fn authorize(
    State((state, access)): State<(AppState, Access)>,
    mut req: Request,
    next: Next,
) -> Response {
    if access == Access::Public {
        // Writes by public endpoints (a login's failure count, say) are audited as anonymous.
        return eseal_store::audit::ACTOR
            .scope("anonymous".into(), next.run(req))
            .await;
    }
    let Some(secret) = bearer(&req) else {
        return ApiError::unauthenticated("log in first: Authorization: Bearer <token>")
            .into_response();
    };
    let caller = match auth::authenticate(state.store(), &secret, state.now()).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    if !access.allows(&caller.roles) {
        return ApiError::forbidden_role(format!(
            "{} ({}) may not call this endpoint",
            caller.user,
            caller
                .roles
                .iter()
                .map(|r| r.name())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .into_response();
    }
    let actor = caller.actor();
    req.extensions_mut().insert(caller);
    req.extensions_mut().insert(Secret(secret));
    // Every write this request makes is audited under the caller's name.
    let mut resp = eseal_store::audit::ACTOR
        .scope(actor.clone(), next.run(req))
        .await;
    resp.extensions_mut().insert(crate::ops::Actor(actor));
    resp
}

#[derive(Debug, Clone)]
struct Secret(String);

pub(crate) use crate::problem::ApiResult;

fn rfc(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn parse_at(at: Option<&str>, now: OffsetDateTime) -> ApiResult<OffsetDateTime> {
    match at {
        None | Some("") => Ok(now),
        Some(s) => OffsetDateTime::parse(s, &Rfc3339)
            .map_err(|e| ApiError::invalid("at", format!("{s:?} is not an RFC 3339 time: {e}"))),
    }
}

// ---- public ----

async fn health(State(s): State<AppState>) -> Json<views::Health> {
    Json(views::Health {
        status: "ok",
        backend: format!("{:?}", s.store().backend()).to_ascii_lowercase(),
        version: env!("CARGO_PKG_VERSION"),
    })
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct LoginBody {
    username: String,
    password: String,
    totp: String,
}

async fn login(
    State(s): State<AppState>,
    Extension(client): Extension<crate::limits::ClientAddr>,
    Json(b): Json<LoginBody>,
) -> ApiResult<Json<views::LoginAnswer>> {
    let now = s.now();
    let token = auth::login(
        s.store(),
        s.data_key(),
        &b.username,
        &b.password,
        &b.totp,
        &client.0.to_string(),
        now,
        s.random(),
    )
    .await?;
    Ok(Json(views::LoginAnswer {
        token,
        idle_timeout_seconds: auth::IDLE_TIMEOUT.whole_seconds(),
        expires_at: rfc(now + auth::SESSION_MAX),
    }))
}

async fn logout(
    State(s): State<AppState>,
    Extension(Secret(secret)): Extension<Secret>,
) -> ApiResult<StatusCode> {
    auth::logout(s.store(), &secret, s.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(Extension(c): Extension<Caller>) -> Json<views::Me> {
    Json(views::Me {
        username: c.user,
        roles: c.roles,
    })
}

// ---- users ----

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct NewUserBody {
    username: String,
    display_name: String,
    roles: Vec<Role>,
    #[serde(default)]
    password: String,
    #[serde(default)]
    system: bool,
    /// Links the account to a person (holders of personal and position seals).
    citizen_id: Option<String>,
    /// Links a custodian or approver to their organisation (USCC).
    organisation_code: Option<String>,
}

async fn create_user(
    State(s): State<AppState>,
    Json(b): Json<NewUserBody>,
) -> ApiResult<(StatusCode, Json<auth::Enrolment>)> {
    let (mut user, enrolment) = auth::new_user(
        &b.username,
        &b.display_name,
        &b.roles,
        &b.password,
        b.system,
        s.data_key(),
        s.random(),
    )?;
    let mut batch = Batch::new();
    if let Some(id) = &b.citizen_id {
        // The account's person is registered under the display name (the name on their ID
        // card), unless they are already, under that same name.
        let person = eseal_core::Person::new(id, &user.display_name)?;
        match s
            .store()
            .get::<eseal_core::Person>(&person.citizen_id)
            .await?
        {
            Some(known) if known.record.name != person.name => {
                return Err(ApiError::invalid(
                    "display_name",
                    format!(
                        "citizen ID {} is registered as {:?}; a holder's display name is their registered name",
                        known.record.masked_id(),
                        known.record.name
                    ),
                ));
            }
            Some(_) => {}
            None => {
                batch.insert(&person)?;
            }
        }
        user.citizen_id = Some(person.citizen_id);
    }
    if let Some(code) = &b.organisation_code {
        user.organisation_code = Some(eseal_core::Organisation::new(code, "-", None)?.uscc);
    }
    batch.insert(&user)?;
    s.store().commit(&batch, s.now()).await?;
    Ok((StatusCode::CREATED, Json(enrolment)))
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
struct UserView {
    username: String,
    display_name: String,
    roles: Vec<Role>,
    locked: bool,
    system: bool,
    disabled: bool,
}

async fn list_users(State(s): State<AppState>) -> ApiResult<Json<Vec<UserView>>> {
    let now = s.now().unix_timestamp();
    let users = s.store().all::<User>(registry::QUERY_LIMIT).await?;
    Ok(Json(
        users
            .into_iter()
            .map(|u| UserView {
                locked: u.record.locked_until > now,
                username: u.record.username,
                display_name: u.record.display_name,
                roles: u.record.roles,
                system: u.record.system,
                disabled: u.record.disabled,
            })
            .collect(),
    ))
}

async fn unlock_user(
    State(s): State<AppState>,
    Path(username): Path<String>,
) -> ApiResult<StatusCode> {
    auth::unlock(s.store(), &username, s.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn disable_user(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(username): Path<String>,
) -> ApiResult<StatusCode> {
    auth::set_disabled(s.store(), &c.user, &username, true, s.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn enable_user(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(username): Path<String>,
) -> ApiResult<StatusCode> {
    auth::set_disabled(s.store(), &c.user, &username, false, s.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct PersonBody {
    name: String,
}

async fn put_person(
    State(s): State<AppState>,
    Path(citizen_id): Path<String>,
    Json(b): Json<PersonBody>,
) -> ApiResult<Json<views::PersonView>> {
    let person = eseal_core::Person::new(&citizen_id, &b.name)?;
    s.store().put(&person, s.now()).await?;
    Ok(Json(views::PersonView {
        citizen_id: person.masked_id(),
        name: person.name,
    }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct TokenBody {
    username: String,
    label: String,
    #[serde(default = "token_days")]
    days: i64,
}

fn token_days() -> i64 {
    auth::TOKEN_DEFAULT_DAYS
}

async fn create_token(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Json(b): Json<TokenBody>,
) -> ApiResult<(StatusCode, Json<views::IssuedToken>)> {
    let (token, session) = auth::issue_token(
        s.store(),
        &c.user,
        &b.username,
        &b.label,
        b.days,
        s.now(),
        s.random(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(views::IssuedToken {
            view: views::TokenView::of(&session),
            token,
        }),
    ))
}

async fn list_tokens(State(s): State<AppState>) -> ApiResult<Json<Vec<views::TokenView>>> {
    Ok(Json(
        auth::tokens(s.store(), registry::QUERY_LIMIT)
            .await?
            .iter()
            .map(views::TokenView::of)
            .collect(),
    ))
}

async fn revoke_token(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<views::TokenView>> {
    Ok(Json(views::TokenView::of(
        &auth::revoke_token(s.store(), &id, s.now()).await?,
    )))
}

// ---- the trust list ----

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct TrustAddBody {
    /// PEM text, or base64 of the DER.
    certificate: String,
    label: String,
    reason: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>")]
    trusted_from: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>")]
    trusted_until: Option<OffsetDateTime>,
    /// Where the CA publishes its CRL (http/https), for certificates that name no
    /// distribution point.
    #[serde(default)]
    crl_url: Option<String>,
}

async fn trust_list(State(s): State<AppState>) -> ApiResult<Json<Vec<crate::trustlist::Listed>>> {
    let now = s.now();
    Ok(Json(
        crate::trustlist::list(s.store())
            .await?
            .into_iter()
            .map(|a| crate::trustlist::Listed::at(a, now))
            .collect(),
    ))
}

async fn trust_add(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Json(b): Json<TrustAddBody>,
) -> ApiResult<(StatusCode, Json<crate::trustlist::Listed>)> {
    let text = b.certificate.trim();
    let certificate = if text.starts_with("-----BEGIN") {
        text.as_bytes().to_vec()
    } else {
        b64("certificate", text)?
    };
    let added = crate::trustlist::add(
        s.store(),
        &c.actor(),
        crate::trustlist::AddAnchor {
            certificate,
            label: b.label,
            trusted_from: b.trusted_from,
            trusted_until: b.trusted_until,
            reason: b.reason,
            crl_url: b.crl_url,
        },
        s.now(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(crate::trustlist::Listed::at(added, s.now())),
    ))
}

async fn trust_remove(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<RejectBody>,
) -> ApiResult<Json<crate::trustlist::Listed>> {
    let removed = crate::trustlist::remove(s.store(), &c.actor(), &id, &b.reason, s.now()).await?;
    Ok(Json(crate::trustlist::Listed::at(removed, s.now())))
}

// ---- materials and applications ----

async fn upload_material(
    State(s): State<AppState>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<views::StoredMaterial>)> {
    if body.is_empty() {
        return Err(ApiError::invalid("body", "the material file is empty"));
    }
    let sealed = eseal_core::material::seal(s.data_key(), s.random(), &body)?;
    s.store().put_material(&sealed, s.now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(views::StoredMaterial {
            sm3: sealed.sm3.to_hex(),
            size: body.len(),
        }),
    ))
}

async fn read_material(State(s): State<AppState>, Path(sm3): Path<String>) -> ApiResult<Response> {
    let digest = hex::decode(&sm3)
        .ok()
        .and_then(|b| eseal_gm::Sm3Digest::from_slice(&b))
        .ok_or_else(|| ApiError::invalid("sm3", "not an SM3 digest in hex"))?;
    let blob = s
        .store()
        .material(&sm3)
        .await?
        .ok_or_else(|| ApiError::not_found("material", &sm3))?;
    let plain = eseal_core::material::open(s.data_key(), &digest, &blob)
        .map_err(|e| ApiError::internal(format!("material {sm3}: {e}")))?;
    let mut resp = plain.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    Ok(resp)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct NewApplicationBody {
    kind: SealKind,
    seal_name: String,
    organisation_code: Option<String>,
    holder_id: Option<String>,
    #[serde(default = "new_purpose")]
    purpose: Purpose,
}

fn new_purpose() -> Purpose {
    Purpose::New
}

async fn create_application(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Json(b): Json<NewApplicationBody>,
) -> ApiResult<(StatusCode, Json<Application>)> {
    if let Purpose::Change { old } = &b.purpose {
        let seal = s
            .store()
            .get::<Seal>(old)
            .await?
            .ok_or_else(|| ApiError::not_found("seal", old))?
            .record;
        if seal.state != SealState::Active {
            return Err(ApiError::conflict(
                "illegal_transition",
                format!("seal {old} is revoked and cannot be changed"),
            ));
        }
        if seal.kind != b.kind || seal.organisation_code != b.organisation_code {
            return Err(ApiError::invalid(
                "purpose.old",
                "a change keeps the seal's kind and organisation",
            ));
        }
    }
    let id = format!("AP{}", &making::new_seal_id(s.random())?[2..]);
    let mut app = Application::new(
        &id,
        &c.user,
        b.kind,
        &b.seal_name,
        b.organisation_code.as_deref(),
        b.holder_id.as_deref(),
        b.purpose,
    )?;
    // The seal is its registered organisation's or holder's, by name (R-MAKE-4).
    let organisation = match &app.organisation_code {
        Some(code) => s
            .store()
            .get::<eseal_core::Organisation>(code)
            .await?
            .map(|o| o.record),
        None => None,
    };
    let holder = match &app.holder_id {
        Some(id) => s
            .store()
            .get::<eseal_core::Person>(id)
            .await?
            .map(|p| p.record),
        None => None,
    };
    app.name_parties(organisation.as_ref(), holder.as_ref())?;
    registry::create_application(s.store(), &app, s.now()).await?;
    Ok((StatusCode::CREATED, Json(app)))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct StateQuery {
    state: Option<String>,
}

async fn list_applications(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<StateQuery>,
) -> ApiResult<Json<Vec<Application>>> {
    let staff = c.has(Reviewer) || c.has(Maker) || c.has(Auditor);
    let apps = match (&q.state, staff) {
        (_, false) => {
            s.store()
                .find::<Application>("applicant", &c.user, registry::QUERY_LIMIT)
                .await?
        }
        (Some(state), true) => {
            if !["draft", "submitted", "rejected", "approved", "made"].contains(&state.as_str()) {
                return Err(ApiError::invalid(
                    "state",
                    "one of draft, submitted, rejected, approved, made",
                ));
            }
            s.store()
                .find::<Application>("state", state, registry::QUERY_LIMIT)
                .await?
        }
        (None, true) => {
            s.store()
                .find::<Application>("state", "submitted", registry::QUERY_LIMIT)
                .await?
        }
    };
    Ok(Json(
        apps.into_iter()
            .map(|a| a.record)
            .filter(|a| q.state.as_deref().is_none_or(|st| a.state.name() == st))
            .collect(),
    ))
}

/// Loads an application the caller may see: staff see all, an applicant only their own (for
/// anyone else it does not exist).
async fn visible_application(s: &AppState, c: &Caller, id: &str) -> ApiResult<Application> {
    let app = s
        .store()
        .get::<Application>(id)
        .await?
        .ok_or_else(|| ApiError::not_found("application", id))?
        .record;
    let staff = c.has(Reviewer) || c.has(Maker) || c.has(Auditor);
    if !staff && app.applicant != c.user {
        return Err(ApiError::not_found("application", id));
    }
    Ok(app)
}

async fn get_application(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Application>> {
    Ok(Json(visible_application(&s, &c, &id).await?))
}

async fn own_step<F>(s: &AppState, c: &Caller, id: &str, step: F) -> ApiResult<Json<Application>>
where
    F: FnOnce(&mut Application) -> Result<(), eseal_core::DomainError>,
{
    let app = visible_application(s, c, id).await?;
    if app.applicant != c.user {
        return Err(ApiError::not_found("application", id));
    }
    Ok(Json(
        registry::update_application(s.store(), id, s.now(), step).await?,
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct MaterialBody {
    kind: MaterialKind,
    sm3: String,
}

async fn add_material(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<MaterialBody>,
) -> ApiResult<Json<Application>> {
    let sm3 = b.sm3.to_ascii_lowercase();
    if s.store().material(&sm3).await?.is_none() {
        return Err(ApiError::invalid(
            "sm3",
            format!("no uploaded material has SM3 {sm3}; upload it to /api/v1/materials first"),
        ));
    }
    own_step(&s, &c, &id, |a| {
        a.add_material(Material { kind: b.kind, sm3 })
    })
    .await
}

async fn submit(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Application>> {
    let now = s.now();
    own_step(&s, &c, &id, |a| a.submit(now)).await
}

async fn approve(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Application>> {
    Ok(Json(
        registry::update_application(s.store(), &id, s.now(), |a| a.approve(&c.user)).await?,
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct RejectBody {
    reason: String,
}

async fn reject(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<RejectBody>,
) -> ApiResult<Json<Application>> {
    Ok(Json(
        registry::update_application(s.store(), &id, s.now(), |a| a.reject(&c.user, &b.reason))
            .await?,
    ))
}

// ---- making ----

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
enum KeyChoice {
    Platform,
    Device,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct MakeBody {
    key: KeyChoice,
    certificate: Option<String>,
    impression: Option<String>,
    /// For a platform-held key: the initial PIN handed to the holder.
    pin: Option<String>,
}

fn b64(field: &str, text: &str) -> ApiResult<Vec<u8>> {
    Base64::decode_vec(text.trim())
        .map_err(|e| ApiError::invalid(field, format!("not base64: {e}")))
}

async fn registered_impression(
    s: &AppState,
    seal_kind: &SealKind,
    uscc: Option<&str>,
) -> ApiResult<Option<Vec<u8>>> {
    let Some(uscc) = uscc else { return Ok(None) };
    if !seal_kind.needs_registered_impression() {
        return Ok(None);
    }
    s.police()
        .registered_impression(uscc, seal_kind)
        .await
        .map(|o| o.map(|(_, img)| img))
        .map_err(|e| ApiError::connector(format!("fetching the registered impression: {e}")))
}

async fn make(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Json(b): Json<MakeBody>,
) -> ApiResult<(StatusCode, Json<views::Made>)> {
    let now = s.now();
    let app = s
        .store()
        .get::<Application>(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("application", &id))?
        .record;
    if !matches!(app.state, ApplicationState::Approved { .. }) {
        return Err(eseal_core::DomainError::IllegalTransition {
            what: "application",
            state: app.state.name().to_owned(),
            action: "making the seal",
        }
        .into());
    }
    let registered = registered_impression(&s, &app.kind, app.organisation_code.as_deref()).await?;
    let key = match (b.key, &b.certificate) {
        (KeyChoice::Platform, None) => KeySource::Platform,
        (KeyChoice::Platform, Some(_)) => {
            return Err(ApiError::invalid(
                "certificate",
                "a platform key is certified by the CA; give no certificate",
            ));
        }
        (KeyChoice::Device, Some(c)) => KeySource::Device(c.as_bytes().to_vec()),
        (KeyChoice::Device, None) => {
            return Err(ApiError::invalid(
                "certificate",
                "a device key needs the device's certificate (PEM)",
            ));
        }
    };
    let applicant_impression = b
        .impression
        .as_deref()
        .map(|t| b64("impression", t))
        .transpose()?;
    let trust = s.pki().trust(now)?;
    let issuer = crate::devpki::DevIssuer {
        pki: s.pki(),
        random: s.random(),
    };
    let mut made = making::make(
        MakeInput {
            app: &app,
            registered,
            applicant_impression,
            key,
            now,
            seal_id: None,
        },
        &s.pki().maker(),
        &issuer,
        &trust,
        s.random(),
    )?;
    let key = store_artefacts(&s, &mut made, b.pin.as_deref()).await?;
    registry::issue(s.store(), &id, &made.seal, key.as_ref(), now).await?;
    // A change replaced the old seal: its certificate is superseded at the CA as well.
    if let Purpose::Change { old } = &app.purpose {
        let serial = load_seal(&s, old).await?.record.certificate_serial;
        s.pki().revoke(&serial, RevocationReason::Replaced, now)?;
    }
    Ok((
        StatusCode::CREATED,
        Json(views::Made {
            seal: views::SealView::of(&made.seal, now),
            comparison: made.comparison,
        }),
    ))
}

// ---- seals ----

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct SealQuery {
    organisation: Option<String>,
    holder: Option<String>,
    at: Option<String>,
    after: Option<String>,
}

/// Seals of an organisation or holder, at most 500 per page in id order; when there may be
/// more, the `x-next-after` header gives the `after=` of the next page.
async fn list_seals(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<SealQuery>,
) -> ApiResult<Response> {
    let at = parse_at(q.at.as_deref(), s.now())?;
    let after = q.after.as_deref().unwrap_or("");
    let organisation = q
        .organisation
        .as_deref()
        .map(|o| o.trim().to_ascii_uppercase());
    let holder = q.holder.as_deref().map(|h| h.trim().to_ascii_uppercase());
    crate::access::may_list_seals(&c, organisation.as_deref(), holder.as_deref())?;
    let page = match (&organisation, &holder) {
        (Some(o), None) => registry::seals_of_organisation(s.store(), o, at, after).await?,
        (None, Some(h)) => registry::seals_of_holder(s.store(), h, at, after).await?,
        _ => {
            return Err(ApiError::invalid(
                "query",
                "give exactly one of organisation= (统一社会信用代码) or holder= (公民身份号码)",
            ));
        }
    };
    let body: Vec<views::SealView> = page
        .seals
        .iter()
        .map(|x| views::SealView::of(&x.seal, at))
        .collect();
    let mut resp = Json(body).into_response();
    if let Some(next) = page.next.and_then(|n| HeaderValue::from_str(&n).ok()) {
        resp.headers_mut().insert("x-next-after", next);
    }
    Ok(resp)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct AtQuery {
    at: Option<String>,
}

/// A seal the caller may see ([`crate::access::sees_seal`]); for anyone else it does not
/// exist (404).
async fn visible_seal(s: &AppState, c: &Caller, id: &str) -> ApiResult<Seal> {
    let seal = load_seal(s, id).await?.record;
    if !crate::access::sees_seal(c, &seal) {
        return Err(ApiError::not_found("seal", id));
    }
    Ok(seal)
}

async fn get_seal(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<AtQuery>,
) -> ApiResult<Json<views::SealView>> {
    let at = parse_at(q.at.as_deref(), s.now())?;
    Ok(Json(views::SealView::of(
        &visible_seal(&s, &c, &id).await?,
        at,
    )))
}

async fn seal_data(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let seal = visible_seal(&s, &c, &id).await?;
    let (_, bytes) = s
        .store()
        .blob(&seal.seal_data_sm3)
        .await?
        .ok_or_else(|| ApiError::not_found("seal data of", &id))?;
    let mut resp = bytes.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    Ok(resp)
}

async fn seal_history(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<views::SealVersion>>> {
    let h = s.store().history::<Seal>(&id).await?;
    if h.is_empty() {
        return Err(ApiError::not_found("seal", &id));
    }
    Ok(Json(
        h.into_iter()
            .map(|v| views::SealVersion {
                version: v.version,
                seal: v.record,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct RenewBody {
    certificate: Option<String>,
    /// For a platform-held key: the new key's initial PIN.
    pin: Option<String>,
}

async fn renew(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Json(b): Json<RenewBody>,
) -> ApiResult<Json<views::SealView>> {
    let now = s.now();
    let seal = load_seal(&s, &id).await?.record;
    // The domain decides first (state, window), so nothing is issued for a refused renewal.
    seal.clone()
        .renew(now, "-", now, seal.valid_to + time::Duration::days(1))?;
    let key = match (&seal.key_custody, b.certificate) {
        (eseal_core::KeyCustody::Platform { .. }, None) => KeySource::Platform,
        (eseal_core::KeyCustody::Device, Some(c)) => KeySource::Device(c.into_bytes()),
        (eseal_core::KeyCustody::Platform { .. }, Some(_)) => {
            return Err(ApiError::invalid(
                "certificate",
                "the platform holds this seal's key; the CA certifies the new one",
            ));
        }
        (eseal_core::KeyCustody::Device, None) => {
            return Err(ApiError::invalid(
                "certificate",
                "the holder's device holds this seal's key: give its new certificate",
            ));
        }
    };
    let mut made = remake(&s, &seal, key, now).await?;
    let sealed = store_artefacts(&s, &mut made, b.pin.as_deref()).await?;
    registry::renew_with(
        s.store(),
        &id,
        &made.seal.certificate_serial,
        made.seal.valid_from,
        made.seal.valid_to,
        &eseal_gm::Sm3Digest::of(&made.seal_data).to_hex(),
        made.seal.key_custody.clone(),
        sealed.as_ref(),
        now,
    )
    .await?;
    let seal = load_seal(&s, &id).await?.record;
    Ok(Json(views::SealView::of(&seal, now)))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct SignBody {
    /// The PIN; or `session`, a signing session token from `/seals/{id}/unlock`.
    pin: Option<String>,
    session: Option<String>,
    /// The data, base64 (≤ 3 MiB); or give its SM3 instead.
    data: Option<String>,
    document_sm3: Option<String>,
    #[serde(flatten)]
    using: UseBody,
}

async fn sign(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<SignBody>,
) -> ApiResult<(StatusCode, Json<views::SignedData>)> {
    let seal = load_seal(&s, &id).await?.record;
    crate::signing::may_use(&seal, &c)?;
    let digest = digest_of(&b.data, &b.document_sm3)?;
    let signed = crate::signing::sign_detached(
        &s,
        &seal,
        &c.user,
        credential(&b.pin, &b.session)?,
        b.using.into_input(digest, None),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(views::SignedData {
            usage: signed.usage,
            signature: Base64::encode_string(&signed.signature),
        }),
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct VerifyBody {
    ofd: Option<String>,
    signature: Option<String>,
    data: Option<String>,
    data_sm3: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ArchiveBody {
    /// An OFD (base64).
    ofd: Option<String>,
    /// Or a detached SES_Signature (base64) …
    signature: Option<String>,
    /// … with the data it signs (base64).
    data: Option<String>,
    /// A file name for the document (the data's, for a detached signature).
    name: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ArchiveRenewBody {
    /// The package (base64).
    archive: String,
}

fn archive_answer(bytes: Vec<u8>) -> Response {
    let mut resp = bytes.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(crate::archive::MEDIA_TYPE),
    );
    resp.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"archive.zip\""),
    );
    resp
}

async fn archive_create(
    State(s): State<AppState>,
    Json(b): Json<ArchiveBody>,
) -> ApiResult<Response> {
    use crate::archive::{Document, DocumentKind};
    let name = b.name.unwrap_or_default();
    let doc = match (&b.ofd, &b.signature, &b.data) {
        (Some(ofd), None, None) => Document {
            kind: DocumentKind::Ofd,
            name,
            bytes: b64("ofd", ofd)?,
            data: None,
        },
        (None, Some(sig), Some(data)) => Document {
            kind: DocumentKind::Detached,
            name: "signature.ses".into(),
            bytes: b64("signature", sig)?,
            data: Some((name, b64("data", data)?)),
        },
        _ => {
            return Err(ApiError::invalid(
                "ofd",
                "give an ofd, or a signature with its data",
            ));
        }
    };
    Ok(archive_answer(crate::archive::create_for(&s, doc).await?))
}

async fn archive_renew(
    State(s): State<AppState>,
    Json(b): Json<ArchiveRenewBody>,
) -> ApiResult<Response> {
    let bytes = b64("archive", &b.archive)?;
    Ok(archive_answer(crate::archive::renew_for(&s, &bytes).await?))
}

async fn verify(
    State(s): State<AppState>,
    Json(b): Json<VerifyBody>,
) -> ApiResult<Json<views::VerifyAnswer>> {
    // Public and costly: bounded work per request, stopped when the client goes away (the
    // handler's future is dropped, and with it this guard).
    let cancel = crate::verifying::CancelOnDrop::default();
    let results = match (&b.ofd, &b.signature) {
        (Some(ofd), None) => crate::verifying::ofd(&s, b64("ofd", ofd)?, cancel.flag()).await?,
        (None, Some(sig)) => {
            let digest = match (&b.data, &b.data_sm3) {
                (Some(d), None) => eseal_gm::Sm3Digest::of(&b64("data", d)?),
                (None, Some(h)) => hex::decode(h)
                    .ok()
                    .and_then(|v| eseal_gm::Sm3Digest::from_slice(&v))
                    .ok_or_else(|| ApiError::invalid("data_sm3", "not an SM3 digest in hex"))?,
                _ => {
                    return Err(ApiError::invalid(
                        "data",
                        "a detached signature needs data (base64) or data_sm3",
                    ));
                }
            };
            crate::verifying::detached(&s, &b64("signature", sig)?, digest).await?
        }
        _ => {
            return Err(ApiError::invalid(
                "ofd",
                "give an ofd, or a signature with its data",
            ));
        }
    };
    drop(cancel);
    let overall = if results.is_empty() {
        eseal_ses::Indication::Indeterminate
    } else if results
        .iter()
        .any(|r| r.indication == eseal_ses::Indication::Failed)
    {
        eseal_ses::Indication::Failed
    } else if results
        .iter()
        .all(|r| r.indication == eseal_ses::Indication::Passed)
    {
        eseal_ses::Indication::Passed
    } else {
        eseal_ses::Indication::Indeterminate
    };
    Ok(Json(views::VerifyAnswer {
        indication: overall,
        signatures: results,
    }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
enum PlacementBody {
    /// Page (1-based) and top-left corner in mm.
    Page { page: usize, x: f32, y: f32 },
    /// Centred on a keyword.
    Keyword(String),
    /// A riding seal across the pages' right edges, y mm from the top.
    Riding { y: f32 },
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct SignOfdBody {
    /// The PIN; or `session`, a signing session token from `/seals/{id}/unlock`.
    pin: Option<String>,
    session: Option<String>,
    ofd: String,
    placement: PlacementBody,
    #[serde(flatten)]
    using: UseBody,
}

async fn sign_ofd(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<SignOfdBody>,
) -> ApiResult<(StatusCode, Json<views::SignedOfd>)> {
    let seal = load_seal(&s, &id).await?.record;
    crate::signing::may_use(&seal, &c)?;
    let ofd = b64("ofd", &b.ofd)?;
    let sm3 = eseal_gm::Sm3Digest::of(&ofd);
    let signed = crate::signing::sign_detached(
        &s,
        &seal,
        &c.user,
        credential(&b.pin, &b.session)?,
        b.using.into_input(sm3, Some((ofd, placement(b.placement)))),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(views::SignedOfd {
            usage: signed.usage,
            ofd: Base64::encode_string(&signed.signature),
        }),
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct BatchDocument {
    document_name: String,
    /// One of: the data (base64), its SM3, or an OFD (base64) with a placement.
    data: Option<String>,
    document_sm3: Option<String>,
    ofd: Option<String>,
    placement: Option<PlacementBody>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct BatchBody {
    pin: Option<String>,
    session: Option<String>,
    documents: Vec<BatchDocument>,
    purpose: String,
    counterparty: Option<String>,
    use_request: Option<String>,
    document_type: Option<String>,
    business_category: Option<String>,
    amount: Option<u64>,
}

fn placement(p: PlacementBody) -> eseal_doc::Placement {
    match p {
        PlacementBody::Page { page, x, y } => eseal_doc::Placement::Page { page, x, y },
        PlacementBody::Keyword(k) => eseal_doc::Placement::Keyword(k),
        PlacementBody::Riding { y } => eseal_doc::Placement::Riding { y },
    }
}

/// Batch signing: up to [`crate::signing::BATCH_MAX`] documents (detached or OFD) under one
/// PIN or session, one purpose and approval. 201 with one result per document, in order;
/// if none could be signed, the first document's error.
async fn sign_batch(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<BatchBody>,
) -> ApiResult<(StatusCode, Json<views::BatchAnswer>)> {
    let seal = load_seal(&s, &id).await?.record;
    crate::signing::may_use(&seal, &c)?;
    let mut inputs = Vec::with_capacity(b.documents.len());
    let mut is_ofd = Vec::with_capacity(b.documents.len());
    for (i, d) in b.documents.into_iter().enumerate() {
        let using = UseBody {
            document_name: d.document_name,
            purpose: b.purpose.clone(),
            counterparty: b.counterparty.clone(),
            use_request: b.use_request.clone(),
            document_type: b.document_type.clone(),
            business_category: b.business_category.clone(),
            amount: b.amount,
        };
        let input = match (d.ofd, d.placement) {
            (Some(ofd), Some(p)) => {
                let ofd = b64(&format!("documents[{i}].ofd"), &ofd)?;
                using.into_input(eseal_gm::Sm3Digest::of(&ofd), Some((ofd, placement(p))))
            }
            (Some(_), None) => {
                return Err(ApiError::invalid(
                    "placement",
                    format!("documents[{i}]: an OFD needs a placement"),
                ));
            }
            (None, _) => using.into_input(digest_of(&d.data, &d.document_sm3)?, None),
        };
        is_ofd.push(input.ofd.is_some());
        inputs.push(input);
    }
    let results =
        crate::signing::sign_batch(&s, &seal, &c.user, credential(&b.pin, &b.session)?, inputs)
            .await?;
    if let Some(Err(first)) = results.first()
        && results.iter().all(|r| r.is_err())
    {
        return Err(first.clone());
    }
    let out: Vec<views::BatchResult> = results
        .into_iter()
        .zip(is_ofd)
        .map(|(r, ofd)| match r {
            Ok(signed) if ofd => views::BatchResult::Ofd(views::SignedOfd {
                usage: signed.usage,
                ofd: Base64::encode_string(&signed.signature),
            }),
            Ok(signed) => views::BatchResult::Data(views::SignedData {
                usage: signed.usage,
                signature: Base64::encode_string(&signed.signature),
            }),
            Err(e) => views::BatchResult::Refused {
                error: e.problem(false),
            },
        })
        .collect();
    Ok((
        StatusCode::CREATED,
        Json(views::BatchAnswer { results: out }),
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct PrepareBody {
    data: Option<String>,
    document_sm3: Option<String>,
    #[serde(flatten)]
    using: UseBody,
}

/// What every signing request says about the use (R-AUDIT-2) and, for position seals, the
/// document (R-USE-3).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct UseBody {
    document_name: String,
    purpose: String,
    counterparty: Option<String>,
    /// The approved use request (official seals).
    use_request: Option<String>,
    /// Position seals: what the document is, checked against the authorised scope.
    document_type: Option<String>,
    business_category: Option<String>,
    amount: Option<u64>,
}

impl UseBody {
    fn into_input(
        self,
        document_sm3: eseal_gm::Sm3Digest,
        ofd: Option<(Vec<u8>, eseal_doc::Placement)>,
    ) -> crate::signing::SignInput {
        crate::signing::SignInput {
            document_sm3,
            document_name: self.document_name,
            purpose: self.purpose,
            counterparty: self.counterparty,
            use_request: self.use_request,
            claim: eseal_core::UseClaim {
                document_type: self.document_type,
                business_category: self.business_category,
                amount: self.amount,
            },
            ofd,
        }
    }
}

fn digest_of(data: &Option<String>, sm3: &Option<String>) -> ApiResult<eseal_gm::Sm3Digest> {
    match (data, sm3) {
        (Some(d), None) => Ok(eseal_gm::Sm3Digest::of(&b64("data", d)?)),
        (None, Some(h)) => hex::decode(h)
            .ok()
            .and_then(|v| eseal_gm::Sm3Digest::from_slice(&v))
            .ok_or_else(|| ApiError::invalid("document_sm3", "not an SM3 digest in hex")),
        _ => Err(ApiError::invalid(
            "data",
            "give exactly one of data (base64) or document_sm3",
        )),
    }
}

async fn prepare_external(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<PrepareBody>,
) -> ApiResult<(StatusCode, Json<views::Prepared>)> {
    let seal = load_seal(&s, &id).await?.record;
    crate::signing::may_use(&seal, &c)?;
    let digest = digest_of(&b.data, &b.document_sm3)?;
    let p = crate::signing::prepare_external(&s, &seal, &c.user, b.using.into_input(digest, None))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(views::Prepared {
            finish_by: rfc(p.usage.created + crate::signing::INTENT_TIMEOUT),
            usage: p.usage,
            to_be_signed: Base64::encode_string(&p.to_be_signed),
            signer_id: eseal_gm::DEFAULT_SIGNER_ID,
        }),
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct FinishBody {
    signature: String,
}

async fn finish_external(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<FinishBody>,
) -> ApiResult<Json<views::SignedData>> {
    let sig = b64("signature", &b.signature)?;
    let signed = crate::signing::finish_external(&s, &id, &c.user, &sig).await?;
    Ok(Json(views::SignedData {
        usage: signed.usage,
        signature: Base64::encode_string(&signed.signature),
    }))
}

fn credential(
    pin: &Option<String>,
    session: &Option<String>,
) -> ApiResult<crate::signing::Credential> {
    match (pin, session) {
        (Some(p), None) => Ok(crate::signing::Credential::Pin(p.clone())),
        (None, Some(t)) => Ok(crate::signing::Credential::Session(t.clone())),
        _ => Err(ApiError::invalid(
            "pin",
            "give exactly one of pin or session",
        )),
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct UnlockBody {
    pin: String,
    #[serde(default = "ten")]
    minutes: i64,
    #[serde(default = "hundred")]
    signatures: u32,
}

fn ten() -> i64 {
    10
}

fn hundred() -> u32 {
    100
}

async fn unlock(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<UnlockBody>,
) -> ApiResult<(StatusCode, Json<views::SigningSession>)> {
    let seal = load_seal(&s, &id).await?.record;
    crate::signing::may_use(&seal, &c)?;
    let (token, expires) =
        crate::signing::unlock(&s, &seal, &c.user, &b.pin, b.minutes, b.signatures).await?;
    Ok((
        StatusCode::CREATED,
        Json(views::SigningSession {
            session: token,
            expires_at: rfc(expires),
            signatures: b.signatures,
        }),
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct PinBody {
    old_pin: String,
    new_pin: String,
}

async fn change_pin(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<PinBody>,
) -> ApiResult<Json<views::PinChanged>> {
    let seal = load_seal(&s, &id).await?.record;
    crate::signing::may_use(&seal, &c)?;
    let pin = crate::signing::change_pin(&s, &id, &b.old_pin, &b.new_pin).await?;
    Ok(Json(views::PinChanged {
        age: pin.age(s.now()),
        pin,
    }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct AfterQuery {
    after: Option<String>,
}

/// The usage ledger of a seal, a page at a time in id order; `x-next-after` says where the
/// next page starts when this one is full.
async fn usages(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<AfterQuery>,
) -> ApiResult<Response> {
    let seal = visible_seal(&s, &c, &id).await?;
    let page = s
        .store()
        .find_page::<eseal_core::Usage>(
            "seal_id",
            &seal.id,
            q.after.as_deref().unwrap_or(""),
            registry::QUERY_LIMIT,
        )
        .await?;
    let next = (page.len() as i64 == registry::QUERY_LIMIT)
        .then(|| page.last().map(|u| u.record.id.clone()))
        .flatten();
    let body: Vec<eseal_core::Usage> = page.into_iter().map(|u| u.record).collect();
    let mut resp = Json(body).into_response();
    if let Some(next) = next.and_then(|n| HeaderValue::from_str(&n).ok()) {
        resp.headers_mut().insert("x-next-after", next);
    }
    Ok(resp)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct ScopeBody {
    document_types: Vec<String>,
    #[serde(default)]
    business_categories: Vec<String>,
    amount_limit: Option<u64>,
}

async fn put_scope(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<ScopeBody>,
) -> ApiResult<Json<eseal_core::PositionScope>> {
    let seal = load_seal(&s, &id).await?.record;
    if !matches!(seal.kind, SealKind::Position(_)) {
        return Err(ApiError::invalid("seal", "scopes are for position seals"));
    }
    if c.organisation_code.is_none() || c.organisation_code != seal.organisation_code {
        return Err(ApiError::forbidden_role(
            "only a custodian of the seal's organisation sets its scope",
        ));
    }
    let scope = eseal_core::PositionScope::new(
        &id,
        b.document_types,
        b.business_categories,
        b.amount_limit,
        &c.user,
    )?;
    s.store().put(&scope, s.now()).await?;
    Ok(Json(scope))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct OrganisationBody {
    name: String,
    #[serde(default = "one")]
    approval_levels: u32,
    legal_representative: Option<String>,
}

fn one() -> u32 {
    1
}

async fn put_organisation(
    State(s): State<AppState>,
    Path(uscc): Path<String>,
    Json(b): Json<OrganisationBody>,
) -> ApiResult<Json<eseal_core::Organisation>> {
    let mut org = eseal_core::Organisation::new(&uscc, &b.name, b.legal_representative.as_deref())?;
    if !(1..=5).contains(&b.approval_levels) {
        return Err(ApiError::invalid("approval_levels", "1 to 5"));
    }
    org.approval_levels = b.approval_levels;
    s.store().put(&org, s.now()).await?;
    Ok(Json(org))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct UseRequestBody {
    documents: Vec<String>,
    purpose: String,
    counterparty: Option<String>,
    stamps: u32,
    not_before: Option<String>,
    not_after: String,
}

async fn create_use_request(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<UseRequestBody>,
) -> ApiResult<(StatusCode, Json<eseal_core::UseRequest>)> {
    let now = s.now();
    let seal = load_seal(&s, &id).await?.record;
    let org = match (&seal.kind, &seal.organisation_code) {
        (SealKind::Official(_), Some(org)) => org.clone(),
        _ => {
            return Err(ApiError::invalid(
                "seal",
                "use requests are for official seals; position and personal seals are used by their holder",
            ));
        }
    };
    if c.organisation_code.as_deref() != Some(org.as_str()) {
        return Err(ApiError::forbidden_role(
            "only a custodian of the seal's organisation may ask to use it",
        ));
    }
    let levels = s
        .store()
        .get::<eseal_core::Organisation>(&org)
        .await?
        .map_or(1, |o| o.record.approval_levels);
    let req = eseal_core::UseRequest::new(
        &format!("UR{}", &making::new_seal_id(s.random())?[2..]),
        &seal.id,
        &org,
        &c.user,
        b.documents,
        &b.purpose,
        b.counterparty.as_deref(),
        b.stamps,
        parse_at(b.not_before.as_deref(), now)?,
        parse_at(Some(&b.not_after), now)?,
        levels,
    )?;
    s.store().commit(Batch::new().insert(&req)?, now).await?;
    Ok((StatusCode::CREATED, Json(req)))
}

async fn list_use_requests(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<StateQuery>,
) -> ApiResult<Json<Vec<eseal_core::UseRequest>>> {
    let state = q.state.as_deref().unwrap_or("pending");
    if !["pending", "approved", "rejected"].contains(&state) {
        return Err(ApiError::invalid("state", "pending, approved or rejected"));
    }
    let rows = match (&c.organisation_code, c.has(Auditor)) {
        (_, true) => {
            s.store()
                .find::<eseal_core::UseRequest>("state", state, registry::QUERY_LIMIT)
                .await?
        }
        (Some(org), false) => s
            .store()
            .find::<eseal_core::UseRequest>("organisation_code", org, registry::QUERY_LIMIT)
            .await?
            .into_iter()
            .filter(|r| r.record.state.name() == state)
            .collect(),
        (None, false) => Vec::new(),
    };
    Ok(Json(rows.into_iter().map(|r| r.record).collect()))
}

async fn load_use_request(
    s: &AppState,
    c: &Caller,
    id: &str,
) -> ApiResult<eseal_store::Versioned<eseal_core::UseRequest>> {
    let r = s
        .store()
        .get::<eseal_core::UseRequest>(id)
        .await?
        .ok_or_else(|| ApiError::not_found("use request", id))?;
    if c.organisation_code.as_deref() != Some(r.record.organisation_code.as_str()) {
        return Err(ApiError::not_found("use request", id));
    }
    Ok(r)
}

async fn approve_use(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<eseal_core::UseRequest>> {
    let mut r = load_use_request(&s, &c, &id).await?;
    let now = s.now();
    r.record.approve(&c.user, &rfc(now))?;
    s.store()
        .commit(Batch::new().update(&r.record, r.version)?, now)
        .await?;
    Ok(Json(r.record))
}

async fn reject_use(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<RejectBody>,
) -> ApiResult<Json<eseal_core::UseRequest>> {
    let mut r = load_use_request(&s, &c, &id).await?;
    r.record.reject(&c.user, &b.reason)?;
    s.store()
        .commit(Batch::new().update(&r.record, r.version)?, s.now())
        .await?;
    Ok(Json(r.record))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct RevokeBody {
    reason: RevocationReason,
    #[serde(default)]
    proof: Vec<String>,
    at: Option<String>,
}

async fn revoke(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Json(b): Json<RevokeBody>,
) -> ApiResult<Json<views::SealView>> {
    let now = s.now();
    // A revocation takes effect when recorded; a time in the past is refused (nothing is
    // backdated), one in the future is refused too (use the time it happens).
    if let Some(at) = &b.at {
        let t = parse_at(Some(at), now)?;
        if (t - now).abs() > time::Duration::minutes(5) {
            return Err(ApiError::invalid(
                "at",
                "a revocation takes effect when it is recorded; omit at",
            ));
        }
    }
    let mut proof = Vec::new();
    for sm3 in &b.proof {
        let sm3 = sm3.to_ascii_lowercase();
        if s.store().material(&sm3).await?.is_none() {
            return Err(ApiError::invalid(
                "proof",
                format!("no uploaded material has SM3 {sm3}"),
            ));
        }
        proof.push(Material {
            kind: MaterialKind::Proof,
            sm3,
        });
    }
    registry::revoke(s.store(), &id, b.reason, &proof, now).await?;
    // The seal's certificate goes on the CA's revocation list too, so offline verifiers see
    // it (a certificate from another CA is left to that CA).
    let serial = load_seal(&s, &id).await?.record.certificate_serial;
    s.pki().revoke(&serial, b.reason, now)?;
    let seal = load_seal(&s, &id).await?.record;
    Ok(Json(views::SealView::of(&seal, now)))
}

async fn status(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<AtQuery>,
) -> ApiResult<Json<views::PublicStatus>> {
    let at = parse_at(q.at.as_deref(), s.now())?;
    let seal = s
        .store()
        .get::<Seal>(&id)
        .await?
        .ok_or_else(|| ApiError {
            code: "not_found",
            ..ApiError::not_found("seal", &id)
        })?
        .record;
    let st = seal.status_at(at);
    let (name, revocation) = match &st {
        eseal_core::SealStatus::Valid => ("valid", None),
        eseal_core::SealStatus::NotYetValid => ("not_yet_valid", None),
        eseal_core::SealStatus::Expired => ("expired", None),
        eseal_core::SealStatus::Revoked { reason, at } => (
            "revoked",
            Some(views::Revocation {
                reason: *reason,
                at: rfc(*at),
            }),
        ),
    };
    Ok(Json(views::PublicStatus {
        id: seal.id,
        at: rfc(at),
        status: name,
        revocation,
        valid_from: rfc(seal.valid_from),
        valid_to: rfc(seal.valid_to),
    }))
}

async fn pki_index(State(s): State<AppState>) -> ApiResult<Json<views::PkiIndex>> {
    let now = s.now();
    let mut files = Vec::new();
    for name in crate::devpki::PUBLISHED {
        let pem = s.pki().published_file(name, now)?.unwrap_or_default();
        files.push(views::PkiFile {
            name,
            url: format!("/api/v1/pki/{name}"),
            sm3: eseal_gm::Sm3Digest::of(pem.as_bytes()).to_hex(),
        });
    }
    Ok(Json(views::PkiIndex {
        files,
        root_sm3: eseal_gm::Sm3Digest::of(s.pki().root().der()).to_hex(),
        note: "compare root_sm3 (the SM3 of the root certificate's DER) with the fingerprint the agency publishes before trusting it",
    }))
}

async fn pki_file(State(s): State<AppState>, Path(file): Path<String>) -> ApiResult<Response> {
    let pem = s
        .pki()
        .published_file(&file, s.now())?
        .ok_or_else(|| ApiError::not_found("file", &file))?;
    let mut resp = pem.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-pem-file"),
    );
    Ok(resp)
}

async fn list_filings(
    State(s): State<AppState>,
    Query(q): Query<StateQuery>,
) -> ApiResult<Json<Vec<views::FilingView>>> {
    let now = s.now();
    let state = q.state.as_deref().unwrap_or("pending");
    if !["pending", "delivered"].contains(&state) {
        return Err(ApiError::invalid("state", "pending or delivered"));
    }
    let filings = s
        .store()
        .find::<Filing>("state", state, registry::QUERY_LIMIT)
        .await?;
    Ok(Json(
        filings
            .into_iter()
            .map(|f| views::FilingView {
                deadline: rfc(f.record.deadline()),
                deadline_state: f.record.deadline_state(now),
                filing: f.record,
            })
            .collect(),
    ))
}

// ---- OpenAPI ----

/// The OpenAPI 3.1 document, generated from [`ENDPOINTS`].
pub fn openapi() -> Value {
    use schemars::generate::{Contract, SchemaSettings};
    let settings = |contract: Contract, inline: bool| {
        let mut s = SchemaSettings::draft2020_12();
        s.definitions_path = "/components/schemas".into();
        s.meta_schema = None;
        s.contract = contract;
        s.inline_subschemas = inline;
        s.into_generator()
    };
    // Requests are read (deserialised), responses written (serialised): a field with a
    // default is optional in the one, one skipped when empty optional in the other.
    let mut requests = settings(Contract::Deserialize, false);
    let mut responses = settings(Contract::Serialize, false);
    let mut queries = settings(Contract::Deserialize, true);
    let problem = responses.subschema_for::<problem::Problem>();
    let mut paths = serde_json::Map::new();
    for ep in ENDPOINTS {
        let path = paths.entry(ep.path.to_owned()).or_insert_with(|| json!({}));
        let mut params: Vec<Value> = ep
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        if let Some(q) = ep.query {
            let schema = q(&mut queries).to_value();
            let required: Vec<&str> = schema["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
                let mut p = json!({"name": name, "in": "query", "required": required.contains(&name.as_str()), "schema": prop});
                if let Some(d) = prop.get("description") {
                    p["description"] = d.clone();
                }
                params.push(p);
            }
        }
        let roles: Vec<&str> = match ep.access {
            Access::Public => vec![],
            Access::Authenticated => vec!["any"],
            Access::Roles(r) => r.iter().map(|r| r.name()).collect(),
        };
        let ok = match (ep.response, ep.media) {
            (Some(f), _) => {
                json!({"description": "OK", "content": {"application/json": {"schema": f(&mut responses)}}})
            }
            (None, Some(media)) => {
                json!({"description": "OK", "content": {media: {"schema": {"type": "string"}}}})
            }
            (None, None) => json!({"description": "Done (no body)"}),
        };
        let problem_answer = json!({"description": "Problem (RFC 9457)", "content": {"application/problem+json": {"schema": problem}}});
        let mut op = json!({
            "operationId": format!("{}{}", ep.method.to_ascii_lowercase(), ep.path.replace(['/', '{', '}', '-', '.'], "_")),
            "summary": ep.summary,
            "description": format!("{}。Roles: {}", ep.summary_zh, if roles.is_empty() { "public".to_owned() } else { roles.join(", ") }),
            "x-roles": roles,
            "parameters": params,
            "responses": {
                ep.status.to_string(): ok,
                "4XX": problem_answer,
                "5XX": problem_answer,
            }
        });
        if ep.access != Access::Public {
            op["security"] = json!([{"bearer": []}]);
        }
        match (ep.body, ep.request) {
            (Some("raw"), _) => {
                op["requestBody"] = json!({"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}});
            }
            (example, Some(f)) => {
                let mut content = json!({"schema": f(&mut requests)});
                if let Some(ex) = example.and_then(|e| serde_json::from_str::<Value>(e).ok()) {
                    content["example"] = ex;
                }
                op["requestBody"] =
                    json!({"required": true, "content": {"application/json": content}});
            }
            _ => {}
        }
        path[ep.method.to_ascii_lowercase()] = op;
    }
    // One set of component schemas: what requests and responses share must be the same.
    let mut schemas = responses.take_definitions(true);
    for (name, schema) in requests.take_definitions(true) {
        schemas.entry(name).or_insert(schema);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "eseal 电子印章平台 API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Seal registry: apply, review, make, file (备案), query, change, renew, revoke; use seals; verify. Errors are RFC 9457 problem JSON with a stable code; titles are zh-CN, or English with Accept-Language: en."
        },
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
        }
    })
}

/// The component schemas whose request (deserialised) and response (serialised) forms differ,
/// which one document cannot describe under one name (the test requires there are none).
pub fn schema_conflicts() -> Vec<String> {
    use schemars::generate::{Contract, SchemaSettings};
    let generator = |contract: Contract| {
        let mut s = SchemaSettings::draft2020_12();
        s.definitions_path = "/components/schemas".into();
        s.contract = contract;
        s.into_generator()
    };
    let (mut requests, mut responses) = (
        generator(Contract::Deserialize),
        generator(Contract::Serialize),
    );
    for ep in ENDPOINTS {
        if let Some(f) = ep.request {
            f(&mut requests);
        }
        if let Some(f) = ep.response {
            f(&mut responses);
        }
    }
    let out = responses.take_definitions(true);
    requests
        .take_definitions(true)
        .into_iter()
        .filter(|(name, schema)| out.get(name).is_some_and(|o| o != schema))
        .map(|(name, _)| name)
        .collect()
}

async fn openapi_json() -> Json<Value> {
    Json(openapi())
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn docs_page() -> Html<String> {
    let mut rows = String::new();
    for ep in ENDPOINTS {
        let roles = match ep.access {
            Access::Public => "公开 public".to_owned(),
            Access::Authenticated => "已登录 any user".to_owned(),
            Access::Roles(r) => r.iter().map(|r| r.name()).collect::<Vec<_>>().join(", "),
        };
        let body = ep
            .body
            .map(|b| format!("<pre>{}</pre>", html_escape(b)))
            .unwrap_or_default();
        rows.push_str(&format!(
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}<br><small>{}</small>{}</td><td>{}</td></tr>\n",
            ep.method,
            html_escape(ep.path),
            html_escape(ep.summary_zh),
            html_escape(ep.summary),
            body,
            html_escape(&roles)
        ));
    }
    let mut codes = String::new();
    for (c, zh, en) in problem::CODES {
        codes.push_str(&format!(
            "<tr><td><code>{c}</code></td><td>{zh}</td><td>{en}</td></tr>\n"
        ));
    }
    Html(format!(
        r#"<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>eseal API</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:70em}}table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top}}pre{{margin:4px 0;white-space:pre-wrap;font-size:85%}}</style>
<h1>eseal 电子印章平台 API</h1>
<p>机器可读的描述 / machine-readable: <a href="/api/openapi.json">/api/openapi.json</a>. 认证 / auth: <code>POST /api/v1/login</code> → <code>Authorization: Bearer &lt;token&gt;</code>.
错误为 RFC 9457 problem JSON，含稳定的 <code>code</code>；<code>Accept-Language: en</code> 返回英文标题。
示例中的 <code>{{{{…}}}}</code> 是占位符（口令、base64 数据、SM3 等）/ <code>{{{{…}}}}</code> in the examples are placeholders (a PIN, base64 data, an SM3 digest); request and response schemas are in the OpenAPI document.</p>
<table><tr><th>方法</th><th>路径</th><th>说明</th><th>角色 roles</th></tr>
{rows}</table>
<h2>错误代码 / problem codes</h2><table><tr><th>code</th><th>中文</th><th>English</th></tr>
{codes}</table></html>"#
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_has_a_handler_and_one_entry() {
        let mut seen = std::collections::HashSet::new();
        for ep in ENDPOINTS {
            assert!(
                handler(ep.method, ep.path).is_some(),
                "{} {}",
                ep.method,
                ep.path
            );
            assert!(
                seen.insert((ep.method, ep.path)),
                "duplicate {} {}",
                ep.method,
                ep.path
            );
        }
        let doc = openapi();
        assert_eq!(doc["openapi"], "3.1.0");
        assert_eq!(schema_conflicts(), Vec::<String>::new());
        assert!(
            doc["paths"]["/api/v1/applications/{id}/make"]["post"]["x-roles"]
                .as_array()
                .is_some_and(|r| r.len() == 1)
        );
    }
}
