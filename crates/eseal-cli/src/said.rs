//! Errors said in both languages. A command's error reaches the user through `main`, which
//! prints it in the command's language: a [`Said`] anywhere in the error's chain gives its
//! Chinese text (anyhow finds a context or source of that type through the layers above
//! it); anything else prints as it was written. I/O reasons come in words ([`io_zh`]), not
//! as the system's English.

use crate::i18n::Lang;
use std::fmt;
use std::path::Path;

/// An error message in Chinese and English. Displays as English (logs, `{e:#}`).
#[derive(Debug)]
pub struct Said {
    zh: String,
    en: String,
}

impl Said {
    /// The two texts. For context over another error use [`SaidContext`], which keeps the
    /// cause's Chinese too.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

impl fmt::Display for Said {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

impl std::error::Error for Said {}

/// An error with its Chinese and English text.
pub fn said(zh: impl Into<String>, en: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Said::new(zh, en))
}

/// Context in both languages: the error becomes one [`Said`] whose Chinese is the context
/// and the cause's Chinese ([`render`]), and whose English is what `.context` would show.
pub trait SaidContext<T> {
    /// `.with_context(…)` with the context as (zh, en).
    fn said_context(self, context: impl FnOnce() -> (String, String)) -> anyhow::Result<T>;
}

impl<T, E: Into<anyhow::Error>> SaidContext<T> for Result<T, E> {
    fn said_context(self, context: impl FnOnce() -> (String, String)) -> anyhow::Result<T> {
        self.map_err(|e| {
            let e = e.into();
            let (zh, en) = context();
            said(
                format!("{zh}：{}", render(&e, Lang::Zh)),
                format!("{en}: {e:#}"),
            )
        })
    }
}

/// "cannot {verb} FILE: reason", for an I/O error on `path` (`verb`: zh, en).
pub fn io(verb: (&str, &str), path: &Path, e: &std::io::Error) -> anyhow::Error {
    said(
        format!("无法{} {}：{}", verb.0, path.display(), io_zh(e)),
        format!("cannot {} {}: {e}", verb.1, path.display()),
    )
}

/// A text the libraries and the service already say in both languages.
pub fn text(t: &eseal_core::error::Text) -> anyhow::Error {
    said(t.zh.clone(), t.en.clone())
}

/// "FILE: why", for a library's error about a file (`zh`: the error's Chinese).
pub fn about(path: &Path, zh: String, en: &dyn fmt::Display) -> anyhow::Error {
    said(
        format!("{}：{zh}", path.display()),
        format!("{}: {en}", path.display()),
    )
}

pub use eseal_core::error::io_zh;

/// The error as the user reads it in `lang`. In Chinese: the first [`Said`] of the chain
/// if there is one; else each layer of the chain in Chinese where its type has Chinese
/// (the libraries' errors, I/O errors), stopping at the first that does — its text tells
/// the whole story, and what lies below it would come out in English.
pub fn render(e: &anyhow::Error, lang: Lang) -> String {
    if lang == Lang::En {
        return format!("{e:#}");
    }
    if let Some(s) = e.downcast_ref::<Said>() {
        return s.zh.clone();
    }
    let mut parts = Vec::new();
    for layer in e.chain() {
        match zh_of(layer) {
            Some(zh) => {
                parts.push(zh);
                break;
            }
            None => parts.push(layer.to_string()),
        }
    }
    parts.join("：")
}

/// A layer's Chinese, if its type has one.
fn zh_of(layer: &(dyn std::error::Error + 'static)) -> Option<String> {
    if let Some(s) = layer.downcast_ref::<Said>() {
        return Some(s.zh.clone());
    }
    if let Some(e) = layer.downcast_ref::<std::io::Error>() {
        return Some(io_zh(e));
    }
    if let Some(e) = layer.downcast_ref::<eseal_gm::Error>() {
        return Some(e.zh());
    }
    if let Some(e) = layer.downcast_ref::<eseal_ses::SesError>() {
        return Some(e.zh());
    }
    if let Some(e) = layer.downcast_ref::<eseal_doc::DocError>() {
        return Some(e.zh());
    }
    if let Some(e) = layer.downcast_ref::<eseal_pki::PkiError>() {
        return Some(e.zh());
    }
    if let Some(e) = layer.downcast_ref::<eseal_tlog::CheckpointError>() {
        return Some(e.zh());
    }
    if let Some(e) = layer.downcast_ref::<eseal_tlog::audit::ExportError>() {
        return Some(e.zh());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn the_chinese_text_is_found_under_english_context() {
        let e = std::io::Error::from(std::io::ErrorKind::NotFound);
        let err = Err::<(), _>(io(("读取", "read"), Path::new("a.ofd"), &e))
            .context("while signing")
            .unwrap_err();
        assert_eq!(render(&err, Lang::Zh), "无法读取 a.ofd：文件或目录不存在");
        assert!(render(&err, Lang::En).starts_with("while signing: cannot read a.ofd: "));
        let plain = anyhow::anyhow!("plain");
        assert_eq!(render(&plain, Lang::Zh), "plain");
    }

    #[test]
    fn said_context_carries_the_cause_in_both_languages() {
        let e = std::io::Error::from(std::io::ErrorKind::NotFound);
        let err = Err::<(), _>(e)
            .said_context(|| ("签署 a.ofd".into(), "signing a.ofd".into()))
            .unwrap_err();
        assert_eq!(render(&err, Lang::Zh), "签署 a.ofd：文件或目录不存在");
        assert!(render(&err, Lang::En).starts_with("signing a.ofd: "));
    }

    #[test]
    fn a_library_error_speaks_chinese_under_english_context() {
        let gm = eseal_gm::Sm2PublicKey::from_sec1(b"not a point").unwrap_err();
        let zh = gm.zh();
        assert!(
            zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{zh}"
        );
        let err = Err::<(), _>(gm).context("checking").unwrap_err();
        assert_eq!(render(&err, Lang::Zh), format!("checking：{zh}"));
        let io = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
        assert_eq!(render(&io, Lang::Zh), "没有权限");
    }
}
