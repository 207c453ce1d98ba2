//! Errors as RFC 9457 problem JSON with a stable `code` (issue 6 item 7).
//!
//! The `title` is Chinese by default and English when the request's `Accept-Language` starts
//! with `en` (the [`localize`] middleware); `code` never changes with the language and is
//! what clients branch on. `detail` says what was wrong and where; `field` names the input.

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use eseal_core::DomainError;
use eseal_store::StoreError;
use serde::Serialize;

/// An API error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// What was wrong, and where.
    pub detail: String,
    /// The input field at fault, when one is.
    pub field: Option<String>,
}

/// The body.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Problem {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub type_: String,
    /// A short human title (zh-CN or en).
    pub title: &'static str,
    /// HTTP status.
    pub status: u16,
    /// Stable code.
    pub code: &'static str,
    /// Detail.
    pub detail: String,
    /// Field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Every code with its Chinese and English titles. The OpenAPI document lists them.
pub const CODES: &[(&str, &str, &str)] = &[
    ("invalid_input", "输入无效", "Invalid input"),
    ("malformed_json", "JSON 格式错误", "Malformed JSON"),
    ("payload_too_large", "请求体过大", "Request body too large"),
    (
        "unsupported_media_type",
        "不支持的内容类型",
        "Unsupported media type",
    ),
    (
        "unauthenticated",
        "未登录或会话已失效",
        "Not logged in or session expired",
    ),
    (
        "login_failed",
        "用户名、密码或动态口令错误",
        "Wrong user name, password or one-time code",
    ),
    ("account_locked", "账户已锁定", "Account locked"),
    (
        "totp_replayed",
        "动态口令已使用过，请等待下一个动态口令",
        "This one-time code was already used; wait for the next one",
    ),
    (
        "forbidden_role",
        "无权执行此操作",
        "Your role may not do this",
    ),
    ("forbidden", "业务规则不允许此操作", "A rule forbids this"),
    (
        "illegal_transition",
        "当前状态下不允许此操作",
        "Not allowed in the current state",
    ),
    ("not_found", "对象不存在", "Not found"),
    ("exists", "对象已存在", "Already exists"),
    (
        "conflict",
        "数据已被他人修改，请重试",
        "Changed by someone else; retry",
    ),
    ("certificate_invalid", "证书无效", "Certificate not valid"),
    (
        "impression_mismatch",
        "印模与公安备案印模不一致",
        "Impression differs from the registered one",
    ),
    (
        "impression_not_registered",
        "公安系统中无备案印模",
        "No impression registered with the police",
    ),
    (
        "connector_failed",
        "外部系统不可用",
        "External system unavailable",
    ),
    ("user_disabled", "用户已停用", "User disabled"),
    (
        "method_not_allowed",
        "不支持的请求方法",
        "Method not allowed",
    ),
    (
        "rate_limited",
        "请求过于频繁，请稍后再试",
        "Too many requests; retry later",
    ),
    (
        "too_much_work",
        "文档超出在线验证的处理上限",
        "The document needs more work than online verification allows",
    ),
    (
        "not_verified",
        "文档或归档包未通过验证，不予归档或续期",
        "The document or package does not verify; it is not archived or renewed",
    ),
    ("uri_too_long", "请求地址过长", "Request target too long"),
    (
        "headers_too_large",
        "请求头过大",
        "Request header fields too large",
    ),
    (
        "malformed_request",
        "请求格式错误",
        "The request is not valid HTTP",
    ),
    (
        "not_a_system_account",
        "接口令牌只签发给系统账户",
        "API tokens are only for system accounts",
    ),
    (
        "not_yours",
        "只能查看本人或本单位的印章",
        "Only your own or your organisation's seals",
    ),
    (
        "refused_to_start",
        "服务拒绝启动",
        "The service refused to start",
    ),
    ("internal", "服务器内部错误", "Internal server error"),
];

fn title(code: &str, english: bool) -> &'static str {
    CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, zh, en)| if english { *en } else { *zh })
        .unwrap_or(if english { "Error" } else { "错误" })
}

impl ApiError {
    fn new(status: u16, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            field: None,
        }
    }

    /// 400 invalid_input for `field`.
    pub fn invalid(field: &str, detail: impl Into<String>) -> Self {
        Self {
            field: Some(field.to_owned()),
            ..Self::new(400, "invalid_input", detail)
        }
    }

    /// 401.
    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self::new(401, "unauthenticated", detail)
    }

    /// 401 login_failed (the same for every wrong factor).
    pub fn login_failed() -> Self {
        Self::new(
            401,
            "login_failed",
            "wrong user name, password or one-time code",
        )
    }

    /// 401 totp_replayed: the right password with a one-time code already used.
    pub fn totp_replayed() -> Self {
        Self::new(
            401,
            "totp_replayed",
            "this one-time code was already used: wait for the next code (a new one every 30 s) and log in again",
        )
    }

    /// 423 account_locked.
    pub fn locked(until_unix: i64) -> Self {
        let until = time::OffsetDateTime::from_unix_timestamp(until_unix)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default();
        Self::new(
            423,
            "account_locked",
            format!("too many failed logins; locked until {until}"),
        )
    }

    /// 403 forbidden_role.
    pub fn forbidden_role(detail: impl Into<String>) -> Self {
        Self::new(403, "forbidden_role", detail)
    }

    /// 404.
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(404, "not_found", format!("{what} {id:?} not found"))
    }

    /// 409 with a code.
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(409, code, detail)
    }

    /// 422 with a code (a rule about the content, e.g. a certificate).
    pub fn unprocessable(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(422, code, detail)
    }

    /// 502 connector_failed.
    pub fn connector(detail: impl Into<String>) -> Self {
        Self::new(502, "connector_failed", detail)
    }

    /// 500; the detail is logged, the client gets a generic one.
    pub fn internal(detail: impl Into<String>) -> Self {
        let detail = detail.into();
        eprintln!("internal error: {detail}");
        Self::new(500, "internal", "internal error; see the server log")
    }

    /// The service refuses to start: `detail` tells the operator what is wrong and what to
    /// do (never sent to a client).
    pub fn startup(detail: impl Into<String>) -> Self {
        Self::new(500, "refused_to_start", detail)
    }

    /// The body in the language asked for.
    pub fn problem(&self, english: bool) -> Problem {
        Problem {
            type_: format!("https://eseal.invalid/problems/{}", self.code),
            title: title(self.code, english),
            status: self.status,
            code: self.code,
            detail: self.detail.clone(),
            field: self.field.clone(),
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match &e {
            DomainError::IllegalTransition { .. } => {
                Self::new(409, "illegal_transition", e.to_string())
            }
            DomainError::Forbidden(_) => Self::new(422, "forbidden", e.to_string()),
            DomainError::Invalid { field, why } => Self::invalid(field, why.clone()),
            _ => Self::new(400, "invalid_input", e.to_string()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match &e {
            StoreError::Conflict { .. } => Self::conflict("conflict", e.to_string()),
            StoreError::Exists { .. } => Self::conflict("exists", e.to_string()),
            _ => Self::internal(e.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        render(&self, false)
    }
}

/// Whether the request asks for English.
pub fn wants_english(req: &Request) -> bool {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("en"))
}

fn render(err: &ApiError, english: bool) -> Response {
    let status = StatusCode::from_u16(err.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = (status, Json(err.problem(english))).into_response();
    out.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    out.extensions_mut().insert(err.clone());
    out
}

/// A JSON parser's message without the program's own names: the Rust types it names
/// (`struct LoginBody`, `struct variant PlacementBody::Page`) become what a client sends (an
/// object, the form `"page"`).
fn plain(detail: &str) -> String {
    let detail = detail
        .replace(
            "Failed to deserialize the JSON body into the target type: ",
            "",
        )
        .replace("Failed to parse the request body as JSON: ", "not JSON: ");
    let mut out = Vec::new();
    let mut words = detail.split(' ').peekable();
    while let Some(w) = words.next() {
        let named = |w: &str| {
            w.chars().next().is_some_and(char::is_uppercase)
                && w.chars()
                    .all(|c| c.is_alphanumeric() || c == ':' || c == '_')
        };
        match (w, words.peek().copied()) {
            ("struct" | "enum" | "tuple" | "unit", Some("variant")) => {
                words.next();
                let name = words.next().unwrap_or_default();
                let variant = name.rsplit("::").next().unwrap_or(name);
                let snake: String = variant
                    .chars()
                    .enumerate()
                    .flat_map(|(i, c)| {
                        let sep = (i > 0 && c.is_uppercase()).then_some('_');
                        sep.into_iter().chain(c.to_lowercase())
                    })
                    .collect();
                out.push(format!("the form \"{snake}\""));
            }
            ("struct", Some(n)) if named(n) => {
                words.next();
                out.push("an object".to_owned());
            }
            ("enum", Some(n)) if named(n) => {
                words.next();
                out.push("one of its forms".to_owned());
            }
            _ => out.push(w.to_owned()),
        }
    }
    out.join(" ")
}

/// Middleware: re-renders problem bodies in English when asked, and turns axum's own
/// rejections (body too large, wrong method, bad JSON, no such route) into problem JSON with
/// a code.
pub async fn localize(req: Request, next: Next) -> Response {
    let english = wants_english(&req);
    let resp = next.run(req).await;
    if let Some(e) = resp.extensions().get::<ApiError>().cloned() {
        if !english {
            return resp;
        }
        let mut out = render(&e, true);
        if let Some(wait) = resp.headers().get(header::RETRY_AFTER) {
            out.headers_mut().insert(header::RETRY_AFTER, wait.clone());
        }
        return out;
    }
    let status = resp.status();
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => "malformed_json",
        StatusCode::NOT_FOUND => "not_found",
        _ => return resp,
    };
    let detail = match axum::body::to_bytes(resp.into_body(), 64 * 1024).await {
        Ok(b) if !b.is_empty() => plain(&String::from_utf8_lossy(&b)),
        // A body over the limit while reading it is itself the error.
        Err(_) => "request body too large".to_owned(),
        _ => status.canonical_reason().unwrap_or("error").to_owned(),
    };
    render(
        &ApiError {
            status: status.as_u16(),
            code,
            detail,
            field: None,
        },
        english,
    )
}

/// A result whose error is an [`ApiError`].
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod plain_tests {
    #[test]
    fn parser_messages_name_no_rust_type() {
        let m = super::plain(
            "Failed to deserialize the JSON body into the target type: placement.page: invalid type: integer `1`, expected struct variant PlacementBody::Page at line 1 column 27",
        );
        assert_eq!(
            m,
            "placement.page: invalid type: integer `1`, expected the form \"page\" at line 1 column 27"
        );
        assert_eq!(
            super::plain("invalid type: string, expected struct LoginBody"),
            "invalid type: string, expected an object"
        );
    }
}
