//! `eseal verify FILE.ofd`.

use crate::i18n::{self, Lang};
use anyhow::{Context, Result};
use eseal_core::text::printable;
use eseal_gm::provider::SoftwareVerifier;
use eseal_ses::Indication;
use std::path::Path;

/// Verify every signature of an OFD: exit 0 all PASSED, 1 any FAILED, 2 otherwise.
pub fn verify_ofd_file(
    file: &Path,
    trust: Option<&Path>,
    json: bool,
    html: Option<&Path>,
    lang: Lang,
) -> Result<u8> {
    let f = std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let policy = crate::trust::policy(trust)?;
    // A package that cannot be read or whose structure is broken is FAILED / FORMAT_FAILURE.
    let result = eseal_doc::Package::open(std::io::BufReader::new(f))
        .and_then(|mut pkg| eseal_doc::verify_ofd(&mut pkg, &policy, &SoftwareVerifier));
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "file": file.display().to_string(), "indication": "FAILED", "sub_indication": "FORMAT_FAILURE", "error": e.to_string() })
                );
            } else {
                println!(
                    "{}: {}\n  {}: {}",
                    lang.t("文件", "file"),
                    file.display(),
                    i18n::outcome_label(lang, eseal_ses::Outcome::Failed),
                    printable(&e.to_string())
                );
            }
            return Ok(1);
        }
    };
    if json {
        let v = serde_json::json!({ "file": file.display().to_string(), "indication": report.indication(), "signatures": report.signatures });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!("{}: {}", lang.t("文件", "file"), file.display());
        if report.signatures.is_empty() {
            println!(
                "  {}",
                lang.t("文档没有签章", "the document carries no signature")
            );
        }
        // What comes from the document is printed escaped: a hostile file cannot start a new
        // line, recolour the terminal or reorder what is shown (issue 14 item 5).
        for s in &report.signatures {
            println!(
                "{} {} ({}, {}){}: {}",
                lang.t("签章", "signature"),
                printable(&s.id),
                printable(&s.kind),
                printable(&s.signature_xml),
                s.seal_name
                    .as_ref()
                    .map(|n| format!(" {}", printable(n)))
                    .unwrap_or_default(),
                i18n::indication_label(lang, s.indication)
            );
            for c in &s.report.checks {
                println!(
                    "  {:<10} {}: {}",
                    i18n::outcome_label(lang, c.outcome),
                    i18n::check_label(lang, c.id),
                    printable(&c.detail)
                );
            }
        }
        println!(
            "{}: {}",
            lang.t("结论", "result"),
            i18n::indication_label(lang, report.indication())
        );
    }
    if let Some(out) = html {
        let sections: Vec<crate::html::Section<'_>> = report
            .signatures
            .iter()
            .map(|s| crate::html::Section {
                title: format!(
                    "{} {} ({}) {}",
                    lang.t("签章", "Signature"),
                    s.id,
                    s.signature_xml,
                    s.seal_name.clone().unwrap_or_default()
                ),
                indication: s.indication,
                checks: &s.report.checks,
                picture: s
                    .seal_picture
                    .as_ref()
                    .map(|(m, b)| (m.as_str(), b.as_slice())),
            })
            .collect();
        crate::files::write_new(
            out,
            crate::html::page(
                &file.display().to_string(),
                report.indication(),
                &sections,
                lang,
            )
            .as_bytes(),
        )?;
    }
    Ok(match report.indication() {
        Indication::Passed => 0,
        Indication::Failed => 1,
        Indication::Indeterminate => 2,
    })
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
    let seal = match (seal, sign_only) {
        (Some(p), false) => {
            let bytes = crate::files::read(p)?;
            Some(
                eseal_ses::AnySeal::decode(&bytes)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?
                    .0,
            )
        }
        (None, false) => anyhow::bail!("--type seal needs --seal"),
        (_, true) => None,
    };
    let cert = crate::files::read_certificate(cert)?;
    let key = crate::files::read_private_key(key)?;
    let signer = eseal_gm::provider::SoftwareSigner::new(key);
    let input_file =
        std::fs::File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
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
        .with_context(|| format!("signing {}", input.display()))
    })
}
