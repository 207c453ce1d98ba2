//! Identity materials, applications (申请), their review and making (制章).

use super::*;

/// This resource's rows of the endpoint table ([`super::ENDPOINTS`]).
pub(super) const ROWS: &[Endpoint] = &[
    ep!(
        "GET",
        "/api/v1/materials/{sm3}",
        get(read_material),
        Access::Roles(&[Reviewer, Maker]),
        "Read a material for review (decrypted)",
        "查看申请材料"
    )
    .media("application/octet-stream"),
    ep!(
        "POST",
        "/api/v1/materials",
        post(upload_material),
        Access::Roles(&[Applicant, Maker, Holder, Custodian]),
        "Upload a material file (≤ 10 MiB); stored encrypted by SM3",
        "上传申请材料",
        "raw"
    )
    .limit(MATERIAL_LIMIT)
    .ok(201, schema::<views::StoredMaterial>),
    ep!(
        "POST",
        "/api/v1/applications",
        post(create_application),
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
        get(list_applications),
        Access::Roles(APP_READERS),
        "List applications by state (applicants see their own)",
        "申请列表"
    )
    .query(schema::<StateQuery>)
    .ok(200, schema::<Vec<Application>>),
    ep!(
        "GET",
        "/api/v1/applications/{id}",
        get(get_application),
        Access::Roles(APP_READERS),
        "One application",
        "申请详情"
    )
    .ok(200, schema::<Application>),
    ep!(
        "POST",
        "/api/v1/applications/{id}/materials",
        post(add_material),
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
        post(submit),
        Access::Roles(&[Applicant]),
        "Submit for review",
        "提交审核"
    )
    .ok(200, schema::<Application>),
    ep!(
        "POST",
        "/api/v1/applications/{id}/approve",
        post(approve),
        Access::Roles(&[Reviewer]),
        "Approve (not one's own application)",
        "审核通过"
    )
    .ok(200, schema::<Application>),
    ep!(
        "POST",
        "/api/v1/applications/{id}/reject",
        post(reject),
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
        post(make),
        Access::Roles(&[Maker]),
        "Make the seal of an approved application",
        "制作印章",
        r#"{"key":"platform","certificate":null,"pin":"{{initial_pin}}"}"#
    )
    .limit(MAKE_LIMIT)
    .request(schema::<MakeBody>)
    .ok(201, schema::<views::Made>),
];

pub(crate) async fn upload_material(
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

pub(crate) async fn read_material(
    State(s): State<AppState>,
    Path(sm3): Path<String>,
) -> ApiResult<Response> {
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
pub(crate) struct NewApplicationBody {
    pub(crate) kind: SealKind,
    pub(crate) seal_name: String,
    pub(crate) organisation_code: Option<String>,
    pub(crate) holder_id: Option<String>,
    #[serde(default = "new_purpose")]
    pub(crate) purpose: Purpose,
}

pub(crate) fn new_purpose() -> Purpose {
    Purpose::New
}

pub(crate) async fn create_application(
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

pub(crate) async fn list_applications(
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
pub(crate) async fn visible_application(
    s: &AppState,
    c: &Caller,
    id: &str,
) -> ApiResult<Application> {
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

pub(crate) async fn get_application(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Application>> {
    Ok(Json(visible_application(&s, &c, &id).await?))
}

pub(crate) async fn own_step<F>(
    s: &AppState,
    c: &Caller,
    id: &str,
    step: F,
) -> ApiResult<Json<Application>>
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
pub(crate) struct MaterialBody {
    pub(crate) kind: MaterialKind,
    pub(crate) sm3: String,
}

pub(crate) async fn add_material(
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

pub(crate) async fn submit(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Application>> {
    let now = s.now();
    own_step(&s, &c, &id, |a| a.submit(now)).await
}

pub(crate) async fn approve(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Application>> {
    Ok(Json(
        registry::update_application(s.store(), &id, s.now(), |a| a.approve(&c.user)).await?,
    ))
}

pub(crate) async fn reject(
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

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum KeyChoice {
    Platform,
    Device,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct MakeBody {
    pub(crate) key: KeyChoice,
    pub(crate) certificate: Option<String>,
    pub(crate) impression: Option<String>,
    /// For a platform-held key: the initial PIN handed to the holder.
    pub(crate) pin: Option<String>,
}

pub(crate) async fn registered_impression(
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

pub(crate) async fn make(
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
