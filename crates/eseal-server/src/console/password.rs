//! Changing one's own password — at will, and at the first login when an administrator set
//! it (until then every other page leads here and the services refuse everything else:
//! `access::require`). At that first login the user then binds an authenticator of their own:
//! a new TOTP secret shown as a QR code, confirmed with a code from it, replaces the one the
//! administrator handed over, so that nobody but the user holds either factor.

use super::Ctx;
use super::layout;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

fn form(ctx: &Ctx, problem: Option<&str>) -> Markup {
    let l = ctx.lang;
    let first = ctx.caller.as_ref().is_some_and(|c| c.must_change_password);
    html! {
        @if first { div.notice { (l.t("这是您首次登录：请先把管理员设置的初始密码改为只有您知道的密码。", "This is your first login: change the initial password the administrator set to one only you know.")) } }
        @if let Some(p) = problem { div.notice.error role="alert" { (p) } }
        form.stack method="post" action="/password" {
            input type="hidden" name="csrf" value=(ctx.csrf);
            label for="current_password" { (l.t("当前密码", "Current password")) }
            input #current_password type="password" name="current_password" autocomplete="current-password" required;
            label for="new_password" { (l.t("新密码（至少 12 个字符，含大写字母、小写字母、数字、符号中的三类）", "New password (12 characters or more, with three of: upper case, lower case, digits, symbols)")) }
            input #new_password type="password" name="new_password" autocomplete="new-password" required;
            label for="repeat_password" { (l.t("再次输入新密码", "New password again")) }
            input #repeat_password type="password" name="repeat_password" autocomplete="new-password" required;
            button type="submit" { (l.t("修改密码", "Change the password")) }
        }
    }
}

/// The second step of a first login: the user's own authenticator.
fn enrol(ctx: &Ctx, e: &crate::auth::Enrolment, problem: Option<&str>) -> Markup {
    let l = ctx.lang;
    html! {
        div.notice { (l.t("密码已修改。第二步：用您手机上的身份验证器扫描下面的二维码，添加您自己的动态口令；管理员交给您的那一项随后失效。", "The password was changed. Second step: scan the QR code below with the authenticator on your phone to add a one-time code of your own; the one the administrator handed over then stops working.")) }
        @if let Some(p) = problem { div.notice.error role="alert" { (p) } }
        div.qr { (maud::PreEscaped(super::users::qr_svg(&e.otpauth_uri))) }
        p.small { (l.t("无法扫描时手工输入密钥：", "If you cannot scan it, type the key: ")) code #totp_key { (e.totp_secret) } }
        form.stack method="post" action="/password/totp" {
            input type="hidden" name="csrf" value=(ctx.csrf);
            label for="totp" { (l.t("新添加的这一项当前显示的 6 位数字", "The 6 digits the new entry shows now")) }
            input #totp type="text" name="totp" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" required;
            button type="submit" { (l.t("绑定", "Confirm")) }
        }
    }
}

/// The form, or at a first login after the password, the authenticator step.
pub async fn page(State(s): State<AppState>, Extension(ctx): Extension<Ctx>) -> Response {
    let Some(c) = &ctx.caller else {
        return super::to_login(&ctx);
    };
    let l = ctx.lang;
    let (title, body) = match s.accounts().pending_totp(c).await {
        Ok(Some(e)) => (
            l.t("绑定身份验证器", "Your own authenticator"),
            enrol(&ctx, &e, None),
        ),
        _ => (l.t("修改密码", "Change the password"), form(&ctx, None)),
    };
    super::html(layout::narrow(&ctx, title, body))
}

/// The authenticator step's field.
#[derive(Debug, Deserialize)]
pub struct TotpForm {
    csrf: String,
    totp: String,
}

/// Confirms the user's own authenticator.
pub async fn confirm(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<TotpForm>,
) -> Response {
    let c = match ctx.form_caller(&s, &f.csrf).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let l = ctx.lang;
    let accounts = s.accounts();
    match accounts.confirm_totp(c, &f.totp).await {
        Ok(()) => Redirect::to("/?password=changed").into_response(),
        Err(e) => {
            let why = l.t(&e.detail.zh, &e.detail.en);
            let body = match accounts.pending_totp(c).await {
                Ok(Some(p)) => enrol(&ctx, &p, Some(why)),
                _ => form(&ctx, Some(why)),
            };
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                super::html(layout::narrow(
                    &ctx,
                    l.t("修改密码", "Change the password"),
                    body,
                )),
            )
                .into_response()
        }
    }
}

/// The form's fields.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    csrf: String,
    current_password: String,
    new_password: String,
    repeat_password: String,
}

/// Changes the password.
pub async fn change(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<PasswordForm>,
) -> Response {
    let c = match ctx.form_caller(&s, &f.csrf).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let l = ctx.lang;
    let title = l.t("修改密码", "Change the password");
    let again = |status: StatusCode, why: &str| {
        (
            status,
            super::html(layout::narrow(&ctx, title, form(&ctx, Some(why)))),
        )
            .into_response()
    };
    if f.new_password != f.repeat_password {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            l.t("两次输入的新密码不一致", "The two new passwords differ"),
        );
    }
    match s
        .accounts()
        .change_password(c, &f.current_password, &f.new_password)
        .await
    {
        Ok(Some(_)) => Redirect::to("/password").into_response(),
        Ok(None) => Redirect::to("/?password=changed").into_response(),
        Err(e) => again(
            StatusCode::UNPROCESSABLE_ENTITY,
            l.t(&e.detail.zh, &e.detail.en),
        ),
    }
}
