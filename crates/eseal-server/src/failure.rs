//! Why an operation of the platform was refused or failed: the one error type of the service
//! layer (issue 17 items 1–2).
//!
//! A [`Failure`] says what kind of failure it is ([`Kind`]), carries a stable `code` clients
//! branch on, the detail a person reads in Chinese and English, and the input field at fault.
//! It knows nothing of HTTP: the JSON API turns the kind into a status code and problem JSON
//! (`api::problem`), the console into a page, the CLI into a message and an exit code.

use eseal_core::{DomainError, Text};
use eseal_store::StoreError;

/// What kind of failure, as every interface distinguishes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The input is wrong: a field, a file, a query.
    Invalid,
    /// Nobody is logged in, or the login, session or credential failed.
    Unauthenticated,
    /// The acting user may not do this (role, ownership, holder, approval).
    Forbidden,
    /// Locked (an account, a seal) until something else happens.
    Locked,
    /// No such record.
    NotFound,
    /// It conflicts with the current state or with a concurrent change.
    Conflict,
    /// The content breaks a rule (a certificate, an impression, a seal not valid now).
    Unprocessable,
    /// More than the platform accepts (a body, a document's work).
    TooLarge,
    /// Too many requests from one client.
    RateLimited,
    /// An outside system (police, national platform, witness, CA) failed.
    Unavailable,
    /// The platform cannot store anything now (its disk is full); nothing was written.
    StorageFull,
    /// Too much work waits already; nothing was done, and the same request may be sent again
    /// shortly.
    Busy,
    /// A fault inside the platform; the detail is in the server log only.
    Internal,
    /// The service refuses to start; the detail tells the operator what to do.
    Startup,
}

/// A refused or failed operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct Failure {
    /// What kind of failure.
    pub kind: Kind,
    /// Stable machine-readable code (`api::problem::CODES` lists them with titles).
    pub code: &'static str,
    /// What was wrong, and where, in Chinese and English.
    pub detail: Text,
    /// The input field at fault, when one is.
    pub field: Option<String>,
}

/// What was not found, named in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thing {
    /// 申请.
    Application,
    /// 印章.
    Seal,
    /// 印章数据.
    SealData,
    /// A seal in the transparency log.
    LoggedSeal,
    /// 申请材料.
    Material,
    /// PIN 重置申请.
    PinReset,
    /// 用印申请.
    UseRequest,
    /// 用印记录.
    Usage,
    /// 用户.
    User,
    /// API token.
    Token,
    /// 信任列表条目.
    TrustListEntry,
    /// 检查点.
    Checkpoint,
    /// A file.
    File,
    /// An API endpoint.
    Endpoint,
    /// 备案.
    Filing,
}

impl Thing {
    /// Its name: Chinese, English.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            Self::Application => ("申请", "application"),
            Self::Seal => ("印章", "seal"),
            Self::SealData => ("印章数据", "seal data of"),
            Self::LoggedSeal => ("透明日志中的印章", "seal in the transparency log"),
            Self::Material => ("申请材料", "material"),
            Self::PinReset => ("PIN 重置申请", "PIN reset"),
            Self::UseRequest => ("用印申请", "use request"),
            Self::Usage => ("用印记录", "usage"),
            Self::User => ("用户", "user"),
            Self::Token => ("令牌", "token"),
            Self::TrustListEntry => ("信任列表条目", "trust list entry"),
            Self::Checkpoint => ("检查点", "checkpoint"),
            Self::File => ("文件", "file"),
            Self::Endpoint => ("接口", "endpoint"),
            Self::Filing => ("备案", "filing"),
        }
    }
}

impl Failure {
    /// A failure of `kind` with `code` and its detail.
    pub fn new(kind: Kind, code: &'static str, detail: Text) -> Self {
        Self {
            kind,
            code,
            detail,
            field: None,
        }
    }

    fn text(kind: Kind, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(kind, code, Text::new(zh, en))
    }

    /// The same failure, naming the input field at fault.
    pub fn at(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }

    /// `invalid_input` for `field`.
    pub fn invalid(field: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::text(Kind::Invalid, "invalid_input", zh, en).at(field)
    }

    /// Not logged in, or the session or credential is not valid.
    pub fn unauthenticated(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::text(Kind::Unauthenticated, "unauthenticated", zh, en)
    }

    /// `login_failed`: the same for every wrong factor.
    pub fn login_failed() -> Self {
        Self::text(
            Kind::Unauthenticated,
            "login_failed",
            "用户名、密码或动态口令错误",
            "wrong user name, password or one-time code",
        )
    }

    /// `totp_replayed`: the right password with a one-time code already used.
    pub fn totp_replayed() -> Self {
        Self::text(
            Kind::Unauthenticated,
            "totp_replayed",
            "该动态口令已使用过：请等待下一个动态口令（每 30 秒更新一次）后重新登录",
            "this one-time code was already used: wait for the next code (a new one every 30 s) and log in again",
        )
    }

    /// `account_locked` until a Unix time.
    pub fn locked(until_unix: i64) -> Self {
        let until = time::OffsetDateTime::from_unix_timestamp(until_unix)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default();
        Self::text(
            Kind::Locked,
            "account_locked",
            format!("登录失败次数过多，账户锁定至 {until}"),
            format!("too many failed logins; locked until {until}"),
        )
    }

    /// The acting user may not do this: `code` says why (`forbidden_role`, `not_the_holder` …).
    pub fn forbidden(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::text(Kind::Forbidden, code, zh, en)
    }

    /// `forbidden_role`: the user's roles do not allow it.
    pub fn forbidden_role(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::forbidden("forbidden_role", zh, en)
    }

    /// `not_found`.
    pub fn not_found(what: Thing, id: &str) -> Self {
        let (zh, en) = what.names();
        Self::text(
            Kind::NotFound,
            "not_found",
            format!("{zh} {id:?} 不存在"),
            format!("{en} {id:?} not found"),
        )
    }

    /// A conflict with the current state, with a code.
    pub fn conflict(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::text(Kind::Conflict, code, zh, en)
    }

    /// A rule about the content (a certificate, an impression), with a code.
    pub fn unprocessable(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::text(Kind::Unprocessable, code, zh, en)
    }

    /// `connector_failed`: an outside system did not answer as it should.
    pub fn connector(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::text(Kind::Unavailable, "connector_failed", zh, en)
    }

    /// `busy`: the verification lane's queue is full (see [`crate::work`]).
    pub fn busy() -> Self {
        Self::text(
            Kind::Busy,
            "busy",
            "服务繁忙：等待核验的文件过多，本次请求未处理，请稍后重试",
            "the service is busy: too many files are waiting to be verified; this request was not processed, try again shortly",
        )
    }

    /// `internal`: `detail` goes to the server log, the user reads a generic text.
    pub fn internal(detail: impl Into<String>) -> Self {
        let detail = detail.into();
        eprintln!("internal error: {detail}");
        Self::text(
            Kind::Internal,
            "internal",
            "服务器内部错误，详见服务器日志",
            "internal error; see the server log",
        )
    }

    /// The service refuses to start: the detail tells the operator what is wrong and what to
    /// do (never sent to a client).
    pub fn startup(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::text(Kind::Startup, "refused_to_start", zh, en)
    }
}

impl From<DomainError> for Failure {
    fn from(e: DomainError) -> Self {
        let detail = e.text();
        match &e {
            DomainError::IllegalTransition { .. } => {
                Self::new(Kind::Conflict, "illegal_transition", detail)
            }
            DomainError::Forbidden(_) => Self::new(Kind::Unprocessable, "forbidden", detail),
            DomainError::Invalid { field, why } => {
                Self::new(Kind::Invalid, "invalid_input", why.clone()).at(field)
            }
            _ => Self::new(Kind::Invalid, "invalid_input", detail),
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        match &e {
            StoreError::Conflict { id, .. } => Self::conflict(
                "conflict",
                format!("记录 {id} 已被他人修改，请重新读取后再试"),
                e.to_string(),
            ),
            StoreError::Exists { id, .. } => {
                Self::conflict("exists", format!("记录 {id} 已存在"), e.to_string())
            }
            StoreError::Full { location } => Self::text(
                Kind::StorageFull,
                "storage_full",
                format!(
                    "存储空间已满：{location} 无法写入，本次操作没有写入任何内容。请释放或扩充磁盘空间后重试；已写入的记录未受影响"
                ),
                format!(
                    "the disk is full: {location} cannot be written, and nothing of this operation was written. Free or add disk space and try again; records already written are unaffected"
                ),
            ),
            StoreError::Damaged { location, why } => Self::startup(
                format!(
                    "数据库文件 {location} 已损坏（{why}），拒绝启动：请停止服务，把该文件移到别处留作证据，再用 eseal backup restore 从最新的备份恢复到空目录（见 docs/operations.md）"
                ),
                format!(
                    "the database file {location} is damaged ({why}); refusing to start: stop the service, move the file aside as evidence, and restore the newest backup into an empty directory with eseal backup restore (docs/operations.md)"
                ),
            ),
            _ => Self::internal(e.to_string()),
        }
    }
}

/// A result whose error is a [`Failure`].
pub type Result<T, E = Failure> = std::result::Result<T, E>;
