//! The audit log and the public seal log (handlers in `crate::transparency`).

use super::*;

/// This resource's rows of the endpoint table ([`super::ENDPOINTS`]).
pub(super) const ROWS: &[Endpoint] = &[
    ep!(
        "GET",
        "/api/v1/audit/checkpoint",
        get(crate::transparency::audit_checkpoint),
        Access::Roles(&[Auditor]),
        "The latest signed checkpoint of the audit log (a C2SP signed note; key in DATA/pki/audit-key.pem)",
        "审计日志最新签名检查点"
    )
    .media("text/plain"),
    ep!(
        "GET",
        "/api/v1/audit/log",
        get(crate::transparency::audit_log),
        Access::Roles(&[Auditor]),
        "The audit log, filtered (?since=&until= RFC 3339, &actor=, &event= prefix, &seal=, &limit= ≤ 1000)",
        "审计日志查询"
    )
    .query(schema::<crate::transparency::AuditFilter>)
    .ok(200, schema::<views::AuditEntries>),
    ep!(
        "GET",
        "/api/v1/transparency/checkpoint",
        get(crate::transparency::checkpoint),
        Access::Public,
        "The seal transparency log's latest signed checkpoint (origin eseal/seals, C2SP signed note)",
        "印章透明日志最新签名检查点（公开）"
    )
    .media("text/plain"),
    ep!(
        "GET",
        "/api/v1/transparency/key",
        get(crate::transparency::key),
        Access::Public,
        "The public key (SM2, SPKI PEM) that signs the logs' checkpoints",
        "日志检查点签名公钥（公开）"
    )
    .media("application/x-pem-file"),
    ep!(
        "GET",
        "/api/v1/transparency/entries",
        get(crate::transparency::entries),
        Access::Public,
        "Seal log entries in order (?from=&limit=, at most 1000)",
        "印章透明日志条目（公开）"
    )
    .query(schema::<crate::transparency::Page>)
    .ok(200, schema::<views::LogEntries>),
    ep!(
        "GET",
        "/api/v1/transparency/seals/{id}",
        get(crate::transparency::seal_proof),
        Access::Public,
        "A seal's log entries with inclusion proofs against the latest checkpoint (keep it beside a signed document; eseal verify --transparency checks it offline)",
        "印章的日志条目及包含证明（公开）"
    )
    .ok(200, schema::<views::SealProofAnswer>),
    ep!(
        "GET",
        "/api/v1/transparency/consistency",
        get(crate::transparency::consistency),
        Access::Public,
        "Consistency proof between two sizes of the seal log (?from=M&to=N)",
        "印章透明日志一致性证明（公开）"
    )
    .query(schema::<crate::transparency::Between>)
    .ok(200, schema::<views::Consistency>),
];
