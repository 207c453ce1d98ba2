//! `eseal sign pdf` and `eseal verify FILE.pdf` (issue 20): the PDF is read through
//! positioned reads of the file (never loaded whole), the signed file is the input's bytes
//! followed by the signature's incremental update, written to a temporary name and renamed.

use crate::i18n::Lang;
use anyhow::Result;
use clap::Args;
use eseal_core::text::printable;
use eseal_gm::keytables::KeyTableVerifier;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// A file read at positions.
struct FileSource {
    file: std::fs::File,
    len: u64,
}

impl FileSource {
    fn open(path: &Path) -> Result<Self> {
        let file =
            std::fs::File::open(path).map_err(|e| crate::said::io(crate::files::OPEN, path, &e))?;
        let len = file
            .metadata()
            .map_err(|e| crate::said::io(crate::files::READ, path, &e))?
            .len();
        Ok(Self { file, len })
    }
}

impl eseal_pdf::Source for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, eseal_pdf::PdfError> {
        if offset >= self.len {
            return Ok(0);
        }
        self.file
            .read_at(buf, offset)
            .map_err(|e| eseal_pdf::PdfError::Io(e.to_string()))
    }
}

/// `eseal sign pdf`.
#[derive(Args, Debug)]
pub struct SignPdf {
    /// The seal (GB/T 38540 or GM/T 0031 seal data).
    #[arg(long)]
    seal: PathBuf,
    /// The signer's certificate (listed in the seal).
    #[arg(long)]
    cert: PathBuf,
    /// The signer's private key (PKCS#8 PEM).
    #[arg(long)]
    key: PathBuf,
    /// The PDF to sign.
    #[arg(long = "in")]
    input: PathBuf,
    /// The signed PDF (a new file).
    #[arg(long)]
    out: PathBuf,
    /// Page (1-based) for the stamp.
    #[arg(long, default_value_t = 1)]
    page: usize,
    /// Stamp position: mm from the page's left edge.
    #[arg(long, default_value_t = 10.0)]
    x: f32,
    /// Stamp position: mm from the page's top edge.
    #[arg(long, default_value_t = 10.0)]
    y: f32,
    /// No visible stamp.
    #[arg(long, conflicts_with_all = ["page", "x", "y"])]
    invisible: bool,
    /// Stamp centred on this text, where it is first drawn (pages in order).
    #[arg(long, conflicts_with_all = ["page", "x", "y", "invisible"])]
    keyword: Option<String>,
    /// A riding seal (骑缝章) across the right edges of all pages (at --y from the top).
    #[arg(long, conflicts_with_all = ["page", "x", "invisible", "keyword"])]
    riding: bool,
    /// The signature field's name (default: eseal- and the signing time).
    #[arg(long)]
    field: Option<String>,
    /// Certify the document (DocMDP): 1 no later change, 2 form fill and signatures, 3 also
    /// annotations (only a document's first signature certifies).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
    certify: Option<u8>,
    /// The signature's form: ses, the GB/T 38540 SES_Signature with the seal inside; cms, a
    /// detached CMS SignedData with SM2/SM3 (adbe.pkcs7.detached).
    #[arg(long, value_enum, default_value_t = Form::Ses)]
    form: Form,
}

/// `--form`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// The SES_Signature.
    Ses,
    /// CMS SignedData.
    Cms,
}

/// Signs the PDF in the form asked for (an SES_Signature or a CMS SignedData).
pub fn sign(args: SignPdf, clock: &dyn eseal_gm::provider::Clock, lang: Lang) -> Result<()> {
    crate::files::ensure_new(Some(&args.out))?;
    let bytes = crate::files::read(&args.seal)?;
    let seal = eseal_ses::AnySeal::decode(&bytes)
        .map_err(|e| crate::said::about(&args.seal, e.zh(), &e))?
        .0;
    let cert = crate::files::read_certificate(&args.cert)?;
    let signer =
        eseal_gm::provider::SoftwareSigner::new(crate::files::read_private_key(&args.key)?);
    let input = FileSource::open(&args.input)?;
    let now = clock.now();
    // A picture the PDF writer does not take as it is (SVG, GIF, BMP) is drawn with the
    // fonts eseal render uses.
    let drawn = if args.invisible {
        None
    } else {
        eseal_render::pdf::stamp_picture(&seal, &crate::render::font_book(&[])?)
    };
    let request = eseal_doc::PdfSignRequest {
        seal: &seal,
        signer_cert: &cert,
        signing_time: now,
        placement: match (&args.keyword, args.invisible) {
            (_, true) => None,
            _ if args.riding => Some(eseal_doc::PdfStampAt::Riding { y: args.y }),
            (Some(k), false) => Some(eseal_doc::PdfStampAt::Keyword(k.clone())),
            (None, false) => Some(eseal_doc::PdfStampAt::Position(eseal_doc::PdfPlacement {
                page: args.page,
                x: args.x,
                y: args.y,
            })),
        },
        field_name: args
            .field
            .clone()
            .unwrap_or_else(|| format!("eseal-{}", now.unix_timestamp())),
        timestamper: None,
        picture: drawn,
        certify: args.certify,
        form: match args.form {
            Form::Ses => eseal_doc::PdfForm::Ses,
            Form::Cms => eseal_doc::PdfForm::Cms,
        },
    };
    // One pass: the input is copied into the output while it is hashed, then the update.
    crate::files::write_new_with(&args.out, |out| {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
        eseal_doc::sign_pdf_to(&input, &request, &signer, &mut out).map_err(|e| {
            anyhow::anyhow!(
                "{}",
                lang.t(
                    &format!("签署 {} 失败：{}", args.input.display(), e.zh()),
                    &format!("signing {}: {e}", args.input.display())
                )
            )
        })?;
        out.flush()?;
        Ok(())
    })?;
    errln!(
        "{} {}",
        lang.t("已写出签章文档", "wrote the signed document"),
        args.out.display()
    );
    Ok(())
}

/// Verifies every signature of a PDF: exit 0 all PASSED, 1 any FAILED (or no signature, or
/// a file that cannot be read), 2 otherwise.
pub fn verify(
    file: &Path,
    trust: Option<&Path>,
    at: Option<time::OffsetDateTime>,
    json: bool,
    html: Option<&Path>,
    lang: Lang,
) -> Result<u8> {
    let mut policy = crate::trust::policy(trust)?;
    policy.now = at;
    let source = FileSource::open(file)?;
    let report = match eseal_doc::verify_pdf(&source, &policy, &KeyTableVerifier::default()) {
        Ok(r) => r,
        Err(e) => return crate::doc::unreadable(file, &e, json, lang),
    };
    let title = |n: usize, s: &eseal_doc::pdf::PdfSignatureResult| {
        format!(
            "{} {} ({} {}, {}){}",
            lang.t("签章", "signature"),
            n + 1,
            lang.t("签名域", "field"),
            printable(&s.field),
            printable(&s.sub_filter),
            // The seal's name (SES form), else the signer's (a CMS signature).
            s.seal_name
                .as_ref()
                .or(s.signer.as_ref())
                .map(|n| format!(" {}", printable(n)))
                .unwrap_or_default(),
        )
    };
    if json {
        let v = serde_json::json!({ "file": file.display().to_string(), "indication": report.indication(), "revisions": report.revisions, "signatures": report.signatures });
        outln!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        outln!("{}: {}", lang.t("文件", "file"), file.display());
        if report.signatures.is_empty() {
            outln!(
                "  {}",
                lang.t("文档没有签章", "the document carries no signature")
            );
        }
        for (n, s) in report.signatures.iter().enumerate() {
            crate::doc::print_signature(
                lang,
                &title(n, s),
                s.indication,
                &s.report,
                s.advice.as_ref(),
            );
        }
        crate::doc::print_result(lang, report.indication());
    }
    if let Some(out) = html {
        let sections: Vec<crate::html::Section<'_>> = report
            .signatures
            .iter()
            .enumerate()
            .map(|(n, s)| crate::html::Section {
                title: title(n, s),
                indication: s.indication,
                checks: &s.report.checks,
                advice: s.advice.clone(),
                picture: s
                    .seal_picture
                    .as_ref()
                    .map(|(m, b)| (m.as_str(), b.as_slice())),
            })
            .collect();
        let pages = crate::html::Pages::Failed(
            lang.t(
                "PDF 页面暂不在报告中绘制",
                "PDF pages are not drawn in the report yet",
            )
            .to_owned(),
        );
        crate::doc::write_report(out, file, report.indication(), &sections, &pages, lang)?;
    }
    Ok(crate::output::indication_code(report.indication()))
}
