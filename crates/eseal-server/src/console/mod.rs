//! The web console (issue 19): server-rendered pages (maud) on the service layer — the same
//! operations, role checks and limits as the JSON API, called directly, never over HTTP.
//! Forms work without JavaScript; the stylesheet is ours and embedded in the binary.
//!
//! Security of every page (one place, [`guard`]): a strict Content-Security-Policy (no inline
//! script or style, nothing from elsewhere), `frame-ancestors 'none'` and X-Frame-Options,
//! nosniff, the referrer only to this site (`same-origin`: a refused stale form links back
//! to its page), and `Cache-Control: no-store` (pages carry personal data). The session is
//! a cookie (HttpOnly, SameSite=Strict, Secure behind TLS) holding the same session secret
//! an API login gets, checked by the same [`crate::auth::authenticate`] (idle timeout,
//! lifetime). Every state-changing form carries a CSRF token — bound to the session
//! (SM3 of its secret) or, before login, to a random cookie — and a POST without the right
//! one, or from another site, is refused and audited.

mod apply;
mod audit;
mod layout;
mod log;
mod make;
mod orgs;
mod pages;
mod password;
mod pin;
mod renew;
mod resets;
mod resume;
mod revoke;
mod scope;
mod seals;
mod shelf;
mod sign;
mod staff;
mod system;
mod unlock;
mod upload;
mod usage;
mod users;
mod verify;

use crate::auth::Caller;
use crate::failure::Failure;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::Markup;

/// The session cookie.
pub const SESSION_COOKIE: &str = "eseal_session";
/// The CSRF cookie of a visitor who has not logged in.
pub const CSRF_COOKIE: &str = "eseal_csrf";
/// The language cookie.
pub const LANG_COOKIE: &str = "eseal_lang";
/// The Content-Security-Policy of every console page.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 简体中文 (the default).
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Pick the text for this language.
    pub fn t<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// What every page knows about its request: the language, who is logged in, the CSRF token
/// its forms carry.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The language.
    pub lang: Lang,
    /// The logged-in user.
    pub caller: Option<Caller>,
    /// The session secret (to log out).
    pub secret: Option<String>,
    /// The CSRF token of this visitor's forms.
    pub csrf: String,
    /// The request's path (for the menu and the language switch).
    pub path: String,
    /// Whether the request came over TLS (the cookie's Secure flag).
    pub tls: bool,
    /// The client's address (rate limits, login audit).
    pub client: std::net::IpAddr,
    /// The page of this site the request came from (the `Referer`'s path), to go back to.
    pub back: Option<String>,
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 256)
}

/// The CSRF token bound to a session secret.
fn session_csrf(secret: &str) -> String {
    let d = eseal_gm::Sm3Digest::of(format!("eseal console csrf\0{secret}").as_bytes()).to_hex();
    d.get(..32).unwrap_or(&d).to_owned()
}

/// A Set-Cookie value: HttpOnly, SameSite=Strict, Path=/, Secure behind TLS.
pub fn set_cookie(name: &str, value: &str, tls: bool, max_age: Option<i64>) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if tls {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).unwrap_or(HeaderValue::from_static("x=; Path=/"))
}

impl Ctx {
    /// Whether the logged-in user has one of `roles` (what a page offers; the service checks
    /// again when the action comes).
    pub fn may(&self, roles: &[crate::auth::Role]) -> bool {
        self.caller
            .as_ref()
            .is_some_and(|c| roles.iter().any(|r| c.has(*r)))
    }

    /// A state-changing form's user: refused (and audited) when the form's token is not this
    /// visitor's; to the login page when nobody is logged in.
    pub async fn form_caller(&self, s: &AppState, csrf: &str) -> Result<&Caller, Response> {
        self.require_csrf(s, csrf).await?;
        self.caller.as_ref().ok_or_else(|| to_login(self))
    }

    /// Refuses a state-changing request whose form token is not this visitor's: a 403 page,
    /// and an audit entry naming the path.
    pub async fn require_csrf(&self, s: &AppState, given: &str) -> Result<(), Response> {
        let ok = !given.is_empty() && constant_eq(given.as_bytes(), self.csrf.as_bytes());
        if ok {
            return Ok(());
        }
        audit_refusal(s, self, "csrf").await;
        Err(self.refusal(
            StatusCode::FORBIDDEN,
            self.lang.t(
                "表单已过期或来源不明，已拒绝。请刷新页面后重试。",
                "The form has expired or did not come from this site; refused. Reload the page and try again.",
            ),
        ))
    }

    /// A page saying the request was refused.
    pub fn refusal(&self, status: StatusCode, why: &str) -> Response {
        let l = self.lang;
        // A form refused for what changed since it was drawn, or cut off while it was sent:
        // back to that page, drawn anew.
        let back = self
            .back
            .as_deref()
            .filter(|_| status == StatusCode::CONFLICT || status == StatusCode::REQUEST_TIMEOUT);
        let body = layout::page(
            self,
            l.t("已拒绝", "Refused"),
            maud::html! {
                div.notice.error role="alert" { (why) }
                p {
                    @if let Some(b) = back { a #reload href=(b) { (l.t("重新打开该页面", "Open the page again")) } " · " }
                    a href="/" { (l.t("返回首页", "Back to the start page")) }
                }
            },
        );
        (status, body).into_response()
    }

    /// A service failure as a page, in the page's language.
    pub fn failure(&self, f: &Failure) -> Response {
        let status = match f.kind {
            crate::failure::Kind::Invalid | crate::failure::Kind::Unprocessable => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            crate::failure::Kind::NotFound => StatusCode::NOT_FOUND,
            crate::failure::Kind::Forbidden => StatusCode::FORBIDDEN,
            crate::failure::Kind::Unauthenticated => StatusCode::UNAUTHORIZED,
            crate::failure::Kind::Conflict => StatusCode::CONFLICT,
            crate::failure::Kind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            crate::failure::Kind::Busy | crate::failure::Kind::StorageFull => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let why = match self.lang {
            Lang::Zh => f.detail.zh.clone(),
            Lang::En => f.detail.en.clone(),
        };
        self.refusal(status, &why)
    }
}

/// An API detail ("the service is busy: …") as a sentence on a page.
pub fn sentence(detail: &str) -> String {
    let mut chars = detail.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// Middleware inside [`guard`]: the request's body under the service's pacing
/// ([`crate::api::pacing`]). A form whose body was given up (stopped, or too slow) is answered
/// 408 with a page saying why, and its connection closed, whatever its handler made of the
/// failed read.
async fn paced(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let pacing = s.limiters().pacing();
    let ctx = req.extensions().get::<Ctx>().cloned();
    let (req, expiry) = crate::api::pacing::pace(req, pacing);
    let resp = next.run(req).await;
    let Some(why) = expiry.why() else {
        return resp;
    };
    let text = why.text(&pacing);
    let page = match ctx {
        Some(ctx) => {
            let why = match ctx.lang {
                Lang::Zh => text.zh,
                Lang::En => sentence(&text.en),
            };
            ctx.refusal(StatusCode::REQUEST_TIMEOUT, &why)
        }
        None => (
            StatusCode::REQUEST_TIMEOUT,
            format!("{}\n{}\n", text.zh, sentence(&text.en)),
        )
            .into_response(),
    };
    crate::api::pacing::closing(page)
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Percent-encodes a path for a query value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A local path to go back to after login (never another site).
pub fn local_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

/// Writes an audit entry for a refused console request.
async fn audit_refusal(s: &AppState, ctx: &Ctx, why: &str) {
    crate::access::audit_refusal(
        s,
        ctx.caller.as_ref(),
        &format!("console {}", ctx.path.split('?').next().unwrap_or("/")),
        why,
        &ctx.client.to_string(),
    )
    .await;
}

/// The path (and query) of the `Referer` when it is a page of this site (its host the
/// request's `Host`).
fn same_site_referer(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let rest = referer
        .strip_prefix("http://")
        .or_else(|| referer.strip_prefix("https://"))?;
    let path = rest.strip_prefix(host)?;
    (path.starts_with('/') && !path.starts_with("//")).then(|| path.to_owned())
}

/// Builds the request's [`Ctx`], refuses cross-site POSTs, and puts the security headers
/// on every answer.
async fn guard(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    let headers = req.headers().clone();
    let lang = match cookie(&headers, LANG_COOKIE).as_deref() {
        Some("en") => Lang::En,
        Some("zh") => Lang::Zh,
        _ => {
            if headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("en"))
            {
                Lang::En
            } else {
                Lang::Zh
            }
        }
    };
    let tls = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let client = s.limiters().client(&req);
    let secret = cookie(&headers, SESSION_COOKIE);
    let mut caller = None;
    let mut clear_session = false;
    let mut timed_out = None;
    if let Some(sec) = &secret {
        match crate::auth::authenticate(s.store(), sec, s.now()).await {
            Ok(c) => caller = Some(c),
            Err(_) => {
                clear_session = true;
                if req.method() == Method::POST {
                    timed_out = crate::auth::timed_out_user(s.store(), sec, s.now()).await;
                }
            }
        }
    }
    let (csrf, new_csrf) = match (&caller, &secret) {
        (Some(_), Some(sec)) => (session_csrf(sec), None),
        _ => match cookie(&headers, CSRF_COOKIE).filter(|c| c.len() == 32) {
            Some(c) => (c, None),
            None => {
                let mut b = [0u8; 16];
                let fresh = if s.random().fill(&mut b).is_ok() {
                    hex::encode(b)
                } else {
                    String::new()
                };
                (fresh.clone(), Some(fresh))
            }
        },
    };
    let ctx = Ctx {
        lang,
        caller: caller.clone(),
        secret: caller.as_ref().and(secret.clone()),
        csrf,
        path: req
            .uri()
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
        tls,
        client,
        back: same_site_referer(&headers),
    };
    // A POST from another site is refused before any handler runs (the token is checked
    // again by each form's handler).
    let cross_site = req.method() == Method::POST
        && headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == "cross-site");
    // Until an administrator's initial password is changed, every page but the change
    // form (and logging out) leads to it; the services refuse the rest anyway.
    let path = req.uri().path();
    let must_change = caller.as_ref().is_some_and(|c| c.must_change_password)
        && !(path == "/password"
            || path == "/password/totp"
            || path == "/logout"
            || path.starts_with("/assets/")
            || path.starts_with("/lang/"));
    let mut resp = if must_change {
        Redirect::to("/password").into_response()
    } else if cross_site {
        audit_refusal(&s, &ctx, "cross-site").await;
        ctx.refusal(
            StatusCode::FORBIDDEN,
            lang.t(
                "来自其他网站的提交，已拒绝。",
                "A submission from another site; refused.",
            ),
        )
    } else {
        let actor = caller
            .as_ref()
            .map_or_else(|| "anonymous".to_owned(), Caller::actor);
        req.extensions_mut().insert(ctx);
        if let Some(user) = timed_out {
            req.extensions_mut().insert(resume::TimedOut(user));
        }
        eseal_store::audit::ACTOR.scope(actor, next.run(req)).await
    };
    let h = resp.headers_mut();
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Some(c) = new_csrf {
        h.append(header::SET_COOKIE, set_cookie(CSRF_COOKIE, &c, tls, None));
    }
    if clear_session {
        h.append(
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", tls, Some(0)),
        );
    }
    resp
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("assets/console.css"),
    )
        .into_response()
}

async fn js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("assets/console.js"),
    )
        .into_response()
}

/// Where `/lang/{zh|en}` goes back to.
#[derive(Debug, serde::Deserialize)]
struct Back {
    back: Option<String>,
}

async fn switch_lang(
    axum::extract::Path(code): axum::extract::Path<String>,
    axum::extract::Query(q): axum::extract::Query<Back>,
    axum::Extension(ctx): axum::Extension<Ctx>,
) -> Response {
    let code = if code == "en" { "en" } else { "zh" };
    let mut r = Redirect::to(&local_next(q.back.as_deref())).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(LANG_COOKIE, code, ctx.tls, Some(365 * 24 * 3600)),
    );
    r
}

/// A page that needs a login: to the login page, coming back here after.
pub fn to_login(ctx: &Ctx) -> Response {
    Redirect::to(&format!("/login?next={}", urlencode(&ctx.path))).into_response()
}

/// A page that does not exist.
pub fn not_found(ctx: &Ctx) -> Response {
    ctx.refusal(
        StatusCode::NOT_FOUND,
        ctx.lang.t("没有这个页面。", "No such page."),
    )
}

/// A service's refusal as a page; a refusal of the user's role (a page or action their menu
/// does not offer, asked for anyway) is audited.
pub async fn refused(s: &AppState, ctx: &Ctx, e: &Failure) -> Response {
    if e.kind == crate::failure::Kind::Forbidden {
        audit_refusal(s, ctx, "role").await;
    }
    ctx.failure(e)
}

/// A picture drawn for one user's page (an impression): kept by their browser for five
/// minutes, never by a shared cache.
pub fn picture(media_type: &'static str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, media_type),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        bytes,
    )
        .into_response()
}

/// An HTML answer.
pub fn html(m: Markup) -> Response {
    m.into_response()
}

/// The console's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/password", get(password::page).post(password::change))
        .route("/password/totp", post(password::confirm))
        .route("/status", get(pages::status))
        .route("/verify", get(verify::form).post(verify::check))
        .route("/verify/report/{file}", get(verify::download))
        .route("/log", get(log::log))
        .route("/applications", get(staff::applications))
        .route(
            "/applications/new",
            get(apply::new_form).post(apply::create),
        )
        .route("/applications/preview.png", get(apply::preview))
        .route("/applications/{id}", get(staff::application))
        .route("/applications/{id}/make", post(make::make))
        .route("/applications/{id}/carry-out", post(make::carry_out))
        .route("/applications/{id}/{action}", post(staff::review))
        .route("/filings", get(staff::filings))
        .route("/filings/{id}/retry", post(staff::retry))
        .route("/materials/{sm3}", get(staff::material))
        .route("/audit", get(audit::audit))
        .route("/users", get(users::users).post(users::create))
        .route("/users/{name}/{action}", post(users::act))
        .route("/seals", get(seals::search))
        .route("/seals/{id}", get(seals::seal))
        .route("/seals/{id}/impression", get(seals::impression))
        .route("/seals/{id}/revoke", post(revoke::revoke))
        .route("/seals/{id}/renew", post(renew::renew))
        .route("/seals/{id}/scope", post(scope::set))
        .route("/system", get(system::status))
        .route("/seals/{id}/pin-reset", post(resets::apply))
        .route("/pin-resets", get(resets::list))
        .route("/pin-resets/{id}/{action}", post(resets::act))
        .route("/seals/{id}/pin", post(pin::change))
        .route("/seals/{id}/use-requests", post(usage::create))
        .route("/seals/{id}/ledger.csv", get(usage::ledger_csv))
        .route("/seals/{id}/sign", get(sign::start).post(sign::upload))
        .route(
            "/seals/{id}/sign/{draft}",
            get(sign::placing).post(sign::sign),
        )
        .route("/seals/{id}/sign/{draft}/file/{n}", get(sign::download))
        .route("/use-requests", get(usage::list))
        .route("/organisations", get(orgs::list).post(orgs::save))
        .route("/use-requests/{id}/{action}", post(usage::decide))
        .route("/lang/{code}", get(switch_lang))
        .route("/assets/console.css", get(css))
        .route("/assets/console.js", get(js))
        .route("/resume/{id}", get(resume::page))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            resume::keep_timed_out,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(verify::UPLOAD_LIMIT))
        .layer(middleware::from_fn_with_state(state.clone(), paced))
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}
