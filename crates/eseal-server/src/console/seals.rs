//! Seal search and a seal's page (R-QUERY-1): by seal ID, by an organisation's unified social
//! credit code or a holder's citizen ID; the seal's status now, its record, every stored
//! version as a timeline (for the roles that may read history) and its filings. Who sees
//! which seal is the service's rule (`access::sees_seal`): agency staff any, holders their
//! own, custodians and approvers their organisation's.

use super::layout;
use super::verify::local_time;
use super::{Ctx, Lang};
use crate::auth::Role;
use crate::service::SealQuery;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use eseal_core::{SealState, SealStatus};
use maud::{Markup, html};
use serde::Deserialize;

/// `?q=`.
#[derive(Debug, Deserialize)]
pub struct Search {
    q: Option<String>,
    after: Option<String>,
}

pub(super) fn status_badge(l: Lang, s: &SealStatus) -> Markup {
    let (name, class) = match s {
        SealStatus::Valid => (l.t("有效", "valid"), "valid"),
        SealStatus::NotYetValid => (l.t("尚未生效", "not yet valid"), "not_yet_valid"),
        SealStatus::Expired => (l.t("已过期", "expired"), "expired"),
        SealStatus::Revoked { .. } => (l.t("已注销", "revoked"), "revoked"),
    };
    html! { span class={ "badge " (class) } { (name) } }
}

/// The search page and its results.
pub async fn search(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<Search>,
) -> Response {
    let Some(c) = &ctx.caller else {
        return super::to_login(&ctx);
    };
    let l = ctx.lang;
    let mut text = q.q.as_deref().map(str::trim).unwrap_or_default().to_owned();
    // Without a query, a holder sees their own seals, a custodian or approver their
    // organisation's.
    if text.is_empty() {
        if let Some(id) = c.citizen_id.as_ref().filter(|_| c.has(Role::Holder)) {
            text = id.to_string();
        } else if let Some(o) = c
            .organisation_code
            .as_ref()
            .filter(|_| c.has(Role::Custodian) || c.has(Role::Approver))
        {
            text = o.to_string();
        }
    }
    let mut problem = None;
    let mut found = None;
    let mut next = None;
    if !text.is_empty() {
        let upper = text.to_ascii_uppercase();
        let query = if eseal_core::Uscc::parse("q", &upper).is_ok() {
            Some(SealQuery {
                organisation: Some(upper),
                holder: None,
                at: None,
                after: q.after.clone().unwrap_or_default(),
                limit: Some(layout::PAGE_ROWS),
            })
        } else if eseal_core::CitizenId::parse("q", &upper).is_ok() {
            Some(SealQuery {
                organisation: None,
                holder: Some(upper),
                at: None,
                after: q.after.clone().unwrap_or_default(),
                limit: Some(layout::PAGE_ROWS),
            })
        } else {
            None
        };
        match query {
            Some(q) => match s.registry().seals(c, q).await {
                Ok(page) => {
                    found = Some(page.seals);
                    next = page.next;
                }
                Err(e) => {
                    if e.kind == crate::failure::Kind::Forbidden {
                        return super::refused(&s, &ctx, &e).await;
                    }
                    problem = Some(l.t(&e.detail.zh, &e.detail.en).to_owned());
                }
            },
            None => {
                // A seal ID: straight to its page (a seal this user may not see does not exist).
                return Redirect::to(&format!("/seals/{}", super::urlencode(&text)))
                    .into_response();
            }
        }
    }
    super::html(layout::page(
        &ctx,
        l.t("印章查询", "Seals"),
        html! {
            div.card {
                form.inline method="get" action="/seals" {
                    div {
                        label for="q" { (l.t("印章编码、统一社会信用代码或公民身份号码", "Seal ID, unified social credit code or citizen ID")) } br;
                        input #q type="search" name="q" value=(text) required;
                    }
                    button type="submit" { (l.t("查询", "Search")) }
                }
            }
            @if let Some(p) = problem { div.notice.error role="alert" { (p) } }
            @if let Some(seals) = found {
                @if seals.is_empty() {
                    div.card.muted { (l.t("没有找到印章。", "No seal found.")) }
                } @else {
                    table.list {
                        tr { th { (l.t("印章编码", "Seal ID")) } th { (l.t("印章名称", "Name")) } th { (l.t("种类", "Kind")) } th { (l.t("有效期至", "Valid to")) } th { (l.t("状态", "Status")) } }
                        @for v in &seals {
                            tr {
                                td { a href={ "/seals/" (v.id) } { code { (v.id) } } }
                                td { (v.name) }
                                td { (super::apply::kind_label(l, &v.kind)) }
                                td { (local_time(&v.valid_to)) }
                                td { (status_badge(l, &v.status)) }
                            }
                        }
                    }
                    (layout::pager(&ctx, &format!("/seals?q={}", super::urlencode(&text)), q.after.as_deref(), next.as_deref()))
                }
            }
        },
    ))
}

/// A seal's page.
/// `?pin=changed` after a PIN change; `?after=` the usage ledger's page.
#[derive(Debug, Deserialize)]
pub struct Shown {
    pin: Option<String>,
    after: Option<String>,
    renewed: Option<String>,
    /// A revocation just recorded.
    revoked: Option<String>,
    /// A time (Beijing) to show the seal's status at.
    at: Option<String>,
}

pub async fn seal(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(shown): Query<Shown>,
) -> Response {
    let changed = shown.pin.as_deref() == Some("changed");
    let reset = shown.pin.as_deref() == Some("reset");
    let Some(c) = &ctx.caller else {
        return super::to_login(&ctx);
    };
    let l = ctx.lang;
    let registry = s.registry();
    let seal = match registry.seal(c, &id).await {
        Ok(seal) => seal,
        Err(e) => return super::refused(&s, &ctx, &e).await,
    };
    let now = s.now();
    let view = crate::views::SealView::of(&seal, now);
    // The status at a chosen time: the record's validity and revocation decide it.
    let at_text = shown.at.as_deref().map(str::trim).unwrap_or_default();
    let then = if at_text.is_empty() {
        None
    } else {
        Some(
            super::verify::parse_local_time(at_text)
                .map(|t| (t, seal.status_at(t)))
                .ok_or(l.t(
                    "时间格式应为 2026-12-05 14:30（北京时间）",
                    "write the time as 2026-12-05 14:30 (Beijing time)",
                )),
        )
    };
    let may_history = crate::service::roles::SEAL_HISTORY
        .iter()
        .any(|r| c.has(*r));
    let history = if may_history {
        registry.seal_history(c, &id).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let may_filings = crate::service::roles::READ_FILINGS
        .iter()
        .any(|r| c.has(*r));
    let filings = if may_filings {
        registry
            .filings_of_seal(c, &seal.id)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let full_ids = c.has(Role::Reviewer) || c.has(Role::Maker) || c.has(Role::PoliceOfficer);
    let ledger =
        super::usage::ledger_section(&s, &ctx, &seal, shown.after.as_deref().unwrap_or("")).await;
    let resets = super::resets::section(&s, &ctx, &seal).await;
    let scope = if matches!(seal.kind, eseal_core::SealKind::Position(_)) {
        s.signing().scope(c, &seal.id).await.ok().flatten()
    } else {
        None
    };
    super::html(layout::page(
        &ctx,
        l.t("印章", "Seal"),
        html! {
            @if changed { div.notice role="status" { (l.t("口令已修改。", "The PIN was changed.")) } }
            @if reset { div.notice role="status" { (l.t("口令已重置：印章已换发新密钥和证书。", "The PIN was reset: the seal has a new key and certificate.")) } }
            @if shown.renewed.is_some() { div.notice role="status" { (l.t("已续期：新证书已签发，续期将在 24 小时内向公安机关备案。", "Renewed: the new certificate is issued; the renewal is filed with the police within 24 hours.")) } }
            @if shown.revoked.is_some() && matches!(seal.state, SealState::Revoked { .. }) { div.notice role="status" { (l.t("已注销：证书已吊销，注销将在 24 小时内向公安机关备案。", "Revoked: the certificate is revoked; the revocation is filed with the police within 24 hours.")) } }
            div.card {
                h2 { code { (view.id) } " " (view.name) " " (status_badge(l, &view.status)) }
                figure.seal-picture {
                    img.impression src={ "/seals/" (view.id) "/impression" } alt=(l.t("印模", "impression"));
                }
                dl.facts {
                    dt { (l.t("种类", "Kind")) } dd { (super::apply::kind_label(l, &view.kind)) }
                    @if let Some(o) = &view.organisation_code { dt { (l.t("统一社会信用代码", "USCC")) } dd { (o) } }
                    @if let Some(h) = &view.holder_id {
                        dt { (l.t("持有人身份证号", "Holder's ID")) }
                        dd { (if full_ids { h.to_string() } else { super::staff::masked(h) }) }
                    }
                    dt { (l.t("有效期", "Valid")) } dd { (local_time(&view.valid_from)) " — " (local_time(&view.valid_to)) }
                    dt { (l.t("证书序列号", "Certificate serial")) } dd { code.small { (view.certificate_serial) } }
                    dt { (l.t("密钥保管", "Key")) } dd { (if view.key_custody == "platform" { l.t("平台保管（持有人口令保护）", "held by the platform under the holder's PIN") } else { l.t("持有人设备", "the holder's device") }) }
                    @if let SealState::Revoked { reason, at, .. } = &seal.state {
                        dt { (l.t("注销", "Revoked")) } dd { (local_time(&crate::views::rfc(*at))) " " ({ let (zh, en) = reason.describe(); l.t(zh, en).to_owned() }) }
                    }
                    dt { (l.t("印章数据 SM3", "Seal data SM3")) } dd { code.small { (view.seal_data_sm3) } }
                }
                form.inline #status-at method="get" action={ "/seals/" (view.id) } {
                    div {
                        label for="at" { (l.t("某一时间的状态（北京时间）", "Status at a time (Beijing)")) } br;
                        input #at type="text" name="at" value=(at_text) placeholder="2026-12-05 14:30" required;
                    }
                    button.secondary type="submit" { (l.t("查看", "Show")) }
                }
                @match &then {
                    Some(Ok((t, status))) => p #status-then { (l.t("在 ", "At ")) (local_time(&crate::views::rfc(*t))) (l.t(" 时：", ": ")) (status_badge(l, status)) },
                    Some(Err(e)) => div.notice.error role="alert" { (e) },
                    None => {}
                }
            }
            @if !history.is_empty() {
                h2 { (l.t("变更记录", "History")) }
                table.list {
                    tr { th { (l.t("版本", "Version")) } th { (l.t("证书序列号", "Certificate")) } th { (l.t("有效期至", "Valid to")) } th { (l.t("状态", "State")) } }
                    @for v in &history {
                        tr {
                            td { (v.version) }
                            td { code.small { (v.seal.certificate_serial) } }
                            td { (local_time(&crate::views::rfc(v.seal.valid_to))) }
                            td { (match v.seal.state { SealState::Active => l.t("在用", "active"), SealState::Revoked { .. } => l.t("已注销", "revoked") }) }
                        }
                    }
                }
            }
            @if !filings.is_empty() {
                h2 { (l.t("备案", "Filings")) }
                table.list {
                    tr { th { (l.t("事项", "Event")) } th { (l.t("报送", "To")) } th { (l.t("期限", "Deadline")) } th { (l.t("状况", "State")) } th { (l.t("回执或尝试", "Receipt or attempts")) } }
                    @for f in &filings {
                        tr {
                            td.nowrap { (super::staff::event_label(l, f.filing.event)) }
                            td.nowrap { (super::staff::target_label(l, f.filing.target)) }
                            td { (local_time(&f.deadline)) }
                            td { @let (name, class) = super::staff::deadline_label(l, f.deadline_state); span class={ "badge " (class) } { (name) } }
                            td.wrap { (super::staff::progress(l, &f.filing.state)) }
                        }
                    }
                }
            }
            (super::scope::section(&ctx, &seal, scope.as_ref()))
            (super::sign::section(&ctx, &seal))
            (super::usage::request_section(&ctx, &seal))
            (ledger)
            (super::pin::section(&ctx, &seal))
            (resets)
            (super::renew::section(&ctx, &seal))
            (super::revoke::section(&ctx, &seal))
            p.small {
                a href={ "/status?id=" (view.id) } { (l.t("公开状态页", "Public status page")) } " · "
                a href={ "/log?seal=" (view.id) } { (l.t("透明日志记录", "Transparency log entries")) } " · "
                a href={ "/api/v1/transparency/seals/" (view.id) } download="" { (l.t("下载透明日志包含证明", "Download the transparency proof")) }
            }
        },
    ))
}

/// The seal's impression (the picture in its seal data), to whoever may see the seal.
pub async fn impression(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    let Some(c) = &ctx.caller else {
        return super::to_login(&ctx);
    };
    match s.registry().seal_picture(c, &id).await {
        Ok(p) => match p.media_type {
            Some(t) => super::picture(t, p.data),
            None => super::not_found(&ctx),
        },
        Err(e) => super::refused(&s, &ctx, &e).await,
    }
}
