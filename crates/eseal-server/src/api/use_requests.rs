//! Organisations' approval levels and use requests for official seals: the adapter of
//! [`crate::service::Approvals`].

use super::*;

/// This resource's rows of the endpoint table ([`super::ENDPOINTS`]).
pub(super) const ROWS: &[Endpoint] = &[
    ep!(
        "PUT",
        "/api/v1/organisations/{uscc}",
        axum::routing::put(put_organisation),
        Access::Roles(roles::MANAGE_ORGANISATIONS),
        "Register an organisation and its internal rule (approval levels for official-seal use)",
        "登记单位及用印审批级数",
        r#"{"name":"威海市示例科技有限公司","approval_levels":2}"#
    )
    .request(schema::<OrganisationBody>)
    .ok(200, schema::<eseal_core::Organisation>),
    ep!(
        "POST",
        "/api/v1/seals/{id}/use-requests",
        post(create_use_request),
        Access::Roles(roles::REQUEST_USE),
        "Ask to use an official seal: documents (SM3), purpose, counterparty, stamps, window",
        "用印申请",
        r#"{"documents":["{{data_sm3}}"],"purpose":"签订采购合同","counterparty":"某公司","stamps":1,"not_before":null,"not_after":"{{tomorrow}}"}"#
    )
    .request(schema::<UseRequestBody>)
    .ok(201, schema::<eseal_core::UseRequest>),
    ep!(
        "GET",
        "/api/v1/use-requests",
        get(list_use_requests),
        Access::Roles(roles::READ_USE_REQUESTS),
        "Use requests of the caller's organisation (?state=pending|approved|rejected)",
        "用印申请列表"
    )
    .query(schema::<StateQuery>)
    .ok(200, schema::<Vec<eseal_core::UseRequest>>),
    ep!(
        "POST",
        "/api/v1/use-requests/{id}/approve",
        post(approve_use),
        Access::Roles(roles::APPROVE_USE),
        "Approve a use request (one level)",
        "用印审批通过"
    )
    .ok(200, schema::<eseal_core::UseRequest>),
    ep!(
        "POST",
        "/api/v1/use-requests/{id}/reject",
        post(reject_use),
        Access::Roles(roles::APPROVE_USE),
        "Reject a use request with a reason",
        "用印审批驳回",
        r#"{"reason":"合同未经法务审核"}"#
    )
    .request(schema::<RejectBody>)
    .ok(200, schema::<eseal_core::UseRequest>),
];

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct OrganisationBody {
    pub(crate) name: String,
    #[serde(default = "one")]
    pub(crate) approval_levels: u32,
    pub(crate) legal_representative: Option<String>,
}

pub(crate) fn one() -> u32 {
    1
}

pub(crate) async fn put_organisation(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(uscc): Path<String>,
    Json(b): Json<OrganisationBody>,
) -> ApiResult<Json<eseal_core::Organisation>> {
    let org = s
        .approvals()
        .put_organisation(
            &c,
            &uscc,
            &b.name,
            b.legal_representative.as_deref(),
            b.approval_levels,
        )
        .await?;
    Ok(Json(org))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct UseRequestBody {
    pub(crate) documents: Vec<String>,
    pub(crate) purpose: String,
    pub(crate) counterparty: Option<String>,
    pub(crate) stamps: u32,
    pub(crate) not_before: Option<String>,
    pub(crate) not_after: String,
}

pub(crate) async fn create_use_request(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<UseRequestBody>,
) -> ApiResult<(StatusCode, Json<eseal_core::UseRequest>)> {
    let now = s.now();
    let new = crate::service::NewUseRequest {
        documents: b.documents,
        purpose: b.purpose,
        counterparty: b.counterparty,
        stamps: b.stamps,
        not_before: b
            .not_before
            .as_deref()
            .map(|t| parse_at(Some(t), now))
            .transpose()?,
        not_after: parse_at(Some(&b.not_after), now)?,
    };
    let req = s.approvals().request(&c, &id, new).await?;
    Ok((StatusCode::CREATED, Json(req)))
}

pub(crate) async fn list_use_requests(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<StateQuery>,
) -> ApiResult<Response> {
    let page = crate::service::PageAt::after(q.after.as_deref());
    Ok(listed(
        s.approvals()
            .requests(&c, q.state.as_deref(), q.q.as_deref(), &page)
            .await?,
    ))
}

pub(crate) async fn approve_use(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<eseal_core::UseRequest>> {
    Ok(Json(
        s.approvals()
            .approve(&c, &id, if_match(&headers).as_deref())
            .await?,
    ))
}

pub(crate) async fn reject_use(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(b): Json<RejectBody>,
) -> ApiResult<Json<eseal_core::UseRequest>> {
    Ok(Json(
        s.approvals()
            .reject(&c, &id, &b.reason, if_match(&headers).as_deref())
            .await?,
    ))
}
