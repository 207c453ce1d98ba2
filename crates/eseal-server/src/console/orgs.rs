//! Organisations and their internal rule for official-seal use (R-USE-2): how many distinct
//! approvers each use request needs (1–5). For system administrators, through the approvals
//! service (which checks the role and the unified social credit code).

use super::Ctx;
use super::layout;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

/// `?after=` and, after a save, `?saved=`.
#[derive(Debug, Deserialize)]
pub struct OrgQuery {
    after: Option<String>,
    saved: Option<String>,
    /// A unified social credit code to find.
    q: Option<String>,
}

/// The list and the form.
pub async fn list(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<OrgQuery>,
) -> Response {
    let Some(c) = &ctx.caller else {
        return super::to_login(&ctx);
    };
    let l = ctx.lang;
    let page = layout::page_at(q.after.as_deref());
    let text = q.q.as_deref().map(str::trim).unwrap_or_default();
    let found = s.approvals().organisations(c, Some(text), &page).await;
    let (items, next, problem) = match layout::search_result(found, l) {
        Ok(r) => r,
        Err(e) => return super::refused(&s, &ctx, &e).await,
    };
    super::html(layout::page(
        &ctx,
        l.t("单位与用印审批规则", "Organisations and approval rules"),
        html! {
            @if let Some(u) = &q.saved { div.notice { (l.t("已保存：", "Saved: ")) code { (u) } } }
            p.muted { (l.t("单位印章每次使用须经本单位审批；审批级数即须由几位不同的审批人依次批准（申请人本人不能审批）。", "Every use of an official seal is approved within its organisation; the number of levels is how many different approvers must approve in turn (never the requester).")) }
            form.inline.search method="get" action="/organisations" {
                div {
                    label for="q" { (l.t("统一社会信用代码", "Unified social credit code")) } br;
                    input #q type="search" name="q" value=(text) maxlength="18";
                }
                button.secondary type="submit" { (l.t("查找", "Search")) }
                @if !text.is_empty() { a href="/organisations" { (l.t("清除", "Clear")) } }
            }
            @if let Some(p) = &problem { div.notice.error role="alert" { (p) } }
            @if items.is_empty() {
                div.card.muted { (l.t("尚未登记单位。", "No organisation registered yet.")) }
            } @else {
                table.list {
                    tr { th { (l.t("统一社会信用代码", "USCC")) } th { (l.t("单位名称", "Name")) } th { (l.t("审批级数", "Approval levels")) } }
                    @for o in &items {
                        tr { td { code { (o.uscc) } } td { (o.name) } td { (o.approval_levels) } }
                    }
                }
                (layout::pager(&ctx, "/organisations", q.after.as_deref(), next.as_deref()))
            }
            div.card {
                h2 { (l.t("登记或修改单位", "Register or change an organisation")) }
                form.stack method="post" action="/organisations" {
                    input type="hidden" name="csrf" value=(ctx.csrf);
                    label for="uscc" { (l.t("统一社会信用代码", "Unified social credit code")) }
                    input #uscc type="text" name="uscc" maxlength="18" required;
                    label for="name" { (l.t("单位名称", "Name")) }
                    input #name type="text" name="name" maxlength="200" required;
                    label for="legal_representative" { (l.t("法定代表人公民身份号码（可选）", "Legal representative's citizen ID (optional)")) }
                    input #legal_representative type="text" name="legal_representative" maxlength="18";
                    label for="approval_levels" { (l.t("用印审批级数（1–5）", "Approval levels for each use (1–5)")) }
                    select #approval_levels name="approval_levels" {
                        @for n in 1..=5u32 { option value=(n) { (n) } }
                    }
                    button type="submit" { (l.t("保存", "Save")) }
                }
            }
        },
    ))
}

/// The form's fields.
#[derive(Debug, Deserialize)]
pub struct OrgForm {
    csrf: String,
    uscc: String,
    name: String,
    #[serde(default)]
    legal_representative: String,
    approval_levels: String,
}

/// Registers or changes an organisation.
pub async fn save(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<OrgForm>,
) -> Response {
    let c = match ctx.form_caller(&s, &f.csrf).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Ok(levels) = f.approval_levels.trim().parse::<u32>() else {
        return ctx.refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            ctx.lang.t("审批级数须为 1 到 5", "Approval levels: 1 to 5"),
        );
    };
    let uscc = f.uscc.trim().to_ascii_uppercase();
    let legal = Some(f.legal_representative.trim().to_ascii_uppercase()).filter(|x| !x.is_empty());
    match s
        .approvals()
        .put_organisation(c, &uscc, f.name.trim(), legal.as_deref(), levels)
        .await
    {
        Ok(o) => Redirect::to(&format!(
            "/organisations?saved={}",
            super::urlencode(&o.uscc)
        ))
        .into_response(),
        Err(e) => super::refused(&s, &ctx, &e).await,
    }
}
