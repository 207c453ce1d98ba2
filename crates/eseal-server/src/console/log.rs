//! The public seal transparency log (印章透明日志) browser: the latest signed checkpoint, the
//! log's public key, the entries a page at a time, and a seal's entries with the download of
//! its inclusion proof — what anyone needs to check offline that the registry shows everyone
//! the same history (`eseal verify --transparency`). No login; the same pages as the public
//! API (`/api/v1/transparency/…`).

use super::layout;
use super::{Ctx, Lang};
use crate::state::AppState;
use crate::transparency as service;
use axum::Extension;
use axum::extract::{Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

/// Entries per page.
const ROWS: i64 = 50;

/// `?from=` (the first entry shown) and `?seal=` (a seal's entries).
#[derive(Debug, Deserialize)]
pub struct LogQuery {
    from: Option<i64>,
    seal: Option<String>,
}

fn event_label(l: Lang, event: &str) -> &'static str {
    match event {
        "made" => l.t("制作", "made"),
        "updated" => l.t("更新（续期、换证）", "updated (renewal, re-key)"),
        "revoked" => l.t("注销", "revoked"),
        _ => l.t("其他", "other"),
    }
}

fn state_label(l: Lang, state: &str) -> String {
    if state == "active" {
        return l.t("在用", "active").to_owned();
    }
    let reason = state.strip_prefix("revoked:").unwrap_or(state);
    format!("{}（{reason}）", l.t("已注销", "revoked"))
}

fn unix(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .map(|t| super::verify::local_time(&crate::views::rfc(t)))
        .unwrap_or_default()
}

fn entries_table(l: Lang, entries: &[eseal_tlog::seals::SealEntry]) -> Markup {
    html! {
        table.list {
            tr { th { "#" } th { (l.t("时间", "When")) } th { (l.t("事项", "Event")) } th { (l.t("印章编码", "Seal ID")) } th { (l.t("状态", "State")) } th { (l.t("印章数据 SM3", "Seal data SM3")) } }
            @for e in entries {
                tr {
                    td { (e.seq) }
                    td { (unix(e.at)) }
                    td { (event_label(l, &e.event)) }
                    td { a href={ "/log?seal=" (super::urlencode(&e.seal_id)) } { code { (e.seal_id) } } }
                    td { (state_label(l, &e.state)) }
                    td { code.small { (e.seal_sm3.get(..16).unwrap_or_default()) "…" } }
                }
            }
        }
    }
}

/// The log browser.
pub async fn log(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<LogQuery>,
) -> Response {
    let l = ctx.lang;
    let checkpoint = service::seal_checkpoint(&s).await;
    let covered = service::checkpoint_size(&s).await.unwrap_or(0);
    let size = service::seal_log_size(&s).await.unwrap_or(0);
    let seal = q.seal.as_deref().map(str::trim).filter(|x| !x.is_empty());
    let body = match seal {
        Some(id) => {
            let entries = service::seal_entries(&s, id).await;
            html! {
                h2 { (l.t("印章 ", "Seal ")) code { (id) } }
                @match entries {
                    Ok(entries) if entries.is_empty() => {
                        div.notice.error { (l.t("透明日志中没有这枚印章的记录。", "The log has no entry about this seal.")) }
                    }
                    Ok(entries) => {
                        (entries_table(l, &entries))
                        @let in_checkpoint = entries.iter().filter(|e| (e.seq as u64) < covered).count();
                        @if in_checkpoint < entries.len() {
                            p.muted.small { (entries.len() - in_checkpoint) (l.t(" 条记录尚未进入已签署的检查点（平台定期签署检查点），之后即可下载其证明。", " entries are not in a signed checkpoint yet (the platform signs checkpoints regularly); their proof can be downloaded after.")) }
                        }
                        @if in_checkpoint > 0 {
                            p { a.button href={ "/api/v1/transparency/seals/" (super::urlencode(id)) } download="" { (l.t("下载包含证明（JSON）", "Download the inclusion proof (JSON)")) } }
                            p.muted.small { (l.t("用 eseal verify --transparency 证明文件 --log-key 公钥 可离线核对。", "Check it offline with eseal verify --transparency PROOF --log-key KEY.")) }
                        }
                    }
                    Err(e) => { div.notice.error { (l.t(&e.detail.zh, &e.detail.en)) } }
                }
                p { a href="/log" { (l.t("返回日志", "Back to the log")) } }
            }
        }
        None => {
            let from = q
                .from
                .unwrap_or((size - ROWS).max(0))
                .clamp(0, (size - 1).max(0));
            let page = service::entries(
                &s,
                service::Page {
                    from: Some(from),
                    limit: Some(ROWS),
                },
            )
            .await;
            html! {
                @match page {
                    Ok(p) => {
                        (entries_table(l, &p.entries))
                        p.pager-links {
                            @if from > 0 { a href={ "/log?from=" ((from - ROWS).max(0)) } { (l.t("« 更早", "« Older")) } }
                            @if from + ROWS < size { a href={ "/log?from=" (from + ROWS) } { (l.t("更新 »", "Newer »")) } }
                        }
                    }
                    Err(e) => { div.notice.error { (l.t(&e.detail.zh, &e.detail.en)) } }
                }
            }
        }
    };
    super::html(layout::page(
        &ctx,
        l.t("印章透明日志", "Seal transparency log"),
        html! {
            p.muted { (l.t("每一次制章、更新和注销都写入这个只增不改的公开日志；平台定期签署检查点，任何人都可以核对某枚印章的记录是否被改写或隐藏。", "Every making, update and revocation is written to this append-only public log; the platform signs checkpoints, so anyone can check that a seal's history was not rewritten or hidden.")) }
            div.card {
                form.inline method="get" action="/log" {
                    div {
                        label for="seal" { (l.t("按印章编码查询其记录与证明", "A seal's entries and proof, by its ID")) } br;
                        input #seal type="search" name="seal" value=(seal.unwrap_or_default()) maxlength="64";
                    }
                    button type="submit" { (l.t("查询", "Search")) }
                }
            }
            (body)
            h2 { (l.t("最新检查点", "Latest checkpoint")) }
            @match &checkpoint {
                Ok(c) => { pre.checkpoint { (c) } }
                Err(e) => { div.notice.error { (l.t(&e.detail.zh, &e.detail.en)) } }
            }
            p.small {
                (l.t("日志共 ", "")) (size) (l.t(" 条记录，最新检查点覆盖前 ", " entries; the latest checkpoint covers the first ")) (covered) (l.t(" 条。", ". "))
                " " a href="/api/v1/transparency/key" { (l.t("日志公钥（PEM）", "The log's public key (PEM)")) }
            }
        },
    ))
}
