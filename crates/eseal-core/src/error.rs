//! The one error type of the domain.

/// Why a domain operation was refused. Nothing changes when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DomainError {
    /// The action is not allowed in the current state.
    #[error("{action} is not allowed while the {what} is {state}")]
    IllegalTransition {
        /// The aggregate.
        what: &'static str,
        /// Its state.
        state: String,
        /// The refused action.
        action: &'static str,
    },
    /// A rule forbids it (separation of duties, missing materials, renewal window …).
    #[error("{0}")]
    Forbidden(Text),
    /// A field is invalid.
    #[error("{field}: {why}")]
    Invalid {
        /// Which field.
        field: &'static str,
        /// What is wrong.
        why: Text,
    },
}

/// A text a person reads, in Chinese and English: evidence, refusals, error details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// 中文.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Text {
    /// The two texts.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The text in Chinese (`zh`) or English.
    pub fn in_lang(&self, zh: bool) -> &str {
        if zh { &self.zh } else { &self.en }
    }

    /// Both texts with a suffix after each (`"的本地文件头"`, `"'s local header"`).
    pub fn suffixed(&self, zh: &str, en: &str) -> Self {
        Self::new(format!("{}{zh}", self.zh), format!("{}{en}", self.en))
    }

    /// Both texts with a prefix (`"签名者证书"`, `"signer certificate"`) before each.
    pub fn prefixed(&self, zh: &str, en: &str) -> Self {
        Self::new(format!("{zh}：{}", self.zh), format!("{en}: {}", self.en))
    }
}

/// The English text (logs and `anyhow` chains; reports carry both).
impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

impl DomainError {
    /// `field` is invalid: what is wrong with it, in Chinese and English.
    pub fn invalid(field: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            why: Text::new(zh, en),
        }
    }

    /// A rule forbids it, in Chinese and English.
    pub fn forbidden(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::Forbidden(Text::new(zh, en))
    }

    /// What a person reads, in Chinese and English.
    pub fn text(&self) -> Text {
        match self {
            Self::IllegalTransition {
                what,
                state,
                action,
            } => Text::new(
                format!(
                    "{}处于“{}”状态，不能{}",
                    word_zh(what),
                    word_zh(state),
                    word_zh(action)
                ),
                self.to_string(),
            ),
            Self::Forbidden(t) => t.clone(),
            Self::Invalid { field, why } => why.prefixed(field, field),
        }
    }
}

/// The Chinese of the fixed words an illegal transition is made of: the aggregates, their
/// states and the actions (each state machine's `illegal` names them). A word not listed is
/// shown as it is; the test below lists
/// every word the state machines use.
pub(crate) fn word_zh(en: &str) -> &str {
    WORDS
        .iter()
        .find(|(e, _)| *e == en)
        .map(|(_, zh)| *zh)
        .unwrap_or(en)
}

const WORDS: &[(&str, &str)] = &[
    // aggregates
    ("application", "申请"),
    ("seal", "印章"),
    ("PIN reset", "PIN 重置申请"),
    ("use request", "用印申请"),
    ("filing", "备案"),
    ("usage", "用印记录"),
    // states
    ("draft", "草稿"),
    ("submitted", "待审核"),
    ("approved", "已批准"),
    ("rejected", "已驳回"),
    ("made", "已制作"),
    ("active", "有效"),
    ("suspended", "已挂起"),
    ("revoked", "已撤销"),
    ("expired", "已过期"),
    ("pending", "待处理"),
    ("delivered", "已送达"),
    ("failed", "失败"),
    ("completed", "已完成"),
    ("done", "已完成"),
    ("signed", "已签署"),
    ("aborted", "已中止"),
    ("intent", "待签署"),
    ("consumed", "已使用"),
    ("lapsed", "已失效"),
    // actions
    ("adding a material", "添加材料"),
    ("submitting", "提交"),
    ("reviewing", "审核"),
    ("making the seal", "制作印章"),
    ("renewing", "续期"),
    ("re-keying", "更换密钥"),
    ("revoking", "撤销"),
    ("approving", "批准"),
    ("rejecting", "驳回"),
    ("completing", "完成"),
    ("aborting", "中止"),
    ("delivering", "投递"),
    ("recording a failed attempt", "记录投递失败"),
];

/// The reason of an I/O error in Chinese: the kinds a user meets in words, the rest with
/// the system's own text.
pub fn io_zh(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let words = match e.kind() {
        K::NotFound => "文件或目录不存在",
        K::PermissionDenied => "没有权限",
        K::AlreadyExists => "已存在",
        K::StorageFull => "磁盘空间不足",
        K::IsADirectory => "这是一个目录，不是文件",
        K::NotADirectory => "路径中有一段不是目录",
        K::ReadOnlyFilesystem => "文件系统只读",
        K::UnexpectedEof => "文件意外结束",
        K::InvalidData => "数据无效",
        K::DirectoryNotEmpty => "目录不为空",
        _ => return format!("系统错误（{e}）"),
    };
    words.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_transition_word_has_chinese() {
        let used = [
            "application",
            "seal",
            "PIN reset",
            "use request",
            "filing",
            "usage",
            "draft",
            "submitted",
            "approved",
            "rejected",
            "made",
            "active",
            "revoked",
            "pending",
            "delivered",
            "intent",
            "signed",
            "aborted",
            "done",
            "adding a material",
            "submitting",
            "reviewing",
            "making the seal",
            "renewing",
            "re-keying",
            "revoking",
            "approving",
            "rejecting",
            "completing",
            "aborting",
            "delivering",
            "recording a failed attempt",
        ];
        for w in used {
            assert_ne!(word_zh(w), w, "{w} has no Chinese");
        }
        let e = DomainError::IllegalTransition {
            what: "application",
            state: "draft".into(),
            action: "reviewing",
        };
        assert_eq!(e.text().zh, "申请处于“草稿”状态，不能审核");
        assert_eq!(
            e.text().en,
            "reviewing is not allowed while the application is draft"
        );
    }
}
