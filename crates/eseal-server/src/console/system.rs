//! The system status page (系统状态) for administrators and auditors: the service's
//! [`crate::service::System::status`] in words, with what needs attention in colour.

use super::Ctx;
use super::layout;
use crate::state::AppState;
use axum::Extension;
use axum::extract::State;
use axum::response::Response;
use maud::html;

fn age(l: super::Lang, secs: i64) -> String {
    match l {
        super::Lang::Zh if secs < 120 => format!("{secs} 秒前"),
        super::Lang::Zh if secs < 7200 => format!("{} 分钟前", secs / 60),
        super::Lang::Zh => format!("{} 小时前", secs / 3600),
        super::Lang::En if secs < 120 => format!("{secs} s ago"),
        super::Lang::En if secs < 7200 => format!("{} min ago", secs / 60),
        super::Lang::En => format!("{} h ago", secs / 3600),
    }
}

/// The page.
pub async fn status(State(s): State<AppState>, Extension(ctx): Extension<Ctx>) -> Response {
    let Some(c) = &ctx.caller else {
        return super::to_login(&ctx);
    };
    let l = ctx.lang;
    let st = match s.system().status(c).await {
        Ok(st) => st,
        Err(e) => return super::refused(&s, &ctx, &e).await,
    };
    let [on_time, soon, overdue] = st.filings;
    let now = s.now().unix_timestamp();
    super::html(layout::page(
        &ctx,
        l.t("系统状态", "System status"),
        html! {
            div.card {
                h2 { (l.t("备案任务", "Filing worker")) }
                dl.facts {
                    dt { (l.t("待备案（期限内）", "Pending, on time")) } dd { (on_time) }
                    dt { (l.t("即将超期", "Due soon")) } dd { @if soon > 0 { span.badge.indeterminate { (soon) } } @else { "0" } }
                    dt { (l.t("已超期", "Overdue")) } dd { @if overdue > 0 { span.badge.failed { (overdue) } } @else { span.badge.passed { "0" } } }
                    dt { (l.t("已备案", "Delivered")) } dd { (st.filings_delivered) }
                }
                @if overdue > 0 { p.small { a href="/filings?state=pending" { (l.t("查看待备案", "See the pending filings")) } } }
            }
            div.card {
                h2 { (l.t("审计日志与印章透明日志", "Audit log and seal transparency log")) }
                table.list {
                    tr { th { (l.t("日志", "Log")) } th { (l.t("条目", "Entries")) } th { (l.t("最新检查点", "Latest checkpoint")) } th { (l.t("见证人联署", "Witness cosignatures")) } }
                    @for g in &st.logs {
                        tr {
                            td { code { (g.origin) } }
                            td { (g.size) }
                            td {
                                @match g.checkpoint {
                                    Some((size, secs)) => {
                                        (l.t("覆盖 ", "covers ")) (size) (l.t(" 条，", ", ")) (age(l, secs))
                                        @if secs > 7200 { " " span.badge.indeterminate { (l.t("过久", "stale")) } }
                                    }
                                    None => { span.badge.indeterminate { (l.t("尚无", "none yet")) } }
                                }
                            }
                            td {
                                @if g.witnesses.is_empty() { span.muted { (l.t("无", "none")) } }
                                @for (i, w) in g.witnesses.iter().enumerate() { @if i > 0 { "、" } code { (w) } }
                            }
                        }
                    }
                }
            }
            div.card {
                h2 { (l.t("存储与用印", "Storage and use")) }
                dl.facts {
                    dt { (l.t("数据密钥", "Data key")) }
                    dd {
                        @match &st.key_source.hsm {
                            Some((token, label)) => { span.badge.passed { (l.t("硬件密码模块保护", "wrapped by the HSM")) } " " (l.t("令牌 ", "token ")) code { (token) } (l.t("，密钥 ", ", key ")) code { (label) } }
                            None => { span.badge.indeterminate { (l.t("未使用硬件密码模块", "no HSM")) } }
                        }
                        @if !st.key_source.location.is_empty() { br; span.small.muted { (st.key_source.location) } }
                    }
                    dt { (l.t("数据库", "Database")) }
                    dd {
                        (if st.backend == "sqlite" { l.t("SQLite（嵌入式）", "SQLite (embedded)") } else { "PostgreSQL" })
                        @if let Some((journal, sync)) = &st.durability { " · journal_mode=" (journal) " · synchronous=" @match sync { 0 => "OFF", 1 => "NORMAL", 2 => "FULL", 3 => "EXTRA", n => (n) } }
                    }
                    dt { (l.t("用印记录", "Ledger")) }
                    dd { (l.t("已签署 ", "signed ")) (st.usages[0]) (l.t("，进行中 ", ", in progress ")) (st.usages[1]) (l.t("，未签署 ", ", not signed ")) (st.usages[2]) }
                    dt { (l.t("在线验证", "Online verification")) }
                    dd { (l.t("已开始 ", "started ")) (st.verifications.0) (l.t("，客户端中途离开 ", ", client left ")) (st.verifications.1) }
                }
                p.muted.small { (l.t("同样的数据以 Prometheus 格式见 /metrics。", "The same figures for a monitoring system: /metrics.")) }
            }
            div.card {
                h2 { (l.t("备份", "Backups")) }
                @if let Some(alert) = &st.backup_alert {
                    p { span.badge.failed { (l.t("需要处理", "Attention")) } " " (alert.in_lang(l == super::Lang::Zh)) }
                } @else if st.backups.schedule.is_some() {
                    p { span.badge.passed { (l.t("正常", "OK")) } " " (l.t("按计划备份中", "backing up on schedule")) }
                }
                @match &st.backups.schedule {
                    None => {
                        p { span.badge.indeterminate { (l.t("未配置计划备份", "No scheduled backups")) } }
                        p.small.muted { (l.t("用 eseal serve --backup-dir 目录 --backup-key 密钥文件 开启，或由运维定时运行 eseal backup create（见 docs/operations.md）。", "Start the service with --backup-dir DIR --backup-key FILE, or have the operators run eseal backup create on a timer (docs/operations.md).")) }
                    }
                    Some((dir, every, keep)) => {
                        dl.facts {
                            dt { (l.t("目录", "Directory")) } dd { code { (dir) } }
                            dt { (l.t("间隔", "Every")) } dd { (every / 60) (l.t(" 分钟，保留 ", " min, keeping ")) (keep) (l.t(" 份", "")) }
                            dt { (l.t("最近一次成功", "Last made")) }
                            dd {
                                @match &st.backups.last_ok {
                                    Some((at, file, bytes)) => {
                                        (age(l, (now - at).max(0))) " · " code { (file) } " · " (bytes / 1024) " KiB"
                                    }
                                    None => { span.muted { (l.t("尚无", "none yet")) } }
                                }
                            }
                            @if let Some((at, why)) = &st.backups.last_error {
                                dt { (l.t("最近一次失败", "Last failure")) }
                                dd { (age(l, (now - at).max(0))) " · " (why.in_lang(l == super::Lang::Zh)) }
                            }
                        }
                    }
                }
            }
        },
    ))
}
