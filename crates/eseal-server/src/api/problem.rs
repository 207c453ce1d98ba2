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
use eseal_core::{DomainError, Text};
use eseal_store::StoreError;

use crate::failure::{Failure, Kind};

/// An API error: a [`Failure`] of the service layer as HTTP sees it. The JSON API is the
/// only place one is made; [`From<Failure>`] decides the status code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{failure}")]
pub struct ApiError {
    status: u16,
    failure: Failure,
}

impl From<Failure> for ApiError {
    fn from(failure: Failure) -> Self {
        Self {
            status: status_of(failure.kind),
            failure,
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        Failure::from(e).into()
    }
}

impl From<crate::registry::RegistryError> for ApiError {
    fn from(e: crate::registry::RegistryError) -> Self {
        Failure::from(e).into()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Failure::from(e).into()
    }
}

/// The HTTP status of each kind of failure.
pub fn status_of(kind: Kind) -> u16 {
    match kind {
        Kind::Invalid => 400,
        Kind::Unauthenticated => 401,
        Kind::Forbidden => 403,
        Kind::NotFound => 404,
        Kind::Conflict => 409,
        Kind::TooLarge => 413,
        Kind::Unprocessable => 422,
        Kind::Locked => 423,
        Kind::RateLimited => 429,
        Kind::Internal | Kind::Startup => 500,
        Kind::Unavailable => 502,
        Kind::StorageFull | Kind::Busy => 503,
    }
}

/// The kind of failure an HTTP status stands for (axum's own rejections, the wire guard).
pub fn kind_of(status: u16) -> Kind {
    match status {
        401 => Kind::Unauthenticated,
        403 => Kind::Forbidden,
        404 => Kind::NotFound,
        405 | 409 => Kind::Conflict,
        413 | 414 | 431 => Kind::TooLarge,
        415 | 422 => Kind::Unprocessable,
        423 => Kind::Locked,
        429 => Kind::RateLimited,
        500 => Kind::Internal,
        502..=504 => Kind::Unavailable,
        _ => Kind::Invalid,
    }
}

pub use crate::views::Problem;

/// Every code with its Chinese and English titles. The OpenAPI document lists them.
pub const CODES: &[(&str, &str, &str)] = &[
    ("invalid_input", "输入无效", "Invalid input"),
    ("busy", "服务繁忙", "Service busy"),
    ("no_font", "缺少中文字体", "No CJK font installed"),
    ("malformed_json", "JSON 格式错误", "Malformed JSON"),
    ("payload_too_large", "请求体过大", "Request body too large"),
    ("request_timeout", "请求超时", "Request timeout"),
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
    (
        "stale",
        "打开页面之后已被他人修改，请刷新后再操作",
        "Changed by someone else since it was read; read it again",
    ),
    (
        "already_delivered",
        "备案已送达，无需重试",
        "The filing was already delivered",
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
    ("wrong_pin", "PIN 错误", "Wrong PIN"),
    ("seal_locked", "印章已锁定", "Seal locked"),
    (
        "signing_session_ended",
        "签章会话已结束",
        "The signing session has ended",
    ),
    (
        "password_change_required",
        "须先修改初始密码",
        "The initial password must be changed first",
    ),
    (
        "not_the_holder",
        "只有持有人可以使用该印章",
        "Only the holder uses this seal",
    ),
    (
        "not_the_custodian",
        "只有本单位的印章保管人可以使用该印章",
        "Only a custodian of its organisation uses this seal",
    ),
    (
        "use_not_approved",
        "用印未获批准",
        "This use is not approved",
    ),
    (
        "out_of_scope",
        "超出授权范围",
        "Outside the authorised scope",
    ),
    (
        "seal_not_valid",
        "印章当前不可用",
        "The seal is not valid now",
    ),
    (
        "signature_invalid",
        "签名值验证不通过",
        "The signature does not verify",
    ),
    (
        "invalid_document",
        "文档无法签章",
        "The document cannot be signed",
    ),
    (
        "log_rewritten",
        "日志与已签名的检查点不一致",
        "The log no longer matches its signed checkpoints",
    ),
    (
        "backup_invalid",
        "备份归档无效或已被改动",
        "The backup archive is invalid or was changed",
    ),
    ("backup_wrong_key", "备份密钥不对", "Wrong backup key"),
    (
        "backup_refused",
        "恢复目标不是空的",
        "The restore target is not empty",
    ),
    ("backup_failed", "备份未完成", "The backup was not made"),
    ("storage_full", "存储空间已满", "The disk is full"),
    (
        "key_rotation_refused",
        "数据密钥更换未进行",
        "The data key rotation was not done",
    ),
    (
        "key_share_invalid",
        "密钥份额无效或不够",
        "A key share is invalid, or too few were given",
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
    /// A failure HTTP itself found (a rejected body, a malformed request), with its status.
    pub fn with_status(status: u16, failure: Failure) -> Self {
        Self { status, failure }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The failure.
    pub fn failure(&self) -> &Failure {
        &self.failure
    }

    /// The body in the language asked for.
    pub fn problem(&self, english: bool) -> Problem {
        let f = &self.failure;
        Problem {
            type_: format!("https://eseal.invalid/problems/{}", f.code),
            title: title(f.code, english),
            status: self.status,
            code: f.code,
            detail: f.detail.in_lang(!english).to_owned(),
            field: f.field.clone(),
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
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = (status, Json(err.problem(english))).into_response();
    out.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    if err.failure.kind == Kind::Busy {
        // The queue drains in well under a second per place.
        out.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
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

/// The JSON parser's message (after [`plain`]) in Chinese: the field path and the position
/// kept, the sentence translated for the messages serde writes; anything else is said in
/// general words (the English, with Accept-Language: en, has every detail).
pub(crate) fn json_zh(en: &str) -> String {
    let (body, at) = match en.rsplit_once(" at line ") {
        Some((b, pos)) => match pos.split_once(" column ") {
            Some((l, c)) => (b, format!("（第 {l} 行第 {c} 列）")),
            None => (b, String::new()),
        },
        None => (en, String::new()),
    };
    let body = body.strip_prefix("not JSON: ").unwrap_or(body);
    // A leading `field.path: ` stays as it is.
    let (path, msg) = match body.split_once(": ") {
        Some((p, m)) if !p.contains(' ') && !p.is_empty() => (format!("{p}："), m),
        _ => (String::new(), body),
    };
    let kind = |t: &str| -> String {
        let t = t.trim();
        let words: &[(&str, &str)] = &[
            ("a string", "字符串"),
            ("string", "字符串"),
            ("an object", "对象"),
            ("map", "对象"),
            ("a sequence", "数组"),
            ("sequence", "数组"),
            ("a boolean", "布尔值"),
            ("boolean", "布尔值"),
            ("integer", "整数"),
            ("floating point", "小数"),
            ("null", "null"),
            ("unit value", "空值"),
            ("u8", "整数"),
            ("u16", "整数"),
            ("u32", "整数"),
            ("u64", "整数"),
            ("i32", "整数"),
            ("i64", "整数"),
            ("f32", "数字"),
            ("f64", "数字"),
            ("one of its forms", "规定的形式之一"),
        ];
        for (e, z) in words {
            if t == *e {
                return (*z).to_owned();
            }
            if let Some(rest) = t.strip_prefix(&format!("{e} ")) {
                return format!("{z} {rest}");
            }
        }
        match t.strip_prefix("the form ") {
            Some(form) => format!("形式 {form}"),
            None => "规定的内容".to_owned(),
        }
    };
    let said = if let Some(r) = msg.strip_prefix("unknown variant ") {
        let (v, list) = r.split_once(", expected ").unwrap_or((r, ""));
        let list = list.strip_prefix("one of ").unwrap_or(list);
        format!("取值 {v} 不在可选范围内，可选：{list}")
    } else if let Some(r) = msg.strip_prefix("unknown field ") {
        let (f, list) = r.split_once(", expected ").unwrap_or((r, ""));
        let list = list.strip_prefix("one of ").unwrap_or(list);
        format!("不认识的字段 {f}，可用字段：{list}")
    } else if let Some(f) = msg.strip_prefix("missing field ") {
        format!("缺少字段 {f}")
    } else if let Some(f) = msg.strip_prefix("duplicate field ") {
        format!("字段 {f} 重复")
    } else if let Some(r) = msg.strip_prefix("invalid type: ") {
        let (got, want) = r.split_once(", expected ").unwrap_or((r, ""));
        format!("类型不对：给的是{}，应为{}", kind(got), kind(want))
    } else if let Some(r) = msg.strip_prefix("invalid value: ") {
        let (got, want) = r.split_once(", expected ").unwrap_or((r, ""));
        format!("取值不对：给的是{}，应为{}", kind(got), kind(want))
    } else if let Some(r) = msg.strip_prefix("invalid length ") {
        let (n, _) = r.split_once(", expected ").unwrap_or((r, ""));
        format!("长度 {n} 不对")
    } else if let Some((v, zh)) = msg.split_once(" is not ").and_then(|(v, what)| {
        eseal_core::IDENTIFIER_WORDS
            .iter()
            .find(|(en, _)| *en == what)
            .map(|(_, zh)| (v, zh))
    }) {
        format!("{v} 不是{zh}")
    } else if msg.starts_with("expected value") || msg.starts_with("expected ident") {
        "不是 JSON".to_owned()
    } else if msg.starts_with("EOF while parsing") {
        "JSON 不完整，在结束前中断".to_owned()
    } else if msg.starts_with("trailing characters") || msg.starts_with("trailing comma") {
        "JSON 之后还有多余的字符".to_owned()
    } else if msg.starts_with("key must be a string") {
        "对象的键必须是字符串".to_owned()
    } else if msg.starts_with("expected `") {
        format!(
            "缺少 {}",
            msg.trim_start_matches("expected ").replace(" or ", " 或 ")
        )
    } else if msg.starts_with("control character") || msg.starts_with("invalid escape") {
        "字符串中有不允许的字符或转义".to_owned()
    } else {
        "内容不符合该接口的要求".to_owned()
    };
    format!("{path}{said}{at}")
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
    let (code, en) = match axum::body::to_bytes(resp.into_body(), 64 * 1024).await {
        Ok(b) if !b.is_empty() => (code, plain(&String::from_utf8_lossy(&b))),
        // A body over the limit while reading it is itself the error.
        Err(_) => ("payload_too_large", "request body too large".to_owned()),
        _ => (
            code,
            status.canonical_reason().unwrap_or("error").to_owned(),
        ),
    };
    let zh = match code {
        "payload_too_large" => "请求体超过该接口允许的大小".to_owned(),
        "method_not_allowed" => "该地址不支持此请求方法".to_owned(),
        "unsupported_media_type" => "不支持该内容类型（Content-Type），请按接口说明发送".to_owned(),
        "not_found" => "没有这个地址".to_owned(),
        _ => format!("请求体不是该接口要求的 JSON：{}", json_zh(&en)),
    };
    let failure = Failure::new(kind_of(status.as_u16()), code, Text::new(zh, en));
    render(&ApiError::with_status(status.as_u16(), failure), english)
}

/// A result whose error is an [`ApiError`].
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod busy_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
    use super::*;

    /// `busy` is a 503 that says when to come back, titled in both languages.
    #[test]
    fn busy_is_503_with_retry_after() {
        let resp = ApiError::from(Failure::busy()).into_response();
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(resp.headers()[header::RETRY_AFTER], "1");
        assert!(
            CODES
                .iter()
                .any(|(c, zh, en)| *c == "busy" && zh.contains("繁忙") && en.contains("busy"))
        );
    }
}

#[cfg(test)]
mod code_tests {
    /// Every code a failure is made with has its titles in [`super::CODES`] (else a client
    /// reads the fallback title 错误).
    #[test]
    fn every_code_has_a_title() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![src];
        let mut missing = Vec::new();
        while let Some(p) = files.pop() {
            if p.is_dir() {
                for e in std::fs::read_dir(&p).unwrap() {
                    files.push(e.unwrap().path());
                }
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            for ctor in [
                "Failure::new(",
                "Failure::forbidden(",
                "Failure::conflict(",
                "Failure::unprocessable(",
            ] {
                for (at, _) in text.match_indices(ctor) {
                    let rest = &text[at + ctor.len()..];
                    let rest = rest.trim_start();
                    let rest = match rest.strip_prefix("Kind::") {
                        Some(r) => r.split_once(',').map_or("", |(_, r)| r.trim_start()),
                        None => rest,
                    };
                    let Some(code) = rest.strip_prefix('"').and_then(|r| r.split_once('"')) else {
                        continue;
                    };
                    if code.0.is_empty()
                        || !code.0.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                    {
                        continue;
                    }
                    if !super::CODES.iter().any(|(c, _, _)| *c == code.0) {
                        missing.push(format!("{}: {}", p.display(), code.0));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "codes without titles: {missing:?}");
    }
}

#[cfg(test)]
mod json_zh_tests {
    #[test]
    fn the_parsers_messages_are_said_in_chinese() {
        for (en, zh) in [
            (
                "reason: unknown variant `lost_it`, expected one of `dissolution`, `merger` at line 1 column 27",
                "reason：取值 `lost_it` 不在可选范围内，可选：`dissolution`, `merger`（第 1 行第 27 列）",
            ),
            (
                "missing field `pin` at line 1 column 2",
                "缺少字段 `pin`（第 1 行第 2 列）",
            ),
            (
                "placement.page: invalid type: integer `1`, expected the form \"page\" at line 1 column 27",
                "placement.page：类型不对：给的是整数 `1`，应为形式 \"page\"（第 1 行第 27 列）",
            ),
            (
                "not JSON: expected value at line 1 column 1",
                "不是 JSON（第 1 行第 1 列）",
            ),
            (
                "invalid type: string, expected an object",
                "类型不对：给的是字符串，应为对象",
            ),
            (
                "materials[0].sm3: \"zz\" is not an SM3 digest in hex at line 1 column 40",
                "materials[0].sm3：\"zz\" 不是十六进制的 SM3 摘要（第 1 行第 40 列）",
            ),
        ] {
            assert_eq!(super::json_zh(en), zh, "{en}");
            assert!(
                eseal_testkit::english_prose(&super::json_zh(en)).is_none(),
                "{en}"
            );
        }
    }
}

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
