//! Seals: queries, seal data, history, renewal, revocation, status, filings (备案).

use super::*;

/// This resource's rows of the endpoint table ([`super::ENDPOINTS`]).
pub(super) const ROWS: &[Endpoint] = &[
    ep!(
        "GET",
        "/api/v1/seals",
        get(list_seals),
        Access::Roles(SEAL_READERS),
        "Seals of an organisation (?organisation=) or holder (?holder=), with status (?at=); holders see only their own, custodians and approvers only their organisation's",
        "印章查询"
    )
    .query(schema::<SealQuery>)
    .ok(200, schema::<Vec<views::SealView>>),
    ep!(
        "GET",
        "/api/v1/seals/{id}",
        get(get_seal),
        Access::Roles(SEAL_READERS),
        "One seal with its status (its holder, its organisation's custodians and approvers, and the agency)",
        "印章详情"
    )
    .query(schema::<AtQuery>)
    .ok(200, schema::<views::SealView>),
    ep!(
        "GET",
        "/api/v1/seals/{id}/data",
        get(seal_data),
        Access::Roles(SEAL_READERS),
        "The seal data (GB/T 38540 DER), to the same callers as the seal",
        "印章数据"
    )
    .media("application/octet-stream"),
    ep!(
        "GET",
        "/api/v1/seals/{id}/history",
        get(seal_history),
        Access::Roles(&[Maker, PoliceOfficer, Auditor]),
        "Every stored version of a seal",
        "印章历史"
    )
    .ok(200, schema::<Vec<views::SealVersion>>),
    ep!(
        "POST",
        "/api/v1/seals/{id}/renew",
        post(renew),
        Access::Roles(&[Maker]),
        "Renew (last 3 months before expiry) with a new certificate",
        "印章延期",
        r#"{"certificate":null,"pin":"{{initial_pin}}"}"#
    )
    .limit(MAKE_LIMIT)
    .request(schema::<RenewBody>)
    .ok(200, schema::<views::SealView>),
    ep!(
        "POST",
        "/api/v1/seals/{id}/revoke",
        post(revoke),
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
        Access::Roles(&[Maker, PoliceOfficer, Auditor]),
        "Filings (备案) with their deadline state (?state=pending|delivered)",
        "备案列表"
    )
    .query(schema::<StateQuery>)
    .ok(200, schema::<Vec<views::FilingView>>),
];

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct SealQuery {
    pub(crate) organisation: Option<String>,
    pub(crate) holder: Option<String>,
    pub(crate) at: Option<String>,
    pub(crate) after: Option<String>,
}

/// Seals of an organisation or holder, at most 500 per page in id order; when there may be
/// more, the `x-next-after` header gives the `after=` of the next page.
pub(crate) async fn list_seals(
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
            return Err(Failure::invalid(
                "query",
                "organisation=（统一社会信用代码）和 holder=（公民身份号码）须且只能给出一个",
                "give exactly one of organisation= (统一社会信用代码) or holder= (公民身份号码)",
            )
            .into());
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
pub(crate) struct AtQuery {
    pub(crate) at: Option<String>,
}

/// A seal the caller may see ([`crate::access::sees_seal`]); for anyone else it does not
/// exist (404).
pub(crate) async fn visible_seal(s: &AppState, c: &Caller, id: &str) -> ApiResult<Seal> {
    let seal = load_seal(s, id).await?.record;
    if !crate::access::sees_seal(c, &seal) {
        return Err(Failure::not_found(Thing::Seal, id).into());
    }
    Ok(seal)
}

pub(crate) async fn get_seal(
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

pub(crate) async fn seal_data(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let seal = visible_seal(&s, &c, &id).await?;
    let (_, bytes) = s
        .store()
        .blob(&seal.seal_data_sm3)
        .await?
        .ok_or_else(|| Failure::not_found(Thing::SealData, &id))?;
    let mut resp = bytes.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    Ok(resp)
}

pub(crate) async fn seal_history(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<views::SealVersion>>> {
    let h = s.store().history::<Seal>(&id).await?;
    if h.is_empty() {
        return Err(Failure::not_found(Thing::Seal, &id).into());
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
pub(crate) struct RenewBody {
    pub(crate) certificate: Option<String>,
    /// For a platform-held key: the new key's initial PIN.
    pub(crate) pin: Option<String>,
}

pub(crate) async fn renew(
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
            return Err(Failure::invalid(
                "certificate",
                "该印章的密钥由平台保管，新证书由 CA 签发，不要提供证书",
                "the platform holds this seal's key; the CA certifies the new one",
            )
            .into());
        }
        (eseal_core::KeyCustody::Device, None) => {
            return Err(Failure::invalid(
                "certificate",
                "该印章的密钥保存在持有人的设备中：请提供设备的新证书",
                "the holder's device holds this seal's key: give its new certificate",
            )
            .into());
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
pub(crate) struct RevokeBody {
    pub(crate) reason: RevocationReason,
    #[serde(default)]
    pub(crate) proof: Vec<String>,
    pub(crate) at: Option<String>,
}

pub(crate) async fn revoke(
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
            return Err(Failure::invalid(
                "at",
                "撤销自登记时起生效，不要填写 at",
                "a revocation takes effect when it is recorded; omit at",
            )
            .into());
        }
    }
    let mut proof = Vec::new();
    for sm3 in &b.proof {
        let sm3 = sm3.to_ascii_lowercase();
        if s.store().material(&sm3).await?.is_none() {
            return Err(Failure::invalid(
                "proof",
                format!("没有 SM3 为 {sm3} 的已上传材料"),
                format!("no uploaded material has SM3 {sm3}"),
            )
            .into());
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

pub(crate) async fn status(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<AtQuery>,
) -> ApiResult<Json<views::PublicStatus>> {
    let at = parse_at(q.at.as_deref(), s.now())?;
    let seal = s
        .store()
        .get::<Seal>(&id)
        .await?
        .ok_or_else(|| Failure::not_found(Thing::Seal, &id))?
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

pub(crate) async fn list_filings(
    State(s): State<AppState>,
    Query(q): Query<StateQuery>,
) -> ApiResult<Json<Vec<views::FilingView>>> {
    let now = s.now();
    let state = q.state.as_deref().unwrap_or("pending");
    if !["pending", "delivered"].contains(&state) {
        return Err(
            Failure::invalid("state", "须为 pending 或 delivered", "pending or delivered").into(),
        );
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
