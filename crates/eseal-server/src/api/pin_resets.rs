//! PIN reset by application (R-PIN-1, issue 7 item 2): apply with proof, a reviewer decides,
//! the applicant completes with a new PIN and the seal is re-keyed (see
//! [`eseal_core::pin_reset`] for why a reset cannot keep the old key).

use super::*;
use crate::making::KeySource;
use crate::seals::{load_seal, remake, store_artefacts};
use eseal_core::{KeyCustody, Material, PinReset, PinState, RevocationReason};

/// This resource's rows of the endpoint table ([`super::ENDPOINTS`]).
pub(super) const ROWS: &[Endpoint] = &[
    ep!(
        "POST",
        "/api/v1/seals/{id}/pin-resets",
        post(apply),
        Access::Roles(&[Holder, Custodian]),
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
        Access::Roles(&[Reviewer, Auditor]),
        "PIN reset applications (?state=submitted|approved|rejected|done)",
        "口令重置申请列表"
    )
    .query(schema::<ListQuery>)
    .ok(200, schema::<Vec<eseal_core::PinReset>>),
    ep!(
        "POST",
        "/api/v1/pin-resets/{id}/approve",
        post(approve),
        Access::Roles(&[Reviewer]),
        "Approve a PIN reset (not one's own)",
        "口令重置审核通过"
    )
    .ok(200, schema::<eseal_core::PinReset>),
    ep!(
        "POST",
        "/api/v1/pin-resets/{id}/reject",
        post(reject),
        Access::Roles(&[Reviewer]),
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
        Access::Roles(&[Holder, Custodian]),
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
    let now = s.now();
    let seal = load_seal(&s, &id).await?.record;
    crate::signing::may_use(&seal, &c)?;
    if !matches!(seal.key_custody, KeyCustody::Platform { .. }) {
        return Err(Failure::unprocessable(
            "forbidden",
            "该印章的密钥保存在持有人的设备中：请在设备上重置 PIN",
            "the holder's device holds this seal's key: its PIN is reset on the device",
        )
        .into());
    }
    let mut materials = Vec::with_capacity(b.materials.len());
    for m in b.materials {
        let sm3 = m.sm3.to_ascii_lowercase();
        if s.store().material(&sm3).await?.is_none() {
            return Err(Failure::invalid(
                "materials",
                format!("没有 SM3 为 {sm3} 的已上传材料，请先上传到 /api/v1/materials"),
                format!("no uploaded material has SM3 {sm3}; upload it to /api/v1/materials first"),
            )
            .into());
        }
        materials.push(Material { kind: m.kind, sm3 });
    }
    let rid = format!("P{}", &crate::making::new_seal_id(s.random())?[2..]);
    let reset = PinReset::submit(&rid, &seal.id, &c.user, &b.reason, materials, now)?;
    s.store().commit(Batch::new().insert(&reset)?, now).await?;
    Ok((StatusCode::CREATED, Json(reset)))
}

/// `GET /pin-resets?state=`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ListQuery {
    state: Option<String>,
}

/// Reset applications by state (reviewers and auditors).
pub async fn list(
    State(s): State<AppState>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<PinReset>>> {
    let state = q.state.as_deref().unwrap_or("submitted");
    if !["submitted", "approved", "rejected", "done"].contains(&state) {
        return Err(Failure::invalid(
            "state",
            "须为 submitted、approved、rejected 或 done",
            "submitted, approved, rejected or done",
        )
        .into());
    }
    Ok(Json(
        s.store()
            .find::<PinReset>("state", state, registry::QUERY_LIMIT)
            .await?
            .into_iter()
            .map(|v| v.record)
            .collect(),
    ))
}

async fn decide(
    s: &AppState,
    id: &str,
    step: impl FnOnce(&mut PinReset) -> Result<(), eseal_core::DomainError>,
) -> ApiResult<Json<PinReset>> {
    let mut r = s
        .store()
        .get::<PinReset>(id)
        .await?
        .ok_or_else(|| Failure::not_found(Thing::PinReset, id))?;
    step(&mut r.record)?;
    s.store()
        .commit(Batch::new().update(&r.record, r.version)?, s.now())
        .await?;
    Ok(Json(r.record))
}

/// A reviewer (not the applicant) approves.
pub async fn approve(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<PinReset>> {
    let now = s.now();
    decide(&s, &id, |r| r.approve(&c.user, now)).await
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
    decide(&s, &id, |r| r.reject(&c.user, &b.reason)).await
}

/// `POST /pin-resets/{id}/complete`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct CompleteBody {
    new_pin: String,
}

/// The applicant completes an approved reset with the new PIN: new key pair, certificate
/// and seal data; the reset, seal, key and filing committed together; the old certificate
/// revoked at the CA (superseded); open signing sessions of the seal closed. The new PIN is
/// the applicant's own, so it need not be changed before use.
pub async fn complete(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<CompleteBody>,
) -> ApiResult<Json<crate::views::ResetCompleted>> {
    let now = s.now();
    eseal_core::pin::check_pin_form(&b.new_pin)?;
    let reset = s
        .store()
        .get::<PinReset>(&id)
        .await?
        .ok_or_else(|| Failure::not_found(Thing::PinReset, &id))?;
    reset.record.may_complete(&c.user, now)?;
    let seal = load_seal(&s, &reset.record.seal_id).await?.record;
    crate::signing::may_use(&seal, &c)?;
    // The domain decides first, so nothing is issued for a refused re-keying.
    seal.clone()
        .rekey(now, "-", now, now + time::Duration::seconds(1))?;
    let lock = s.seal_lock(&seal.id);
    let _guard = lock.lock().await;
    let mut made = remake(&s, &seal, KeySource::Platform, now).await?;
    let mut sealed = store_artefacts(&s, &mut made, Some(&b.new_pin))
        .await?
        .ok_or_else(|| Failure::internal("re-keying made no platform key"))?;
    sealed.pin = PinState::new(now);
    registry::rekey(
        s.store(),
        &reset,
        &made.seal.certificate_serial,
        made.seal.valid_from,
        made.seal.valid_to,
        &eseal_gm::Sm3Digest::of(&made.seal_data).to_hex(),
        &sealed,
        now,
    )
    .await?;
    s.sessions().close_seal(&seal.id);
    s.pki()
        .revoke(&seal.certificate_serial, RevocationReason::Replaced, now)?;
    let seal = load_seal(&s, &seal.id).await?.record;
    let reset = s
        .store()
        .get::<PinReset>(&id)
        .await?
        .map(|v| v.record)
        .ok_or_else(|| Failure::not_found(Thing::PinReset, &id))?;
    Ok(Json(crate::views::ResetCompleted {
        reset,
        seal: crate::views::SealView::of(&seal, now),
    }))
}
