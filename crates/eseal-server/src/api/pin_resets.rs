//! PIN reset by application (R-PIN-1, issue 7 item 2): apply with proof, a reviewer decides,
//! the applicant completes with a new PIN and the seal is re-keyed (see
//! [`eseal_core::pin_reset`] for why a reset cannot keep the old key).

use super::*;
use eseal_core::{Material, PinReset};

/// This resource's rows of the endpoint table ([`super::ENDPOINTS`]).
pub(super) const ROWS: &[Endpoint] = &[
    ep!(
        "POST",
        "/api/v1/seals/{id}/pin-resets",
        post(apply),
        Access::Roles(roles::USE_SEAL),
        "Apply to reset a forgotten or locked PIN, with proof materials (identity document and statement)",
        "申请重置印章口令",
        r#"{"reason":"忘记口令","materials":[{"kind":"holder_id","sm3":"{{id_card_sm3}}"},{"kind":"proof","sm3":"{{statement_sm3}}"}]}"#
    )
    .request(schema::<ApplyBody>)
    .ok(201, schema::<eseal_core::PinReset>),
    ep!(
        "GET",
        "/api/v1/pin-resets",
        get(list),
        Access::Roles(roles::READ_PIN_RESETS),
        "PIN reset applications (?state=submitted|approved|rejected|done)",
        "口令重置申请列表"
    )
    .query(schema::<ListQuery>)
    .ok(200, schema::<Vec<eseal_core::PinReset>>),
    ep!(
        "POST",
        "/api/v1/pin-resets/{id}/approve",
        post(approve),
        Access::Roles(roles::REVIEW),
        "Approve a PIN reset (not one's own)",
        "口令重置审核通过"
    )
    .ok(200, schema::<eseal_core::PinReset>),
    ep!(
        "POST",
        "/api/v1/pin-resets/{id}/reject",
        post(reject),
        Access::Roles(roles::REVIEW),
        "Reject a PIN reset with a reason",
        "口令重置审核驳回",
        r#"{"reason":"身份证明不清晰"}"#
    )
    .request(schema::<RejectBody>)
    .ok(200, schema::<eseal_core::PinReset>),
    ep!(
        "POST",
        "/api/v1/pin-resets/{id}/complete",
        post(complete),
        Access::Roles(roles::USE_SEAL),
        "Complete an approved PIN reset with the new PIN: the seal is re-keyed (new key, certificate, seal data) and filed",
        "完成口令重置（印章换钥）",
        r#"{"new_pin":"{{new_pin}}"}"#
    )
    .request(schema::<CompleteBody>)
    .ok(200, schema::<views::ResetCompleted>),
];

/// `POST /seals/{id}/pin-resets`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ApplyBody {
    reason: String,
    materials: Vec<Material>,
}

/// The holder (or the official seal's custodian) applies with proof materials uploaded to
/// `/materials`.
pub async fn apply(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<ApplyBody>,
) -> ApiResult<(StatusCode, Json<PinReset>)> {
    let reset = s
        .pin_resets()
        .apply(&c, &id, &b.reason, b.materials)
        .await?;
    Ok((StatusCode::CREATED, Json(reset)))
}

/// `GET /pin-resets?state=`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ListQuery {
    state: Option<String>,
    /// Only this seal's.
    q: Option<String>,
    /// Continue after this id (the `X-Next-After` header of the page before).
    after: Option<String>,
}

/// Reset applications by state (reviewers and auditors).
pub async fn list(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<ListQuery>,
) -> ApiResult<axum::response::Response> {
    let page = crate::service::PageAt::after(q.after.as_deref());
    Ok(super::listed(
        s.pin_resets()
            .list(&c, q.state.as_deref(), q.q.as_deref(), &page)
            .await?,
    ))
}

/// A reviewer (not the applicant) approves.
pub async fn approve(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<PinReset>> {
    Ok(Json(s.pin_resets().approve(&c, &id).await?))
}

/// `POST /pin-resets/{id}/reject`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct RejectBody {
    reason: String,
}

/// A reviewer rejects with a reason.
pub async fn reject(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<RejectBody>,
) -> ApiResult<Json<PinReset>> {
    Ok(Json(s.pin_resets().reject(&c, &id, &b.reason).await?))
}

/// `POST /pin-resets/{id}/complete`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct CompleteBody {
    new_pin: String,
}

/// The applicant completes an approved reset with the new PIN (see
/// [`crate::service::PinResets::complete`]).
pub async fn complete(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<CompleteBody>,
) -> ApiResult<Json<crate::views::ResetCompleted>> {
    Ok(Json(s.pin_resets().complete(&c, &id, &b.new_pin).await?))
}
