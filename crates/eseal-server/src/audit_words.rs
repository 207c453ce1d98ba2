//! An audit entry's outcome in words, for the people who read the log (the auditor's page).
//!
//! The entry keeps its own terse text: it is hashed into the log's leaf and cannot change,
//! and tools (`eseal audit query`, exports) show it as written. This reads it and puts words
//! beside it: `state=approved` is 状态：已批准, `failed:bad_credentials from=10.0.0.7` is
//! 登录失败：用户名、口令或动态口令错误，来自 10.0.0.7, `roles=holder disabled=false …`
//! 角色：持有人，未停用 …. A part it has no words for stays as written.

use crate::auth::Role;
use eseal_core::Text;

/// The outcome of an entry of `event` in words, or `None` when no part of it has words (the
/// page then shows the text alone).
pub fn outcome_text(event: &str, outcome: &str) -> Option<Text> {
    let mut zh: Vec<String> = Vec::new();
    let mut en: Vec<String> = Vec::new();
    let mut any = false;
    let mut tokens = outcome.split(' ').filter(|t| !t.is_empty()).peekable();
    while let Some(token) = tokens.next() {
        let words = if token == "from" {
            // A refusal's "from <address>".
            tokens
                .next()
                .map(|addr| (format!("来自 {addr}"), format!("from {addr}")))
        } else if let Some((key, value)) = token.split_once('=') {
            pair(event, key, value)
        } else if let Some((what, why)) = token.split_once(':') {
            verdict(event, what, why)
        } else {
            word(token)
        };
        match words {
            Some((z, e)) => {
                any = true;
                zh.push(z);
                en.push(e);
            }
            None => {
                zh.push(token.to_owned());
                en.push(token.to_owned());
            }
        }
    }
    any.then(|| Text::new(zh.join("，"), en.join(", ")))
}

type Words = Option<(String, String)>;

fn both(zh: &str, en: &str) -> Words {
    Some((zh.to_owned(), en.to_owned()))
}

fn word(token: &str) -> Words {
    match token {
        "ok" => both("成功", "succeeded"),
        "login" => both("登录会话", "login session"),
        "token" => both("访问令牌", "access token"),
        "pin" => both("印章口令", "seal PIN"),
        _ => None,
    }
}

/// `failed:<why>` (logins) and `refused:<why>` (access refusals).
fn verdict(event: &str, what: &str, why: &str) -> Words {
    let (why_zh, why_en) = match why {
        "bad_credentials" => (
            "用户名、口令或动态口令错误",
            "wrong user name, password or one-time code",
        ),
        "unknown_user" => ("没有这个用户", "no such user"),
        "locked" => ("账户已锁定", "the account is locked"),
        "disabled" => ("账户已停用", "the account is disabled"),
        "totp_replay" => ("动态口令已用过", "the one-time code was used before"),
        "role" => ("角色无权进行此操作", "the role may not do this"),
        "csrf" => ("表单令牌无效", "the form's token is not valid"),
        "cross-site" => ("来自其他网站的请求", "a request from another site"),
        other => (other, other),
    };
    let (zh, en) = match (what, event) {
        ("failed", "auth.login") => ("登录失败", "login failed"),
        ("failed", _) => ("失败", "failed"),
        ("refused", _) => ("拒绝", "refused"),
        _ => return None,
    };
    Some((format!("{zh}：{why_zh}"), format!("{en}: {why_en}")))
}

fn pair(event: &str, key: &str, value: &str) -> Words {
    let yes_no = |yes: (&str, &str), no: (&str, &str)| match value {
        "true" => both(yes.0, yes.1),
        "false" => both(no.0, no.1),
        _ => None,
    };
    let named = |zh: &str, en: &str, v_zh: &str, v_en: &str| {
        Some((format!("{zh}：{v_zh}"), format!("{en}: {v_en}")))
    };
    let time = |zh: &str, en: &str| {
        let t = value.parse::<i64>().ok()?;
        let t = eseal_core::text::beijing(time::OffsetDateTime::from_unix_timestamp(t).ok()?);
        named(zh, en, &t, &t)
    };
    match key {
        "state" => {
            let (zh, en) = state(value);
            named("状态", "state", zh, en)
        }
        "size" if event == "audit.export" => named("条目数", "entries", value, value),
        "size" => Some((format!("{value} 字节"), format!("{value} bytes"))),
        "root" => named("默克尔根", "Merkle root", value, value),
        "roles" => {
            let names = |en: bool| {
                value
                    .split(',')
                    .map(|r| match Role::ALL.iter().find(|x| x.name() == r) {
                        Some(x) if en => x.en(),
                        Some(x) => x.zh(),
                        None => r,
                    })
                    .collect::<Vec<_>>()
            };
            named(
                "角色",
                "roles",
                &names(false).join("、"),
                &names(true).join(", "),
            )
        }
        "disabled" => yes_no(("已停用", "disabled"), ("未停用", "not disabled")),
        "failures" => Some((
            format!("连续失败 {value} 次"),
            format!(
                "{value} failure{} in a row",
                if value == "1" { "" } else { "s" }
            ),
        )),
        "locked_until" | "until" if value == "0" => both("未锁定", "not locked"),
        "locked_until" | "until" => time("锁定至", "locked until"),
        "locked" => yes_no(("已锁定", "locked"), ("未锁定", "not locked")),
        "initial" => yes_no(("初始口令", "initial PIN"), ("口令已修改", "PIN changed")),
        "set_at" => time("口令设置于", "set at"),
        "for" => named("账户", "account", value, value),
        "issuer" => named("签发人", "issued by", value, value),
        "expires" => time("到期", "expires"),
        "ended" => yes_no(("已结束", "ended"), ("有效", "open")),
        "from" => Some((format!("来自 {value}"), format!("from {value}"))),
        "repeated" => Some((
            format!("另重复 {value} 次"),
            format!(
                "repeated {value} more time{}",
                if value == "1" { "" } else { "s" }
            ),
        )),
        "since" => time("首次于", "first at"),
        "anchor" => named("信任锚", "anchor", value, value),
        "trusted" => {
            let (from, until) = value.split_once("..")?;
            Some((
                format!("信任期：{from} 至 {until}"),
                format!("trusted: {from} to {until}"),
            ))
        }
        "label" => named("名称", "label", value, value),
        "checkpoints" => named("检查点目录", "checkpoints", value, value),
        "subject" => named("主体", "subject", value, value),
        "reason" => named("原因", "reason", value, value),
        "data_key" => named("数据密钥", "data key", value, value),
        "backend" => named("数据库", "database", value, value),
        "hsm" => named("密码设备", "HSM", on_off(value).0, on_off(value).1),
        "police" => named(
            "公安系统",
            "police system",
            on_off(value).0,
            on_off(value).1,
        ),
        "national" => named(
            "全国平台",
            "national platform",
            on_off(value).0,
            on_off(value).1,
        ),
        "demo" => yes_no(("演示模式", "demo mode"), ("非演示模式", "not a demo")),
        "rows" => named("行数", "rows", value, value),
        "created" => named("备份时间", "backed up at", value, value),
        "audit" => named("审计日志条目", "audit entries", value, value),
        "seals" => named("印章日志条目", "seal log entries", value, value),
        _ => None,
    }
}

fn on_off(value: &str) -> (&str, &str) {
    match value {
        "off" => ("未启用", "off"),
        "simulator" => ("模拟器", "simulator"),
        other => (other, other),
    }
}

/// A record's state (the `state` column of applications, seals, filings, ledger entries,
/// use requests, PIN resets and trust anchors).
fn state(name: &str) -> (&str, &str) {
    match name {
        "draft" => ("草稿", "draft"),
        "submitted" => ("已提交", "submitted"),
        "rejected" => ("已驳回", "rejected"),
        "approved" => ("已批准", "approved"),
        "made" => ("已制章", "made"),
        "pending" => ("待处理", "pending"),
        "delivered" => ("已送达", "delivered"),
        "intent" => ("准备签章", "about to sign"),
        "signed" => ("已签章", "signed"),
        "aborted" => ("已中止", "aborted"),
        "active" => ("在用", "active"),
        "revoked" => ("已注销", "revoked"),
        "done" => ("已完成", "done"),
        "removed" => ("已移除", "removed"),
        "trusted" => ("受信任", "trusted"),
        other => (other, other),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code
    use super::outcome_text;

    fn zh(event: &str, outcome: &str) -> String {
        outcome_text(event, outcome).unwrap().zh
    }

    #[test]
    fn outcomes_read_as_words() {
        assert_eq!(zh("applications.update", "state=approved"), "状态：已批准");
        assert_eq!(
            zh("auth.login", "failed:bad_credentials from=10.0.0.7"),
            "登录失败：用户名、口令或动态口令错误，来自 10.0.0.7"
        );
        assert_eq!(
            zh("access.refused", "refused:role from 127.0.0.1"),
            "拒绝：角色无权进行此操作，来自 127.0.0.1"
        );
        assert_eq!(
            zh(
                "users.update",
                "roles=holder,system_admin disabled=false failures=0 locked_until=0"
            ),
            "角色：持有人、系统管理员，未停用，连续失败 0 次，未锁定"
        );
        assert_eq!(
            zh(
                "seal_keys.update",
                "pin failures=1 locked=false initial=true set_at=1765162975"
            ),
            "印章口令，连续失败 1 次，未锁定，初始口令，口令设置于：2025-12-08T11:02:55+08:00"
        );
        assert_eq!(zh("materials.insert", "size=10"), "10 字节");
        assert_eq!(
            zh("audit.export", "size=97 root=ab"),
            "条目数：97，默克尔根：ab"
        );
        let en = outcome_text("usages.update", "state=signed").unwrap().en;
        assert_eq!(en, "state: signed");
        // What has no words stays as written; nothing at all: no words line.
        assert_eq!(zh("x.y", "state=odd extra"), "状态：odd，extra");
        assert_eq!(outcome_text("blobs.insert", "image/png"), None);
    }
}
