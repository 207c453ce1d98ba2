//! The managed trust list of other CAs' anchors (mutual recognition).

use super::*;

/// This resource's rows of the endpoint table ([`super::ENDPOINTS`]).
pub(super) const ROWS: &[Endpoint] = &[
    ep!(
        "GET",
        "/api/v1/trust-list",
        get(trust_list),
        Access::Public,
        "The trust list: anchors of other CAs (the national government-service CAs, other platforms) whose documents online verification accepts, with who added or removed each, when and why, and its state now",
        "信任列表（公开）：在线验证所接受的其他 CA 信任锚"
    )
    .ok(200, schema::<Vec<crate::trustlist::Listed>>),
    ep!(
        "POST",
        "/api/v1/trust-list",
        post(trust_add),
        Access::Roles(roles::MANAGE_TRUST),
        "Add a CA certificate (PEM, or base64 DER) to the trust list, with a label, a reason, optionally a narrower trusted period (RFC 3339) and where the CA publishes its CRL when its certificates name none",
        "添加信任锚",
        r#"{"certificate":"{{ca_pem}}","label":"国家政务服务平台 CA","reason":"全国互认","trusted_from":null,"trusted_until":null,"crl_url":null}"#
    )
    .request(schema::<TrustAddBody>)
    .ok(201, schema::<crate::trustlist::Listed>),
    ep!(
        "POST",
        "/api/v1/trust-list/{id}/remove",
        post(trust_remove),
        Access::Roles(roles::MANAGE_TRUST),
        "Remove an entry of the trust list (by its SM3 or its first 16 hex digits) with a reason; verification stops trusting it at once, the entry and its history stay",
        "移除信任锚",
        r#"{"reason":"该 CA 已停止服务"}"#
    )
    .request(schema::<RejectBody>)
    .ok(200, schema::<crate::trustlist::Listed>),
];

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct TrustAddBody {
    /// PEM text, or base64 of the DER.
    pub(crate) certificate: String,
    pub(crate) label: String,
    pub(crate) reason: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>")]
    pub(crate) trusted_from: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>")]
    pub(crate) trusted_until: Option<OffsetDateTime>,
    /// Where the CA publishes its CRL (http/https), for certificates that name no
    /// distribution point.
    #[serde(default)]
    pub(crate) crl_url: Option<String>,
}

pub(crate) async fn trust_list(
    State(s): State<AppState>,
) -> ApiResult<Json<Vec<crate::trustlist::Listed>>> {
    Ok(Json(s.trust_list().list().await?))
}

pub(crate) async fn trust_add(
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
    let anchor = crate::trustlist::AddAnchor {
        certificate,
        label: b.label,
        trusted_from: b.trusted_from,
        trusted_until: b.trusted_until,
        reason: b.reason,
        crl_url: b.crl_url,
    };
    Ok((
        StatusCode::CREATED,
        Json(s.trust_list().add(&c, anchor).await?),
    ))
}

pub(crate) async fn trust_remove(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<RejectBody>,
) -> ApiResult<Json<crate::trustlist::Listed>> {
    Ok(Json(s.trust_list().remove(&c, &id, &b.reason).await?))
}
