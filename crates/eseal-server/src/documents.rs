//! Documents signed with a visible stamp (R-USE-1, R-USE-5): an OFD (GB/T 33190) or a PDF
//! (issue 20, the SES form), each signed off the async threads with the seal's key, the
//! platform TSA stamping the SES_Signature's value. What the signing engine
//! ([`crate::signing`]) calls for a document rather than a detached signature.

use crate::failure::Failure;
use crate::state::AppState;
use eseal_gm::Sm2PrivateKey;
use eseal_gm::provider::SoftwareSigner;
use time::OffsetDateTime;

/// A document to sign with a visible stamp, instead of a detached signature.
#[derive(Debug, Clone)]
pub enum Visible {
    /// An OFD and where its stamp goes.
    Ofd(Vec<u8>, eseal_doc::Placement),
    /// A PDF and how to sign it.
    Pdf(Vec<u8>, PdfOptions),
}

/// How a PDF is signed.
#[derive(Debug, Clone, Default)]
pub struct PdfOptions {
    /// Where the stamp goes (`None`: an invisible signature).
    pub placement: Option<eseal_doc::PdfStampAt>,
    /// Whether the signature certifies the document (DocMDP level 1–3).
    pub certify: Option<u8>,
    /// The signature's form: the SES_Signature (default) or CMS.
    pub form: eseal_doc::PdfForm,
    /// The PDF's SM3 state from the pass that gave the ledger its document SM3: signing
    /// goes on from it instead of reading the file again (`None`: signing reads it).
    pub hashed: Option<eseal_doc::HashedPdf>,
}

impl Visible {
    /// The document's bytes.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Visible::Ofd(b, _) | Visible::Pdf(b, _) => b,
        }
    }
}

/// A document signed: the signature (the SES_Signature, or CMS for a PDF in that form),
/// the signed document and its SM3 (the ledger's record of what was handed out).
#[derive(Debug)]
pub struct SignedDocument {
    pub signature: Vec<u8>,
    pub document: Vec<u8>,
    pub sm3: eseal_gm::Sm3Digest,
}

/// Signs `document` with the seal and key, in the signing lane (the signed document's SM3
/// too: a PDF's from the state after its input, an OFD's over the new package).
/// `usage` (the ledger entry's ID) names a PDF's signature field.
pub async fn sign(
    s: AppState,
    decoded: std::sync::Arc<(eseal_ses::AnySeal, Vec<u8>)>,
    key: Sm2PrivateKey,
    document: Visible,
    usage: &str,
    now: OffsetDateTime,
) -> Result<SignedDocument, Failure> {
    let field = format!("eseal-{usage}");
    crate::work::run(crate::work::Lane::Sign, move || {
        let (seal, cert) = &*decoded;
        let tsa = |value: &[u8]| {
            s.pki()
                .timestamp(value, now, s.random())
                .map_err(|e| e.detail.en)
        };
        let signer = SoftwareSigner::new(key);
        let refused = |what: (&str, &str), e: eseal_doc::DocError| {
            Failure::unprocessable(
                "invalid_document",
                format!("{}签章失败：{}", what.0, e.zh()),
                format!("signing the {}: {e}", what.1),
            )
        };
        match document {
            Visible::Ofd(ofd, placement) => {
                // The signed package is the input plus a few entries (the seal, the
                // signature): room for both from the start, no regrowing copies.
                let mut out = std::io::Cursor::new(Vec::with_capacity(ofd.len() + (64 << 10)));
                eseal_doc::sign_ofd(
                    std::io::Cursor::new(ofd),
                    &mut out,
                    &eseal_doc::OfdSignRequest {
                        kind: eseal_doc::SignatureKind::Seal,
                        seal: Some(seal),
                        signer_cert: cert,
                        signing_time: now,
                        placement,
                        timestamper: Some(&tsa),
                    },
                    &signer,
                )
                .map_err(|e| refused(("OFD ", "OFD"), e))
                .map(|signature| {
                    let document = out.into_inner();
                    SignedDocument {
                        signature,
                        sm3: eseal_gm::Sm3Digest::of(&document),
                        document,
                    }
                })
            }
            Visible::Pdf(pdf, options) => {
                let request = eseal_doc::PdfSignRequest {
                    seal,
                    signer_cert: cert,
                    signing_time: now,
                    placement: options.placement,
                    field_name: field,
                    timestamper: Some(&tsa),
                    picture: eseal_render::pdf::stamp_picture(seal, crate::fonts::book()),
                    certify: options.certify,
                    form: options.form,
                };
                let signed = match &options.hashed {
                    Some(h) => eseal_doc::sign_pdf_hashed(pdf.as_slice(), h, &request, &signer),
                    None => eseal_doc::sign_pdf(pdf.as_slice(), &request, &signer),
                }
                .map_err(|e| refused(("PDF ", "PDF"), e))?;
                let mut document = pdf;
                document.extend_from_slice(&signed.update);
                Ok(SignedDocument {
                    signature: signed.signature,
                    document,
                    sm3: signed.signed_sm3,
                })
            }
        }
    })
    .await?
}

/// Where a PDF's stamp goes, from a placement chosen for any document: a page position, a
/// keyword or a riding seal. The one rule for the API and the console.
pub fn pdf_placement(p: &eseal_doc::Placement) -> Result<eseal_doc::PdfStampAt, Failure> {
    match p {
        eseal_doc::Placement::Page { page, x, y } => {
            Ok(eseal_doc::PdfStampAt::Position(eseal_doc::PdfPlacement {
                page: *page,
                x: *x,
                y: *y,
            }))
        }
        eseal_doc::Placement::Keyword(k) => Ok(eseal_doc::PdfStampAt::Keyword(k.clone())),
        eseal_doc::Placement::Riding { y } => Ok(eseal_doc::PdfStampAt::Riding { y: *y }),
    }
}

/// A document to sign with `placement`, by what its bytes are: an OFD or a PDF (signed as
/// `pdf` says, its placement from `placement`); anything else is refused.
pub fn visible(
    bytes: Vec<u8>,
    placement: &eseal_doc::Placement,
    pdf: PdfOptions,
) -> Result<Visible, Failure> {
    match eseal_doc::FileKind::sniff(&bytes) {
        eseal_doc::FileKind::Ofd => Ok(Visible::Ofd(bytes, placement.clone())),
        eseal_doc::FileKind::Pdf => {
            let at = pdf_placement(placement)?;
            Ok(Visible::Pdf(
                bytes,
                PdfOptions {
                    placement: Some(at),
                    ..pdf
                },
            ))
        }
        _ => Err(Failure::invalid(
            "document",
            "既不是 OFD 文件，也不是 PDF 文件",
            "neither an OFD nor a PDF",
        )),
    }
}

/// A PDF's pages, each (width, height) in mm, for placing a stamp without a drawing.
pub fn pdf_pages(bytes: &[u8]) -> Result<Vec<(f32, f32)>, Failure> {
    let bad = |e: eseal_pdf::PdfError| {
        Failure::invalid(
            "document",
            format!("PDF 文件无法读取：{}", e.zh()),
            format!("the PDF cannot be read: {e}"),
        )
    };
    let pdf = eseal_pdf::Pdf::open(bytes).map_err(bad)?;
    let mm = |pt: f64| (pt * 25.4 / 72.0) as f32;
    Ok(eseal_pdf::update::pages(&pdf)
        .map_err(bad)?
        .iter()
        .map(|p| {
            let [x0, y0, x1, y1] = p.media_box;
            (mm(x1 - x0), mm(y1 - y0))
        })
        .collect())
}
