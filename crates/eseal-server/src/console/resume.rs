//! A form sent after the session timed out is kept, not lost (issue 19, bad input): nothing
//! is done with it, but its typed input waits, for the same user only, until they log in
//! again; then a page shows what was kept and sends it on to where it was going once they
//! confirm it (with the new session's token, so the usual checks all run again).
//!
//! What is kept: the text fields, in memory for 30 minutes (until the page showing them is
//! opened), at most two forms per user. Never
//! kept: PINs, passwords and one-time codes (asked for again on that page) and the form's
//! old token. Files are not kept either (a browser cannot be handed a file back): their names
//! are shown and the files chosen again.
//!
//! Only a login session that timed out (not one that was ended, not an unknown or forged
//! cookie) leads here ([`crate::auth::timed_out_user`]); a POST from another site is refused
//! before, by the guard.

use super::shelf::Shelf;
use super::{Ctx, Lang, layout};
use crate::state::AppState;
use axum::Extension;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use std::sync::Arc;

/// The forms kept: 30 minutes, 500 in all, 2 per user, 8 MiB of text together.
static KEPT: Shelf<Arc<Kept>> = Shelf::new(time::Duration::minutes(30), 500, 2, 8 << 20);

/// Most text one kept form holds.
const MAX_TEXT: usize = 256 << 10;

/// Set by the guard on a request whose session cookie belongs to a login session that timed
/// out: its user.
#[derive(Debug, Clone)]
pub struct TimedOut(pub String);

/// A form's input kept for after the next login.
#[derive(Debug)]
struct Kept {
    /// Where it was sent.
    path: String,
    /// Sent as `multipart/form-data` (with files) rather than URL-encoded.
    multipart: bool,
    /// Its text fields, in order (no secret, no token).
    fields: Vec<(String, String)>,
    /// Its secret fields, by name: asked for again.
    asked: Vec<String>,
    /// Its file fields: (field, the file's name, its size).
    files: Vec<(String, String, usize)>,
}

/// A field whose value is never kept: PINs, passwords, one-time codes.
fn secret(name: &str) -> bool {
    name == "repeat" || name == "totp" || name.contains("pin") || name.contains("password")
}

/// The name a person reads for a secret field asked for again.
fn secret_label(l: Lang, name: &str) -> &'static str {
    match name {
        "new_pin" => l.t("新口令（PIN）", "New PIN"),
        "old_pin" => l.t("原口令（PIN）", "Current PIN"),
        "repeat" => l.t("再次输入新口令", "New PIN again"),
        n if n.contains("password") => l.t("密码", "Password"),
        "totp" => l.t("动态口令", "One-time code"),
        _ => l.t("印章口令（PIN）", "The seal's PIN"),
    }
}

/// The name a person reads for a kept field (`None`: not shown, only sent on: the record's
/// tag, the placement's numbers and the like).
fn field_label(l: Lang, name: &str) -> Option<&'static str> {
    Some(match name {
        "purpose" => l.t("用途", "Purpose"),
        "counterparty" => l.t("相对方", "Counterparty"),
        "stamps" => l.t("盖章次数", "Stamps"),
        "not_before" => l.t("起始时间", "From"),
        "not_after" => l.t("截止时间", "Until"),
        "reason" => l.t("原因", "Reason"),
        "kind" => l.t("印章种类", "Kind of seal"),
        "seal_name" => l.t("印章名称", "Name on the seal"),
        "organisation_code" | "uscc" => l.t("统一社会信用代码", "Unified social credit code"),
        "name" => l.t("名称", "Name"),
        "legal_representative" => l.t("法定代表人", "Legal representative"),
        "approval_levels" => l.t("审批级数", "Approval levels"),
        "holder_id" | "citizen_id" => l.t("公民身份号码", "Citizen ID"),
        "username" => l.t("用户名", "User name"),
        "display_name" => l.t("姓名", "Full name"),
        "roles" => l.t("角色", "Roles"),
        "applying_for" => l.t("申请事项", "Applying for"),
        "seal_id" => l.t("原印章编码", "The existing seal's ID"),
        "revocation_reason" => l.t("注销原因", "Reason for the revocation"),
        "keyword" => l.t("关键字", "Keyword"),
        "document_type" | "document_types" => l.t("文件类型", "Document type"),
        "business_category" | "business_categories" => l.t("业务类别", "Business category"),
        "amount" | "amount_limit" => l.t("金额", "Amount"),
        "use_request" => l.t("用印申请", "Use request"),
        "mode" => l.t("盖章方式", "Placement"),
        "page" => l.t("页码", "Page"),
        _ => return None,
    })
}

/// The middleware (inside the body limit): a POST sent with a timed-out session is kept and
/// answered with the login page; everything else passes.
pub async fn keep_timed_out(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let user = match req.extensions().get::<TimedOut>() {
        Some(TimedOut(u)) if req.method() == Method::POST => u.clone(),
        _ => return next.run(req).await,
    };
    let path = req.uri().path().to_owned();
    if path == "/login" || path == "/logout" || path.starts_with("/lang/") {
        return next.run(req).await;
    }
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let kept = if multipart {
        read_multipart(req, &path).await
    } else {
        read_urlencoded(req, &path).await
    };
    let mut login = "/login?timeout=1".to_owned();
    if let Some(kept) = kept {
        let bytes = kept.fields.iter().map(|(n, v)| n.len() + v.len()).sum();
        if let Some(id) = KEPT.put(s.random(), Some(&user), s.now(), bytes, Arc::new(kept)) {
            login = format!(
                "/login?timeout=1&next={}",
                super::urlencode(&format!("/resume/{id}"))
            );
        }
    }
    Redirect::to(&login).into_response()
}

async fn read_urlencoded(req: Request, path: &str) -> Option<Kept> {
    let bytes = axum::body::to_bytes(req.into_body(), MAX_TEXT).await.ok()?;
    let pairs: Vec<(String, String)> = serde_urlencoded_pairs(&bytes)?;
    let mut kept = Kept {
        path: path.to_owned(),
        multipart: false,
        fields: Vec::new(),
        asked: Vec::new(),
        files: Vec::new(),
    };
    for (name, value) in pairs {
        sort_field(&mut kept, name, value);
    }
    Some(kept)
}

fn serde_urlencoded_pairs(bytes: &[u8]) -> Option<Vec<(String, String)>> {
    Some(
        form_urlencoded::parse(bytes)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
    )
}

async fn read_multipart(req: Request, path: &str) -> Option<Kept> {
    let mut parts = Multipart::from_request(req, &()).await.ok()?;
    let mut kept = Kept {
        path: path.to_owned(),
        multipart: true,
        fields: Vec::new(),
        asked: Vec::new(),
        files: Vec::new(),
    };
    let mut text = 0usize;
    while let Ok(Some(mut field)) = parts.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        if let Some(file) = field.file_name().map(str::to_owned) {
            // A file: only its name and size are kept.
            let mut size = 0usize;
            while let Ok(Some(chunk)) = field.chunk().await {
                size += chunk.len();
            }
            if !file.is_empty() || size > 0 {
                let base = file.rsplit(['/', '\\']).next().unwrap_or_default();
                kept.files
                    .push((name, base.chars().take(200).collect(), size));
            }
            continue;
        }
        let value = field.text().await.ok()?;
        text += name.len() + value.len();
        if text > MAX_TEXT {
            return None;
        }
        sort_field(&mut kept, name, value);
    }
    Some(kept)
}

fn sort_field(kept: &mut Kept, name: String, value: String) {
    if name == "csrf" {
        return;
    }
    if secret(&name) {
        if !kept.asked.contains(&name) {
            kept.asked.push(name);
        }
    } else {
        kept.fields.push((name, value));
    }
}

/// The page that shows a kept form and sends it on.
pub async fn page(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    let Some(c) = &ctx.caller else {
        return super::to_login(&ctx);
    };
    let l = ctx.lang;
    // Shown once: taken off the shelf (a form sent on is not kept any longer than needed).
    let Some(kept) = KEPT.take(&id, Some(&c.user), s.now()) else {
        return ctx.refusal(
            axum::http::StatusCode::NOT_FOUND,
            l.t(
                "没有为您保留的表单（保留 30 分钟，或已提交）。",
                "No form is kept for you (forms are kept 30 minutes, or it was sent already).",
            ),
        );
    };
    super::html(layout::page(
        &ctx,
        l.t("继续提交", "Send the form on"),
        html! {
            div.notice { (l.t("会话超时后您提交的表单没有执行。下面是为您保留的内容，核对后可继续提交。", "The form you sent after your session timed out was not acted on. Here is what was kept; check it and send it on.")) }
            div.card {
                p.small.muted { (l.t("提交到：", "Sent to: ")) code { (kept.path) } }
                form.stack #resume method="post" action=(kept.path) enctype=(if kept.multipart { "multipart/form-data" } else { "application/x-www-form-urlencoded" }) {
                    input type="hidden" name="csrf" value=(ctx.csrf);
                    @if !kept.fields.is_empty() {
                        dl.facts {
                            @for (name, value) in &kept.fields {
                                @if let (Some(label), false) = (field_label(l, name), value.is_empty()) { dt { (label) } dd { (value) } }
                            }
                        }
                    }
                    @for (name, value) in &kept.fields {
                        input type="hidden" name=(name) value=(value);
                    }
                    @for name in &kept.asked {
                        label for={ "kept-" (name) } { (secret_label(l, name)) (l.t("（出于安全不予保留，请重新输入）", " (never kept; enter it again)")) }
                        input id={ "kept-" (name) } type="password" name=(name) autocomplete="off" required;
                    }
                    @for (i, (name, file, size)) in kept.files.iter().enumerate() {
                        label for={ "kept-file-" (i) } { (l.t("请重新选择文件：", "Choose the file again: ")) (file) " (" (size / 1024 + 1) " KB)" }
                        input id={ "kept-file-" (i) } type="file" name=(name);
                    }
                    button type="submit" { (l.t("继续提交", "Send it on")) }
                }
                p.small { a href="/" { (l.t("放弃，返回首页", "Drop it and go to the start page")) } }
            }
        },
    ))
}
