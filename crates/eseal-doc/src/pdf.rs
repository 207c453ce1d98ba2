//! PDF signatures (issue 20): signing with a GB/T 38540 SES_Signature in `/Contents` (the
//! SES form of formats.md §10: `/Filter /Gomain.GMPkiLite /SubFilter /GM.sm2seal`, its
//! `dataHash` the SM3 of the bytes `/ByteRange` covers) by incremental update, the seal's
//! picture drawn at its true size; and verifying every signature field of a PDF: the byte
//! range (the whole file but the `/Contents` value, whose gap holds only that value), which
//! revision the signature covers, and the SES_Signature with the same checks as an OFD's.
//! A CMS `/Contents` (formats.md §10 form 2) with SM2/SM3 is checked as a GB/T 35275
//! SignedData; one with other algorithms (RSA or ECDSA PAdES) is INDETERMINATE for now.
//!
//! The file is read through positioned reads ([`eseal_pdf::Source`]) and hashed in chunks:
//! a large PDF is never held in memory.

use crate::Budget;
use crate::error::{DocError, SignStep, Text};
use crate::sign::Timestamper;
use eseal_gm::provider::{Sm2Signer, Sm2Verifier};
use eseal_gm::{Sm3Digest, Sm3Hasher};
use eseal_pdf::{Object, Pdf, PdfError, Picture, SignatureSpec, Source, Stamp};
use eseal_ses::{
    AnySeal, AnySignature, CheckId, Indication, Report, SignRequest, SignedData, SubIndication,
    VerifyPolicy, prepare_signature, verify_signature,
};
use serde::Serialize;
use time::OffsetDateTime;

/// The `/Filter` of an SES signature (formats.md §10, form 1).
pub const SES_FILTER: &str = "Gomain.GMPkiLite";
/// The `/SubFilter` of an SES_Signature (formats.md §10).
pub const SES_SUBFILTER: &str = "GM.sm2seal";
/// The `/Filter` of a CMS signature (form a): the one every PDF reader knows.
pub const CMS_FILTER: &str = "Adobe.PPKLite";
/// The `/SubFilter` of a CMS signature (form a): detached PKCS#7 (the signingTime signed
/// attribute that the issue asks for is not allowed under `/ETSI.CAdES.detached`).
pub const CMS_SUBFILTER: &str = "adbe.pkcs7.detached";

/// Which of the two forms Chinese vendors use a signature is made in (formats.md §10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PdfForm {
    /// (b) The GB/T 38540 SES_Signature in `/Contents`, the seal inside (the default).
    #[default]
    Ses,
    /// (a) A detached CMS SignedData with SM2/SM3 in `/Contents` (PAdES style), the seal's
    /// picture as the stamp.
    Cms,
}
/// Most signature fields verified in one PDF.
pub const MAX_SIGNATURES: usize = 1000;

pub(crate) fn pdf_error(e: PdfError) -> DocError {
    let text = Text::new(e.zh(), e.to_string());
    match e {
        PdfError::TooLarge(_) => DocError::Limit(text),
        PdfError::Truncated { .. } => DocError::PdfIncomplete(text),
        _ => DocError::Pdf(text),
    }
}

use crate::pdf_picture::picture;
pub use crate::pdf_place::{MAX_RIDING_PAGES, PdfPlacement, PdfStampAt};
use crate::pdf_place::{keyword_placement, riding_placement};

/// What to sign a PDF with.
pub struct PdfSignRequest<'a> {
    /// The seal.
    pub seal: &'a AnySeal,
    /// The signer certificate (DER), listed in the seal.
    pub signer_cert: &'a [u8],
    /// The signing time.
    pub signing_time: OffsetDateTime,
    /// The visible stamp; `None`: an invisible signature.
    pub placement: Option<PdfStampAt>,
    /// The signature field's name, unique in the document.
    pub field_name: String,
    /// A timestamp authority for the SES_Signature's `timeStamp` (v4), or none.
    pub timestamper: Option<&'a Timestamper<'a>>,
    /// The stamp's picture when the caller drew it (a seal picture in SVG, GIF or BMP, which
    /// this crate does not decode); `None`: the seal's own PNG or JPEG.
    pub picture: Option<Picture>,
    /// Certify the document (DocMDP) with this permission level: 1 no change, 2 form fill
    /// and signatures, 3 also annotations; only a document's first signature certifies.
    pub certify: Option<u8>,
    /// The signature's form.
    pub form: PdfForm,
}

impl std::fmt::Debug for PdfSignRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PdfSignRequest")
            .field("signing_time", &self.signing_time)
            .field("placement", &self.placement)
            .field("field_name", &self.field_name)
            .field("form", &self.form)
            .finish_non_exhaustive()
    }
}

/// A PDF date (`D:YYYYMMDDHHmmSS+08'00'`) in China Standard Time.
fn pdf_date(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::macros::offset!(+8));
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}+08'00'",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// What hashing may still read, and the flag that stops it.
struct Meter<'b> {
    budget: &'b Budget,
    read: u64,
}

impl Meter<'_> {
    fn spend(&mut self, n: u64) -> Result<(), DocError> {
        if self
            .budget
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
        {
            return Err(DocError::Cancelled);
        }
        self.read = self.read.saturating_add(n);
        match self.budget.max_bytes {
            Some(max) if self.read > max => Err(DocError::Limit(Text::new(
                format!("核验须读取超过 {max} 字节"),
                format!("verifying would read more than {max} bytes"),
            ))),
            _ => Ok(()),
        }
    }
}

/// `h` (a digest's update) over the source's bytes `[from, from + len)`, read in chunks, counted against `meter`.
fn hash_source<S: Source + ?Sized>(
    h: &mut dyn FnMut(&[u8]),
    src: &S,
    from: u64,
    len: u64,
    meter: &mut Meter<'_>,
) -> Result<(), DocError> {
    hash_copy(h, src, from, len, meter, None)
}

/// [`hash_source`], each chunk also written to `copy` when given (one pass over the input
/// for a signed file written out).
fn hash_copy<S: Source + ?Sized>(
    h: &mut dyn FnMut(&[u8]),
    src: &S,
    from: u64,
    len: u64,
    meter: &mut Meter<'_>,
    mut copy: Option<&mut dyn std::io::Write>,
) -> Result<(), DocError> {
    meter.spend(len)?;
    let mut buf = vec![0u8; 1 << 16];
    let mut at = from;
    let end = from.saturating_add(len);
    while at < end {
        if at.saturating_sub(from) % (16 << 20) < buf.len() as u64 {
            meter.spend(0)?;
        }
        let want = usize::try_from((end - at).min(buf.len() as u64)).unwrap_or(buf.len());
        let n = src
            .read_at(at, buf.get_mut(..want).unwrap_or_default())
            .map_err(pdf_error)?;
        if n == 0 {
            return Err(DocError::Pdf(Text::new(
                format!("PDF 在第 {at} 字节处提前结束"),
                format!("the PDF ends early at byte {at}"),
            )));
        }
        let chunk = buf.get(..n).unwrap_or_default();
        h(chunk);
        if let Some(out) = copy.as_mut() {
            out.write_all(chunk)
                .map_err(|e| DocError::io("写出签章后的 PDF", "writing the signed PDF", &e))?;
        }
        at += n as u64;
    }
    Ok(())
}

/// A signed PDF's new part.
#[derive(Debug, Clone)]
pub struct PdfSigned {
    /// The incremental update to append to the input (whose bytes stay the signed file's
    /// first bytes, unchanged).
    pub update: Vec<u8>,
    /// The SES_Signature written into `/Contents` (DER).
    pub signature: Vec<u8>,
    /// The SM3 of the signed file: the input followed by `update`.
    pub signed_sm3: Sm3Digest,
}

/// A PDF's bytes hashed once by the caller: the SM3 state after the whole file, and its
/// length.
///
/// The platform hashes a submitted file for its ledger (the document's SM3, which approvals
/// bind to). An incremental update keeps the input as the signed file's first bytes, so
/// signing goes on from that state twice: for the signature's digest (the `/ByteRange`
/// starts with the whole input) and for the signed file's SM3 (the input, then the update).
/// The file is hashed once instead of three times (issue 22).
#[derive(Clone, Debug)]
pub struct HashedPdf {
    state: Sm3Hasher,
    len: u64,
}

impl HashedPdf {
    /// Hashes `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        let mut state = Sm3Hasher::new();
        state.update(bytes);
        Self {
            state,
            len: bytes.len() as u64,
        }
    }

    /// The SM3 of the bytes.
    pub fn digest(&self) -> Sm3Digest {
        self.state.clone().finalize()
    }
}

/// Signs `input` with an SES_Signature: the update to append, and the signature.
pub fn sign_pdf<S: Source + ?Sized>(
    input: &S,
    request: &PdfSignRequest<'_>,
    signer: &dyn Sm2Signer,
) -> Result<PdfSigned, DocError> {
    sign(input, request, signer, Hashing::Read(None))
}

/// [`sign_pdf`] for an input already hashed: `hashed` must be [`HashedPdf::of`] the same
/// bytes (a different length is refused; the caller vouches for the rest).
pub fn sign_pdf_hashed<S: Source + ?Sized>(
    input: &S,
    hashed: &HashedPdf,
    request: &PdfSignRequest<'_>,
    signer: &dyn Sm2Signer,
) -> Result<PdfSigned, DocError> {
    sign(input, request, signer, Hashing::Known(hashed))
}

/// How signing gets the SM3 state after the input: by reading it (each chunk also written
/// to the copy, when there is one), or from the caller.
enum Hashing<'a> {
    Read(Option<&'a mut dyn std::io::Write>),
    Known(&'a HashedPdf),
}

/// [`sign_pdf`] writing the whole signed file to `out` — the input's bytes copied while
/// they are hashed (one pass), then the update; returns the signature.
pub fn sign_pdf_to<S: Source + ?Sized>(
    input: &S,
    request: &PdfSignRequest<'_>,
    signer: &dyn Sm2Signer,
    out: &mut dyn std::io::Write,
) -> Result<Vec<u8>, DocError> {
    let signed = sign(input, request, signer, Hashing::Read(Some(&mut *out)))?;
    out.write_all(&signed.update)
        .map_err(|e| DocError::io("写出签章后的 PDF", "writing the signed PDF", &e))?;
    Ok(signed.signature)
}

fn sign<S: Source + ?Sized>(
    input: &S,
    request: &PdfSignRequest<'_>,
    signer: &dyn Sm2Signer,
    hashing: Hashing<'_>,
) -> Result<PdfSigned, DocError> {
    let pdf = Pdf::open(input).map_err(pdf_error)?;
    let seal_view = request.seal.view().map_err(|e| DocError::Sign {
        step: SignStep::Seal,
        why: Text::new(e.zh(), e.to_string()),
    })?;
    let size = (
        seal_view.picture.width as f64,
        seal_view.picture.height as f64,
    );
    let placed = |p: &PdfPlacement, pic: Picture, slice: Option<(f64, f64)>| Stamp {
        page: p.page,
        x_mm: f64::from(p.x),
        y_mm: f64::from(p.y),
        width_mm: size.0,
        height_mm: size.1,
        picture: pic,
        slice,
    };
    let pic = || -> Result<Picture, DocError> {
        match &request.picture {
            Some(p) => Ok(p.clone()),
            None => picture(seal_view.picture),
        }
    };
    let (stamp, more) = match &request.placement {
        None => (None, Vec::new()),
        Some(PdfStampAt::Position(p)) => (Some(placed(p, pic()?, None)), Vec::new()),
        Some(PdfStampAt::Keyword(k)) => (
            Some(placed(&keyword_placement(&pdf, k, size)?, pic()?, None)),
            Vec::new(),
        ),
        Some(PdfStampAt::Riding { y }) => {
            let parts = riding_placement(&pdf, *y, size)?;
            let mut stamps = parts
                .iter()
                .enumerate()
                .map(|(i, (p, slice))| {
                    // The picture is embedded once, with the first part.
                    let picture = if i == 0 {
                        pic()
                    } else {
                        Ok(Picture::Rgba {
                            width: 1,
                            height: 1,
                            pixels: vec![0; 4],
                        })
                    };
                    picture.map(|pic| placed(p, pic, Some(*slice)))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let first = (!stamps.is_empty()).then(|| stamps.remove(0));
            (first, stamps)
        }
    };
    // Room for the signature: the seal (SES form), the certificate, the structure, and a
    // timestamp.
    let (filter, sub_filter, seal_len) = match request.form {
        PdfForm::Ses => (SES_FILTER, SES_SUBFILTER, request.seal.raw().len()),
        PdfForm::Cms => (CMS_FILTER, CMS_SUBFILTER, 0),
    };
    let room = seal_len
        + request.signer_cert.len()
        + 4096
        + if request.timestamper.is_some() {
            16384
        } else {
            0
        };
    let spec = SignatureSpec {
        field_name: request.field_name.clone(),
        filter: filter.into(),
        sub_filter: sub_filter.into(),
        contents_len: room,
        signing_time: pdf_date(request.signing_time),
        stamp,
        more,
        certify: request.certify,
    };
    let mut update = eseal_pdf::prepare(&pdf, &spec).map_err(|e| match e {
        PdfError::NoSuchPage { page, pages } => DocError::Sign {
            step: SignStep::Placement,
            why: Text::new(
                format!("第 {page} 页不存在：文档共 {pages} 页"),
                format!("page {page} does not exist: the document has {pages} pages"),
            ),
        },
        e => pdf_error(e),
    })?;
    let mut h = match hashing {
        Hashing::Known(known) if known.len == update.base_len => known.state.clone(),
        Hashing::Known(known) => {
            return Err(DocError::Sign {
                step: SignStep::Signature,
                why: Text::new(
                    format!(
                        "给出的摘要状态对应 {} 字节，而 PDF 有 {} 字节",
                        known.len, update.base_len
                    ),
                    format!(
                        "the hashed input given is {} bytes long, the PDF {}",
                        known.len, update.base_len
                    ),
                ),
            });
        }
        Hashing::Read(copy) => {
            let mut h = Sm3Hasher::new();
            let unbounded = Budget::default();
            let mut meter = Meter {
                budget: &unbounded,
                read: 0,
            };
            hash_copy(
                &mut |c| h.update(c),
                input,
                0,
                update.base_len,
                &mut meter,
                copy,
            )?;
            h
        }
    };
    // The signed file is the input and then the update: its SM3 goes on from here.
    let input_state = h.clone();
    let signed_sm3 = |update: &[u8]| {
        let mut o = input_state.clone();
        o.update(update);
        o.finalize()
    };
    let (before, after) = update.covered();
    h.update(before);
    h.update(after);
    let failed = |e: eseal_ses::SesError| DocError::Sign {
        step: SignStep::Signature,
        why: Text::new(e.zh(), e.to_string()),
    };
    let digest = h.finalize();
    // The seal's rules for its signer (the certificate listed in the seal …) hold for both
    // forms: the SES_Signature is prepared either way.
    let prepared = prepare_signature(
        request.seal,
        request.signer_cert,
        &SignRequest {
            data_hash: digest,
            signing_time: request.signing_time,
            property_info: request.field_name.clone(),
        },
    )
    .map_err(failed)?;
    if request.form == PdfForm::Cms {
        let cms = eseal_ses::cms_sign::make_detached(
            &eseal_ses::cms_sign::DetachedRequest {
                digest: &digest,
                signer_cert: request.signer_cert,
                chain: &[],
                signing_time: request.signing_time,
                timestamper: request.timestamper,
            },
            signer,
        )
        .map_err(failed)?;
        update.fill(&cms).map_err(pdf_error)?;
        return Ok(PdfSigned {
            signed_sm3: signed_sm3(&update.bytes),
            update: update.bytes,
            signature: cms,
        });
    }
    let mut signed = prepared.sign(signer).map_err(failed)?;
    if let Some(tsa) = request.timestamper {
        let token = tsa(signed.view().signature).map_err(|why| DocError::Sign {
            step: SignStep::Timestamp,
            why: Text::new(
                "时间戳服务未能签发时间戳",
                format!("the TSA gave no timestamp: {why}"),
            ),
        })?;
        signed = signed.with_timestamp(token).map_err(failed)?;
    }
    update.fill(signed.raw()).map_err(pdf_error)?;
    Ok(PdfSigned {
        signed_sm3: signed_sm3(&update.bytes),
        update: update.bytes,
        signature: signed.raw().to_vec(),
    })
}

/// What kind of signature a `/Contents` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PdfSignatureForm {
    /// A GB/T 38540 SES_Signature.
    Ses,
    /// A CMS SignedData (PAdES, or GM/T 0010 with SM2).
    Cms,
    /// Neither.
    Unknown,
}

/// The result for one signature field.
#[derive(Debug, Clone, Serialize)]
pub struct PdfSignatureResult {
    /// The field's name (`/T`).
    pub field: String,
    /// `/SubFilter`.
    pub sub_filter: String,
    /// What `/Contents` holds.
    pub form: PdfSignatureForm,
    /// `/ByteRange`.
    pub byte_range: Vec<i64>,
    /// The revision (1-based) the signature covers, when its range ends where one does.
    pub revision: Option<usize>,
    /// Whether it covers the whole file (no later changes).
    pub covers_whole_file: bool,
    /// The seal's name.
    pub seal_name: Option<String>,
    /// The signer (its certificate's subject) of a CMS signature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// The seal picture (MIME type, bytes), for display; not in the JSON report.
    #[serde(skip)]
    pub seal_picture: Option<(String, Vec<u8>)>,
    /// Indication.
    pub indication: Indication,
    /// Sub-indication.
    pub sub_indication: Option<SubIndication>,
    /// Every check.
    pub report: Report,
    /// For a FAILED or INDETERMINATE signature, what it means and what to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advice: Option<eseal_ses::Advice>,
    /// The signature's bytes (the SES_Signature or CMS, without padding), for callers that
    /// check more (the registry's online verification); not in the JSON report.
    #[serde(skip)]
    pub signed_value: Vec<u8>,
}

/// The result for a PDF.
#[derive(Debug, Clone, Serialize)]
pub struct PdfReport {
    /// How many revisions the file has (the original and its incremental updates).
    pub revisions: usize,
    /// One per signature field, in form order.
    pub signatures: Vec<PdfSignatureResult>,
}

impl PdfReport {
    /// PASSED only if there are signatures and all passed; FAILED if any failed.
    pub fn indication(&self) -> Indication {
        let any = |i: Indication| self.signatures.iter().any(|s| s.indication == i);
        if self.signatures.is_empty() || any(Indication::Failed) {
            Indication::Failed
        } else if any(Indication::Indeterminate) {
            Indication::Indeterminate
        } else {
            Indication::Passed
        }
    }
}

/// The first DER TLV of `b` (a `/Contents` is zero-padded), or `b` when it is not one.
fn first_tlv(b: &[u8]) -> &[u8] {
    let len = (|| {
        let first = *b.get(1)?;
        let (n, head) = if first < 0x80 {
            (usize::from(first), 2)
        } else {
            let k = usize::from(first & 0x7F);
            if k == 0 || k > 4 {
                return None;
            }
            let mut n = 0usize;
            for i in 0..k {
                n = n << 8 | usize::from(*b.get(2 + i)?);
            }
            (n, 2 + k)
        };
        head.checked_add(n).filter(|t| *t <= b.len())
    })();
    len.and_then(|n| b.get(..n)).unwrap_or(b)
}

/// Whether DER `b` is a CMS ContentInfo of signedData (PKCS#7 or GM/T 0010 OIDs).
fn is_cms(b: &[u8]) -> bool {
    const PKCS7: &[u8] = &[
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02,
    ];
    const GM: &[u8] = &[
        0x06, 0x0A, 0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x06, 0x01, 0x04, 0x02, 0x02,
    ];
    let head = b.get(..24).unwrap_or(b);
    head.windows(PKCS7.len()).any(|w| w == PKCS7) || head.windows(GM.len()).any(|w| w == GM)
}

/// Verifies every signature field of the PDF. The work is bounded: the reader's limits and at
/// most [`MAX_SIGNATURES`] fields.
pub fn verify_pdf<S: Source + ?Sized>(
    input: &S,
    policy: &VerifyPolicy,
    verifier: &dyn Sm2Verifier,
) -> Result<PdfReport, DocError> {
    verify_pdf_with(input, policy, verifier, &Budget::default())
}

/// [`verify_pdf`] within `budget`: the bytes hashed over every signature (each hashes its
/// whole range), and a flag that stops the work; past either, [`DocError::Limit`] or
/// [`DocError::Cancelled`] and no report.
pub fn verify_pdf_with<S: Source + ?Sized>(
    input: &S,
    policy: &VerifyPolicy,
    verifier: &dyn Sm2Verifier,
    budget: &Budget,
) -> Result<PdfReport, DocError> {
    let mut meter = Meter { budget, read: 0 };
    let pdf = Pdf::open(input).map_err(pdf_error)?;
    let fields = eseal_pdf::update::signature_fields(&pdf).map_err(pdf_error)?;
    if fields.len() > MAX_SIGNATURES {
        return Err(DocError::Limit(Text::new(
            format!(
                "PDF 有 {} 个签名域；最多验证 {MAX_SIGNATURES} 个",
                fields.len()
            ),
            format!(
                "the PDF has {} signature fields; at most {MAX_SIGNATURES} are verified",
                fields.len()
            ),
        )));
    }
    let len = pdf.source_len();
    let mut signatures = Vec::new();
    for (_, field) in fields {
        let Object::Dict(v) = pdf.value(&field, "V").map_err(pdf_error)? else {
            continue; // an empty field: nothing signed yet
        };
        let name = match field.get(&b"T"[..]) {
            Some(Object::String(s)) => String::from_utf8_lossy(s).into_owned(),
            _ => String::new(),
        };
        signatures.push(one(
            &pdf, input, len, name, &v, policy, verifier, &mut meter,
        )?);
    }
    Ok(PdfReport {
        revisions: pdf.revisions.len(),
        signatures,
    })
}

#[allow(clippy::too_many_arguments)]
fn one<S: Source + ?Sized>(
    pdf: &Pdf<'_, S>,
    input: &S,
    len: u64,
    field: String,
    v: &eseal_pdf::Dict,
    policy: &VerifyPolicy,
    verifier: &dyn Sm2Verifier,
    meter: &mut Meter<'_>,
) -> Result<PdfSignatureResult, DocError> {
    let sub_filter = v
        .get(&b"SubFilter"[..])
        .and_then(Object::name)
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .unwrap_or_default();
    let range: Vec<i64> = pdf
        .value(v, "ByteRange")
        .map_err(pdf_error)?
        .array()
        .unwrap_or_default()
        .iter()
        .map(|x| x.int().unwrap_or(-1))
        .collect();
    let contents = match pdf.value(v, "Contents").map_err(pdf_error)? {
        Object::String(s) => s,
        _ => Vec::new(),
    };
    let body = first_tlv(&contents);
    let form = if body.is_empty() {
        PdfSignatureForm::Unknown
    } else if is_cms(body) {
        PdfSignatureForm::Cms
    } else if eseal_ses::detect(body).is_ok() {
        PdfSignatureForm::Ses
    } else {
        PdfSignatureForm::Unknown
    };
    let mut result = PdfSignatureResult {
        field,
        sub_filter,
        form,
        byte_range: range.clone(),
        revision: None,
        covers_whole_file: false,
        seal_name: None,
        signer: None,
        seal_picture: None,
        indication: Indication::Failed,
        sub_indication: None,
        report: Report::default(),
        advice: None,
        signed_value: body.to_vec(),
    };
    let mut report = Report::default();
    // The byte range: [0, b, c, d], b < c, c + d a revision's end, the gap exactly /Contents.
    let ok_range = match range.as_slice() {
        [0, b, c, d] if *b > 0 && c > b && *d >= 0 => {
            let (b, c, d) = (*b as u64, *c as u64, *d as u64);
            let end = c.saturating_add(d);
            if end > len {
                None
            } else {
                let gap = pdf
                    .read(b, usize::try_from(c - b).unwrap_or(0))
                    .map_err(pdf_error)?;
                let hex_ok = gap.len() >= 2
                    && gap.first() == Some(&b'<')
                    && gap.last() == Some(&b'>')
                    && gap
                        .get(1..gap.len() - 1)
                        .unwrap_or_default()
                        .iter()
                        .all(|x| x.is_ascii_hexdigit());
                let in_gap = hex_ok && {
                    let digits = gap.get(1..gap.len() - 1).unwrap_or_default();
                    digits.len() == contents.len() * 2
                        && digits.chunks(2).zip(&contents).all(|(h, x)| {
                            std::str::from_utf8(h)
                                .ok()
                                .and_then(|h| u8::from_str_radix(h, 16).ok())
                                == Some(*x)
                        })
                };
                if in_gap { Some((b, c, d, end)) } else { None }
            }
        }
        _ => None,
    };
    let Some((b, c, d, end)) = ok_range else {
        report.fail(
            CheckId::DocumentCoverage,
            SubIndication::FormatFailure,
            Text::new(
                format!("签名的字节范围（ByteRange {range:?}）不合规：须从文件开头起，只留出签名值（/Contents）本身"),
                format!("the signature's ByteRange {range:?} is not well-formed: it must start at byte 0 and leave out exactly the signature value (/Contents)"),
            ),
        );
        return Ok(finish(result, report));
    };
    result.covers_whole_file = end == len;
    result.revision = pdf
        .revisions
        .iter()
        .position(|r| r.end == Some(end))
        .map(|i| i + 1);
    let n = pdf.revisions.len();
    match result.revision {
        _ if result.covers_whole_file => report.pass(
            CheckId::DocumentCoverage,
            Text::new(
                "签名覆盖整个文件（签名值除外）",
                "the signature covers the whole file but its own value",
            ),
        ),
        None => report.warn(
            CheckId::DocumentCoverage,
            Text::new(
                format!("签名只覆盖文件前 {end} 字节，且不在某一版本的末尾结束：其后的内容不在签名范围内，阅读器显示的可能不是签署时的内容"),
                format!("the signature covers the first {end} bytes only, which end no revision: what follows is not signed, and what a reader shows may not be what was signed"),
            ),
        ),
        Some(r) => later(&mut report, pdf, v, r, n),
    }
    // What follows the signature in /Contents is padding, covered by nothing: anything but
    // zeros there is said.
    let padding = contents.get(body.len()..).unwrap_or_default();
    if padding.iter().any(|x| *x != 0) {
        report.warn(
            CheckId::Encoding,
            Text::new(
                format!(
                    "签名值（/Contents）之后的 {} 字节填充不全为零：这些字节不受任何签名保护",
                    padding.len()
                ),
                format!(
                    "the {} bytes of padding after the signature value (/Contents) are not all zero: no signature protects them",
                    padding.len()
                ),
            ),
        );
    }
    // A CMS signature of another algorithm family needs its own digest of the same bytes:
    // both are computed in one pass.
    let signed_data = match form {
        PdfSignatureForm::Cms => Some(eseal_ses::gbt35275::SignedData::decode(body)),
        _ => None,
    };
    let mut sha2 = match &signed_data {
        Some(Ok(sd)) => match crate::pdf_cms::family(sd) {
            crate::pdf_cms::Family::International(h) => Some(h.hasher()),
            _ => None,
        },
        _ => None,
    };
    let mut h = Sm3Hasher::new();
    let mut both = |chunk: &[u8]| {
        h.update(chunk);
        if let Some(x) = sha2.as_mut() {
            x.update(chunk);
        }
    };
    hash_source(&mut both, input, 0, b, meter)?;
    hash_source(&mut both, input, c, d, meter)?;
    let digest: Sm3Digest = h.finalize();
    let sha2 = sha2.map(eseal_pki::intl::Hasher::finalize);
    match form {
        PdfSignatureForm::Ses => match AnySignature::decode(body) {
            Ok((sig, _)) => {
                // The range checks first, then the signature's own.
                let r = verify_signature(&sig, SignedData::Digest(digest), policy, verifier);
                report.checks.extend(r.checks);
                if let Ok(view) = sig.seal().view() {
                    result.seal_name = Some(view.name.text());
                    result.seal_picture = crate::ofd::picture_mime(view.picture)
                        .map(|m| (m.to_owned(), view.picture.data.clone()));
                }
            }
            Err(e) => report.fail(
                CheckId::Structure,
                SubIndication::FormatFailure,
                Text::new(
                    format!(
                        "/Contents 不是可读的电子签章数据（SES_Signature）：{}",
                        e.zh()
                    ),
                    format!("/Contents is not a readable SES_Signature: {e}"),
                ),
            ),
        },
        PdfSignatureForm::Cms => match signed_data {
            Some(Ok(sd)) => {
                result.signer = crate::pdf_cms::check(
                    &mut report,
                    &sd,
                    &digest,
                    sha2.as_deref(),
                    policy,
                    verifier,
                );
            }
            Some(Err(e)) => report.fail(
                CheckId::Structure,
                SubIndication::FormatFailure,
                Text::new(
                    format!("/Contents 中的 CMS 签名无法读取：{}", e.zh()),
                    format!("the CMS signature in /Contents cannot be read: {e}"),
                ),
            ),
            None => {}
        },
        PdfSignatureForm::Unknown => report.fail(
            CheckId::SignatureType,
            SubIndication::FormatFailure,
            Text::new(
                "签名值（/Contents）既不是电子签章数据（SES_Signature），也不是 CMS 签名",
                "/Contents is neither an SES_Signature nor a CMS signature",
            ),
        ),
    }
    Ok(finish(result, report))
}

/// What the revisions after the signed one (`r` of `n`, 1-based) changed, in the report:
/// FAILED when what the pages show changed or the DocMDP level forbids a change, a warning
/// for changes of no known kind, else the kinds of change (signatures, annotations …).
fn later<S: Source + ?Sized>(
    report: &mut Report,
    pdf: &Pdf<'_, S>,
    v: &eseal_pdf::Dict,
    r: usize,
    n: usize,
) {
    let c = crate::pdf_changes::after(pdf, r - 1, crate::pdf_changes::docmdp(pdf, v));
    let head = (
        format!("签名覆盖第 {r} 版（共 {n} 版）；"),
        format!("the signature covers revision {r} of {n}; "),
    );
    let join = |list: &[Text]| {
        let shown = list.iter().take(5);
        (
            shown
                .clone()
                .map(|t| t.zh.as_str())
                .collect::<Vec<_>>()
                .join("；"),
            shown.map(|t| t.en.as_str()).collect::<Vec<_>>().join("; "),
        )
    };
    if !c.content.is_empty() || !c.forbidden.is_empty() {
        let all: Vec<Text> = c.content.iter().chain(&c.forbidden).cloned().collect();
        let (zh, en) = join(&all);
        report.fail(
            CheckId::DocumentCoverage,
            SubIndication::SigConstraintsFailure,
            Text::new(
                format!("{}其后的修改改变了页面显示的内容或超出签名允许的范围：{zh}", head.0),
                format!("{}later changes alter what the pages show or go beyond what the signature allows: {en}", head.1),
            ),
        );
    } else if !c.undefined.is_empty() {
        let (zh, en) = join(&c.undefined);
        report.warn(
            CheckId::DocumentCoverage,
            Text::new(
                format!("{}其后有无法归类的修改，请核对文件：{zh}", head.0),
                format!(
                    "{}later changes of no known kind; check the file: {en}",
                    head.1
                ),
            ),
        );
    } else {
        let kinds = (
            c.allowed.iter().map(|k| k.0).collect::<Vec<_>>().join("、"),
            c.allowed.iter().map(|k| k.1).collect::<Vec<_>>().join(", "),
        );
        report.pass(
            CheckId::DocumentCoverage,
            Text::new(
                format!("{}其后的修改只是：{}（页面内容未变）", head.0, kinds.0),
                format!(
                    "{}later changes are only: {} (what the pages show is unchanged)",
                    head.1, kinds.1
                ),
            ),
        );
    }
}

fn finish(mut result: PdfSignatureResult, report: Report) -> PdfSignatureResult {
    result.indication = report.indication();
    result.sub_indication = report.sub_indication();
    result.advice = report.advice();
    result.report = report;
    result
}
