//! Organisations' approval levels and use requests for official seals.

use super::*;

/// This resource's rows of the endpoint table ([`super::ENDPOINTS`]).
pub(super) const ROWS: &[Endpoint] = &[
    ep!(
        "PUT",
        "/api/v1/organisations/{uscc}",
        axum::routing::put(put_organisation),
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
        post(create_use_request),
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
        get(list_use_requests),
        Access::Roles(&[Custodian, Approver, Auditor]),
        "Use requests of the caller's organisation (?state=pending|approved|rejected)",
        "用印申请列表"
    )
    .query(schema::<StateQuery>)
    .ok(200, schema::<Vec<eseal_core::UseRequest>>),
    ep!(
        "POST",
        "/api/v1/use-requests/{id}/approve",
        post(approve_use),
        Access::Roles(&[Approver]),
        "Approve a use request (one level)",
        "用印审批通过"
    )
    .ok(200, schema::<eseal_core::UseRequest>),
    ep!(
        "POST",
        "/api/v1/use-requests/{id}/reject",
        post(reject_use),
        Access::Roles(&[Approver]),
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
    Path(uscc): Path<String>,
    Json(b): Json<OrganisationBody>,
) -> ApiResult<Json<eseal_core::Organisation>> {
    let mut org = eseal_core::Organisation::new(&uscc, &b.name, b.legal_representative.as_deref())?;
    if !(1..=5).contains(&b.approval_levels) {
        return Err(Failure::invalid("approval_levels", "须为 1 到 5", "1 to 5").into());
    }
    org.approval_levels = b.approval_levels;
    s.store().put(&org, s.now()).await?;
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
    let seal = load_seal(&s, &id).await?.record;
    let org = match (&seal.kind, &seal.organisation_code) {
        (SealKind::Official(_), Some(org)) => org.clone(),
        _ => {
            return Err(Failure::invalid(
                "seal",
                "用印申请只适用于单位印章；职务印章和个人印章由持有人使用",
                "use requests are for official seals; position and personal seals are used by their holder",
            ).into());
        }
    };
    if c.organisation_code.as_deref() != Some(org.as_str()) {
        return Err(Failure::forbidden_role(
            "只有印章所属单位的保管人可以申请用印",
            "only a custodian of the seal's organisation may ask to use it",
        )
        .into());
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

pub(crate) async fn list_use_requests(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<StateQuery>,
) -> ApiResult<Json<Vec<eseal_core::UseRequest>>> {
    let state = q.state.as_deref().unwrap_or("pending");
    if !["pending", "approved", "rejected"].contains(&state) {
        return Err(Failure::invalid(
            "state",
            "须为 pending、approved 或 rejected",
            "pending, approved or rejected",
        )
        .into());
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

pub(crate) async fn load_use_request(
    s: &AppState,
    c: &Caller,
    id: &str,
) -> ApiResult<eseal_store::Versioned<eseal_core::UseRequest>> {
    let r = s
        .store()
        .get::<eseal_core::UseRequest>(id)
        .await?
        .ok_or_else(|| Failure::not_found(Thing::UseRequest, id))?;
    if c.organisation_code.as_deref() != Some(r.record.organisation_code.as_str()) {
        return Err(Failure::not_found(Thing::UseRequest, id).into());
    }
    Ok(r)
}

pub(crate) async fn approve_use(
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

pub(crate) async fn reject_use(
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
