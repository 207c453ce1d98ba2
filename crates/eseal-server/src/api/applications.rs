//! Identity materials, applications (申请), their review and making (制章): the adapter of
//! [`crate::service::Registry`].

use crate::service::{KeyChoice, MakeSeal, NewApplication};

use super::*;

/// This resource's rows of the endpoint table ([`super::ENDPOINTS`]).
pub(super) const ROWS: &[Endpoint] = &[
    ep!(
        "GET",
        "/api/v1/materials/{sm3}",
        get(read_material),
        Access::Roles(roles::READ_MATERIAL),
        "Read a material for review (decrypted)",
        "查看申请材料"
    )
    .media("application/octet-stream"),
    ep!(
        "POST",
        "/api/v1/materials",
        post(upload_material),
        Access::Roles(roles::UPLOAD_MATERIAL),
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
        Access::Roles(roles::APPLY),
        "Create an application (draft)",
        "创建制章申请",
        r#"{"kind":{"official":{"business":"contract"}},"seal_name":"威海市示例科技有限公司合同专用章","organisation_code":"91350100M000100Y43","holder_id":null,"purpose":{"purpose":"new"}}"#
    )
    .request(schema::<NewApplication>)
    .ok(201, schema::<Application>),
    ep!(
        "GET",
        "/api/v1/applications",
        get(list_applications),
        Access::Roles(roles::READ_APPLICATIONS),
        "List applications by state (applicants see their own)",
        "申请列表"
    )
    .query(schema::<StateQuery>)
    .ok(200, schema::<Vec<Application>>),
    ep!(
        "GET",
        "/api/v1/applications/{id}",
        get(get_application),
        Access::Roles(roles::READ_APPLICATIONS),
        "One application",
        "申请详情"
    )
    .ok(200, schema::<Application>),
    ep!(
        "POST",
        "/api/v1/applications/{id}/materials",
        post(add_material),
        Access::Roles(roles::APPLY),
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
        Access::Roles(roles::APPLY),
        "Submit for review",
        "提交审核"
    )
    .ok(200, schema::<Application>),
    ep!(
        "POST",
        "/api/v1/applications/{id}/approve",
        post(approve),
        Access::Roles(roles::REVIEW),
        "Approve (not one's own application)",
        "审核通过"
    )
    .ok(200, schema::<Application>),
    ep!(
        "POST",
        "/api/v1/applications/{id}/reject",
        post(reject),
        Access::Roles(roles::REVIEW),
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
        Access::Roles(roles::MAKE),
        "Make the seal of an approved application",
        "制作印章",
        r#"{"key":"platform","certificate":null,"pin":"{{initial_pin}}"}"#
    )
    .limit(MAKE_LIMIT)
    .request(schema::<MakeBody>)
    .ok(201, schema::<views::Made>),
    ep!(
        "POST",
        "/api/v1/applications/{id}/carry-out",
        post(carry_out),
        Access::Roles(roles::CARRY_OUT),
        "Carry out an approved renewal (the new key's initial PIN, or the device's new certificate) or revocation (neither; the application's materials are the proof)",
        "办理续期或注销申请",
        r#"{"certificate":null,"pin":null}"#
    )
    .limit(MAKE_LIMIT)
    .request(schema::<super::seals::RenewBody>)
    .ok(200, schema::<views::SealView>),
];

pub(crate) async fn upload_material(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<views::StoredMaterial>)> {
    let stored = s.registry().upload_material(&c, &body).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

pub(crate) async fn read_material(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(sm3): Path<String>,
) -> ApiResult<Response> {
    let plain = s.registry().material(&c, &sm3).await?;
    let mut resp = plain.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    Ok(resp)
}

pub(crate) async fn create_application(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Json(b): Json<NewApplication>,
) -> ApiResult<(StatusCode, Json<Application>)> {
    let app = s.registry().create_application(&c, b).await?;
    Ok((StatusCode::CREATED, Json(app)))
}

pub(crate) async fn list_applications(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<StateQuery>,
) -> ApiResult<Response> {
    let page = crate::service::PageAt::after(q.after.as_deref());
    Ok(listed(
        s.registry()
            .applications(&c, q.state.as_deref(), q.q.as_deref(), &page)
            .await?,
    ))
}

pub(crate) async fn get_application(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let app = s.registry().application(&c, &id).await?;
    Ok(with_etag(&app, Json(&app).into_response()))
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
    Ok(Json(
        s.registry().add_material(&c, &id, b.kind, &b.sm3).await?,
    ))
}

pub(crate) async fn submit(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Application>> {
    Ok(Json(s.registry().submit(&c, &id).await?))
}

pub(crate) async fn approve(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Application>> {
    let seen = if_match(&headers);
    Ok(Json(s.registry().approve(&c, &id, seen.as_deref()).await?))
}

pub(crate) async fn reject(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(b): Json<RejectBody>,
) -> ApiResult<Json<Application>> {
    let seen = if_match(&headers);
    Ok(Json(
        s.registry()
            .reject(&c, &id, &b.reason, seen.as_deref())
            .await?,
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct MakeBody {
    pub(crate) key: KeyChoice,
    pub(crate) certificate: Option<String>,
    /// The applicant's impression (base64 PNG/JPEG).
    pub(crate) impression: Option<String>,
    /// For a platform-held key: the initial PIN handed to the holder.
    pub(crate) pin: Option<String>,
}

pub(crate) async fn make(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<MakeBody>,
) -> ApiResult<(StatusCode, Json<views::Made>)> {
    let how = MakeSeal {
        key: b.key,
        certificate: b.certificate.map(String::into_bytes),
        impression: b
            .impression
            .as_deref()
            .map(|t| b64("impression", t))
            .transpose()?,
        pin: b.pin,
    };
    Ok((
        StatusCode::CREATED,
        Json(s.registry().make(&c, &id, how).await?),
    ))
}

pub(crate) async fn carry_out(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<super::seals::RenewBody>,
) -> ApiResult<Json<views::SealView>> {
    let how = crate::service::Renewal {
        certificate: b.certificate.map(String::into_bytes),
        pin: b.pin,
    };
    Ok(Json(s.registry().carry_out(&c, &id, how).await?))
}
