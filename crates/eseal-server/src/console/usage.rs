//! Using an official seal under approval (R-USE-2, R-AUDIT-2): a custodian's use request
//! (用印申请) from the seal's page — the documents uploaded only to take their SM3, the
//! purpose, counterparty, stamps and window —, the approvers' list with approve / reject per
//! level, and the seal's usage ledger (用印记录) with its CSV export. The rules (who asks,
//! who approves, never one's own, each level a different approver) are the approvals
//! service's.

use super::layout;
use super::upload::Upload;
use super::verify::{local_time, parse_local_time};
use super::{Ctx, Lang};
use crate::service::NewUseRequest;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use eseal_core::{Seal, SealKind, SealState, UseRequest, UseRequestState};
use maud::{Markup, html};
use serde::Deserialize;

/// The use-request form on an active official seal's page, for its custodians.
pub fn request_section(ctx: &Ctx, seal: &Seal) -> Markup {
    let l = ctx.lang;
    if !ctx.may(crate::service::roles::REQUEST_USE)
        || !matches!(seal.kind, SealKind::Official(_))
        || seal.state != SealState::Active
    {
        return html! {};
    }
    html! {
        div.card {
            h2 { (l.t("申请用印", "Ask to use the seal")) }
            p.muted.small { (l.t("单位印章须经审批后使用。上传要盖章的文件（平台只记录其 SM3 摘要，不保存文件），审批通过后即可对这些文件盖章。", "An official seal is used only after approval. Upload the documents to be stamped (the platform records their SM3 digests only, not the files); once approved, these documents can be stamped.")) }
            form.stack method="post" action={ "/seals/" (seal.id) "/use-requests" } enctype="multipart/form-data" data-progress="" {
                input type="hidden" name="csrf" value=(ctx.csrf);
                label for="documents" { (l.t("要盖章的文件（可多选）", "Documents to stamp (several allowed)")) }
                input #documents type="file" name="documents" multiple required;
                label for="purpose" { (l.t("用途", "Purpose")) }
                input #purpose type="text" name="purpose" maxlength="200" required;
                label for="counterparty" { (l.t("相对方（可选）", "Counterparty (optional)")) }
                input #counterparty type="text" name="counterparty" maxlength="200";
                label for="stamps" { (l.t("盖章次数", "Number of stamps")) }
                input #stamps type="number" name="stamps" min="1" max="1000" value="1" required;
                label for="not_after" { (l.t("有效期至（北京时间，如 2026-07-03 18:00）", "Valid until (Beijing time, e.g. 2026-07-03 18:00)")) }
                input #not_after type="text" name="not_after" placeholder="2026-07-03 18:00" required;
                button type="submit" { (l.t("提交用印申请", "Submit the request")) }
                progress.upload hidden max="100" value="0" {}
            }
        }
    }
}

/// Creates a use request from the seal page's form.
pub async fn create(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    mut parts: Multipart,
) -> Response {
    let l = ctx.lang;
    let (up, c) = match Upload::read_checked(
        &mut parts,
        &ctx,
        &s,
        ("未提交用印申请。", "no request was made."),
    )
    .await
    {
        Ok(x) => x,
        Err(r) => return r,
    };
    let documents: Vec<String> = up
        .files("documents")
        .iter()
        .map(|(_, bytes)| eseal_gm::Sm3Digest::of(bytes).to_hex())
        .collect();
    if documents.is_empty() {
        return ctx.refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            l.t("请选择要盖章的文件", "Choose the documents to stamp"),
        );
    }
    let Some(not_after) = parse_local_time(&up.text("not_after")) else {
        return ctx.refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            l.t(
                "有效期至：请按“2026-07-03 18:00”的格式填写北京时间",
                "Valid until: write the Beijing time as 2026-07-03 18:00",
            ),
        );
    };
    let Ok(stamps) = up.text("stamps").parse::<u32>() else {
        return ctx.refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            l.t(
                "盖章次数须为正整数",
                "The number of stamps must be a whole number",
            ),
        );
    };
    let counterparty = Some(up.text("counterparty")).filter(|t| !t.is_empty());
    let new = NewUseRequest {
        documents,
        purpose: up.text("purpose"),
        counterparty,
        stamps,
        not_before: None,
        not_after,
    };
    match s.approvals().request(c, &id, new).await {
        Ok(r) => Redirect::to(&format!("/use-requests?state=pending&new={}", r.id)).into_response(),
        Err(e) => super::refused(&s, &ctx, &e).await,
    }
}

/// `?state=` and, after a request was made, `?new=`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    state: Option<String>,
    new: Option<String>,
    after: Option<String>,
    /// A seal ID to search for.
    q: Option<String>,
}

fn state_label(l: Lang, st: &UseRequestState) -> (&'static str, &'static str) {
    match st {
        UseRequestState::Pending => (l.t("待审批", "pending"), "pending"),
        UseRequestState::Approved => (l.t("已批准", "approved"), "valid"),
        UseRequestState::Rejected { .. } => (l.t("已驳回", "rejected"), "revoked"),
    }
}

/// The use requests of the user's organisation (all, for auditors), by state, with the
/// approvers' actions.
pub async fn list(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some(c) = &ctx.caller else {
        return super::to_login(&ctx);
    };
    let l = ctx.lang;
    let state = q.state.as_deref().unwrap_or("pending");
    let page = layout::page_at(q.after.as_deref());
    let text = q.q.as_deref().map(str::trim).unwrap_or_default();
    let found = s
        .approvals()
        .requests(c, Some(state), Some(text), &page)
        .await;
    let (rows, next, problem) = match layout::search_result(found, l) {
        Ok(r) => r,
        Err(e) => return super::refused(&s, &ctx, &e).await,
    };
    let approver = ctx.may(crate::service::roles::APPROVE_USE);
    let tabs = [
        ("pending", l.t("待审批", "Pending")),
        ("approved", l.t("已批准", "Approved")),
        ("rejected", l.t("已驳回", "Rejected")),
    ];
    super::html(layout::page(
        &ctx,
        l.t("用印申请", "Use requests"),
        html! {
            @if let Some(n) = &q.new { div.notice { (l.t("用印申请已提交：", "The request was submitted: ")) code { (n) } (l.t("，等待审批。", "; it waits for approval.")) } }
            p.tabs {
                @for (k, name) in tabs {
                    a class=[(k == state).then_some("here")] href=(layout::list_url("/use-requests", k, text)) { (name) }
                }
            }
            (layout::search_box(&ctx, "/use-requests", state, text, ("印章编码", "Seal ID")))
            @if let Some(p) = &problem { div.notice.error role="alert" { (p) } }
            @if rows.is_empty() {
                div.card.muted { (l.t("没有用印申请。", "No use requests.")) }
            }
            @for r in &rows { (request_card(&ctx, r, approver && state == "pending")) }
            (layout::pager(&ctx, &layout::list_url("/use-requests", state, text), q.after.as_deref(), next.as_deref()))
        },
    ))
}

fn request_card(ctx: &Ctx, r: &UseRequest, act: bool) -> Markup {
    let l = ctx.lang;
    let (name, class) = state_label(l, &r.state);
    let seen = crate::service::etag(r);
    let mine = ctx.caller.as_ref().is_some_and(|c| c.user == r.requester);
    let done_by_me = ctx
        .caller
        .as_ref()
        .is_some_and(|c| r.approvals.iter().any(|(a, _)| *a == c.user));
    html! {
        div.card id={ "r-" (r.id) } {
            h2 { code { (r.id) } " " span class={ "badge " (class) } { (name) } }
            dl.facts {
                dt { (l.t("印章", "Seal")) } dd { a href={ "/seals/" (r.seal_id) } { code { (r.seal_id) } } }
                dt { (l.t("申请人", "Requested by")) } dd { (r.requester) }
                dt { (l.t("用途", "Purpose")) } dd { (r.purpose) }
                @if let Some(cp) = &r.counterparty { dt { (l.t("相对方", "Counterparty")) } dd { (cp) } }
                dt { (l.t("盖章次数", "Stamps")) } dd { (r.used) " / " (r.stamps) }
                dt { (l.t("有效期", "Window")) } dd { (local_time(&crate::views::rfc(r.not_before))) " — " (local_time(&crate::views::rfc(r.not_after))) }
                dt { (l.t("文件 SM3", "Documents (SM3)")) } dd { @for d in &r.documents { code.small { (d) } br; } }
                dt { (l.t("审批", "Approvals")) }
                dd {
                    (r.approvals.len()) " / " (r.levels) (l.t(" 级", " levels"))
                    @for (who, at) in &r.approvals { br; span.small { (who) " · " (local_time(at)) } }
                }
                @if let UseRequestState::Rejected { approver, reason } = &r.state {
                    dt { (l.t("驳回", "Rejected")) } dd { (approver) "：" (reason) }
                }
            }
            @if act && !mine && !done_by_me {
                div.actions {
                    form method="post" action={ "/use-requests/" (r.id) "/approve" } {
                        input type="hidden" name="csrf" value=(ctx.csrf);
                        input type="hidden" name="seen" value=(seen);
                        button type="submit" { (l.t("批准", "Approve")) }
                    }
                    form.inline method="post" action={ "/use-requests/" (r.id) "/reject" } {
                        input type="hidden" name="csrf" value=(ctx.csrf);
                        input type="hidden" name="seen" value=(seen);
                        input type="text" name="reason" placeholder=(l.t("驳回理由", "Reason")) required maxlength="500" aria-label=(l.t("驳回理由", "Reason"));
                        button.danger type="submit" { (l.t("驳回", "Reject")) }
                    }
                }
            } @else if act && mine {
                p.muted.small { (l.t("这是您本人提交的申请，不能由您审批。", "You made this request; someone else approves it.")) }
            } @else if act && done_by_me {
                p.muted.small { (l.t("您已批准本级，下一级须由其他审批人批准。", "You approved one level; another approver approves the next.")) }
            }
        }
    }
}

/// Approves one level of, or rejects, a use request.
pub async fn decide(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<super::staff::ReviewForm>,
) -> Response {
    let c = match ctx.form_caller(&s, &f.csrf).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let approvals = s.approvals();
    let done = match action.as_str() {
        "approve" => approvals.approve(c, &id, f.seen.as_deref()).await,
        "reject" => {
            approvals
                .reject(
                    c,
                    &id,
                    f.reason.as_deref().unwrap_or_default().trim(),
                    f.seen.as_deref(),
                )
                .await
        }
        _ => return super::not_found(&ctx),
    };
    match done {
        Ok(r) => Redirect::to(&format!(
            "/use-requests?state={}#r-{}",
            r.state.name(),
            r.id
        ))
        .into_response(),
        Err(e) => super::refused(&s, &ctx, &e).await,
    }
}

/// The seal's usage ledger, a page at a time (for those who may read it).
pub async fn ledger_section(s: &AppState, ctx: &Ctx, seal: &Seal, after: &str) -> Markup {
    let l = ctx.lang;
    let Some(c) = &ctx.caller else {
        return html! {};
    };
    if !ctx.may(crate::service::roles::READ_USAGES) {
        return html! {};
    }
    let Ok((rows, next)) = s.signing().usages(c, &seal.id, after).await else {
        return html! {};
    };
    html! {
        h2 #ledger { (l.t("用印记录", "Usage ledger")) }
        @if rows.is_empty() {
            p.muted { (l.t("尚无用印记录。", "No use yet.")) }
        } @else {
            table.list {
                tr { th { (l.t("时间", "When")) } th { (l.t("文件", "Document")) } th { (l.t("用途", "Purpose")) } th { (l.t("签署人", "Signed by")) } th { (l.t("结果", "Result")) } }
                @for u in &rows {
                    tr {
                        td { (local_time(&crate::views::rfc(u.created))) }
                        td { (u.document_name) br; code.small { (u.document_sm3.get(..16).unwrap_or_default()) "…" } }
                        td { (u.purpose) }
                        td { (u.signer) }
                        td { (outcome(l, u)) }
                    }
                }
            }
            p.small {
                @if let Some(n) = &next { a href={ "/seals/" (seal.id) "?after=" (super::urlencode(n)) "#ledger" } { (l.t("下一页", "Next page")) } " · " }
                a href={ "/seals/" (seal.id) "/ledger.csv" } { (l.t("导出全部用印记录（CSV）", "Export the whole ledger (CSV)")) }
            }
        }
    }
}

fn outcome(l: Lang, u: &eseal_core::Usage) -> String {
    use eseal_core::UsageState as S;
    match &u.state {
        S::Intent => l.t("进行中", "in progress").to_owned(),
        S::Signed { .. } => l.t("已签署", "signed").to_owned(),
        // The ledger keeps the reason as recorded (English); a Chinese page names the kind.
        S::Aborted { why, .. } => match l {
            Lang::En => format!("not signed: {why}"),
            Lang::Zh if why.starts_with("refused") => {
                "未签署：被拒绝（口令、审批或授权范围不符）".to_owned()
            }
            Lang::Zh if why.starts_with("not completed") => "未签署：签署中服务停止".to_owned(),
            Lang::Zh => "未签署".to_owned(),
        },
    }
}

/// One CSV field (quoted when it needs to be; a leading =, +, - or @ neutralised so a
/// spreadsheet does not run it as a formula).
fn csv_field(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@']) {
        format!("'{v}")
    } else {
        v.to_owned()
    };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// The whole ledger as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the
/// Chinese text), page by page through the service.
pub async fn ledger_csv(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    let Some(c) = &ctx.caller else {
        return super::to_login(&ctx);
    };
    let l = ctx.lang;
    let mut out = String::from("\u{feff}");
    let head = [
        l.t("记录编号", "id"),
        l.t("时间（北京时间）", "time (Beijing)"),
        l.t("文件名", "document"),
        l.t("文件 SM3", "document SM3"),
        l.t("用途", "purpose"),
        l.t("相对方", "counterparty"),
        l.t("签署人", "signer"),
        l.t("用印申请", "use request"),
        l.t("结果", "result"),
    ];
    out.push_str(&head.join(","));
    out.push_str("\r\n");
    let mut after = String::new();
    // The ledger is read a page at a time; 1,000 pages bound one export.
    for _ in 0..1000 {
        let (rows, next) = match s.signing().usages(c, &id, &after).await {
            Ok(p) => p,
            Err(e) => return super::refused(&s, &ctx, &e).await,
        };
        for u in &rows {
            let fields = [
                u.id.clone(),
                local_time(&crate::views::rfc(u.created)),
                u.document_name.clone(),
                u.document_sm3.to_string(),
                u.purpose.clone(),
                u.counterparty.clone().unwrap_or_default(),
                u.signer.clone(),
                u.approval.clone().unwrap_or_default(),
                outcome(l, u),
            ];
            out.push_str(
                &fields
                    .iter()
                    .map(|f| csv_field(f))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            out.push_str("\r\n");
        }
        match next {
            Some(n) => after = n,
            None => break,
        }
    }
    let mut r = out.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"ledger-{}.csv\"",
        id.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("合同.ofd"), "合同.ofd");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1"), "'-1");
    }
}
