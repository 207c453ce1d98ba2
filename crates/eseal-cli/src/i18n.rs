//! User-facing words in Chinese (default) and English. Evidence details stay as produced by the
//! libraries (English); labels, outcomes and messages are translated here.

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

pub fn check_label(lang: Lang, id: CheckId) -> &'static str {
    let (zh, en) = match id {
        CheckId::Structure => ("数据结构", "structure"),
        CheckId::Encoding => ("编码", "encoding"),
        CheckId::VersionConsistency => ("版本一致性", "version consistency"),
        CheckId::SealSignatureAlgorithm => ("制章签名算法", "seal signature algorithm"),
        CheckId::MakerCertificate => ("制章者证书", "maker certificate"),
        CheckId::MakerSignature => ("制章者签名", "maker signature"),
        CheckId::MakerCertificateAtCreation => {
            ("制章时制章者证书有效", "maker certificate at creation")
        }
        CheckId::SealValidity => ("印章有效期", "seal validity"),
        CheckId::SealTimestamp => ("印章时间戳", "seal timestamp"),
        CheckId::SignatureAlgorithm => ("签章算法", "signature algorithm"),
        CheckId::SignerCertificate => ("签章者证书", "signer certificate"),
        CheckId::SignerSignature => ("签章者签名", "signer signature"),
        CheckId::SignerInSeal => ("签章者证书属于印章", "signer listed in seal"),
        CheckId::SigningTime => ("签章时间", "signing time"),
        CheckId::SealValidAtSigningTime => ("签章时印章有效", "seal valid at signing time"),
        CheckId::SignerCertificateAtSigningTime => {
            ("签章时证书有效", "certificate valid at signing time")
        }
        CheckId::DataHash => ("原文杂凑", "data hash"),
        CheckId::SignatureTimestamp => ("签章时间戳", "signature timestamp"),
        CheckId::DocumentReferences => ("文件完整性", "document references"),
        CheckId::DocumentCoverage => ("保护范围", "protected files"),
        CheckId::SealFile => ("印章文件一致", "seal file"),
        CheckId::SignatureType => ("签名类型", "signature type"),
        CheckId::MakerCertificateChain => (
            "制章者证书链与吊销",
            "maker certificate chain and revocation",
        ),
        CheckId::SignerCertificateChain => (
            "签章者证书链与吊销",
            "signer certificate chain and revocation",
        ),
    };
    lang.t(zh, en)
}

pub fn outcome_label(lang: Lang, o: Outcome) -> &'static str {
    let (zh, en) = match o {
        Outcome::Passed => ("通过", "PASSED"),
        Outcome::Failed => ("失败", "FAILED"),
        Outcome::Indeterminate => ("不确定", "INDETERMINATE"),
        Outcome::Warning => ("警告", "WARNING"),
        Outcome::NotChecked => ("未检查", "NOT CHECKED"),
        Outcome::NotApplicable => ("不适用", "N/A"),
    };
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
