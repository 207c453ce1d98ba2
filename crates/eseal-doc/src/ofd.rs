//! Verifying every signature of an OFD (GB/T 33190 §18, formats.md §8): the References'
//! check values, the files outside the protected set, the seal file, and the SES_Signature
//! over the exact bytes of Signature.xml, with a report per signature.

use crate::error::DocError;
use crate::package::Package;
use crate::xml::{Node, signature_lists, signature_records, signature_xml};
use base64ct::{Base64, Encoding};
use eseal_gm::provider::Sm2Verifier;
use eseal_gm::{SignerId, Sm2PublicKey, Sm3Digest, Sm3Hasher};
use eseal_ses::{
    AnySignature, CheckId, Indication, Outcome, Report, SignedData, SubIndication, VerifyPolicy,
    verify_signature,
};
use serde::Serialize;
use std::io::{Read, Seek};

/// The result for one signature.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureResult {
    /// `ID` in Signatures.xml.
    pub id: String,
    /// `Type` (Seal or Sign).
    pub kind: String,
    /// Path of its Signature.xml.
    pub signature_xml: String,
    /// `Provider` name.
    pub provider: String,
    /// The seal's name, when a seal signature.
    pub seal_name: Option<String>,
    /// The seal picture (MIME type, bytes), for display; not in the JSON report.
    #[serde(skip)]
    pub seal_picture: Option<(String, Vec<u8>)>,
    /// Indication.
    pub indication: Indication,
    /// Sub-indication.
    pub sub_indication: Option<SubIndication>,
    /// Every check.
    pub report: Report,
    /// The signature's stored bytes (SignedValue), for callers that check more (the
    /// registry's online verification); not in the JSON report.
    #[serde(skip)]
    pub signed_value: Vec<u8>,
}

/// The result for a document.
#[derive(Debug, Clone, Serialize)]
pub struct OfdReport {
    /// One per signature, in document order.
    pub signatures: Vec<SignatureResult>,
}

impl OfdReport {
    /// PASSED only if there are signatures and all passed; FAILED if any failed.
    pub fn indication(&self) -> Indication {
        if self.signatures.is_empty()
            || self
                .signatures
                .iter()
                .any(|s| s.indication == Indication::Failed)
        {
            Indication::Failed
        } else if self
            .signatures
            .iter()
            .any(|s| s.indication == Indication::Indeterminate)
        {
            Indication::Indeterminate
        } else {
            Indication::Passed
        }
    }
}

/// Most signatures verified in one document (real documents carry a handful).
pub const MAX_SIGNATURES: usize = 1000;
/// Most references one signature may list (as many as a package may have entries).
pub const MAX_REFERENCES: usize = crate::package::MAX_ENTRIES;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Method {
    Sm3,
    Sm3WithZ,
    Sha1,
    Md5,
}

/// Each file is hashed once per method (and Z) however often it is referenced: a signature
/// listing one large entry thousands of times costs one pass over it.
type Digests = std::collections::HashMap<(String, Method, Option<[u8; 32]>), Vec<u8>>;

fn method(name: Option<&str>) -> Result<Method, String> {
    match name.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        Some("sm3") | Some("1.2.156.10197.1.401") | Some("1.2.156.10197.1.401.1") => {
            Ok(Method::Sm3)
        }
        Some("1.2.156.10197.1.401.2") => Ok(Method::Sm3WithZ),
        Some("sha1") | Some("sha-1") | Some("1.3.14.3.2.26") => Ok(Method::Sha1),
        None | Some("md5") | Some("1.2.840.113549.2.5") => Ok(Method::Md5),
        Some(other) => Err(format!("unknown CheckMethod {other:?}")),
    }
}

fn digest<R: Read + Seek>(
    pkg: &mut Package<R>,
    cache: &mut Digests,
    file: &str,
    m: &Method,
    z: Option<&Sm3Digest>,
) -> Result<Vec<u8>, DocError> {
    let z = z.filter(|_| *m == Method::Sm3WithZ);
    let key = (
        pkg.resolve(file)?,
        *m,
        z.map(|z| {
            let mut b = [0u8; 32];
            b.copy_from_slice(z.as_bytes());
            b
        }),
    );
    if let Some(d) = cache.get(&key) {
        return Ok(d.clone());
    }
    let d = compute_digest(pkg, &key.0, m, z)?;
    cache.insert(key, d.clone());
    Ok(d)
}

fn compute_digest<R: Read + Seek>(
    pkg: &mut Package<R>,
    file: &str,
    m: &Method,
    z: Option<&Sm3Digest>,
) -> Result<Vec<u8>, DocError> {
    use sha1::Digest as _;
    match m {
        Method::Sm3 | Method::Sm3WithZ => {
            let mut h = Sm3Hasher::new();
            if let (Method::Sm3WithZ, Some(z)) = (m, z) {
                h.update(z.as_bytes());
            }
            pkg.stream(file, |b| h.update(b))?;
            Ok(h.finalize().as_bytes().to_vec())
        }
        Method::Sha1 => {
            let mut h = sha1::Sha1::new();
            pkg.stream(file, |b| h.update(b))?;
            Ok(h.finalize().to_vec())
        }
        Method::Md5 => {
            let mut h = md5::Md5::new();
            pkg.stream(file, |b| h.update(b))?;
            Ok(h.finalize().to_vec())
        }
    }
}

/// Verify every signature of the package. The work is bounded: at most [`MAX_SIGNATURES`]
/// signatures and [`MAX_REFERENCES`] references each, every file hashed once per method, and
/// what the package's [`crate::package::Budget`] allows; past a bound, or once the caller
/// cancels, the error is [`DocError::Limit`] / [`DocError::Cancelled`] and there is no report.
pub fn verify_ofd<R: Read + Seek>(
    pkg: &mut Package<R>,
    policy: &VerifyPolicy,
    verifier: &dyn Sm2Verifier,
) -> Result<OfdReport, DocError> {
    let ofd = Node::parse(&pkg.read("OFD.xml")?, "OFD.xml")?;
    let mut signatures = Vec::new();
    let mut digests = Digests::new();
    for list_path in signature_lists(&ofd) {
        let list_path = pkg.resolve(&list_path)?;
        let list = Node::parse(&pkg.read(&list_path)?, &list_path)?;
        let records = signature_records(&list, &list_path);
        if signatures.len() + records.len() > MAX_SIGNATURES {
            return Err(DocError::Limit(format!(
                "{list_path} lists {} signatures; at most {MAX_SIGNATURES} are verified",
                signatures.len() + records.len()
            )));
        }
        // The files of every signature record (for what later signatures add).
        let mut signature_dirs: Vec<String> = records
            .iter()
            .map(|r| {
                r.base_loc
                    .trim_start_matches('/')
                    .rsplit_once('/')
                    .map_or(String::new(), |(d, _)| d.to_owned())
            })
            .collect();
        signature_dirs.dedup();
        for (n, record) in records.iter().enumerate() {
            let later: Vec<&String> = signature_dirs
                .get(n + 1..)
                .unwrap_or_default()
                .iter()
                .collect();
            signatures.push(verify_one(
                pkg,
                &mut digests,
                record,
                &list_path,
                &later,
                policy,
                verifier,
            )?);
        }
    }
    Ok(OfdReport { signatures })
}

/// One signature's result; `Err` only when the work stopped ([`DocError::stops_work`]).
fn verify_one<R: Read + Seek>(
    pkg: &mut Package<R>,
    digests: &mut Digests,
    record: &crate::xml::SignatureRecord,
    list_path: &str,
    later_dirs: &[&String],
    policy: &VerifyPolicy,
    verifier: &dyn Sm2Verifier,
) -> Result<SignatureResult, DocError> {
    let mut result = SignatureResult {
        id: record.id.clone(),
        kind: record.kind.clone(),
        signature_xml: record.base_loc.clone(),
        provider: String::new(),
        seal_name: None,
        seal_picture: None,
        indication: Indication::Failed,
        sub_indication: Some(SubIndication::FormatFailure),
        report: Report::default(),
        signed_value: Vec::new(),
    };
    let fail = |mut r: SignatureResult, why: String| {
        r.report.checks.push(eseal_ses::Check {
            id: CheckId::Structure,
            outcome: Outcome::Failed,
            sub_indication: Some(SubIndication::FormatFailure),
            detail_zh: None,
            detail: why,
        });
        r
    };
    let sig_path = match pkg.resolve(&record.base_loc) {
        Ok(p) => p,
        Err(e) => return Ok(fail(result, e.to_string())),
    };
    let sig_bytes = match pkg.read(&sig_path) {
        Ok(b) => b,
        Err(e) if e.stops_work() => return Err(e),
        Err(e) => return Ok(fail(result, e.to_string())),
    };
    let info = match Node::parse(&sig_bytes, &sig_path).and_then(|n| signature_xml(&n, &sig_path)) {
        Ok(i) => i,
        Err(e) => return Ok(fail(result, e.to_string())),
    };
    if info.references.len() > MAX_REFERENCES {
        return Err(DocError::Limit(format!(
            "{sig_path} lists {} references; at most {MAX_REFERENCES} are checked",
            info.references.len()
        )));
    }
    result.provider = info.provider.clone();
    let value = match pkg.read(&info.signed_value) {
        Ok(v) => v,
        Err(e) if e.stops_work() => return Err(e),
        Err(e) => return Ok(fail(result, format!("SignedValue: {e}"))),
    };
    result.signed_value = value.clone();
    // The signature itself.
    let mut report;
    let mut signer_key: Option<Sm2PublicKey> = None;
    let mut eseal_raw: Option<Vec<u8>> = None;
    if record.kind.eq_ignore_ascii_case("seal") {
        match AnySignature::decode(&value) {
            Ok((sig, _)) => {
                let data = SignedData::Digest(Sm3Digest::of(&sig_bytes));
                report = verify_signature(&sig, data, policy, verifier);
                let view = sig.view();
                signer_key = eseal_ses::cert::CertificateInfo::from_der(view.signer_cert)
                    .ok()
                    .and_then(|c| c.public_key.ok());
                let seal = sig.seal();
                eseal_raw = Some(seal.raw().to_vec());
                if let Ok(v) = seal.view() {
                    result.seal_name = Some(v.name.text());
                    result.seal_picture =
                        picture_mime(v.picture).map(|m| (m.to_owned(), v.picture.data.clone()));
                }
                if view.property_info.trim_start_matches('/') != sig_path {
                    report.checks.push(eseal_ses::Check {
                        id: CheckId::DocumentCoverage,
                        outcome: Outcome::Warning,
                        sub_indication: None,
                        detail_zh: None,
                        detail: format!(
                            "propertyInfo {:?} is not the path of this Signature.xml ({sig_path})",
                            view.property_info
                        ),
                    });
                }
            }
            Err(e) => {
                return Ok(fail(
                    result,
                    format!("{}: not an SES_Signature: {e}", info.signed_value),
                ));
            }
        }
    } else {
        report = Report::default();
        match eseal_ses::gbt35275::SignedData::decode(&value) {
            Ok(sd) => {
                signer_key = sign_checks(&mut report, &sd, &Sm3Digest::of(&sig_bytes), policy);
            }
            Err(_) => {
                let why = if eseal_gm::Sm2Signature::from_der_or_raw(&value).is_ok() {
                    "Type=Sign with a bare SM2 signature and no certificate: the signer cannot be identified (an old ofdrw form that carries no certificate)".to_owned()
                } else {
                    format!(
                        "{}: neither GB/T 35275 SignedData nor an SM2 signature",
                        info.signed_value
                    )
                };
                report.checks.push(eseal_ses::Check {
                    id: CheckId::SignatureType,
                    outcome: Outcome::Indeterminate,
                    sub_indication: Some(SubIndication::SignedDataNotFound),
                    detail_zh: None,
                    detail: why,
                });
            }
        }
    }
    // References.
    let m = method(info.check_method.as_deref());
    let z = signer_key
        .as_ref()
        .and_then(|k| k.z(&SignerId::default()).ok());
    let mut bad = Vec::new();
    let mut protected = std::collections::HashSet::new();
    let mut repeated = std::collections::BTreeSet::new();
    match &m {
        Err(why) => bad.push(why.clone()),
        Ok(m) => {
            for r in &info.references {
                let expected = Base64::decode_vec(r.check_value.trim()).unwrap_or_default();
                match digest(pkg, digests, &r.file, m, z.as_ref()) {
                    Ok(d) if d == expected => {}
                    Ok(_) => bad.push(format!(
                        "{} changed (its digest is not the recorded CheckValue)",
                        r.file
                    )),
                    Err(e) if e.stops_work() => return Err(e),
                    Err(e) => bad.push(e.to_string()),
                }
                if let Ok(p) = pkg.resolve(&r.file)
                    && !protected.insert(p.clone())
                {
                    repeated.insert(p);
                }
            }
        }
    }
    if !repeated.is_empty() {
        report.checks.push(eseal_ses::Check {
            id: CheckId::DocumentReferences,
            outcome: Outcome::Warning,
            sub_indication: None,
            detail_zh: None,
            detail: format!(
                "referenced more than once (checked once): {}",
                repeated.into_iter().collect::<Vec<_>>().join(", ")
            ),
        });
    }
    let method_name = info
        .check_method
        .clone()
        .unwrap_or_else(|| "MD5 (no CheckMethod)".into());
    if bad.is_empty() {
        let weak = matches!(m, Ok(Method::Md5) | Ok(Method::Sha1));
        report.checks.push(eseal_ses::Check {
            id: CheckId::DocumentReferences,
            outcome: if weak {
                Outcome::Warning
            } else {
                Outcome::Passed
            },
            sub_indication: None,
            detail_zh: None,
            detail: format!(
                "{} file(s) match their {method_name} check values{}",
                info.references.len(),
                if weak { " (a weak digest)" } else { "" }
            ),
        });
    } else {
        report.checks.push(eseal_ses::Check {
            id: CheckId::DocumentReferences,
            outcome: Outcome::Failed,
            sub_indication: Some(SubIndication::HashFailure),
            detail_zh: None,
            detail: bad.join("; "),
        });
    }
    // Coverage: files neither protected nor this signature's own, nor a later signature's.
    let own_dir = sig_path.rsplit_once('/').map_or("", |(d, _)| d);
    let unprotected: Vec<String> = pkg
        .files()
        .into_iter()
        .filter(|f| !protected.contains(f))
        .filter(|f| {
            f != &sig_path && pkg.resolve(&info.signed_value).ok().as_deref() != Some(f.as_str())
        })
        .filter(|f| f != list_path)
        .filter(|f| {
            !later_dirs
                .iter()
                .any(|d| !d.is_empty() && f.starts_with(&format!("{d}/")))
        })
        .filter(|f| !(f.starts_with(&format!("{own_dir}/")) && f.ends_with(".esl")))
        .collect();
    if unprotected.is_empty() {
        report.checks.push(eseal_ses::Check {
            id: CheckId::DocumentCoverage,
            outcome: Outcome::Passed,
            sub_indication: None,
            detail_zh: None,
            detail: "every content file is protected".into(),
        });
    } else {
        report.checks.push(eseal_ses::Check {
            id: CheckId::DocumentCoverage,
            outcome: Outcome::Warning,
            sub_indication: None,
            detail_zh: None,
            detail: format!(
                "not protected by this signature (changes to them go unnoticed): {}",
                unprotected.join(", ")
            ),
        });
    }
    // The seal file beside the signature.
    if let (Some(seal_path), Some(raw)) = (&info.seal, &eseal_raw) {
        match pkg.read(seal_path) {
            Ok(bytes) if &bytes == raw => report.checks.push(eseal_ses::Check {
                id: CheckId::SealFile,
                outcome: Outcome::Passed,
                sub_indication: None,
                detail_zh: None,
                detail: format!("{seal_path} is the seal inside the signature"),
            }),
            Ok(_) => report.checks.push(eseal_ses::Check {
                id: CheckId::SealFile,
                outcome: Outcome::Failed,
                sub_indication: Some(SubIndication::SigConstraintsFailure),
                detail_zh: None,
                detail: format!(
                    "{seal_path} differs from the seal inside the signature (a swapped seal image?)"
                ),
            }),
            Err(e) if e.stops_work() => return Err(e),
            Err(e) => report.checks.push(eseal_ses::Check {
                id: CheckId::SealFile,
                outcome: Outcome::Failed,
                sub_indication: Some(SubIndication::FormatFailure),
                detail_zh: None,
                detail: e.to_string(),
            }),
        }
    }
    result.indication = report.indication();
    result.sub_indication = report.sub_indication();
    result.report = report;
    Ok(result)
}

/// The MIME type of a seal picture a browser can show.
pub fn picture_mime(p: &eseal_ses::common::SesESPictrueInfo) -> Option<&'static str> {
    use eseal_ses::common::PictureFormat as F;
    match p.sniff() {
        F::Png => Some("image/png"),
        F::Jpeg => Some("image/jpeg"),
        F::Gif => Some("image/gif"),
        F::Bmp => Some("image/bmp"),
        F::Svg => Some("image/svg+xml"),
        F::Ofd | F::Unknown => None,
    }
}

fn check(
    report: &mut Report,
    id: CheckId,
    outcome: Outcome,
    sub: Option<SubIndication>,
    detail: impl Into<String>,
) {
    report.checks.push(eseal_ses::Check {
        id,
        outcome,
        sub_indication: sub,
        detail_zh: None,
        detail: detail.into(),
    });
}

/// The checks of a Type=Sign (GB/T 35275) signature; returns the signer's key.
fn sign_checks(
    report: &mut Report,
    sd: &eseal_ses::gbt35275::SignedData,
    file_digest: &Sm3Digest,
    policy: &VerifyPolicy,
) -> Option<Sm2PublicKey> {
    check(
        report,
        CheckId::SignatureType,
        Outcome::Passed,
        None,
        "Type=Sign: GB/T 35275 SignedData",
    );
    if sd.covers(file_digest) {
        check(
            report,
            CheckId::DataHash,
            Outcome::Passed,
            None,
            format!("SM3 {file_digest} of Signature.xml is what was signed"),
        );
    } else {
        check(
            report,
            CheckId::DataHash,
            Outcome::Failed,
            Some(SubIndication::HashFailure),
            format!(
                "the SignedData does not sign SM3 {file_digest} of Signature.xml: it was changed after signing"
            ),
        );
    }
    let Some(cert) = &sd.signer_cert else {
        check(
            report,
            CheckId::SignerCertificate,
            Outcome::Indeterminate,
            Some(SubIndication::SignedDataNotFound),
            "the signer's certificate is not in the SignedData",
        );
        return None;
    };
    let key = match eseal_ses::cert::CertificateInfo::from_der(cert) {
        Ok(info) => match info.public_key {
            Ok(k) => {
                check(
                    report,
                    CheckId::SignerCertificate,
                    Outcome::Passed,
                    None,
                    format!("subject {}; serial {}", info.subject, info.serial),
                );
                k
            }
            Err(e) => {
                check(
                    report,
                    CheckId::SignerCertificate,
                    Outcome::Indeterminate,
                    Some(SubIndication::CryptoConstraintsFailure),
                    e,
                );
                return None;
            }
        },
        Err(e) => {
            check(
                report,
                CheckId::SignerCertificate,
                Outcome::Indeterminate,
                Some(SubIndication::SignedDataNotFound),
                e,
            );
            return None;
        }
    };
    match sd.verify(&key) {
        Ok(()) => check(
            report,
            CheckId::SignerSignature,
            Outcome::Passed,
            None,
            format!("verifies over the {} signed bytes", sd.signed_bytes.len()),
        ),
        Err(why) => check(
            report,
            CheckId::SignerSignature,
            Outcome::Failed,
            Some(SubIndication::SigCryptoFailure),
            why,
        ),
    }
    // No signing time in this form: the certificate is validated now.
    match &policy.chain_validator {
        Some(v) => {
            let verdict = v.validate(
                cert,
                policy.now.unwrap_or_else(time::OffsetDateTime::now_utc),
                eseal_ses::CertificateRole::Signer,
            );
            check(
                report,
                CheckId::SignerCertificateChain,
                verdict.outcome,
                verdict.sub_indication,
                format!(
                    "{} (now: a Type=Sign signature carries no signing time)",
                    verdict.detail
                ),
            );
        }
        None => check(
            report,
            CheckId::SignerCertificateChain,
            Outcome::Indeterminate,
            Some(SubIndication::NoCertificateChainFound),
            "no trust store is configured (give --trust DIR)",
        ),
    }
    Some(key)
}
