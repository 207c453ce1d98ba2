//! The page frame: the top bar (the platform's name, the public pages, the language switch,
//! the user), the side menu of what the user's roles may use, and the content.

use super::{Ctx, Lang, urlencode};
use crate::auth::Role;
use maud::{DOCTYPE, Markup, html};

/// A menu entry: where, its name, who sees it (`None`: everyone, logged in or not).
pub struct Entry {
    /// The page.
    pub path: &'static str,
    /// 中文名.
    pub zh: &'static str,
    /// English name.
    pub en: &'static str,
    /// The roles that see it; `None` for public pages.
    pub roles: Option<&'static [Role]>,
}

/// The menu: a page is listed only to those who may use it (the service refuses the rest
/// anyway, and audits a forged request).
pub const MENU: &[Entry] = &[
    Entry {
        path: "/",
        zh: "我的待办",
        en: "My tasks",
        roles: Some(&Role::ALL),
    },
    Entry {
        path: "/applications/new",
        zh: "新建印章申请",
        en: "New application",
        roles: Some(crate::service::roles::APPLY),
    },
    Entry {
        path: "/applications",
        zh: "印章申请",
        en: "Applications",
        roles: Some(crate::service::roles::READ_APPLICATIONS),
    },
    Entry {
        path: "/seals",
        zh: "印章查询",
        en: "Seals",
        roles: Some(crate::service::roles::READ_SEALS),
    },
    Entry {
        path: "/use-requests",
        zh: "用印申请",
        en: "Use requests",
        roles: Some(crate::service::roles::READ_USE_REQUESTS),
    },
    Entry {
        path: "/pin-resets",
        zh: "口令重置",
        en: "PIN resets",
        roles: Some(crate::service::roles::READ_PIN_RESETS),
    },
    Entry {
        path: "/filings",
        zh: "备案",
        en: "Filings",
        roles: Some(crate::service::roles::READ_FILINGS),
    },
    Entry {
        path: "/audit",
        zh: "审计日志",
        en: "Audit log",
        roles: Some(&[Role::Auditor]),
    },
    Entry {
        path: "/users",
        zh: "用户与角色",
        en: "Users and roles",
        roles: Some(crate::service::roles::READ_USERS),
    },
    Entry {
        path: "/organisations",
        zh: "单位与审批规则",
        en: "Organisations",
        roles: Some(crate::service::roles::MANAGE_ORGANISATIONS),
    },
    Entry {
        path: "/system",
        zh: "系统状态",
        en: "System status",
        roles: Some(crate::service::roles::READ_SYSTEM),
    },
    Entry {
        path: "/verify",
        zh: "验证签章文件",
        en: "Verify a signed file",
        roles: None,
    },
    Entry {
        path: "/status",
        zh: "印章状态查询",
        en: "Seal status",
        roles: None,
    },
    Entry {
        path: "/log",
        zh: "印章透明日志",
        en: "Transparency log",
        roles: None,
    },
];

/// Whether `ctx`'s user sees `e`.
pub fn visible(ctx: &Ctx, e: &Entry) -> bool {
    match (e.roles, &ctx.caller) {
        (None, _) => true,
        (Some(roles), Some(c)) => c.roles.iter().any(|r| roles.contains(r)),
        (Some(_), None) => false,
    }
}

/// Whether `path` is the menu entry of the current page: the longest entry that is the page
/// or above it.
fn here(ctx: &Ctx, path: &str) -> bool {
    let p = ctx.path.split('?').next().unwrap_or("/");
    let under = |e: &str| p == e || (e != "/" && p.starts_with(&format!("{e}/")));
    MENU.iter()
        .map(|e| e.path)
        .filter(|e| under(e))
        .max_by_key(|e| e.len())
        == Some(path)
}

fn head(ctx: &Ctx, title: &str) -> Markup {
    let l = ctx.lang;
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · " (l.t("电子印章平台", "Electronic Seal Platform")) }
            link rel="stylesheet" href="/assets/console.css";
            script src="/assets/console.js" defer {}
        }
    }
}

/// The top bar: the platform, the public pages, the language switch and (`user`) who is
/// logged in with the logout button.
fn bar(ctx: &Ctx, user: bool) -> Markup {
    let l = ctx.lang;
    let other = match l {
        Lang::Zh => ("en", "English"),
        Lang::En => ("zh", "中文"),
    };
    html! {
        header.bar {
            a.brand href="/" { span.mark { "印" } (l.t("电子印章平台", "Electronic Seal Platform")) }
            nav.top {
                @for e in MENU.iter().filter(|e| e.roles.is_none()) {
                    a class=[here(ctx, e.path).then_some("here")] href=(e.path) { (l.t(e.zh, e.en)) }
                }
            }
            div.who {
                a href={ "/lang/" (other.0) "?back=" (urlencode(&ctx.path)) } { (other.1) }
                @if user {
                    @if let Some(c) = &ctx.caller {
                        span { (c.user) (l.t("（", " (")) (roles(l, &c.roles)) (l.t("）", ")")) }
                        a href="/password" { (l.t("修改密码", "Password")) }
                        form method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(ctx.csrf);
                            button.link type="submit" { (l.t("退出", "Log out")) }
                        }
                    } @else {
                        a href="/login" { (l.t("登录", "Log in")) }
                    }
                }
            }
        }
    }
}

/// A whole page.
pub fn page(ctx: &Ctx, title: &str, body: Markup) -> Markup {
    let l = ctx.lang;
    html! {
        (DOCTYPE)
        html lang=(l.code()) {
            (head(ctx, title))
            body {
                (bar(ctx, true))
                @if ctx.caller.is_some() {
                    div.layout {
                        nav.side {
                            h3 { (l.t("功能", "Menu")) }
                            @for e in MENU.iter().filter(|e| visible(ctx, e)) {
                                a class=[here(ctx, e.path).then_some("here")] href=(e.path) { (l.t(e.zh, e.en)) }
                            }
                        }
                        main { h1 { (title) } (body) }
                    }
                } @else {
                    main { h1 { (title) } (body) }
                }
                footer { (l.t("本平台依《威海市电子印章管理暂行办法》提供服务", "Provided under the Weihai electronic seal measures")) }
            }
        }
    }
}

/// A bare page (login, the first-login password change): no menus; a logged-in user still
/// sees who they are and the logout button.
pub fn narrow(ctx: &Ctx, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(ctx.lang.code()) {
            (head(ctx, title))
            body {
                (bar(ctx, ctx.caller.is_some()))
                main.narrow { div.card { h1 { (title) } (body) } }
            }
        }
    }
}

/// The roles as a person reads them.
pub fn roles(l: Lang, roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| l.t(r.zh(), r.en()))
        .collect::<Vec<_>>()
        .join(l.t("、", ", "))
}

/// Rows per page of the console's lists.
pub const PAGE_ROWS: i64 = 50;

/// The page of a list the query asks for (`after`), [`PAGE_ROWS`] long.
pub fn page_at(after: Option<&str>) -> crate::service::PageAt {
    crate::service::PageAt {
        after: after.unwrap_or_default().to_owned(),
        limit: Some(PAGE_ROWS),
    }
}

/// The links under a list: back to the first page (when not on it), on to the next (when
/// there is one). `base` is the list's address with its query (e.g. `/filings?state=pending`).
pub fn pager(ctx: &Ctx, base: &str, after: Option<&str>, next: Option<&str>) -> Markup {
    let l = ctx.lang;
    let sep = if base.contains('?') { '&' } else { '?' };
    html! {
        @if after.is_some_and(|a| !a.is_empty()) || next.is_some() {
            p.pager-links {
                @if after.is_some_and(|a| !a.is_empty()) { a href=(base) { (l.t("« 第一页", "« First page")) } }
                @if let Some(n) = next { a href={ (base) (sep) "after=" (urlencode(n)) } { (l.t("下一页 »", "Next page »")) } }
            }
        }
    }
}

/// A list's address: `path?state=…` and the search text when there is one (for its tabs and
/// pager links).
pub fn list_url(path: &str, state: &str, q: &str) -> String {
    if q.is_empty() {
        format!("{path}?state={state}")
    } else {
        format!("{path}?state={state}&q={}", urlencode(q))
    }
}

/// A list's search box: a GET form to `path` that keeps the list's `state`; `label` says what
/// may be searched for.
pub fn search_box(ctx: &Ctx, path: &str, state: &str, q: &str, label: (&str, &str)) -> Markup {
    let l = ctx.lang;
    html! {
        form.inline.search method="get" action=(path) {
            input type="hidden" name="state" value=(state);
            div {
                label for="q" { (l.t(label.0, label.1)) } br;
                input #q type="search" name="q" value=(q);
            }
            button.secondary type="submit" { (l.t("查找", "Search")) }
            @if !q.is_empty() { a href=(list_url(path, state, "")) { (l.t("清除", "Clear")) } }
        }
    }
}

/// A list page's rows, the next page's cursor, and why a search was refused.
pub type Found<T> = (Vec<T>, Option<String>, Option<String>);

/// A list's rows, or the reason a search was refused (shown above the list; other failures
/// are the page's refusal).
pub fn search_result<T>(
    r: crate::failure::Result<crate::service::Listed<T>>,
    l: Lang,
) -> Result<Found<T>, crate::failure::Failure> {
    match r {
        Ok(list) => Ok((list.items, list.next, None)),
        Err(e) if e.kind == crate::failure::Kind::Invalid => Ok((
            Vec::new(),
            None,
            Some(l.t(&e.detail.zh, &e.detail.en).to_owned()),
        )),
        Err(e) => Err(e),
    }
}
