//! Logging in and out, the caller, users, people and API tokens.

use super::*;

/// This resource's rows of the endpoint table ([`super::ENDPOINTS`]).
pub(super) const ROWS: &[Endpoint] = &[
    ep!(
        "POST",
        "/api/v1/login",
        post(login),
        Access::Public,
        "Log in with password and TOTP",
        "登录（口令 + 动态口令）",
        r#"{"username":"reviewer1","password":"{{password}}","totp":"{{totp}}"}"#
    )
    .rate(crate::limits::Class::Login)
    .request(schema::<LoginBody>)
    .ok(200, schema::<views::LoginAnswer>),
    ep!(
        "POST",
        "/api/v1/logout",
        post(logout),
        Access::Authenticated,
        "End the session",
        "退出登录"
    )
    .empty(204),
    ep!(
        "GET",
        "/api/v1/me",
        get(me),
        Access::Authenticated,
        "The caller and their roles",
        "当前用户"
    )
    .ok(200, schema::<views::Me>),
    ep!(
        "POST",
        "/api/v1/me/password",
        post(change_password),
        Access::Authenticated,
        "Change one's own password (the current one, the new one). After an administrator-set initial password, the answer carries a new TOTP enrolment of the user's own, confirmed with POST /api/v1/me/totp; until then nothing else is allowed",
        "修改本人密码",
        r#"{"current":"{{password}}","new":"{{new_password}}"}"#
    )
    .rate(crate::limits::Class::Login)
    .request(schema::<PasswordBody>)
    .ok(200, schema::<views::PasswordChanged>),
    ep!(
        "POST",
        "/api/v1/me/totp",
        post(confirm_totp),
        Access::Authenticated,
        "Confirm one's new authenticator (after the first password change) with a current code of it; it then replaces the administrator's",
        "绑定本人身份验证器",
        r#"{"code":"{{new_totp}}"}"#
    )
    .rate(crate::limits::Class::Login)
    .request(schema::<TotpBody>)
    .empty(204),
    ep!(
        "POST",
        "/api/v1/users",
        post(create_user),
        Access::Roles(roles::MANAGE_USERS),
        "Create a user; returns the TOTP enrolment once",
        "创建用户",
        r#"{"username":"reviewer1","display_name":"审核员一","roles":["reviewer"],"password":"{{password}}","system":false}"#
    )
    .request(schema::<crate::service::NewUser>)
    .ok(201, schema::<crate::auth::Enrolment>),
    ep!(
        "GET",
        "/api/v1/users",
        get(list_users),
        Access::Roles(roles::READ_USERS),
        "List users",
        "用户列表"
    )
    .ok(200, schema::<Vec<views::UserView>>),
    ep!(
        "POST",
        "/api/v1/users/{username}/unlock",
        post(unlock_user),
        Access::Roles(roles::UNLOCK_USERS),
        "Unlock a locked account",
        "解锁账户"
    )
    .empty(204),
    ep!(
        "POST",
        "/api/v1/users/{username}/disable",
        post(disable_user),
        Access::Roles(roles::MANAGE_USERS),
        "Disable a user: their sessions and tokens stop at once, they cannot log in (users are never deleted)",
        "停用账户"
    )
    .empty(204),
    ep!(
        "POST",
        "/api/v1/users/{username}/enable",
        post(enable_user),
        Access::Roles(roles::MANAGE_USERS),
        "Enable a disabled user again",
        "启用账户"
    )
    .empty(204),
    ep!(
        "PUT",
        "/api/v1/people/{citizen_id}",
        axum::routing::put(put_person),
        Access::Roles(roles::MANAGE_USERS),
        "Register a person (a seal holder) by citizen ID with the name on their ID card; personal and position seals carry it",
        "登记人员（印章持有人）",
        r#"{"name":"张三丰"}"#
    )
    .request(schema::<PersonBody>)
    .ok(200, schema::<views::PersonView>),
    ep!(
        "POST",
        "/api/v1/tokens",
        post(create_token),
        Access::Roles(roles::MANAGE_TOKENS),
        "Issue an API token for a system (machine) account, for at most 365 days; people log in instead",
        "签发接口令牌（仅限系统账户）",
        r#"{"username":"police-gateway","label":"police","days":90}"#
    )
    .request(schema::<TokenBody>)
    .ok(201, schema::<views::IssuedToken>),
    ep!(
        "GET",
        "/api/v1/tokens",
        get(list_tokens),
        Access::Roles(roles::READ_TOKENS),
        "API tokens: account, issuer, label, created, expiry, last use, revoked",
        "接口令牌列表"
    )
    .ok(200, schema::<Vec<views::TokenView>>),
    ep!(
        "POST",
        "/api/v1/tokens/{id}/revoke",
        post(revoke_token),
        Access::Roles(roles::MANAGE_TOKENS),
        "Revoke an API token (by its id or the id's first 16 hex digits)",
        "吊销接口令牌"
    )
    .ok(200, schema::<views::TokenView>),
];

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct LoginBody {
    pub(crate) username: String,
    pub(crate) password: String,
    pub(crate) totp: String,
}

pub(crate) async fn login(
    State(s): State<AppState>,
    Extension(client): Extension<crate::limits::ClientAddr>,
    Json(b): Json<LoginBody>,
) -> ApiResult<Json<views::LoginAnswer>> {
    let now = s.now();
    let token = crate::auth::login(
        s.store(),
        s.data_key(),
        &b.username,
        &b.password,
        &b.totp,
        &client.0.to_string(),
        now,
        s.random(),
    )
    .await?;
    Ok(Json(views::LoginAnswer {
        token,
        idle_timeout_seconds: crate::auth::IDLE_TIMEOUT.whole_seconds(),
        expires_at: rfc(now + crate::auth::SESSION_MAX),
    }))
}

pub(crate) async fn logout(
    State(s): State<AppState>,
    Extension(Secret(secret)): Extension<Secret>,
) -> ApiResult<StatusCode> {
    s.accounts().logout(&secret).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn me(Extension(c): Extension<Caller>) -> Json<views::Me> {
    Json(views::Me {
        username: c.user,
        roles: c.roles,
        must_change_password: c.must_change_password,
    })
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct PasswordBody {
    pub(crate) current: String,
    pub(crate) new: String,
}

pub(crate) async fn change_password(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Json(b): Json<PasswordBody>,
) -> ApiResult<Json<views::PasswordChanged>> {
    let totp = s.accounts().change_password(&c, &b.current, &b.new).await?;
    Ok(Json(views::PasswordChanged { totp }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct TotpBody {
    pub(crate) code: String,
}

pub(crate) async fn confirm_totp(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Json(b): Json<TotpBody>,
) -> ApiResult<StatusCode> {
    s.accounts().confirm_totp(&c, &b.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn create_user(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Json(b): Json<crate::service::NewUser>,
) -> ApiResult<(StatusCode, Json<crate::auth::Enrolment>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.accounts().create_user(&c, b).await?),
    ))
}

pub(crate) async fn list_users(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
) -> ApiResult<Json<Vec<views::UserView>>> {
    Ok(Json(s.accounts().users(&c).await?))
}

pub(crate) async fn unlock_user(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(username): Path<String>,
) -> ApiResult<StatusCode> {
    s.accounts().unlock_user(&c, &username).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn disable_user(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(username): Path<String>,
) -> ApiResult<StatusCode> {
    s.accounts().set_disabled(&c, &username, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn enable_user(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(username): Path<String>,
) -> ApiResult<StatusCode> {
    s.accounts().set_disabled(&c, &username, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct PersonBody {
    pub(crate) name: String,
}

pub(crate) async fn put_person(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(citizen_id): Path<String>,
    Json(b): Json<PersonBody>,
) -> ApiResult<Json<views::PersonView>> {
    Ok(Json(
        s.accounts().put_person(&c, &citizen_id, &b.name).await?,
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct TokenBody {
    pub(crate) username: String,
    pub(crate) label: String,
    #[serde(default = "token_days")]
    pub(crate) days: i64,
}

pub(crate) fn token_days() -> i64 {
    crate::auth::TOKEN_DEFAULT_DAYS
}

pub(crate) async fn create_token(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Json(b): Json<TokenBody>,
) -> ApiResult<(StatusCode, Json<views::IssuedToken>)> {
    let issued = s
        .accounts()
        .issue_token(&c, &b.username, &b.label, b.days)
        .await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

pub(crate) async fn list_tokens(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
) -> ApiResult<Json<Vec<views::TokenView>>> {
    Ok(Json(s.accounts().tokens(&c).await?))
}

pub(crate) async fn revoke_token(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<views::TokenView>> {
    Ok(Json(s.accounts().revoke_token(&c, &id).await?))
}
