//! Changing one's own password — at will, and at the first login when an administrator set
//! it (until then every other page leads here and the services refuse everything else:
//! `access::require`).

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

/// The form.
pub async fn page(Extension(ctx): Extension<Ctx>) -> Response {
    if ctx.caller.is_none() {
        return super::to_login(&ctx);
    }
    let l = ctx.lang;
    super::html(layout::narrow(
        &ctx,
        l.t("修改密码", "Change the password"),
        form(&ctx, None),
    ))
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
        Ok(()) => Redirect::to("/?password=changed").into_response(),
        Err(e) => again(
            StatusCode::UNPROCESSABLE_ENTITY,
            l.t(&e.detail.zh, &e.detail.en),
        ),
    }
}
