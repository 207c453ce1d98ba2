//! Text and JSON renderings of reports and of what a file contains.

use crate::i18n::{self, Lang};
use anyhow::Result;
use eseal_ses::any::{CertListView, SealView};
use eseal_ses::cert::CertificateInfo;
use eseal_ses::{AnySeal, AnySignature, Report, SesError, StructureKind, Version};
use serde::Serialize;
use std::path::Path;

/// RFC 3339 at Beijing time, as in the verification reports.
fn fmt_time(t: time::OffsetDateTime) -> String {
    eseal_core::text::beijing(t)
}

#[derive(Serialize)]
struct JsonReport<'a> {
    file: String,
    version: &'static str,
    indication: eseal_ses::Indication,
    sub_indication: Option<eseal_ses::SubIndication>,
    checks: &'a [eseal_ses::Check],
    #[serde(skip_serializing_if = "Option::is_none")]
    advice: Option<eseal_ses::Advice>,
}

/// The exit code of a verification: 0 PASSED, 1 FAILED, 2 INDETERMINATE (3 is for usage
/// and I/O errors).
pub fn indication_code(i: eseal_ses::Indication) -> u8 {
    match i {
        eseal_ses::Indication::Passed => 0,
        eseal_ses::Indication::Failed => 1,
        eseal_ses::Indication::Indeterminate => 2,
    }
}

/// "说明：…" / "What this means: …".
pub fn advice_line(lang: Lang, a: &eseal_ses::Advice) -> String {
    match lang {
        Lang::Zh => format!("说明：{}", a.zh),
        Lang::En => format!("What this means: {}", a.en),
    }
}

pub fn print_report(
    file: &Path,
    version: Version,
    report: &Report,
    json: bool,
    lang: Lang,
) -> Result<()> {
    if json {
        let j = JsonReport {
            file: file.display().to_string(),
            version: version.name(),
            indication: report.indication(),
            sub_indication: report.sub_indication(),
            checks: &report.checks,
            advice: report.advice(),
        };
        outln!("{}", serde_json::to_string_pretty(&j)?);
        return Ok(());
    }
    outln!(
        "{}: {} ({})",
        lang.t("文件", "file"),
        file.display(),
        version.name()
    );
    for c in &report.checks {
        let sub = c
            .sub_indication
            .map(|s| {
                format!(
                    " [{}]",
                    serde_json::to_value(s)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                )
            })
            .unwrap_or_default();
        outln!(
            "  {:<10} {}{}: {}",
            i18n::outcome_label(lang, c.outcome),
            i18n::check_label(lang, c.id),
            sub,
            eseal_core::text::printable(c.detail_in(lang == Lang::Zh))
        );
    }
    let sub = report
        .sub_indication()
        .and_then(|s| serde_json::to_value(s).ok())
        .and_then(|v| v.as_str().map(|s| format!(" / {s}")))
        .unwrap_or_default();
    outln!(
        "{}: {}{}",
        lang.t("结论", "result"),
        i18n::indication_label(lang, report.indication()),
        sub
    );
    if let Some(a) = report.advice() {
        outln!("{}", advice_line(lang, &a));
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonDecodeFailure {
    file: String,
    indication: &'static str,
    sub_indication: &'static str,
    error: String,
    /// The same in Chinese (as `eseal verify`'s JSON for an unreadable package).
    error_zh: String,
    position: Option<usize>,
}

pub fn print_decode_failure(file: &Path, e: &SesError, json: bool, lang: Lang) -> Result<()> {
    if json {
        let j = JsonDecodeFailure {
            file: file.display().to_string(),
            indication: "FAILED",
            sub_indication: "FORMAT_FAILURE",
            error: e.to_string(),
            error_zh: e.zh(),
            position: e.position(),
        };
        outln!("{}", serde_json::to_string_pretty(&j)?);
    } else {
        outln!("{}: {}", lang.t("文件", "file"), file.display());
        outln!(
            "  {} {}: {}",
            i18n::outcome_label(lang, eseal_ses::Outcome::Failed),
            lang.t("数据结构", "structure"),
            lang.t(&e.zh(), &e.to_string())
        );
        outln!(
            "{}: {} / FORMAT_FAILURE",
            lang.t("结论", "result"),
            i18n::indication_label(lang, eseal_ses::Indication::Failed)
        );
    }
    Ok(())
}

#[derive(Serialize)]
struct CertSummary {
    subject: String,
    issuer: String,
    serial: String,
    not_before: String,
    not_after: String,
}

fn cert_summary(der: &[u8]) -> Result<CertSummary, eseal_ses::report::Text> {
    CertificateInfo::from_der(der).map(|c| CertSummary {
        subject: c.subject,
        issuer: c.issuer,
        serial: c.serial,
        not_before: fmt_time(c.not_before),
        not_after: fmt_time(c.not_after),
    })
}

#[derive(Serialize)]
struct SealSummary {
    version: &'static str,
    header_version: i64,
    vid: String,
    es_id: String,
    seal_type: i64,
    name: String,
    signer_certificates: Vec<serde_json::Value>,
    create_date: String,
    valid_start: String,
    valid_end: String,
    picture_type: String,
    picture_format: eseal_ses::common::PictureFormat,
    picture_bytes: usize,
    width_mm: i64,
    height_mm: i64,
    extensions: Vec<serde_json::Value>,
    maker_certificate: serde_json::Value,
    maker_algorithm: String,
    seal_timestamp_bytes: Option<usize>,
}

fn cert_json(der: &[u8]) -> serde_json::Value {
    match cert_summary(der) {
        Ok(c) => serde_json::to_value(c).unwrap_or_default(),
        Err(e) => serde_json::json!({ "error": e.en, "error_zh": e.zh, "bytes": der.len() }),
    }
}

fn seal_summary(v: &SealView<'_>) -> SealSummary {
    SealSummary {
        version: v.version.name(),
        header_version: v.header_version,
        vid: v.vid.text(),
        es_id: v.es_id.text(),
        seal_type: v.seal_type,
        name: v.name.text(),
        signer_certificates: match &v.signer_certs {
            CertListView::Certs(c) => c.iter().map(|c| cert_json(c)).collect(),
            CertListView::Digests(d) => d
                .iter()
                .map(|(t, v)| serde_json::json!({ "digest_type": t, "digest": v.iter().map(|b| format!("{b:02x}")).collect::<String>() }))
                .collect(),
        },
        create_date: fmt_time(v.create_date),
        valid_start: fmt_time(v.valid_start),
        valid_end: fmt_time(v.valid_end),
        picture_type: v.picture.picture_type.text(),
        picture_format: v.picture.sniff(),
        picture_bytes: v.picture.data.len(),
        width_mm: v.picture.width,
        height_mm: v.picture.height,
        extensions: v
            .ext_datas
            .map(|e| {
                e.entries()
                    .map(|x| serde_json::json!({ "id": x.extn_id.to_string(), "critical": x.is_critical(), "value": String::from_utf8_lossy(&x.extn_value) }))
                    .collect()
            })
            .unwrap_or_default(),
        maker_certificate: cert_json(v.maker_cert),
        maker_algorithm: v.maker_algorithm.to_string(),
        seal_timestamp_bytes: v.time_stamp.map(<[u8]>::len),
    }
}

#[derive(Serialize)]
struct SignatureSummary {
    version: &'static str,
    tbs_version: i64,
    signing_time: String,
    data_hash: String,
    property_info: String,
    signer_certificate: serde_json::Value,
    algorithm: String,
    timestamp_bytes: Option<usize>,
    seal: SealSummary,
}

pub fn inspect(bytes: &[u8], json: bool, lang: Lang) -> Result<()> {
    let value = match eseal_ses::detect(bytes)? {
        StructureKind::Seal => {
            let (seal, notes) = AnySeal::decode(bytes)?;
            let mut v = serde_json::to_value(seal_summary(&seal.view()?))?;
            v["encoding"] = serde_json::to_value(notes)?;
            v["kind"] = "SESeal".into();
            v
        }
        StructureKind::Signature => {
            let (sig, notes) = AnySignature::decode(bytes)?;
            let seal = sig.seal();
            let view = sig.view();
            let s = SignatureSummary {
                version: view.version.name(),
                tbs_version: view.tbs_version,
                signing_time: view
                    .signing_time
                    .map(fmt_time)
                    .unwrap_or(view.signing_time_text.clone()),
                data_hash: view.data_hash.iter().map(|b| format!("{b:02x}")).collect(),
                property_info: view.property_info.clone(),
                signer_certificate: cert_json(view.signer_cert),
                algorithm: view.algorithm.to_string(),
                timestamp_bytes: view.time_stamp.map(<[u8]>::len),
                seal: seal_summary(&seal.view()?),
            };
            let mut v = serde_json::to_value(s)?;
            v["encoding"] = serde_json::to_value(notes)?;
            v["kind"] = "SES_Signature".into();
            v
        }
    };
    if json {
        outln!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        print_tree(&value, 0, lang);
    }
    Ok(())
}

/// The fields `seal inspect` shows, in the order a reader expects them, each with its words
/// (the JSON output keeps the keys).
const FIELDS: &[(&str, &str, &str)] = &[
    ("kind", "类型", "kind"),
    ("version", "格式版本", "format version"),
    ("header_version", "印章头版本号", "header version"),
    ("tbs_version", "待签数据版本号", "TBS_Sign version"),
    ("signing_time", "签章时间", "signing time"),
    ("data_hash", "原文杂凑值", "data hash"),
    ("property_info", "原文属性", "document property"),
    ("algorithm", "签章算法", "signature algorithm"),
    (
        "timestamp_bytes",
        "签章时间戳（字节）",
        "signature timestamp (bytes)",
    ),
    ("signer_certificate", "签章者证书", "signer certificate"),
    ("seal", "印章", "seal"),
    ("name", "印章名称", "seal name"),
    ("es_id", "印章编码", "seal ID (esID)"),
    ("seal_type", "印章类型", "seal type"),
    ("vid", "厂商标识", "vendor ID"),
    ("create_date", "制章日期", "created"),
    ("valid_start", "有效期起", "valid from"),
    ("valid_end", "有效期止", "valid until"),
    ("picture_type", "图片类型", "picture type"),
    ("picture_format", "图片格式", "picture format"),
    ("picture_bytes", "图片大小（字节）", "picture size (bytes)"),
    ("width_mm", "宽度（毫米）", "width (mm)"),
    ("height_mm", "高度（毫米）", "height (mm)"),
    ("signer_certificates", "签章者证书", "signer certificates"),
    ("maker_certificate", "制章者证书", "maker certificate"),
    (
        "maker_algorithm",
        "制章签名算法",
        "maker's signature algorithm",
    ),
    (
        "seal_timestamp_bytes",
        "印章时间戳（字节）",
        "seal timestamp (bytes)",
    ),
    ("extensions", "扩展数据", "extensions"),
    ("id", "标识", "ID"),
    ("critical", "关键", "critical"),
    ("value", "值", "value"),
    ("subject", "主体", "subject"),
    ("issuer", "颁发者", "issuer"),
    ("serial", "序列号", "serial number"),
    ("not_before", "有效期起", "valid from"),
    ("not_after", "有效期止", "valid until"),
    ("digest_type", "杂凑算法", "digest algorithm"),
    ("digest", "杂凑值", "digest"),
    ("error_zh", "错误", "error"),
    ("error", "错误", "error"),
    ("bytes", "大小（字节）", "size (bytes)"),
    ("encoding", "编码", "encoding"),
    ("ber_lengths", "BER 长度编码", "BER lengths"),
    (
        "octet_string_wrapped",
        "外包 OCTET STRING",
        "wrapped in an OCTET STRING",
    ),
    ("trailing_bytes", "尾随字节数", "trailing bytes"),
];

fn print_tree(v: &serde_json::Value, indent: usize, lang: Lang) {
    let pad = "  ".repeat(indent);
    let zh = lang == Lang::Zh;
    match v {
        serde_json::Value::Object(map) => {
            let place = |k: &str| FIELDS.iter().position(|(key, ..)| *key == k);
            let mut fields: Vec<_> = map
                .iter()
                // A certificate's error is there in both languages: the reader's only.
                .filter(|(k, _)| *k != if zh { "error" } else { "error_zh" })
                .collect();
            fields.sort_by_key(|(k, _)| (place(k).unwrap_or(usize::MAX), k.as_str()));
            for (k, val) in fields {
                let name = FIELDS
                    .iter()
                    .find(|(key, ..)| key == k)
                    .map_or(k.as_str(), |&(_, z, e)| if zh { z } else { e });
                let colon = if zh { "：" } else { ": " };
                match val {
                    serde_json::Value::Object(_) | serde_json::Value::Array(_) => {
                        outln!("{pad}{name}{}", colon.trim_end());
                        print_tree(val, indent + 1, lang);
                    }
                    // The picture's own bytes say what it is; "UNKNOWN" when they do not.
                    _ if k == "picture_format" && val == "UNKNOWN" => {
                        outln!("{pad}{name}{colon}{}", lang.t("无法识别", "not recognised"))
                    }
                    _ => outln!("{pad}{name}{colon}{}", scalar(val, lang)),
                }
            }
        }
        serde_json::Value::Array(items) if items.is_empty() => {
            outln!("{pad}{}", if zh { "（无）" } else { "(none)" });
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                outln!("{pad}[{}]", i + 1);
                print_tree(item, indent + 1, lang);
            }
        }
        other => outln!("{pad}{}", scalar(other, lang)),
    }
}

/// A value from a file, escaped for the terminal; yes, no and nothing in the reader's words.
fn scalar(v: &serde_json::Value, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match v {
        serde_json::Value::String(s) => eseal_core::text::printable(s).into_owned(),
        serde_json::Value::Bool(true) => (if zh { "是" } else { "yes" }).into(),
        serde_json::Value::Bool(false) => (if zh { "否" } else { "no" }).into(),
        serde_json::Value::Null => (if zh { "无" } else { "none" }).into(),
        other => other.to_string(),
    }
}

/// Percent-encode everything outside printable ASCII (and `%` itself), as URIs do, so that any
/// text fits an IA5String.
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if (0x20..0x7F).contains(&b) && b != b'%' {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
