//! `eseal verify FILE.ofd`.

use crate::i18n::{self, Lang};
use crate::said::{SaidContext, said};
use anyhow::Result;
use eseal_core::text::printable;
use eseal_gm::keytables::KeyTableVerifier;
use std::path::Path;

/// What `file` is: a directory is refused, a regular file sniffed from its first 16 MiB
/// (the whole of anything but a large package).
pub fn kind_of(file: &Path, lang: Lang) -> Result<eseal_doc::FileKind> {
    use std::io::Read;
    if file.is_dir() {
        anyhow::bail!(
            "{}",
            lang.t(
                &format!("{} 是目录，不是文件：请给出要验证的文件", file.display()),
                &format!(
                    "{} is a directory, not a file: give the file to verify",
                    file.display()
                ),
            )
        );
    }
    const SNIFFED: u64 = 16 << 20;
    let f = std::fs::File::open(file).map_err(|e| crate::said::io(crate::files::OPEN, file, &e))?;
    // Sized once from the file's length: a buffer grown by doubling is moved and its old
    // pages unmapped several times over (≈ 3 ms of a 1 MB file's verification).
    let len = f.metadata().map_or(0, |m| m.len()).min(SNIFFED);
    let mut head = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    f.take(SNIFFED)
        .read_to_end(&mut head)
        .map_err(|e| crate::said::io(crate::files::READ, file, &e))?;
    Ok(eseal_doc::FileKind::sniff(&head))
}

/// What to do with a file of `kind` when a command was given the wrong kind; `None` when the
/// kind is one the command `expected` takes.
pub fn wrong_kind(
    file: &Path,
    kind: eseal_doc::FileKind,
    expected: &[eseal_doc::FileKind],
    lang: Lang,
) -> Option<String> {
    use eseal_doc::FileKind as K;
    if expected.contains(&kind) {
        return None;
    }
    let f = file.display();
    let (zh, en) = match kind {
        K::Ofd => (
            format!("{f} 是 OFD 签章文档：请用 `eseal verify {f}`（不带 --data）验证"),
            format!("{f} is an OFD document: verify it with `eseal verify {f}` (without --data)"),
        ),
        K::Signature => (
            format!(
                "{f} 是分离式电子签章（SES_Signature）：请用 --data 给出被签署的文件，例如 `eseal verify {f} --data 合同.pdf`"
            ),
            format!(
                "{f} is a detached signature (SES_Signature): give the signed file with --data, e.g. `eseal verify {f} --data contract.pdf`"
            ),
        ),
        K::Seal => (
            format!("{f} 是印章数据，不是签章文档：请用 `eseal seal verify {f}` 检查印章"),
            format!(
                "{f} is seal data, not a signed document: check the seal with `eseal seal verify {f}`"
            ),
        ),
        K::Pdf => (
            format!("{f} 是 PDF 文档：请用 `eseal verify {f}`（不带 --data）验证"),
            format!("{f} is a PDF document: verify it with `eseal verify {f}` (without --data)"),
        ),
        K::Cms => (
            format!(
                "{f} 是 CMS/PKCS#7 签名数据，不是电子签章（GB/T 38540）：eseal 验证 OFD 文档与 SES_Signature"
            ),
            format!(
                "{f} is CMS/PKCS#7 signed data, not an electronic seal signature (GB/T 38540): eseal verifies OFD documents and SES_Signatures"
            ),
        ),
        K::Certificate => (
            format!("{f} 是证书：请用 `eseal cert verify {f} --trust 目录` 检查"),
            format!("{f} is a certificate: check it with `eseal cert verify {f} --trust DIR`"),
        ),
        K::Zip => (
            format!("{f} 是 ZIP 压缩包，但没有 OFD.xml，不是 OFD 文档"),
            format!("{f} is a ZIP archive without OFD.xml: not an OFD document"),
        ),
        K::Empty => (format!("{f} 是空文件"), format!("{f} is empty")),
        K::Unknown => (
            format!("{f} 不是 eseal 能处理的文件（OFD 文档、分离式签章、印章数据）"),
            format!(
                "{f} is none of the files eseal reads (an OFD document, a detached signature, seal data)"
            ),
        ),
    };
    Some(lang.t(&zh, &en).to_owned())
}

/// Every signature of the OFD `file`, or why the package cannot be read.
/// Verifies the OFD at `file`. `verifier` learns the keys it meets (a batch passes one for
/// all its files, so a signer's key verified 16 times gets its table whichever files the
/// signatures are in).
pub fn check_ofd(
    file: &Path,
    policy: &eseal_ses::VerifyPolicy,
    verifier: &KeyTableVerifier,
) -> Result<eseal_doc::OfdReport, eseal_doc::DocError> {
    let f = std::fs::File::open(file).map_err(|e| {
        let name = file.display();
        eseal_doc::DocError::io(&format!("打开 {name} "), &format!("opening {name}"), &e)
    })?;
    eseal_doc::Package::open(std::io::BufReader::new(f))
        .and_then(|mut pkg| eseal_doc::verify_ofd(&mut pkg, policy, verifier))
}

/// Verify every signature of an OFD: exit 0 all PASSED, 1 any FAILED, 2 otherwise.
pub fn verify_ofd_file(
    file: &Path,
    trust: Option<&Path>,
    at: Option<time::OffsetDateTime>,
    json: bool,
    html: Option<&Path>,
    lang: Lang,
) -> Result<u8> {
    let mut policy = crate::trust::policy(trust)?;
    policy.now = at;
    // A package that cannot be read or whose structure is broken is FAILED / FORMAT_FAILURE.
    let result = check_ofd(file, &policy, &KeyTableVerifier::default());
    let report = match result {
        Ok(r) => r,
        Err(e) => return unreadable(file, &e, json, lang),
    };
    if json {
        let v = serde_json::json!({ "file": file.display().to_string(), "indication": report.indication(), "signatures": report.signatures });
        outln!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        outln!("{}: {}", lang.t("文件", "file"), file.display());
        if report.signatures.is_empty() {
            outln!(
                "  {}",
                lang.t("文档没有签章", "the document carries no signature")
            );
        }
        // What comes from the document is printed escaped: a hostile file cannot start a new
        // line, recolour the terminal or reorder what is shown (issue 14 item 5).
        // Signatures by their place in the document (their IDs share a counter with the
        // stamp annotations, so they run 1, 3, 5 …); the ID beside.
        for (n, s) in report.signatures.iter().enumerate() {
            let head = format!(
                "{} {} (ID {}, {}, {}){}",
                lang.t("签章", "signature"),
                n + 1,
                printable(&s.id),
                i18n::signature_kind_label(lang, &s.kind),
                printable(&s.signature_xml),
                s.seal_name
                    .as_ref()
                    .map(|n| format!(" {}", printable(n)))
                    .unwrap_or_default(),
            );
            print_signature(lang, &head, s.indication, &s.report, s.advice.as_ref());
        }
        print_result(lang, report.indication());
    }
    if let Some(out) = html {
        let sections: Vec<crate::html::Section<'_>> = report
            .signatures
            .iter()
            .enumerate()
            .map(|(n, s)| crate::html::Section {
                title: format!(
                    "{} {} (ID {}, {}) {}",
                    lang.t("签章", "Signature"),
                    n + 1,
                    s.id,
                    s.signature_xml,
                    s.seal_name.clone().unwrap_or_default()
                ),
                indication: s.indication,
                checks: &s.report.checks,
                advice: s.advice.clone(),
                picture: s
                    .seal_picture
                    .as_ref()
                    .map(|(m, b)| (m.as_str(), b.as_slice())),
            })
            .collect();
        // The stamped pages as they look, each stamp framed in its verdict's colour (at
        // most 10 pages; a page that cannot be drawn does not stop the report).
        let pages = match crate::render::stamped_pages(file, &report, 10, 110.0, lang) {
            Ok(list) => crate::html::Pages::Drawn(list),
            Err(e) => crate::html::Pages::Failed(printable(&format!("{e:#}")).into_owned()),
        };
        write_report(out, file, report.indication(), &sections, &pages, lang)?;
    }
    Ok(crate::output::indication_code(report.indication()))
}

/// Writes the HTML report of `file` (a new file at `out`).
pub fn write_report(
    out: &Path,
    file: &Path,
    indication: eseal_ses::Indication,
    sections: &[crate::html::Section<'_>],
    pages: &crate::html::Pages,
    lang: Lang,
) -> Result<()> {
    crate::files::write_new(
        out,
        crate::html::page(
            &file.display().to_string(),
            indication,
            sections,
            pages,
            lang,
        )
        .as_bytes(),
    )
}

/// A document that cannot be verified: cut short (not a verdict on a signature: the file is
/// not all there) is an error (exit 3); a broken structure is FAILED / FORMAT_FAILURE
/// (exit 1), printed or as JSON.
pub fn unreadable(file: &Path, e: &eseal_doc::DocError, json: bool, lang: Lang) -> Result<u8> {
    if matches!(
        e,
        eseal_doc::DocError::Incomplete(_) | eseal_doc::DocError::PdfIncomplete(_)
    ) {
        anyhow::bail!(
            "{}",
            lang.t(
                &format!(
                    "{} 不完整或已损坏，无法验证（{}）：请重新获取完整的文件",
                    file.display(),
                    printable(&e.zh())
                ),
                &format!(
                    "{} is incomplete or damaged and cannot be verified ({}): get the whole file again",
                    file.display(),
                    printable(&e.to_string())
                ),
            )
        );
    }
    if json {
        outln!(
            "{}",
            serde_json::json!({ "file": file.display().to_string(), "indication": "FAILED", "sub_indication": "FORMAT_FAILURE", "error": e.to_string(), "error_zh": e.zh() })
        );
    } else {
        outln!(
            "{}: {}\n  {}: {}",
            lang.t("文件", "file"),
            file.display(),
            i18n::outcome_label(lang, eseal_ses::Outcome::Failed),
            printable(lang.t(&e.zh(), &e.to_string()))
        );
    }
    Ok(1)
}

/// One signature's verdict and its checks, as `eseal verify` prints them (what comes from
/// the document escaped).
pub fn print_signature(
    lang: Lang,
    head: &str,
    indication: eseal_ses::Indication,
    report: &eseal_ses::Report,
    advice: Option<&eseal_ses::Advice>,
) {
    outln!("{head}: {}", i18n::indication_label(lang, indication));
    for c in &report.checks {
        outln!(
            "  {:<10} {}: {}",
            i18n::outcome_label(lang, c.outcome),
            i18n::check_label(lang, c.id),
            printable(c.detail_in(lang == Lang::Zh))
        );
    }
    if let Some(a) = advice {
        outln!("  {}", crate::output::advice_line(lang, a));
    }
}

/// The document's verdict line.
pub fn print_result(lang: Lang, indication: eseal_ses::Indication) {
    outln!(
        "{}: {}",
        lang.t("结论", "result"),
        i18n::indication_label(lang, indication)
    );
}

/// `eseal sign ofd`: the output is written to a temporary name and renamed.
#[allow(clippy::too_many_arguments)] // the command line's options, passed through
pub fn sign_ofd_file(
    seal: Option<&Path>,
    sign_only: bool,
    cert: &Path,
    key: &Path,
    input: &Path,
    out: &Path,
    placement: eseal_doc::Placement,
    clock: &dyn eseal_gm::provider::Clock,
) -> Result<()> {
    crate::files::ensure_new(Some(out))?;
    let seal = match (seal, sign_only) {
        (Some(p), false) => {
            let bytes = crate::files::read(p)?;
            Some(
                eseal_ses::AnySeal::decode(&bytes)
                    .map_err(|e| crate::said::about(p, e.zh(), &e))?
                    .0,
            )
        }
        (None, false) => {
            return Err(said(
                "--type seal 需要 --seal（要盖的印章）",
                "--type seal needs --seal",
            ));
        }
        (_, true) => None,
    };
    let cert = crate::files::read_certificate(cert)?;
    let key = crate::files::read_private_key(key)?;
    let signer = eseal_gm::provider::SoftwareSigner::new(key);
    let input_file =
        std::fs::File::open(input).map_err(|e| crate::said::io(crate::files::OPEN, input, &e))?;
    // Streamed: the output goes to a temporary file beside the target, renamed when complete.
    crate::files::write_new_with(out, |file| {
        eseal_doc::sign_ofd(
            std::io::BufReader::new(input_file),
            std::io::BufWriter::new(file),
            &eseal_doc::OfdSignRequest {
                kind: if sign_only {
                    eseal_doc::SignatureKind::Sign
                } else {
                    eseal_doc::SignatureKind::Seal
                },
                seal: seal.as_ref(),
                signer_cert: &cert,
                signing_time: clock.now(),
                placement,
                timestamper: None,
            },
            &signer,
        )
        .map(|_signed_value| ())
        .said_context(|| {
            (
                format!("签署 {} 失败", input.display()),
                format!("signing {}", input.display()),
            )
        })
    })
}
