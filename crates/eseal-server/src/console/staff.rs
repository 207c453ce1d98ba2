//! The agency's pages: the review queue with approve / reject (R-REV-1; a reviewer never
//! their own), and the filings (备案) outbox with each filing's 24-hour deadline in colour
//! (R-FILE-1). Each list and action goes through the same service operation, role check and
//! ownership rule as the API.

use super::layout;
use super::verify::local_time;
use super::{Ctx, Lang};
use crate::auth::Role;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use eseal_core::{
    Application, ApplicationState, DeadlineState, FilingEvent, FilingState, FilingTarget, Purpose,
};
use maud::html;
use serde::Deserialize;

fn state_label(l: Lang, a: &Application) -> &'static str {
    let makes = a.purpose.makes_a_seal();
    match &a.state {
        ApplicationState::Draft => l.t("草稿", "draft"),
        ApplicationState::Submitted { .. } => l.t("待审核", "submitted"),
        ApplicationState::Rejected { .. } => l.t("已退回", "rejected"),
        ApplicationState::Approved { .. } if makes => l.t("已通过，待制章", "approved"),
        ApplicationState::Approved { .. } => l.t("已通过，待办理", "approved"),
        ApplicationState::Made { .. } if makes => l.t("已制章", "made"),
        ApplicationState::Made { .. } => l.t("已办结", "done"),
    }
}

/// What the application asks for, as a person reads it (新刻, 变更 …).
pub fn purpose_label(l: Lang, p: &Purpose) -> &'static str {
    let (zh, en) = p.describe();
    l.t(zh, en)
}

/// An ID number as this user may see it: in full for the reviewers and makers who must
/// check it, else masked (first 6 and last 4 shown).
fn shown_id(ctx: &Ctx, id: &str) -> String {
    let full = ctx
        .caller
        .as_ref()
        .is_some_and(|c| c.has(Role::Reviewer) || c.has(Role::Maker));
    if full {
        return id.to_owned();
    }
    masked(id)
}

/// An ID number with all but its first 6 and last 4 characters hidden (R-SEC-1).
pub fn masked(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < 6 || i + 4 >= chars.len() {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

/// `?state=`.
#[derive(Debug, Deserialize)]
pub struct StateQuery {
    state: Option<String>,
    after: Option<String>,
    /// Search within the state.
    q: Option<String>,
    /// A filing just scheduled again.
    retried: Option<String>,
}

/// Applications: the queue of one state (staff), or the applicant's own.
pub async fn applications(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<StateQuery>,
) -> Response {
    let Some(c) = &ctx.caller else {
        return super::to_login(&ctx);
    };
    let l = ctx.lang;
    let state = q.state.as_deref().filter(|s| !s.is_empty());
    let page = layout::page_at(q.after.as_deref());
    let text = q.q.as_deref().map(str::trim).unwrap_or_default();
    let staff = ctx.may(crate::service::roles::READ_ALL_APPLICATIONS);
    let found = s.registry().applications(c, state, Some(text), &page).await;
    let (apps, next, problem) = match layout::search_result(found, l) {
        Ok(r) => r,
        Err(e) => return super::refused(&s, &ctx, &e).await,
    };
    let tabs = [
        ("submitted", l.t("待审核", "Submitted")),
        ("approved", l.t("已通过", "Approved")),
        ("rejected", l.t("已退回", "Rejected")),
        ("made", l.t("已办结", "Done")),
    ];
    let current = state.unwrap_or("submitted");
    super::html(layout::page(
        &ctx,
        l.t("印章申请", "Applications"),
        html! {
            p.tabs {
                @for (key, name) in tabs {
                    a class=[(key == current).then_some("here")] href=(layout::list_url("/applications", key, text)) { (name) }
                }
            }
            @if staff { (layout::search_box(&ctx, "/applications", current, text, ("统一社会信用代码或申请人用户名", "Unified social credit code or the applicant's user name"))) }
            @if let Some(p) = &problem { div.notice.error role="alert" { (p) } }
            @if apps.is_empty() {
                div.card.muted { (l.t("没有这一状态的申请。", "No application in this state.")) }
            } @else {
                table.list {
                    tr { th { (l.t("申请编号", "Application")) } th { (l.t("事项", "For")) } th { (l.t("印章种类", "Kind")) } th { (l.t("印章名称", "Name on the seal")) } th { (l.t("申请人", "Applicant")) } th { (l.t("状态", "State")) } }
                    @for a in &apps {
                        tr {
                            td { a href={ "/applications/" (a.id) } { code { (a.id) } } }
                            td { (purpose_label(l, &a.purpose)) }
                            td { (super::apply::kind_label(l, &a.kind)) }
                            td { (a.seal_name) }
                            td { (a.applicant) }
                            td { (state_label(l, a)) }
                        }
                    }
                }
            }
            (layout::pager(&ctx, &layout::list_url("/applications", current, text), q.after.as_deref(), next.as_deref()))
        },
    ))
}

pub fn detail(ctx: &Ctx, a: &Application, problem: Option<&str>) -> maud::Markup {
    let l = ctx.lang;
    let reviewer = ctx.caller.as_ref().is_some_and(|c| c.has(Role::Reviewer));
    let submitted = matches!(a.state, ApplicationState::Submitted { .. });
    let seen = crate::service::etag(a);
    html! {
        @if let Some(p) = problem { div.notice.error role="alert" { (p) } }
        div.card {
            dl.facts {
                dt { (l.t("申请编号", "Application")) } dd { code { (a.id) } }
                dt { (l.t("申请事项", "Applied for")) }
                dd {
                    (purpose_label(l, &a.purpose))
                    @if let Some(seal) = a.purpose.seal() {
                        " " (l.t("印章", "seal")) " "
                        @if ctx.may(crate::service::roles::READ_SEALS) { a href={ "/seals/" (seal) } { code { (seal) } } } @else { code { (seal) } }
                    }
                    @if let Purpose::Revocation { reason, .. } = &a.purpose {
                        " — " ({ let (zh, en) = reason.describe(); l.t(zh, en) })
                    }
                }
                dt { (l.t("状态", "State")) } dd { (state_label(l, a)) }
                @if let ApplicationState::Made { seal_id } = &a.state {
                    @if a.purpose.makes_a_seal() {
                        dt { (l.t("制作的印章", "Seal made")) }
                        dd { @if ctx.may(crate::service::roles::READ_SEALS) { a href={ "/seals/" (seal_id) } { code { (seal_id) } } } @else { code { (seal_id) } } }
                    }
                }
                @if let ApplicationState::Submitted { at } = &a.state {
                    dt { (l.t("提交时间", "Submitted")) } dd { (local_time(&views_rfc(*at))) }
                }
                @if let ApplicationState::Rejected { reviewer, reason } = &a.state {
                    dt { (l.t("退回原因", "Reason")) } dd { (reason) " — " (reviewer) }
                }
                dt { (l.t("印章种类", "Kind")) } dd { (super::apply::kind_label(l, &a.kind)) }
                dt { (l.t("印章名称", "Name on the seal")) } dd { (a.seal_name) }
                @if let Some(o) = &a.organisation_code {
                    dt { (l.t("统一社会信用代码", "USCC")) } dd { (o) " " (a.organisation_name.clone().unwrap_or_default()) }
                }
                @if let Some(h) = &a.holder_id {
                    dt { (l.t("持有人身份证号", "Holder's ID")) } dd { (shown_id(ctx, h)) " " (a.holder_name.clone().unwrap_or_default()) }
                }
                dt { (l.t("申请人", "Applicant")) } dd { (a.applicant) }
                dt { (l.t("申请材料", "Materials")) }
                dd {
                    @if a.materials.is_empty() { (l.t("无", "none")) }
                    @let viewer = ctx.may(crate::service::roles::READ_MATERIAL);
                    @for m in &a.materials {
                        div {
                            ({ let (zh, wire) = m.kind.names(); l.t(zh, wire).replace('_', " ") }) " " code.small { (m.sm3.get(..16).unwrap_or_default()) "…" }
                            @if viewer { " " a href={ "/materials/" (m.sm3) } target="_blank" { (l.t("打开", "open")) } }
                        }
                        @if viewer { img.material src={ "/materials/" (m.sm3) "?view=picture" } alt=(l.t("材料预览", "material preview")); }
                    }
                }
            }
        }
        @if reviewer && submitted {
            div.card {
                h2 { (l.t("审核", "Review")) }
                p.muted.small { (l.t("请核对材料与申请信息一致。不能审核自己提交的申请。", "Check the materials against the application. You cannot review your own.")) }
                form method="post" action={ "/applications/" (a.id) "/approve" } {
                    input type="hidden" name="csrf" value=(ctx.csrf);
                    input type="hidden" name="seen" value=(seen);
                    button type="submit" { (l.t("通过", "Approve")) }
                }
                form.stack method="post" action={ "/applications/" (a.id) "/reject" } {
                    input type="hidden" name="csrf" value=(ctx.csrf);
                    input type="hidden" name="seen" value=(seen);
                    label for="reason" { (l.t("退回原因（申请人可见）", "Reason for rejection (the applicant sees it)")) }
                    input #reason type="text" name="reason" required maxlength="500";
                    button.secondary type="submit" { (l.t("退回", "Reject")) }
                }
            }
        }
    }
}

fn views_rfc(t: time::OffsetDateTime) -> String {
    crate::views::rfc(t)
}

/// One application.
pub async fn application(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    let Some(c) = &ctx.caller else {
        return super::to_login(&ctx);
    };
    match s.registry().application(c, &id).await {
        Ok(a) => {
            let body =
                html! { (detail(&ctx, &a, None)) (super::make::section(&s, &ctx, &a).await) };
            super::html(layout::page(
                &ctx,
                ctx.lang.t("印章申请", "Application"),
                body,
            ))
        }
        Err(e) => super::refused(&s, &ctx, &e).await,
    }
}

/// An approve / reject form (applications, use requests).
#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    pub(super) csrf: String,
    pub(super) reason: Option<String>,
    /// What the page showed of the record ([`crate::service::etag`]).
    pub(super) seen: Option<String>,
}

/// Approve (`/approve`) or reject (`/reject`, with a reason).
pub async fn review(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<ReviewForm>,
) -> Response {
    let c = match ctx.form_caller(&s, &f.csrf).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = match action.as_str() {
        "approve" => s.registry().approve(c, &id, f.seen.as_deref()).await,
        "reject" => {
            s.registry()
                .reject(
                    c,
                    &id,
                    f.reason.as_deref().unwrap_or_default(),
                    f.seen.as_deref(),
                )
                .await
        }
        _ => return super::not_found(&ctx),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/applications/{}", super::urlencode(&id))).into_response(),
        Err(e) => {
            if e.kind == crate::failure::Kind::Forbidden {
                return super::refused(&s, &ctx, &e).await;
            }
            let why = match ctx.lang {
                Lang::Zh => e.detail.zh.clone(),
                Lang::En => e.detail.en.clone(),
            };
            match s.registry().application(c, &id).await {
                Ok(a) => (
                    axum::http::StatusCode::CONFLICT,
                    super::html(layout::page(
                        &ctx,
                        ctx.lang.t("印章申请", "Application"),
                        detail(&ctx, &a, Some(&why)),
                    )),
                )
                    .into_response(),
                Err(e) => ctx.failure(&e),
            }
        }
    }
}

pub fn event_label(l: Lang, e: FilingEvent) -> &'static str {
    match e {
        FilingEvent::Made => l.t("制章", "made"),
        FilingEvent::Changed => l.t("变更", "changed"),
        FilingEvent::Renewed => l.t("续期", "renewed"),
        FilingEvent::Revoked => l.t("注销", "revoked"),
        FilingEvent::Rekeyed => l.t("重置密钥", "re-keyed"),
    }
}

/// Where a filing goes.
pub fn target_label(l: Lang, t: FilingTarget) -> &'static str {
    match t {
        FilingTarget::Police => l.t("公安机关", "police"),
        FilingTarget::National => l.t("全国一体化平台", "national platform"),
    }
}

/// A delivered filing's receipt (the police system's receipt number as it is, a national
/// push's outcome in words) and when; a pending one's attempts, last failure and next try.
pub fn progress(l: Lang, state: &FilingState) -> maud::Markup {
    match state {
        FilingState::Delivered { receipt, at } => html! {
            @match crate::connectors::national_receipt(receipt) {
                Some(t) => (l.t(&t.zh, &t.en)),
                None => code { (receipt) },
            }
            " " span.muted.small { (local_time(&views_rfc(*at))) }
        },
        FilingState::Pending {
            attempts,
            last_error,
            last_error_zh,
            next_attempt,
        } => html! {
            (attempts) (l.t(" 次", if *attempts == 1 { " attempt" } else { " attempts" }))
            @if let Some(e) = last_error { " " span.muted.small { (l.t(last_error_zh.as_deref().unwrap_or(e), e)) } }
            br; span.muted.small { (l.t("下次尝试 ", "next attempt ")) (local_time(&views_rfc(*next_attempt))) }
        },
    }
}

pub fn deadline_label(l: Lang, d: DeadlineState) -> (&'static str, &'static str) {
    match d {
        DeadlineState::OnTime => (l.t("待备案（期限内）", "pending, on time"), "pending"),
        DeadlineState::Warning => (l.t("即将超期", "due soon"), "indeterminate"),
        DeadlineState::Overdue => (l.t("已超期", "overdue"), "failed"),
        DeadlineState::DeliveredOnTime => (l.t("按时备案", "filed on time"), "passed"),
        DeadlineState::DeliveredLate => (l.t("逾期备案", "filed late"), "indeterminate"),
    }
}

/// The filings (备案) outbox: pending or delivered, with deadlines in colour.
pub async fn filings(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<StateQuery>,
) -> Response {
    let Some(c) = &ctx.caller else {
        return super::to_login(&ctx);
    };
    let l = ctx.lang;
    let state = q
        .state
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or("pending");
    let page = layout::page_at(q.after.as_deref());
    let text = q.q.as_deref().map(str::trim).unwrap_or_default();
    let found = s
        .registry()
        .filings(c, Some(state), Some(text), &page)
        .await;
    let (list, next, problem) = match layout::search_result(found, l) {
        Ok(r) => r,
        Err(e) => return super::refused(&s, &ctx, &e).await,
    };
    let may_retry = ctx.may(crate::service::roles::RETRY_FILINGS);
    super::html(layout::page(
        &ctx,
        l.t("备案", "Filings"),
        html! {
            p.muted { (l.t("每次制章、变更、续期、注销须在 24 小时内向公安机关备案。", "Each making, change, renewal and revocation is filed with the police within 24 hours.")) }
            @if let Some(r) = &q.retried { div.notice { (l.t("已安排立即重试：", "Scheduled to be sent at once: ")) code { (r) } } }
            p.tabs {
                a class=[(state == "pending").then_some("here")] href=(layout::list_url("/filings", "pending", text)) { (l.t("待备案", "Pending")) }
                a class=[(state == "delivered").then_some("here")] href=(layout::list_url("/filings", "delivered", text)) { (l.t("已备案", "Delivered")) }
            }
            (layout::search_box(&ctx, "/filings", state, text, ("印章编码", "Seal ID")))
            @if let Some(p) = &problem { div.notice.error role="alert" { (p) } }
            @if list.is_empty() {
                div.card.muted { (l.t("没有。", "None.")) }
            } @else {
                table.list {
                    tr { th { (l.t("印章编码", "Seal")) } th { (l.t("事项", "Event")) } th { (l.t("报送", "To")) } th { (l.t("期限", "Deadline")) } th { (l.t("状况", "State")) } th { (l.t("回执或尝试", "Receipt or attempts")) } @if may_retry { th {} } }
                    @for f in &list {
                        tr {
                            td { a href={ "/seals/" (f.filing.seal_id) } { code { (f.filing.seal_id) } } }
                            td.nowrap { (event_label(l, f.filing.event)) }
                            td.nowrap { (target_label(l, f.filing.target)) }
                            td { (local_time(&f.deadline)) }
                            td { @let (name, class) = deadline_label(l, f.deadline_state); span class={ "badge " (class) } { (name) } }
                            td.wrap { (progress(l, &f.filing.state)) }
                            @if may_retry {
                                td {
                                    @if matches!(f.filing.state, FilingState::Pending { .. }) {
                                        form method="post" action={ "/filings/" (f.filing.id) "/retry" } {
                                            input type="hidden" name="csrf" value=(ctx.csrf);
                                            input type="hidden" name="seen" value=(crate::service::etag(&f.filing));
                                            button.secondary.small type="submit" { (l.t("立即重试", "Retry now")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            (layout::pager(&ctx, &layout::list_url("/filings", state, text), q.after.as_deref(), next.as_deref()))
        },
    ))
}

/// The retry form's fields.
#[derive(Debug, Deserialize)]
pub struct RetryForm {
    csrf: String,
    seen: Option<String>,
}

/// Sends a pending filing at the worker's next pass.
pub async fn retry(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    axum::extract::Form(f): axum::extract::Form<RetryForm>,
) -> Response {
    let c = match ctx.form_caller(&s, &f.csrf).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match s.registry().retry_filing(c, &id, f.seen.as_deref()).await {
        Ok(_) => axum::response::Redirect::to(&format!(
            "/filings?state=pending&retried={}",
            super::urlencode(&id)
        ))
        .into_response(),
        Err(e) => super::refused(&s, &ctx, &e).await,
    }
}

/// `?view=picture`: the material as a picture for the page (an OFD's first page drawn).
#[derive(Debug, Deserialize)]
pub struct MaterialQuery {
    view: Option<String>,
}

/// A material, opened for those who review or make (the service checks the role): images and
/// PDF shown in the browser, an OFD's first page drawn, anything else downloaded.
pub async fn material(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    axum::extract::Path(sm3): axum::extract::Path<String>,
    Query(q): Query<MaterialQuery>,
) -> Response {
    use axum::http::{HeaderValue, header};
    let Some(c) = &ctx.caller else {
        return super::to_login(&ctx);
    };
    let bytes = match s.registry().material(c, &sm3).await {
        Ok(b) => b,
        Err(e) => return super::refused(&s, &ctx, &e).await,
    };
    let picture = q.view.as_deref() == Some("picture");
    let (body, mime, inline): (Vec<u8>, &'static str, bool) = if bytes.starts_with(b"\x89PNG") {
        (bytes, "image/png", true)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        (bytes, "image/jpeg", true)
    } else if bytes.starts_with(b"%PDF") && !picture {
        (bytes, "application/pdf", true)
    } else if eseal_doc::FileKind::sniff(&bytes) == eseal_doc::FileKind::Ofd && picture {
        match s.verification().draw_page(bytes, 1, 72.0).await {
            Ok(p) => (p.png, "image/png", true),
            Err(e) => return ctx.failure(&e),
        }
    } else if picture {
        // Not a picture: a plain card saying so; "open" gives the file.
        let text = ctx.lang.t("无预览，请点“打开”", "no preview: use “open”");
        let svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"240\" height=\"60\"><rect width=\"240\" height=\"60\" fill=\"#f4f6f9\"/><text x=\"120\" y=\"35\" font-size=\"14\" text-anchor=\"middle\" fill=\"#57606a\">{text}</text></svg>"
        );
        (svg.into_bytes(), "image/svg+xml", true)
    } else {
        (bytes, "application/octet-stream", false)
    };
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    let disposition = if inline {
        "inline".to_owned()
    } else {
        format!(
            "attachment; filename=\"material-{}.bin\"",
            sm3.get(..16).unwrap_or_default()
        )
    };
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}
