//! The auditor's pages (R-AUDIT-1/2): the audit log searched by time (Beijing), actor, event
//! and seal, and the latest signed checkpoint. Read-only; only auditors (the service checks).

use super::Ctx;
use super::layout;
use super::verify::parse_local_time;
use crate::state::AppState;
use crate::transparency::AuditFilter;
use axum::Extension;
use axum::extract::{Query, State};
use axum::response::Response;
use maud::html;
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;

/// The search form's fields.
#[derive(Debug, Default, Deserialize)]
pub struct Search {
    since: Option<String>,
    until: Option<String>,
    actor: Option<String>,
    event: Option<String>,
    seal: Option<String>,
    /// Check the log against the latest checkpoint.
    check: Option<String>,
}

fn field(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The audit log search.
pub async fn audit(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<Search>,
) -> Response {
    let Some(c) = &ctx.caller else {
        return super::to_login(&ctx);
    };
    let l = ctx.lang;
    let mut problem = None;
    let mut time = |v: &Option<String>| -> Option<String> {
        let v = field(v)?;
        match parse_local_time(&v).and_then(|t| t.format(&Rfc3339).ok()) {
            Some(t) => Some(t),
            None => {
                problem = Some(
                    l.t(
                        "时间格式应为 2026-12-05 14:30（北京时间）",
                        "write times as 2026-12-05 14:30 (Beijing time)",
                    )
                    .to_owned(),
                );
                None
            }
        }
    };
    let filter = AuditFilter {
        since: time(&q.since),
        until: time(&q.until),
        actor: field(&q.actor),
        event: field(&q.event),
        seal: field(&q.seal),
        limit: Some(200),
    };
    let entries = match crate::transparency::audit_log(&s, c, filter).await {
        Ok(e) => e.entries,
        Err(e) => return super::refused(&s, &ctx, &e).await,
    };
    let checkpoint = crate::transparency::audit_checkpoint(&s, c).await.ok();
    let check = if q.check.is_some() && checkpoint.is_some() {
        Some(crate::transparency::audit_checkpoint_check(&s, c).await)
    } else {
        None
    };
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    super::html(layout::page(
        &ctx,
        l.t("审计日志", "Audit log"),
        html! {
            div.card {
                form.inline method="get" action="/audit" {
                    div { label for="since" { (l.t("起（北京时间）", "From (Beijing)")) } br; input #since type="text" name="since" value=(v(&q.since)) placeholder="2026-12-05 00:00"; }
                    div { label for="until" { (l.t("止", "Until")) } br; input #until type="text" name="until" value=(v(&q.until)) placeholder="2026-12-05 23:59"; }
                    div { label for="actor" { (l.t("操作人", "Actor")) } br; input #actor type="text" name="actor" value=(v(&q.actor)); }
                    div { label for="event" { (l.t("事件（前缀，如 seals.、auth.login）", "Event (prefix)")) } br; input #event type="text" name="event" value=(v(&q.event)); }
                    div { label for="seal" { (l.t("印章编码", "Seal ID")) } br; input #seal type="text" name="seal" value=(v(&q.seal)); }
                    button type="submit" { (l.t("查询", "Search")) }
                }
            }
            @if let Some(cp) = checkpoint {
                div.card #checkpoint {
                h2 { (l.t("最新签名检查点", "Latest signed checkpoint")) }
                p { span.badge.passed { (l.t("签名有效", "signature valid")) } " " span.small.muted { (l.t("已用日志密钥验证检查点的签名。", "The checkpoint's signature was verified with the log key.")) } }
                details { summary { (l.t("检查点原文", "The checkpoint's text")) } pre.checkpoint { (cp) } }
                @match &check {
                    Some(Ok(k)) => {
                        p #checked {
                            @match &k.consistent {
                                Ok(()) => { span.badge.passed { (l.t("一致", "consistent")) } " " (l.t("数据库中的前 ", "The first ")) (k.size) (l.t(" 条审计记录重新计算的默克尔根与检查点相同；日志现有 ", " audit entries in the database hash again to the checkpoint's root; the log now holds ")) (k.entries) (l.t(" 条。", " entries.")) }
                                Err(why) => { span.badge.failed { (l.t("不一致", "inconsistent")) } " " (l.t(&why.zh, &why.en)) }
                            }
                        }
                    }
                    Some(Err(e)) => { div.notice.error role="alert" { (l.t(&e.detail.zh, &e.detail.en)) } }
                    None => {
                        form.inline method="get" action="/audit" {
                            input type="hidden" name="check" value="1";
                            button.secondary type="submit" { (l.t("核对数据库中的日志与此检查点一致（读取全部日志）", "Check the log in the database against this checkpoint (reads the whole log)")) }
                        }
                    }
                }
                p.muted.small { (l.t("用 eseal audit verify 可离线核对导出的日志与此检查点一致。", "eseal audit verify checks an export against this checkpoint offline.")) }
            }
            }
            @if let Some(p) = problem { div.notice.error role="alert" { (p) } }
            p.muted.small { (l.t("最多显示 200 条，按时间先后。", "At most 200 entries, oldest first.")) }
            table.list {
                tr { th { (l.t("序号", "#")) } th { (l.t("时间（北京时间）", "Time (Beijing)")) } th { (l.t("操作人", "Actor")) } th { (l.t("事件", "Event")) } th { (l.t("对象", "Object")) } th { (l.t("结果", "Outcome")) } }
                @for e in &entries {
                    tr {
                        td { (e.seq) }
                        td { (time::OffsetDateTime::from_unix_timestamp(e.at).map(|t| super::verify::local_time(&crate::views::rfc(t))).unwrap_or_default()) }
                        td { (e.actor) }
                        td {
                            @if let Some(t) = eseal_store::audit::event_text(&e.event) { (l.t(&t.zh, &t.en)) br; }
                            code.small.event { (e.event) }
                        }
                        td.wrap { code.small { (e.object) } }
                        td.small {
                            @if let Some(t) = crate::audit_words::outcome_text(&e.event, &e.outcome) { (l.t(&t.zh, &t.en)) br; }
                            code.small.outcome { (e.outcome) }
                        }
                    }
                }
            }
        },
    ))
}
