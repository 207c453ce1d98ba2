//! The HTTP API (issue 6 item 7). One table, [`ENDPOINTS`], lists every endpoint with the
//! roles allowed to call it; the router is built from it (an endpoint missing from the table
//! does not exist: default deny), the OpenAPI document is generated from it, and the
//! endpoint × role test walks it.

use crate::auth::{Caller, Role};
pub(crate) use crate::failure::{Failure, Thing};
pub(crate) use crate::service::roles;
use crate::state::AppState;
use crate::views;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Extension, Json, Router};
use base64ct::{Base64, Encoding};
use eseal_core::{Application, MaterialKind, RevocationReason};
use problem::ApiError;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (relying parties, the national platform).
    Public,
    /// Any logged-in user.
    Authenticated,
    /// Only these roles.
    Roles(&'static [Role]),
}

impl Access {
    /// Whether a caller with `roles` may call.
    pub fn allows(self, roles: &[Role]) -> bool {
        match self {
            Access::Public | Access::Authenticated => true,
            Access::Roles(allowed) => roles.iter().any(|r| allowed.contains(r)),
        }
    }
}

/// One endpoint.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    /// HTTP method.
    pub method: &'static str,
    /// Path (axum syntax, `{id}` for parameters).
    pub path: &'static str,
    /// Its handler, with the method's axum routing (a row cannot exist without one).
    pub route: fn() -> MethodRouter<AppState>,
    /// Who may call it.
    pub access: Access,
    /// What it does (English).
    pub summary: &'static str,
    /// What it does (Chinese).
    pub summary_zh: &'static str,
    /// Request body, for the OpenAPI document: a JSON example, or `raw` for bytes.
    pub body: Option<&'static str>,
    /// The request body's type (its schema).
    pub request: Option<SchemaFn>,
    /// The query parameters' type, whose properties are the parameters.
    pub query: Option<SchemaFn>,
    /// The status of success.
    pub status: u16,
    /// The response body's type, when JSON.
    pub response: Option<SchemaFn>,
    /// The response's media type when it is not JSON (PEM, a signed note, bytes, HTML); with
    /// a JSON response too, the bytes' type a client may ask for instead ([`Self::or_bytes`]).
    pub media: Option<&'static str>,
    /// The largest request body (413 above it, from Content-Length before any is read).
    pub limit: usize,
    /// The per-address rate class, when not the default (public endpoints: `Public`).
    pub rate: Option<crate::limits::Class>,
    /// The body may also be `multipart/form-data`: the JSON as part `request`, the document's
    /// bytes as part `document` ([`parts`]).
    pub document_part: bool,
}

/// Makes the JSON Schema of one type (schemars) for the OpenAPI document.
pub type SchemaFn = fn(&mut schemars::SchemaGenerator) -> schemars::Schema;

/// The [`SchemaFn`] of `T`.
pub fn schema<T: schemars::JsonSchema>(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
    g.subschema_for::<T>()
}

impl Endpoint {
    /// The request body is a `T` (JSON).
    pub const fn request(mut self, f: SchemaFn) -> Self {
        self.request = Some(f);
        self
    }

    /// The query string's parameters are `T`'s fields.
    pub const fn query(mut self, f: SchemaFn) -> Self {
        self.query = Some(f);
        self
    }

    /// Success is `status` with a `T` (JSON).
    pub const fn ok(mut self, status: u16, f: SchemaFn) -> Self {
        self.status = status;
        self.response = Some(f);
        self
    }

    /// Success is `status` with no body.
    pub const fn empty(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Success is 200 with a body of this media type.
    pub const fn media(mut self, media: &'static str) -> Self {
        self.media = Some(media);
        self
    }

    /// Success may also be the signed bytes as `media`, when the request's `Accept` names it
    /// or `application/octet-stream` ([`parts::signed_answer`]); JSON stays the default.
    pub const fn or_bytes(mut self, media: &'static str) -> Self {
        self.media = Some(media);
        self
    }

    /// The document may come as a multipart part instead of base64 ([`parts`]).
    pub const fn document_part(mut self) -> Self {
        self.document_part = true;
        self
    }

    /// Bodies up to `limit` bytes.
    pub const fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// Rate-limited per client address as `class`.
    pub const fn rate(mut self, class: crate::limits::Class) -> Self {
        self.rate = Some(class);
        self
    }

    /// The rate class it is limited by: its own, or `Public` for a public endpoint.
    pub fn rate_class(&self) -> Option<crate::limits::Class> {
        self.rate.or(match self.access {
            Access::Public => Some(crate::limits::Class::Public),
            _ => None,
        })
    }
}

use Role::*;

macro_rules! ep {
    ($m:literal, $p:literal, $h:expr, $a:expr, $s:literal, $z:literal) => {
        Endpoint {
            method: $m,
            path: $p,
            route: || $h,
            access: $a,
            summary: $s,
            summary_zh: $z,
            body: None,
            request: None,
            query: None,
            status: 200,
            response: None,
            media: None,
            limit: JSON_LIMIT,
            rate: None,
            document_part: false,
        }
    };
    ($m:literal, $p:literal, $h:expr, $a:expr, $s:literal, $z:literal, $b:literal) => {
        Endpoint {
            body: Some($b),
            ..ep!($m, $p, $h, $a, $s, $z)
        }
    };
}

/// Every endpoint.
mod applications;
mod auth;
pub mod limits;
mod openapi;
pub mod ops;
pub mod pacing;
mod parts;
mod pin_resets;
pub mod problem;
mod seals;
mod signing;
mod system;
mod transparency;
mod trust_list;
mod use_requests;
mod verify;
pub mod wire;

pub use openapi::{openapi, schema_conflicts};

/// Every endpoint: each resource's rows, in one list (a row carries its handler, roles, body
/// limit and rate class; there is no other list).
pub static ENDPOINTS: std::sync::LazyLock<Vec<Endpoint>> = std::sync::LazyLock::new(|| {
    [
        applications::ROWS,
        auth::ROWS,
        openapi::ROWS,
        pin_resets::ROWS,
        seals::ROWS,
        signing::ROWS,
        system::ROWS,
        transparency::ROWS,
        trust_list::ROWS,
        use_requests::ROWS,
        verify::ROWS,
    ]
    .concat()
});

/// JSON bodies larger than this are refused (413).
pub const JSON_LIMIT: usize = 1024 * 1024;
/// Material uploads larger than this are refused (413).
pub const MATERIAL_LIMIT: usize = 10 * 1024 * 1024;
/// The make request carries an impression and maybe a certificate.
pub const MAKE_LIMIT: usize = 4 * 1024 * 1024;

/// The router: every endpoint of [`ENDPOINTS`] behind its access check.
pub fn router(state: AppState) -> Router {
    let mut r = Router::new();
    for ep in ENDPOINTS.iter() {
        let h = (ep.route)();
        // The size limit is checked first, from Content-Length when there is one (413 before
        // any of the body is read), then the caller.
        let (limit, class) = (ep.limit, ep.rate_class());
        let h = h
            .route_layer(middleware::from_fn_with_state(
                (state.clone(), ep.access),
                authorize,
            ))
            .layer::<_, std::convert::Infallible>(DefaultBodyLimit::disable())
            .layer::<_, std::convert::Infallible>(tower_http::limit::RequestBodyLimitLayer::new(
                limit,
            ))
            .layer::<_, std::convert::Infallible>(middleware::from_fn_with_state(
                (state.limiters().clone(), class, limit),
                crate::limits::limit,
            ));
        r = r.route(ep.path, h);
    }
    let log = state.request_log();
    r.fallback(|| async { ApiError::from(Failure::not_found(Thing::Endpoint, "")) })
        .layer(middleware::from_fn_with_state(
            state.limiters().clone(),
            pacing::paced,
        ))
        .layer(middleware::from_fn_with_state(
            (state.clone(), log),
            crate::ops::observe,
        ))
        .layer(middleware::from_fn(crate::limits::uri_length))
        .layer(middleware::from_fn(problem::localize))
        .with_state(state)
}

fn bearer(req: &Request) -> Option<String> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|s| s.trim().to_owned())
}

async fn authorize(
    State((state, access)): State<(AppState, Access)>,
    mut req: Request,
    next: Next,
) -> Response {
    if access == Access::Public {
        // Writes by public endpoints (a login's failure count, say) are audited as anonymous.
        return eseal_store::audit::ACTOR
            .scope("anonymous".into(), next.run(req))
            .await;
    }
    let Some(secret) = bearer(&req) else {
        return ApiError::from(Failure::unauthenticated(
            "请先登录：Authorization: Bearer <令牌>",
            "log in first: Authorization: Bearer <token>",
        ))
        .into_response();
    };
    let caller = match crate::auth::authenticate(state.store(), &secret, state.now()).await {
        Ok(c) => c,
        Err(e) => return ApiError::from(e).into_response(),
    };
    if !access.allows(&caller.roles) {
        let what = format!("{} {}", req.method(), req.uri().path());
        let from = state.limiters().client(&req).to_string();
        crate::access::audit_refusal(&state, Some(&caller), &what, "role", &from).await;
        return ApiError::from(crate::access::refused(&caller)).into_response();
    }
    let actor = caller.actor();
    req.extensions_mut().insert(caller);
    req.extensions_mut().insert(Secret(secret));
    // Every write this request makes is audited under the caller's name.
    let mut resp = eseal_store::audit::ACTOR
        .scope(actor.clone(), next.run(req))
        .await;
    resp.extensions_mut().insert(crate::ops::Actor(actor));
    resp
}

#[derive(Debug, Clone)]
struct Secret(String);

pub(crate) use problem::ApiResult;

fn rfc(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn parse_at(at: Option<&str>, now: OffsetDateTime) -> ApiResult<OffsetDateTime> {
    match at {
        None | Some("") => Ok(now),
        Some(s) => OffsetDateTime::parse(s, &Rfc3339).map_err(|e| {
            Failure::invalid(
                "at",
                format!("{s:?} 不是 RFC 3339 格式的时间"),
                format!("{s:?} is not an RFC 3339 time: {e}"),
            )
            .into()
        }),
    }
}

pub(crate) fn b64(field: &str, text: &str) -> ApiResult<Vec<u8>> {
    Base64::decode_vec(text.trim())
        .map_err(|e| Failure::invalid(field, "不是 Base64 编码", format!("not base64: {e}")).into())
}

// Bodies and queries several resources share.

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct StateQuery {
    pub(crate) state: Option<String>,
    /// Search within the state: applications by the organisation's unified social credit
    /// code or the applicant's user name; filings and use requests by seal ID.
    pub(crate) q: Option<String>,
    /// Continue after this id (the `X-Next-After` header of the page before).
    pub(crate) after: Option<String>,
}

/// `ETag` on an answer carrying `record` (see [`crate::service::etag`]).
pub(crate) fn with_etag<T: serde::Serialize>(record: &T, mut r: Response) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", crate::service::etag(record))) {
        r.headers_mut().insert(axum::http::header::ETAG, v);
    }
    r
}

/// The entity tag of an `If-Match` header (quotes and a weak prefix taken off): the change
/// is refused as stale if the record is no longer what the client read.
pub(crate) fn if_match(headers: &HeaderMap) -> Option<String> {
    let v = headers
        .get(axum::http::header::IF_MATCH)?
        .to_str()
        .ok()?
        .trim();
    let v = v.strip_prefix("W/").unwrap_or(v);
    Some(v.trim_matches('"').to_owned())
}

/// A list page as the API answers it: the items, and `X-Next-After` when there is more.
pub(crate) fn listed<T: serde::Serialize>(l: crate::service::Listed<T>) -> Response {
    let mut r = Json(l.items).into_response();
    if let Some(next) = l.next.and_then(|n| HeaderValue::from_str(&n).ok()) {
        r.headers_mut().insert("x-next-after", next);
    }
    r
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct RejectBody {
    pub(crate) reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_has_one_entry() {
        let mut seen = std::collections::HashSet::new();
        for ep in ENDPOINTS.iter() {
            assert!(
                seen.insert((ep.method, ep.path)),
                "duplicate {} {}",
                ep.method,
                ep.path
            );
        }
        let doc = openapi();
        assert_eq!(doc["openapi"], "3.1.0");
        assert_eq!(schema_conflicts(), Vec::<String>::new());
        assert!(
            doc["paths"]["/api/v1/applications/{id}/make"]["post"]["x-roles"]
                .as_array()
                .is_some_and(|r| r.len() == 1)
        );
    }
}
