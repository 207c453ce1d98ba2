//! The audit log and the public seal log: the adapter of `crate::transparency`.

use super::*;

/// This resource's rows of the endpoint table ([`super::ENDPOINTS`]).
pub(super) const ROWS: &[Endpoint] = &[
    ep!(
        "GET",
        "/api/v1/audit/checkpoint",
        get(audit_checkpoint),
        Access::Roles(&[Auditor]),
        "The latest signed checkpoint of the audit log (a C2SP signed note; key in DATA/pki/audit-key.pem)",
        "审计日志最新签名检查点"
    )
    .media("text/plain"),
    ep!(
        "GET",
        "/api/v1/audit/log",
        get(audit_log),
        Access::Roles(&[Auditor]),
        "The audit log, filtered (?since=&until= RFC 3339, &actor=, &event= prefix, &seal=, &limit= ≤ 1000)",
        "审计日志查询"
    )
    .query(schema::<crate::transparency::AuditFilter>)
    .ok(200, schema::<views::AuditEntries>),
    ep!(
        "GET",
        "/api/v1/transparency/checkpoint",
        get(checkpoint),
        Access::Public,
        "The seal transparency log's latest signed checkpoint (origin eseal/seals, C2SP signed note)",
        "印章透明日志最新签名检查点（公开）"
    )
    .media("text/plain"),
    ep!(
        "GET",
        "/api/v1/transparency/key",
        get(key),
        Access::Public,
        "The public key (SM2, SPKI PEM) that signs the logs' checkpoints",
        "日志检查点签名公钥（公开）"
    )
    .media("application/x-pem-file"),
    ep!(
        "GET",
        "/api/v1/transparency/entries",
        get(entries),
        Access::Public,
        "Seal log entries in order (?from=&limit=, at most 1000)",
        "印章透明日志条目（公开）"
    )
    .query(schema::<crate::transparency::Page>)
    .ok(200, schema::<views::LogEntries>),
    ep!(
        "GET",
        "/api/v1/transparency/seals/{id}",
        get(seal_proof),
        Access::Public,
        "A seal's log entries with inclusion proofs against the latest checkpoint (keep it beside a signed document; eseal verify --transparency checks it offline)",
        "印章的日志条目及包含证明（公开）"
    )
    .ok(200, schema::<views::SealProofAnswer>),
    ep!(
        "GET",
        "/api/v1/transparency/consistency",
        get(consistency),
        Access::Public,
        "Consistency proof between two sizes of the seal log (?from=M&to=N)",
        "印章透明日志一致性证明（公开）"
    )
    .query(schema::<crate::transparency::Between>)
    .ok(200, schema::<views::Consistency>),
];

use crate::transparency as service;

fn text(body: String) -> Response {
    let mut resp = body.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

async fn audit_checkpoint(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
) -> ApiResult<Response> {
    Ok(text(service::audit_checkpoint(&s, &c).await?))
}

async fn audit_log(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(f): Query<service::AuditFilter>,
) -> ApiResult<Json<views::AuditEntries>> {
    Ok(Json(service::audit_log(&s, &c, f).await?))
}

async fn checkpoint(State(s): State<AppState>) -> ApiResult<Response> {
    Ok(text(service::seal_checkpoint(&s).await?))
}

async fn key(State(s): State<AppState>) -> ApiResult<Response> {
    Ok(text(service::key_pem(&s)?))
}

async fn entries(
    State(s): State<AppState>,
    Query(q): Query<service::Page>,
) -> ApiResult<Json<views::LogEntries>> {
    Ok(Json(service::entries(&s, q).await?))
}

async fn seal_proof(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<views::SealProofAnswer>> {
    Ok(Json(service::proof_of(&s, &id).await?))
}

async fn consistency(
    State(s): State<AppState>,
    Query(q): Query<service::Between>,
) -> ApiResult<Json<views::Consistency>> {
    Ok(Json(service::consistency(&s, q).await?))
}
