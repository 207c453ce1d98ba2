//! User-facing words in Chinese (default) and English: labels, outcomes and messages here;
//! evidence in the language asked through the libraries' own Chinese (`Check::detail_in`,
//! each error's `zh()`); errors through `said.rs`.

use eseal_ses::{CheckId, Indication, Outcome};

/// The language of the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// 简体中文
    Zh,
    /// English
    En,
}

impl Lang {
    /// `--lang`, else `ESEAL_LANG`, else Chinese.
    pub fn resolve(flag: Option<Lang>) -> Lang {
        if let Some(l) = flag {
            return l;
        }
        match std::env::var("ESEAL_LANG") {
            Ok(v) if v.to_ascii_lowercase().starts_with("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    /// Pick the text for this language.
    pub fn t<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// `--lang X` or `--lang=X` anywhere on the command line (the option is global), read before
/// clap parses so that help and parse errors come in that language.
pub fn lang_in_args(args: &[std::ffi::OsString]) -> Option<Lang> {
    let pick = |v: &str| match v {
        "en" => Some(Lang::En),
        "zh" => Some(Lang::Zh),
        _ => None,
    };
    let mut found = None;
    let mut it = args.iter().skip(1).filter_map(|a| a.to_str());
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if a == "--lang" {
            found = it.next().and_then(pick).or(found);
        } else if let Some(v) = a.strip_prefix("--lang=") {
            found = pick(v).or(found);
        }
    }
    found
}

pub fn check_label(lang: Lang, id: CheckId) -> &'static str {
    let (zh, en) = id.labels();
    lang.t(zh, en)
}

pub fn outcome_label(lang: Lang, o: Outcome) -> &'static str {
    let (zh, en) = o.labels();
    lang.t(zh, en)
}

pub fn indication_label(lang: Lang, i: Indication) -> &'static str {
    let (zh, en) = i.labels();
    lang.t(zh, en)
}

/// A signature's kind as shown: the OFD `Type` (Seal, Sign) or "GM/T 0099", named in the
/// reader's language; anything else as the file writes it (escaped).
pub fn signature_kind_label(lang: Lang, kind: &str) -> String {
    match kind.to_ascii_lowercase().as_str() {
        "seal" => lang.t("电子签章 Seal", "seal signature (Seal)").to_owned(),
        "sign" => lang
            .t("数字签名 Sign", "digital signature (Sign)")
            .to_owned(),
        "gm/t 0099" => lang
            .t("完整性保护 GM/T 0099", "integrity protection (GM/T 0099)")
            .to_owned(),
        _ => eseal_core::text::printable(kind).to_string(),
    }
}

/// What an I/O error means, in Chinese (the OS's own message is English).
pub fn io_zh(e: &std::io::Error) -> &'static str {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "文件或目录不存在",
        K::PermissionDenied => "没有权限",
        K::AlreadyExists => "已经存在",
        K::InvalidData => "内容不是有效的 UTF-8 文本",
        K::IsADirectory => "这是目录，不是文件",
        K::UnexpectedEof => "文件不完整",
        _ => "读写失败",
    }
}
