//! Users and roles (三员分立: the system administrator manages accounts, the security
//! administrator unlocks them, the auditor reads): the list, a new account with its TOTP
//! enrolment as a QR code, unlock, disable and enable — each through `service::Accounts`.

use super::layout;
use super::{Ctx, Lang};
use crate::auth::Role;
use crate::service::NewUser;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

fn role_label(l: Lang, r: Role) -> &'static str {
    l.t(r.zh(), r.en())
}

fn list(
    ctx: &Ctx,
    users: &[crate::views::UserView],
    problem: Option<&str>,
    form: &UserForm,
) -> Markup {
    let l = ctx.lang;
    let c = ctx.caller.as_ref();
    let manage = c.is_some_and(|c| {
        crate::service::roles::MANAGE_USERS
            .iter()
            .any(|r| c.has(*r))
    });
    let unlock = c.is_some_and(|c| {
        crate::service::roles::UNLOCK_USERS
            .iter()
            .any(|r| c.has(*r))
    });
    html! {
        @if let Some(p) = problem { div.notice.error role="alert" { (p) } }
        table.list {
            tr { th { (l.t("用户名", "User")) } th { (l.t("姓名", "Name")) } th { (l.t("角色", "Roles")) } th { (l.t("状态", "State")) } @if manage || unlock { th { (l.t("操作", "Actions")) } } }
            @for u in users {
                tr {
                    td { code { (u.username) } }
                    td { (u.display_name) }
                    td { (layout::roles(l, &u.roles)) }
                    td {
                        @if u.disabled { span.badge.revoked { (l.t("已停用", "disabled")) } }
                        @else if u.locked { span.badge.indeterminate { (l.t("已锁定", "locked")) } }
                        @else { span.badge.valid { (l.t("正常", "active")) } }
                    }
                    @if manage || unlock {
                        td {
                            @if unlock && u.locked {
                                form method="post" action={ "/users/" (u.username) "/unlock" } {
                                    input type="hidden" name="csrf" value=(ctx.csrf);
                                    button.secondary type="submit" { (l.t("解锁", "Unlock")) }
                                }
                            }
                            @if manage && c.is_some_and(|c| c.user != u.username) {
                                form method="post" action={ "/users/" (u.username) (if u.disabled { "/enable" } else { "/disable" }) } {
                                    input type="hidden" name="csrf" value=(ctx.csrf);
                                    button.secondary type="submit" { (if u.disabled { l.t("启用", "Enable") } else { l.t("停用", "Disable") }) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if manage {
            div.card {
                h2 { (l.t("新建用户", "New user")) }
                form.stack method="post" action="/users" {
                    input type="hidden" name="csrf" value=(ctx.csrf);
                    label for="username" { (l.t("用户名（字母、数字）", "User name (letters, digits)")) }
                    input #username type="text" name="username" value=(form.username) required maxlength="64";
                    label for="display_name" { (l.t("姓名（持有人须与身份证一致）", "Name (a holder's as on the ID card)")) }
                    input #display_name type="text" name="display_name" value=(form.display_name) required maxlength="64";
                    label { (l.t("角色（系统、安全、审计管理员不能兼任）", "Roles (the three administrators are separate)")) }
                    div.checks {
                        @for r in Role::ALL {
                            label.check { input type="checkbox" name="roles" value=(r.name()) checked[form.roles.iter().any(|x| x == r.name())]; " " (role_label(l, r)) }
                        }
                    }
                    label for="password" { (l.t("初始密码（用户首次登录后应修改）", "Initial password")) }
                    input #password type="password" name="password" required autocomplete="new-password";
                    label for="citizen_id" { (l.t("公民身份号码（持有人）", "Citizen ID (holders)")) }
                    input #citizen_id type="text" name="citizen_id" value=(form.citizen_id) maxlength="18";
                    label for="organisation_code" { (l.t("所属单位统一社会信用代码（保管人、审批人）", "Organisation's USCC (custodians, approvers)")) }
                    input #organisation_code type="text" name="organisation_code" value=(form.organisation_code) maxlength="18";
                    button type="submit" { (l.t("创建", "Create")) }
                }
            }
        }
    }
}

/// The new-user form (roles repeat).
#[derive(Debug, Default)]
pub struct UserForm {
    csrf: String,
    username: String,
    display_name: String,
    roles: Vec<String>,
    password: String,
    citizen_id: String,
    organisation_code: String,
}

impl UserForm {
    fn read(body: &[u8]) -> UserForm {
        let mut f = UserForm::default();
        for (k, v) in pairs(body) {
            match k.as_str() {
                "csrf" => f.csrf = v,
                "username" => f.username = v,
                "display_name" => f.display_name = v,
                "roles" => f.roles.push(v),
                "password" => f.password = v,
                "citizen_id" => f.citizen_id = v,
                "organisation_code" => f.organisation_code = v,
                _ => {}
            }
        }
        f
    }
}

/// `application/x-www-form-urlencoded` pairs (serde's form reader keeps one value per
/// name; roles are many), at most 256.
fn pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body)
        .take(256)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// `?q=&after=` of the users page.
#[derive(Debug, serde::Deserialize)]
pub struct UsersQuery {
    q: Option<String>,
    after: Option<String>,
}

/// The users page: a page of accounts, searchable by user name or name.
pub async fn users(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    axum::extract::Query(q): axum::extract::Query<UsersQuery>,
) -> Response {
    let Some(c) = &ctx.caller else {
        return super::to_login(&ctx);
    };
    let l = ctx.lang;
    let text = q.q.as_deref().map(str::trim).unwrap_or_default();
    let found = s
        .accounts()
        .users_page(c, Some(text), &layout::page_at(q.after.as_deref()))
        .await;
    let (list, next, problem) = match layout::search_result(found, l) {
        Ok(r) => r,
        Err(e) => return super::refused(&s, &ctx, &e).await,
    };
    let base = if text.is_empty() {
        "/users".to_owned()
    } else {
        format!("/users?q={}", super::urlencode(text))
    };
    super::html(layout::page(
        &ctx,
        l.t("用户与角色", "Users and roles"),
        html! {
            form.inline.search method="get" action="/users" {
                div {
                    label for="q" { (l.t("用户名或姓名", "User name or name")) } br;
                    input #q type="search" name="q" value=(text);
                }
                button.secondary type="submit" { (l.t("查找", "Search")) }
                @if !text.is_empty() { a href="/users" { (l.t("清除", "Clear")) } }
            }
            (list_page(&ctx, &list, problem.as_deref(), &UserForm::default()))
            (layout::pager(&ctx, &base, q.after.as_deref(), next.as_deref()))
        },
    ))
}

fn list_page(
    ctx: &Ctx,
    users: &[crate::views::UserView],
    problem: Option<&str>,
    form: &UserForm,
) -> Markup {
    list(ctx, users, problem, form)
}

/// Creates a user and shows the TOTP enrolment (secret and QR code) once.
pub async fn create(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    body: axum::body::Bytes,
) -> Response {
    let f = UserForm::read(&body);
    let c = match ctx.form_caller(&s, &f.csrf).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let l = ctx.lang;
    let roles: Vec<Role> = f
        .roles
        .iter()
        .filter_map(|n| Role::ALL.iter().copied().find(|r| r.name() == n))
        .collect();
    let new = NewUser {
        username: f.username.trim().to_owned(),
        display_name: f.display_name.trim().to_owned(),
        roles,
        password: f.password.clone(),
        system: false,
        citizen_id: Some(f.citizen_id.trim().to_owned()).filter(|v| !v.is_empty()),
        organisation_code: Some(f.organisation_code.trim().to_owned()).filter(|v| !v.is_empty()),
        temporary_password: true,
    };
    match s.accounts().create_user(c, new).await {
        Ok(enrolment) => {
            let qr = qr_svg(&enrolment.otpauth_uri);
            super::html(layout::page(
                &ctx,
                l.t("用户已创建", "User created"),
                html! {
                    div.card {
                        p { (l.t("用户 ", "User ")) code { (enrolment.username) } (l.t(" 已创建。请把下面的动态口令密钥交给本人（仅显示这一次），用身份验证器扫描二维码；首次登录时须修改初始密码，并绑定本人的新身份验证器，此密钥随即失效。", " was created. Hand the one-time-code key below to the person (shown only this once); they scan the QR code with an authenticator app. At the first login they change the initial password and bind a new authenticator of their own, and this key stops working.")) }
                        div.qr { (PreEscaped(qr)) }
                        dl.facts {
                            dt { (l.t("密钥", "Key")) } dd { code { (enrolment.totp_secret) } }
                        }
                        p { a href="/users" { (l.t("返回用户列表", "Back to the users")) } }
                    }
                },
            ))
        }
        Err(e) => {
            if e.kind == crate::failure::Kind::Forbidden && e.code == "forbidden_role" {
                return super::refused(&s, &ctx, &e).await;
            }
            let why = l.t(&e.detail.zh, &e.detail.en).to_owned();
            let users = s
                .accounts()
                .users_page(c, None, &layout::page_at(None))
                .await
                .map(|l| l.items)
                .unwrap_or_default();
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                super::html(layout::page(
                    &ctx,
                    l.t("用户与角色", "Users and roles"),
                    list_page(&ctx, &users, Some(&why), &f),
                )),
            )
                .into_response()
        }
    }
}

/// A form with only its token.
#[derive(Debug, Deserialize)]
pub struct Plain {
    csrf: String,
}

/// Unlock, disable or enable an account.
pub async fn act(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((name, action)): Path<(String, String)>,
    axum::extract::Form(f): axum::extract::Form<Plain>,
) -> Response {
    let c = match ctx.form_caller(&s, &f.csrf).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let accounts = s.accounts();
    let result = match action.as_str() {
        "unlock" => accounts.unlock_user(c, &name).await,
        "disable" => accounts.set_disabled(c, &name, true).await,
        "enable" => accounts.set_disabled(c, &name, false).await,
        _ => return super::not_found(&ctx),
    };
    match result {
        Ok(()) => Redirect::to("/users").into_response(),
        Err(e) => super::refused(&s, &ctx, &e).await,
    }
}

/// A QR code of `text` as inline SVG (without its XML declaration), for a TOTP enrolment.
pub fn qr_svg(text: &str) -> String {
    let qr = qrcode::QrCode::new(text.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default();
    qr.find("<svg")
        .map_or(String::new(), |i| qr[i..].to_owned())
}
