//! Seals: queries, seal data, history, renewal, revocation, status, filings (备案): the
//! adapter of [`crate::service::Registry`].

use super::*;

/// This resource's rows of the endpoint table ([`super::ENDPOINTS`]).
pub(super) const ROWS: &[Endpoint] = &[
    ep!(
        "GET",
        "/api/v1/seals",
        get(list_seals),
        Access::Roles(roles::READ_SEALS),
        "Seals of an organisation (?organisation=) or holder (?holder=), with status (?at=); holders see only their own, custodians and approvers only their organisation's",
        "印章查询"
    )
    .query(schema::<SealQuery>)
    .ok(200, schema::<Vec<views::SealView>>),
    ep!(
        "GET",
        "/api/v1/seals/{id}",
        get(get_seal),
        Access::Roles(roles::READ_SEALS),
        "One seal with its status (its holder, its organisation's custodians and approvers, and the agency)",
        "印章详情"
    )
    .query(schema::<AtQuery>)
    .ok(200, schema::<views::SealView>),
    ep!(
        "GET",
        "/api/v1/seals/{id}/data",
        get(seal_data),
        Access::Roles(roles::READ_SEALS),
        "The seal data (GB/T 38540 DER), to the same callers as the seal",
        "印章数据"
    )
    .media("application/octet-stream"),
    ep!(
        "GET",
        "/api/v1/seals/{id}/history",
        get(seal_history),
        Access::Roles(roles::SEAL_HISTORY),
        "Every stored version of a seal",
        "印章历史"
    )
    .ok(200, schema::<Vec<views::SealVersion>>),
    ep!(
        "POST",
        "/api/v1/seals/{id}/renew",
        post(renew),
        Access::Roles(roles::RENEW),
        "Renew (last 3 months before expiry) with a new certificate",
        "印章续期",
        r#"{"certificate":null,"pin":"{{initial_pin}}"}"#
    )
    .limit(MAKE_LIMIT)
    .request(schema::<RenewBody>)
    .ok(200, schema::<views::SealView>),
    ep!(
        "POST",
        "/api/v1/seals/{id}/revoke",
        post(revoke),
        Access::Roles(roles::REVOKE),
        "Revoke with a reason and proof materials",
        "印章注销",
        r#"{"reason":"stolen_or_lost","proof":["{{proof_sm3}}"]}"#
    )
    .request(schema::<RevokeBody>)
    .ok(200, schema::<views::SealView>),
    ep!(
        "GET",
        "/api/v1/status/{id}",
        get(status),
        Access::Public,
        "Public seal status at a time (?at=)",
        "印章状态查询（公开）"
    )
    .query(schema::<AtQuery>)
    .ok(200, schema::<views::PublicStatus>),
    ep!(
        "GET",
        "/api/v1/filings",
        get(list_filings),
        Access::Roles(roles::READ_FILINGS),
        "Filings (备案) with their deadline state (?state=pending|delivered)",
        "备案列表"
    )
    .query(schema::<StateQuery>)
    .ok(200, schema::<Vec<views::FilingView>>),
    ep!(
        "POST",
        "/api/v1/filings/{id}/retry",
        post(retry_filing),
        Access::Roles(roles::RETRY_FILINGS),
        "Send a pending filing at the worker's next pass (If-Match: the ETag of the filing as last read refuses a stale decision)",
        "立即重试备案"
    )
    .ok(200, schema::<views::FilingView>),
];

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct SealQuery {
    pub(crate) organisation: Option<String>,
    pub(crate) holder: Option<String>,
    pub(crate) at: Option<String>,
    pub(crate) after: Option<String>,
}

fn at_of(s: &AppState, at: Option<&str>) -> ApiResult<Option<OffsetDateTime>> {
    at.map(|t| parse_at(Some(t), s.now())).transpose()
}

/// Seals of an organisation or holder, at most 500 per page in id order; when there may be
/// more, the `x-next-after` header gives the `after=` of the next page.
pub(crate) async fn list_seals(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<SealQuery>,
) -> ApiResult<Response> {
    let query = crate::service::SealQuery {
        organisation: q.organisation,
        holder: q.holder,
        at: at_of(&s, q.at.as_deref())?,
        after: q.after.unwrap_or_default(),
        limit: None,
    };
    let page = s.registry().seals(&c, query).await?;
    Ok(listed(crate::service::Listed {
        items: page.seals,
        next: page.next,
    }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct AtQuery {
    pub(crate) at: Option<String>,
}

pub(crate) async fn get_seal(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<AtQuery>,
) -> ApiResult<Json<views::SealView>> {
    let at = parse_at(q.at.as_deref(), s.now())?;
    let seal = s.registry().seal(&c, &id).await?;
    Ok(Json(views::SealView::of(&seal, at)))
}

pub(crate) async fn seal_data(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let bytes = s.registry().seal_data(&c, &id).await?;
    let mut resp = bytes.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    Ok(resp)
}

pub(crate) async fn seal_history(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<views::SealVersion>>> {
    Ok(Json(s.registry().seal_history(&c, &id).await?))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct RenewBody {
    pub(crate) certificate: Option<String>,
    /// For a platform-held key: the new key's initial PIN.
    pub(crate) pin: Option<String>,
}

pub(crate) async fn renew(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<RenewBody>,
) -> ApiResult<Json<views::SealView>> {
    let how = crate::service::Renewal {
        certificate: b.certificate.map(String::into_bytes),
        pin: b.pin,
    };
    Ok(Json(s.registry().renew(&c, &id, how).await?))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct RevokeBody {
    pub(crate) reason: RevocationReason,
    #[serde(default)]
    pub(crate) proof: Vec<String>,
    pub(crate) at: Option<String>,
}

pub(crate) async fn revoke(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<RevokeBody>,
) -> ApiResult<Json<views::SealView>> {
    let r = crate::service::Revocation {
        reason: b.reason,
        proof: b.proof,
        at: at_of(&s, b.at.as_deref())?,
    };
    Ok(Json(s.registry().revoke(&c, &id, r).await?))
}

pub(crate) async fn status(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<AtQuery>,
) -> ApiResult<Json<views::PublicStatus>> {
    let at = at_of(&s, q.at.as_deref())?;
    Ok(Json(s.registry().public_status(&id, at).await?))
}

pub(crate) async fn retry_filing(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<views::FilingView>> {
    Ok(Json(
        s.registry()
            .retry_filing(&c, &id, if_match(&headers).as_deref())
            .await?,
    ))
}

pub(crate) async fn list_filings(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<StateQuery>,
) -> ApiResult<Response> {
    let page = crate::service::PageAt::after(q.after.as_deref());
    Ok(listed(
        s.registry()
            .filings(&c, q.state.as_deref(), q.q.as_deref(), &page)
            .await?,
    ))
}
