//! Logging in and out, the start page, the public seal status lookup.

use super::layout::{self, MENU, visible};
use super::{Ctx, SESSION_COOKIE, local_next, set_cookie};
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

/// `?next=` of the login page.
#[derive(Debug, Deserialize)]
pub struct Next {
    next: Option<String>,
    /// The session timed out (and a form sent with it may be kept).
    timeout: Option<String>,
}

/// The start page: the user's tasks by role, or, before login, what anyone can do here.
pub async fn home(State(s): State<AppState>, Extension(ctx): Extension<Ctx>) -> Response {
    let changed = ctx.path.contains("password=changed");
    let l = ctx.lang;
    let Some(c) = &ctx.caller else {
        return super::html(layout::page(
            &ctx,
            l.t("电子印章平台", "Electronic Seal Platform"),
            html! {
                p.muted { (l.t("验证文件上的电子签章、查询印章状态无需登录；办理印章业务请登录。", "Anyone can verify a signed file or look up a seal's status; log in to work with seals.")) }
                div.tasks {
                    a.task href="/verify" { strong { (l.t("验证签章文件", "Verify a signed file")) } (l.t("上传 OFD 文件，查看每个签章的验证结论和盖章页面", "Upload an OFD file and read each signature's verdict, with the stamped pages")) }
                    a.task href="/status" { strong { (l.t("印章状态查询", "Seal status")) } (l.t("按印章编码查询印章在某一时间是否有效", "Whether a seal was valid at a given time, by its ID")) }
                    a.task href="/login" { strong { (l.t("登录", "Log in")) } (l.t("申请、审核、制章、用印、审计等业务", "Applications, review, making, using seals, audit")) }
                }
            },
        ));
    };
    // What waits, counted; a count that fails leaves the page without them.
    let tasks = s.tasks().mine(c).await.unwrap_or_default();
    super::html(layout::page(
        &ctx,
        l.t("我的待办", "My tasks"),
        html! {
            @if changed { div.notice { (l.t("密码已修改。", "The password was changed.")) } }
            p.muted { (l.t("您的角色：", "Your roles: ")) (layout::roles(l, &c.roles)) }
            @if !tasks.is_empty() {
                div.waiting #waiting {
                    @for t in &tasks {
                        @let (zh, en) = t.kind.names();
                        a.waiting.some[t.count > 0] href=(t.kind.link()) {
                            span.count { @if t.count >= crate::service::TASKS_CAP { (t.count - 1) "+" } @else { (t.count) } }
                            span { (l.t(zh, en)) }
                        }
                    }
                }
            }
            h2 { (l.t("常用功能", "Go to")) }
            div.tasks {
                @for e in MENU.iter().filter(|e| e.path != "/" && visible(&ctx, e)) {
                    a.task href=(e.path) { strong { (l.t(e.zh, e.en)) } }
                }
            }
        },
    ))
}

/// The login form.
pub async fn login_form(Extension(ctx): Extension<Ctx>, Query(q): Query<Next>) -> Response {
    if ctx.caller.is_some() {
        return Redirect::to(&local_next(q.next.as_deref())).into_response();
    }
    let why = q.timeout.is_some().then(|| {
        let kept = q.next.as_deref().is_some_and(|n| n.starts_with("/resume/"));
        if kept {
            ctx.lang.t(
                "会话已超时，刚才的提交没有执行。您填写的内容已保留，重新登录后可核对并继续提交。",
                "Your session timed out and what you sent was not acted on. What you typed is kept: log in again to check it and send it on.",
            )
        } else {
            ctx.lang.t(
                "会话已超时，刚才的提交没有执行，请重新登录。",
                "Your session timed out and what you sent was not acted on; log in again.",
            )
        }
    });
    super::html(login_page(&ctx, q.next.as_deref(), Err(why), ""))
}

/// The login form; `said`: an error of the last attempt (`Ok`), or a note that is not one
/// (`Err`: the session timed out).
fn login_page(
    ctx: &Ctx,
    next: Option<&str>,
    said: Result<Option<&str>, Option<&str>>,
    username: &str,
) -> maud::Markup {
    let (error, note) = match said {
        Ok(e) => (e, None),
        Err(n) => (None, n),
    };
    let l = ctx.lang;
    layout::narrow(
        ctx,
        l.t("登录", "Log in"),
        html! {
            @if let Some(e) = error { div.notice.error role="alert" { (e) } }
            @if let Some(n) = note { div.notice role="status" { (n) } }
            form.stack method="post" action="/login" {
                input type="hidden" name="csrf" value=(ctx.csrf);
                input type="hidden" name="next" value=(local_next(next));
                label for="username" { (l.t("用户名", "User name")) }
                input #username type="text" name="username" value=(username) autocomplete="username" required autofocus;
                label for="password" { (l.t("密码", "Password")) }
                input #password type="password" name="password" autocomplete="current-password" required;
                label for="totp" { (l.t("动态口令（身份验证器中的 6 位数字）", "One-time code (6 digits from your authenticator)")) }
                input #totp type="text" name="totp" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" required;
                button type="submit" { (l.t("登录", "Log in")) }
            }
            p.small.muted { (l.t("连续 5 次登录失败，账户将锁定 15 分钟。", "Five failed logins in a row lock the account for 15 minutes.")) }
        },
    )
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    csrf: String,
    username: String,
    password: String,
    totp: String,
    next: Option<String>,
}

/// Logs in: the same two factors, lockout and audit as the API's login; the session secret
/// goes into the cookie.
pub async fn login(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<LoginForm>,
) -> Response {
    if let Err(r) = ctx.require_csrf(&s, &f.csrf).await {
        return r;
    }
    let l = ctx.lang;
    if let Err(wait) = s.limiters().check(crate::limits::Class::Login, ctx.client) {
        let why = match l {
            super::Lang::Zh => format!("登录尝试过多，请 {wait} 秒后再试"),
            super::Lang::En => format!("too many login attempts; try again in {wait} s"),
        };
        return (
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            login_page(&ctx, f.next.as_deref(), Ok(Some(&why)), &f.username),
        )
            .into_response();
    }
    match s
        .accounts()
        .login(&f.username, &f.password, &f.totp, &ctx.client.to_string())
        .await
    {
        Ok(secret) => {
            let mut r = Redirect::to(&local_next(f.next.as_deref())).into_response();
            r.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(
                    SESSION_COOKIE,
                    &secret,
                    ctx.tls,
                    Some(crate::auth::SESSION_MAX.whole_seconds()),
                ),
            );
            r
        }
        Err(e) => {
            let why = match l {
                super::Lang::Zh => e.detail.zh.clone(),
                super::Lang::En => e.detail.en.clone(),
            };
            (
                axum::http::StatusCode::UNAUTHORIZED,
                login_page(&ctx, f.next.as_deref(), Ok(Some(&why)), &f.username),
            )
                .into_response()
        }
    }
}

/// A form with only its CSRF token.
#[derive(Debug, Deserialize)]
pub struct Plain {
    csrf: String,
}

/// Logs out: the session ends in the store, the cookie is cleared.
pub async fn logout(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<Plain>,
) -> Response {
    if let Err(r) = ctx.require_csrf(&s, &f.csrf).await {
        return r;
    }
    if let Some(secret) = &ctx.secret {
        let _ = s.accounts().logout(secret).await;
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", ctx.tls, Some(0)),
    );
    r
}

/// `/status?id=&at=`.
#[derive(Debug, Deserialize)]
pub struct StatusQuery {
    id: Option<String>,
    at: Option<String>,
}

fn status_word(l: super::Lang, s: &str) -> &'static str {
    match s {
        "valid" => l.t("有效", "valid"),
        "revoked" => l.t("已注销", "revoked"),
        "expired" => l.t("已过期", "expired"),
        _ => l.t("尚未生效", "not yet valid"),
    }
}

/// The public seal status lookup: a seal's status now or at a chosen time.
pub async fn status(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<StatusQuery>,
) -> Response {
    let l = ctx.lang;
    let id = q.id.as_deref().map(str::trim).unwrap_or_default();
    let at_text = q.at.as_deref().map(str::trim).unwrap_or_default();
    let mut problem = None;
    let mut answer = None;
    if !id.is_empty() {
        let at = if at_text.is_empty() {
            Ok(None)
        } else {
            super::verify::parse_local_time(at_text)
                .map(Some)
                .ok_or_else(|| {
                    l.t(
                        "时间格式应为 2026-12-05 14:30（北京时间）",
                        "write the time as 2026-12-05 14:30 (Beijing time)",
                    )
                    .to_owned()
                })
        };
        match at {
            Err(e) => problem = Some(e),
            Ok(at) => match eseal_core::SealId::parse("id", id) {
                Err(_) => {
                    problem = Some(
                        l.t(
                            "印章编码只含字母、数字、- 和 _（1 到 64 个）",
                            "a seal ID has 1 to 64 letters, digits, - or _",
                        )
                        .to_owned(),
                    )
                }
                Ok(sid) => match s.registry().public_status(&sid, at).await {
                    Ok(a) => answer = Some(a),
                    Err(e) => {
                        problem = Some(match l {
                            super::Lang::Zh => e.detail.zh.clone(),
                            super::Lang::En => e.detail.en.clone(),
                        })
                    }
                },
            },
        }
    }
    super::html(layout::page(
        &ctx,
        l.t("印章状态查询", "Seal status"),
        html! {
            div.card {
                form.inline method="get" action="/status" {
                    div { label for="id" { (l.t("印章编码", "Seal ID")) } br; input #id type="search" name="id" value=(id) required; }
                    div { label for="at" { (l.t("时间（北京时间，留空为现在）", "Time (Beijing, empty for now)")) } br; input #at type="text" name="at" value=(at_text) placeholder="2026-12-05 14:30"; }
                    button type="submit" { (l.t("查询", "Look up")) }
                }
            }
            @if let Some(p) = problem { div.notice.error role="alert" { (p) } }
            @if let Some(a) = answer {
                div.card #status {
                    h2 { (l.t("印章 ", "Seal ")) code { (a.id) } " " span class={ "badge " (a.status) } { (status_word(l, a.status)) } }
                    dl.facts {
                        dt { (l.t("查询时间", "As of")) } dd { (super::verify::local_time(&a.at)) }
                        dt { (l.t("有效期", "Valid")) } dd { (super::verify::local_time(&a.valid_from)) " — " (super::verify::local_time(&a.valid_to)) }
                        @if let Some(r) = &a.revocation {
                            dt { (l.t("注销时间", "Revoked at")) } dd { (super::verify::local_time(&r.at)) }
                            dt { (l.t("注销原因", "Reason")) } dd { ({ let (zh, en) = r.reason.describe(); l.t(zh, en).to_owned() }) }
                        }
                    }
                }
            }
        },
    ))
}
