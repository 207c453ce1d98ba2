//! Verifying every signature of an OFD (GB/T 33190 §18, formats.md §8): the References'
//! check values, the files outside the protected set, the seal file, and the SES_Signature
//! over the exact bytes of Signature.xml, with a report per signature.

use crate::error::DocError;
use crate::package::Package;
use crate::xml::{Node, signature_lists, signature_records, signature_xml};
use eseal_gm::provider::Sm2Verifier;
use eseal_gm::{SignerId, Sm2PublicKey, Sm3Digest};
use eseal_ses::{
    AnySignature, CheckId, Indication, Outcome, Report, SignedData, SubIndication, Text,
    VerifyPolicy, verify_signature,
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
    /// For a FAILED or INDETERMINATE signature, what it means and what to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advice: Option<eseal_ses::Advice>,
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

use crate::digests::{Digests, Method, digest, method};

/// Verify every signature of the package. The work is bounded: at most [`MAX_SIGNATURES`]
/// signatures and [`MAX_REFERENCES`] references each, every file hashed once per method, and
/// what the package's [`crate::package::Budget`] allows; past a bound, or once the caller
/// cancels, the error is [`DocError::Limit`] / [`DocError::Cancelled`] and there is no report.
pub fn verify_ofd<R: Read + Seek>(
    pkg: &mut Package<R>,
    policy: &VerifyPolicy,
    verifier: &dyn Sm2Verifier,
) -> Result<OfdReport, DocError> {
    verify_ofd_in_windows(pkg, policy, verifier, WINDOW_RECORDS)
}

/// [`verify_ofd`] with at most `per_window` signature records per window (for the tests that
/// check a document's order and results across windows without signing 128 times).
#[doc(hidden)]
pub fn verify_ofd_in_windows<R: Read + Seek>(
    pkg: &mut Package<R>,
    policy: &VerifyPolicy,
    verifier: &dyn Sm2Verifier,
    per_window: usize,
) -> Result<OfdReport, DocError> {
    let window_records = per_window.max(1);
    let ofd = Node::parse(&pkg.read("OFD.xml")?, "OFD.xml")?;
    let mut signatures = Vec::new();
    let mut digests = Digests::default();
    // The same seal is in every signature a holder made: its maker's signature is checked
    // once per document, its maker's certificate validated once.
    let memo = crate::remember::Remembered::new(verifier);
    let policy = &crate::remember::RememberedChains::around(policy);
    // The integrity protection's own files come after every signature (GM/T 0099: it is the
    // last step), so no signature covers them and none is warned about them.
    let integrity_files = crate::integrity::own_files(pkg);
    let names = pkg.names();
    let files = names.files();
    let integrity_indices: Vec<usize> = integrity_files
        .iter()
        .filter_map(|f| names.resolve(f).ok().map(|f| f.index))
        .collect();
    let mut marks =
        crate::coverage::Marks::new(files.iter().map(|f| f.index + 1).max().unwrap_or(0));
    let mut owners = crate::package::RecordFiles::default();
    for list_path in signature_lists(&ofd) {
        let list_path = pkg.resolve(&list_path)?;
        let list = Node::parse(&pkg.read(&list_path)?, &list_path)?;
        let records = signature_records(&list, &list_path);
        if signatures.len() + records.len() > MAX_SIGNATURES {
            return Err(DocError::Limit(Text::new(
                format!(
                    "{list_path} 列出了 {} 个签名；最多验证 {MAX_SIGNATURES} 个",
                    signatures.len() + records.len()
                ),
                format!(
                    "{list_path} lists {} signatures; at most {MAX_SIGNATURES} are verified",
                    signatures.len() + records.len()
                ),
            )));
        }
        // The directory of every signature record (later signatures' files are not
        // expected to be protected by earlier ones), as its Signature.xml resolves.
        let signature_dirs: Vec<&str> = records
            .iter()
            .map(|r| {
                let path = names
                    .resolve(&r.base_loc)
                    .map_or_else(|_| r.base_loc.trim_start_matches('/'), |f| f.name);
                path.rsplit_once('/').map_or("", |(d, _)| d)
            })
            .collect();
        // Built when a record of the list first gets that far (an empty list costs nothing).
        let coverage = std::cell::OnceCell::new();
        let list_index = names.resolve(&list_path).ok().map(|f| f.index);
        // Read every record's files in order, check the signature values side by side, then
        // the references (each file inflated and hashed once for the whole document).
        // A window of records at a time, so memory stays near LOAD_WINDOW whatever the
        // package holds.
        let mut n = 0;
        while n < records.len() {
            let loaded = load_window(
                pkg,
                records.get(n..).unwrap_or_default(),
                (window_records, signatures.len()),
                &names,
                &mut owners,
            )?;
            let (checked, warmed) = crate::par::beside(
                &loaded,
                |l| l.as_ref().ok().map(|l| check_value(l, policy, &memo)),
                || warm(pkg, &mut digests, &names, &loaded),
            );
            warmed?;
            let mut checked = checked.into_iter();
            for l in loaded {
                let Some(record) = records.get(n) else {
                    break;
                };
                let one = finish_record(
                    pkg,
                    (&mut digests, &mut marks),
                    record,
                    &Around {
                        list_path: &list_path,
                        list_index,
                        place: n,
                        later: n + 1 < records.len(),
                        integrity_files: &integrity_indices,
                        coverage: (&coverage, &files, &signature_dirs),
                        names: &names,
                    },
                    l,
                    checked.next().flatten(),
                )?;
                signatures.push(one);
                n += 1;
            }
        }
    }
    // A GM/T 0099 integrity signature (OFDEntries.xml at the package root).
    if let Some(mut one) = crate::integrity::verify_integrity(pkg, &mut digests, policy)? {
        one.advice = one.report.advice();
        signatures.push(one);
    }
    Ok(OfdReport { signatures })
}

/// Computes the digests the window's references will ask for (each file once) on the
/// calling thread while the other threads check the signature values, so that the package
/// is read beside the SM2 work rather than after it. A Signature.xml of the window is left
/// to its own signature check (which hashes it with SM3), and SM3 with Z waits for the
/// signer's key. `Err` only when the work stopped ([`DocError::stops_work`]).
fn warm<R: Read + Seek>(
    pkg: &mut Package<R>,
    digests: &mut Digests,
    names: &crate::package::Names,
    loaded: &[Result<Loaded, SignatureResult>],
) -> Result<(), DocError> {
    let records = || loaded.iter().filter_map(|l| l.as_ref().ok());
    let own: std::collections::HashSet<&str> = records().map(|l| l.sig_path.as_str()).collect();
    for l in records() {
        let Ok(m) = method(l.info.check_method.as_deref()) else {
            continue;
        };
        if m == Method::Sm3WithZ {
            continue;
        }
        let table = digests.table(m, None);
        for r in &l.info.references {
            match names.resolve(&r.file) {
                Ok(f) if !(m == Method::Sm3 && own.contains(f.name)) => {
                    digest(pkg, table, f, &m, None)?;
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// One record's result from what [`load_window`] and [`check_value`] made of it.
fn finish_record<R: Read + Seek>(
    pkg: &mut Package<R>,
    state: (&mut Digests, &mut crate::coverage::Marks),
    record: &crate::xml::SignatureRecord,
    around: &Around<'_>,
    loaded: Result<Loaded, SignatureResult>,
    checked: Option<Checked>,
) -> Result<SignatureResult, DocError> {
    let mut one = match (loaded, checked) {
        (Ok(l), Some(c)) => finish_one(pkg, state, record, around, l, c)?,
        (Err(failed), _) => failed,
        (Ok(_), None) => structure_failure(
            new_result(record),
            Text::new("签名值未能核验", "the signature value was not checked"),
        ),
    };
    one.advice = one.report.advice();
    Ok(one)
}

/// The files around one signature that it is not expected to protect.
struct Around<'a> {
    /// Its signature list (which later signatures change), and its archive index.
    list_path: &'a str,
    list_index: Option<usize>,
    /// Its place in the list (from 0).
    place: usize,
    /// Whether signatures follow it in the list.
    later: bool,
    /// The GM/T 0099 protection's own files, by archive index.
    integrity_files: &'a [usize],
    /// The package's files (sorted) against the list's signature directories, compared
    /// once for the list.
    coverage: (
        &'a std::cell::OnceCell<crate::coverage::Coverage<'a>>,
        &'a [crate::package::Resolved<'a>],
        &'a [&'a str],
    ),
    /// The package's names, to resolve references.
    names: &'a crate::package::Names,
}

/// A signature record as first seen: its result so far (failed until checked).
fn new_result(record: &crate::xml::SignatureRecord) -> SignatureResult {
    SignatureResult {
        id: record.id.clone(),
        kind: record.kind.clone(),
        signature_xml: record.base_loc.clone(),
        provider: String::new(),
        seal_name: None,
        seal_picture: None,
        indication: Indication::Failed,
        sub_indication: Some(SubIndication::FormatFailure),
        report: Report::default(),
        advice: None,
        signed_value: Vec::new(),
    }
}

/// A result that failed on the structure, for `why`.
fn structure_failure(mut r: SignatureResult, why: Text) -> SignatureResult {
    r.report
        .fail(CheckId::Structure, SubIndication::FormatFailure, why);
    r
}

fn doc_error(e: &DocError) -> Text {
    Text::new(e.zh(), e.to_string())
}

/// One signature record's files, read from the package (which is read in order, on one
/// thread): its Signature.xml and the SignedValue that file names.
struct Loaded {
    /// The record's `Type` (Seal or Sign).
    kind: String,
    sig_path: String,
    sig_bytes: Vec<u8>,
    info: crate::xml::SignatureXml,
    value: Vec<u8>,
}

/// A record's Signature.xml, read (stage 1 of [`load_all`]).
struct Read1 {
    sig_path: String,
    sig_bytes: Vec<u8>,
}

/// About how many bytes of Signature.xml files [`load_window`] holds at once (with their
/// SignedValues, at most twice that), and most records in one window: 128, so that 100
/// signatures are checked in one (each window ends with one thread idle: with 32, ≈ 9 %).
const LOAD_WINDOW: usize = 16 << 20;
const WINDOW_RECORDS: usize = 128;

/// The largest SignedValue read (an SES_Signature with its seal and picture is tens of KB;
/// the largest among the collected samples is 17 KB). Without it every record of a window
/// could name one 64 MiB entry as its value and the window would hold 32 copies of it.
pub const MAX_SIGNED_VALUE: u64 = 4 << 20;

/// Reads the files of the first records (at least one; more until [`LOAD_WINDOW`] bytes of
/// Signature.xml or `max_records` records are held): Signature.xml in order, parsed side by
/// side, then each SignedValue in order (the package is read on one thread). `first` is the
/// first record's place in the document; a file another record owns is not read
/// ([`crate::package::RecordFiles`]). One entry per record read, `Ok(Err(result))` for a
/// record that already failed (a missing, shared or malformed file); `Err` only when the
/// work stopped ([`DocError::stops_work`]).
fn load_window<R: Read + Seek>(
    pkg: &mut Package<R>,
    records: &[crate::xml::SignatureRecord],
    (max_records, first): (usize, usize),
    names: &crate::package::Names,
    owners: &mut crate::package::RecordFiles,
) -> Result<Vec<Result<Loaded, SignatureResult>>, DocError> {
    let mut read = Vec::new();
    let mut held = 0usize;
    for (place, record) in (first..).zip(records) {
        if held >= LOAD_WINDOW || read.len() >= max_records {
            break;
        }
        let own = names.resolve(&record.base_loc).map_err(|e| doc_error(&e));
        let own = own.and_then(|f| owners.claim(f, place, &record.id).map(|()| f.name));
        read.push(match own.map(|sig_path| (sig_path, pkg.read(sig_path))) {
            Err(why) => Err(structure_failure(new_result(record), why)),
            Ok((sig_path, Ok(sig_bytes))) => {
                held += sig_bytes.len();
                Ok(Read1 {
                    sig_path: sig_path.to_owned(),
                    sig_bytes,
                })
            }
            Ok((_, Err(e))) if e.stops_work() => return Err(e),
            Ok((_, Err(e))) => Err(structure_failure(new_result(record), doc_error(&e))),
        });
    }
    let parsed = crate::par::map(&read, |r| {
        r.as_ref()
            .ok()
            .map(|r| signature_xml(&r.sig_bytes, &r.sig_path))
    });
    let mut out = Vec::with_capacity(records.len());
    for (((place, record), r), info) in (first..).zip(records).zip(read).zip(parsed) {
        let (r, info) = match (r, info) {
            (Err(failed), _) => {
                out.push(Err(failed));
                continue;
            }
            (Ok(r), Some(Ok(info))) => (r, info),
            (Ok(_), Some(Err(e))) => {
                out.push(Err(structure_failure(new_result(record), doc_error(&e))));
                continue;
            }
            (Ok(_), None) => {
                out.push(Err(structure_failure(
                    new_result(record),
                    Text::new("签名描述文件未能解析", "the Signature.xml was not parsed"),
                )));
                continue;
            }
        };
        let Read1 {
            sig_path,
            sig_bytes,
        } = r;
        if info.references.len() > MAX_REFERENCES {
            return Err(DocError::Limit(Text::new(
                format!(
                    "{sig_path} 列出了 {} 个引用；最多核对 {MAX_REFERENCES} 个",
                    info.references.len()
                ),
                format!(
                    "{sig_path} lists {} references; at most {MAX_REFERENCES} are checked",
                    info.references.len()
                ),
            )));
        }
        let value = names.resolve(&info.signed_value).map_err(|e| doc_error(&e));
        let value = value.and_then(|f| owners.claim(f, place, &record.id).map(|()| f.name));
        match value.map(|f| {
            pkg.read_at_most(f, MAX_SIGNED_VALUE)
                .map_err(|e| (doc_error(&e), e))
        }) {
            // Values count toward the window: past it, the rest wait for the next one.
            Ok(Ok(value)) if !out.is_empty() && held + value.len() > 2 * LOAD_WINDOW => break,
            Ok(Ok(value)) => {
                held += value.len();
                out.push(Ok(Loaded {
                    kind: record.kind.clone(),
                    sig_path,
                    sig_bytes,
                    info,
                    value,
                }));
            }
            Ok(Err((_, e))) if e.stops_work() => return Err(e),
            Err(why) | Ok(Err((why, _))) => {
                let mut result = new_result(record);
                result.provider = info.provider.clone();
                out.push(Err(structure_failure(
                    result,
                    why.prefixed("签名值（SignedValue）", "SignedValue"),
                )));
            }
        }
    }
    Ok(out)
}

/// What the signature value says, checked without the package: the SM3 of Signature.xml and
/// the signature over it (SM2, time stamp, certificates). This is the CPU-heavy part; the
/// signatures of a document are checked side by side ([`crate::par::map`]).
enum Checked {
    /// The value is not a signature this verifier reads.
    Unreadable(Text),
    /// The signature's report so far.
    Read(Box<ReadValue>),
}

/// [`Checked::Read`].
struct ReadValue {
    /// SM3 of the exact Signature.xml bytes.
    sig_sm3: Sm3Digest,
    report: Report,
    signer_key: Option<Sm2PublicKey>,
    /// The seal inside an SES_Signature, as stored.
    eseal_raw: Option<Vec<u8>>,
    seal_name: Option<String>,
    seal_picture: Option<(String, Vec<u8>)>,
}

fn check_value(l: &Loaded, policy: &VerifyPolicy, verifier: &dyn Sm2Verifier) -> Checked {
    let sig_sm3 = Sm3Digest::of(&l.sig_bytes);
    let sig_path = &l.sig_path;
    if l.kind.eq_ignore_ascii_case("seal") {
        let sig = match AnySignature::decode(&l.value) {
            Ok((sig, _)) => sig,
            Err(e) => {
                return Checked::Unreadable(Text::new(
                    format!(
                        "{}：不是电子签章数据（SES_Signature）：{}",
                        l.info.signed_value,
                        e.zh()
                    ),
                    format!("{}: not an SES_Signature: {e}", l.info.signed_value),
                ));
            }
        };
        let mut report = verify_signature(&sig, SignedData::Digest(sig_sm3), policy, verifier);
        let view = sig.view();
        let signer_key = eseal_ses::cert::CertificateInfo::from_der(view.signer_cert)
            .ok()
            .and_then(|c| c.public_key.ok());
        let seal = sig.seal();
        let (mut seal_name, mut seal_picture) = (None, None);
        if let Ok(v) = seal.view() {
            seal_name = Some(v.name.text());
            seal_picture = picture_mime(v.picture).map(|m| (m.to_owned(), v.picture.data.clone()));
        }
        if view.property_info.trim_start_matches('/') != sig_path {
            report.warn(
                CheckId::DocumentCoverage,
                Text::new(
                    format!(
                        "propertyInfo {:?} 不是本签名描述文件的路径（{sig_path}）",
                        view.property_info
                    ),
                    format!(
                        "propertyInfo {:?} is not the path of this Signature.xml ({sig_path})",
                        view.property_info
                    ),
                ),
            );
        }
        return Checked::Read(Box::new(ReadValue {
            sig_sm3,
            report,
            signer_key,
            eseal_raw: Some(seal.raw().to_vec()),
            seal_name,
            seal_picture,
        }));
    }
    let mut report = Report::default();
    let mut signer_key = None;
    match eseal_ses::gbt35275::SignedData::decode(&l.value) {
        Ok(sd) => {
            signer_key = sign_checks(
                &mut report,
                &sd,
                &sig_sm3,
                "Signature.xml",
                Text::new(
                    "Type=Sign：GB/T 35275 SignedData",
                    "Type=Sign: GB/T 35275 SignedData",
                ),
                policy,
            );
        }
        Err(_) => {
            let why = if eseal_gm::Sm2Signature::from_der_or_raw(&l.value).is_ok() {
                Text::new(
                    "Type=Sign 的签名值只是一个 SM2 签名，不带证书：无法确定签名者（ofdrw 早期的一种不带证书的格式）",
                    "Type=Sign with a bare SM2 signature and no certificate: the signer cannot be identified (an old ofdrw form that carries no certificate)",
                )
            } else {
                Text::new(
                    format!(
                        "{}：既不是 GB/T 35275 SignedData，也不是 SM2 签名：不支持的签名类型",
                        l.info.signed_value
                    ),
                    format!(
                        "{}: neither GB/T 35275 SignedData nor an SM2 signature: unsupported signature kind",
                        l.info.signed_value
                    ),
                )
            };
            report.indeterminate(
                CheckId::SignatureType,
                SubIndication::SignedDataNotFound,
                why,
            );
        }
    }
    Checked::Read(Box::new(ReadValue {
        sig_sm3,
        report,
        signer_key,
        eseal_raw: None,
        seal_name: None,
        seal_picture: None,
    }))
}

/// One signature's result from its files and its checked value: the references, coverage
/// and the seal file. `Err` only when the work stopped ([`DocError::stops_work`]).
fn finish_one<R: Read + Seek>(
    pkg: &mut Package<R>,
    (digests, marks): (&mut Digests, &mut crate::coverage::Marks),
    record: &crate::xml::SignatureRecord,
    around: &Around<'_>,
    loaded: Loaded,
    checked: Checked,
) -> Result<SignatureResult, DocError> {
    let Around {
        list_path,
        list_index,
        place,
        later,
        integrity_files,
        coverage,
        names,
    } = *around;
    let Loaded {
        sig_path,
        info,
        value,
        ..
    } = loaded;
    let mut result = new_result(record);
    result.provider = info.provider.clone();
    result.signed_value = value;
    let (mut report, signer_key, eseal_raw) = match checked {
        Checked::Unreadable(why) => return Ok(structure_failure(result, why)),
        Checked::Read(read) => {
            let ReadValue {
                sig_sm3,
                report,
                signer_key,
                eseal_raw,
                seal_name,
                seal_picture,
            } = *read;
            // A later signature that references this Signature.xml finds its SM3 known.
            if let Ok(f) = names.resolve(&sig_path) {
                digests.know_sm3(f, &sig_sm3);
            }
            result.seal_name = seal_name;
            result.seal_picture = seal_picture;
            (report, signer_key, eseal_raw)
        }
    };
    // References.
    let m = method(info.check_method.as_deref());
    let z = signer_key
        .as_ref()
        .and_then(|k| k.z(&SignerId::default()).ok());
    let mut bad: Vec<Text> = Vec::new();
    let mut changed = Vec::new();
    // Which files are protected, by their index in the package (marked, and listed once).
    marks.clear();
    let mut protected = Vec::new();
    let mut repeated = std::collections::BTreeSet::new();
    match &m {
        Err(why) => bad.push(why.clone()),
        Ok(m) => {
            let table = digests.table(*m, z.as_ref());
            for r in &info.references {
                let f = match names.resolve(&r.file) {
                    Ok(f) => f,
                    Err(e) => {
                        bad.push(doc_error(&e));
                        continue;
                    }
                };
                // A file listed again is compared again (its CheckValue may differ) but
                // its failure to read is told once.
                let first = marks.set(f.index);
                if first {
                    protected.push(f.index);
                } else {
                    repeated.insert(f.name);
                }
                match digest(pkg, table, f, m, z.as_ref())? {
                    Ok(d) if d.matches(r.check_value.trim()) => {}
                    Ok(_) => {
                        changed.push(f.name);
                        bad.push(Text::new(
                            format!("{} 已被改动（摘要与记录的校验值不符）", r.file),
                            format!(
                                "{} changed (its digest is not the recorded CheckValue)",
                                r.file
                            ),
                        ))
                    }
                    Err(why) if first => bad.push(why.clone()),
                    Err(_) => {}
                }
            }
        }
    }
    if !repeated.is_empty() {
        let list = repeated.into_iter().collect::<Vec<_>>().join(", ");
        report.warn(
            CheckId::DocumentReferences,
            Text::new(
                format!("被引用了不止一次（只核验一次）：{list}"),
                format!("referenced more than once (checked once): {list}"),
            ),
        );
    }
    let method_name = info
        .check_method
        .clone()
        .unwrap_or_else(|| "MD5 (no CheckMethod)".into());
    if bad.is_empty() {
        let weak = matches!(m, Ok(Method::Md5) | Ok(Method::Sha1));
        report.push(
            CheckId::DocumentReferences,
            if weak {
                Outcome::Warning
            } else {
                Outcome::Passed
            },
            None,
            Text::new(
                format!(
                    "{} 个文件与其 {method_name} 校验值一致{}",
                    info.references.len(),
                    if weak {
                        "（摘要算法强度弱）"
                    } else {
                        ""
                    }
                ),
                format!(
                    "{} file(s) match their {method_name} check values{}",
                    info.references.len(),
                    if weak { " (a weak digest)" } else { "" }
                ),
            ),
        );
    } else {
        let join = |zh: bool| {
            bad.iter()
                .map(|t| t.in_lang(zh).to_owned())
                .collect::<Vec<_>>()
                .join(if zh { "；" } else { "; " })
        };
        let mut detail = Text::new(join(true), join(false));
        // A signature that protected the signature list fails once a later signature is
        // added to it (the list must change to name the new one): say so.
        if bad.len() == changed.len() && later && changed.iter().all(|f| *f == list_path) {
            detail = Text::new(
                format!(
                    "{}。唯一被改动的是签名列表 {list_path}：这是因为本签名之后又追加了签名，而本签名保护了该列表；文档内容本身未被改动",
                    detail.zh
                ),
                format!(
                    "{}. The only file changed is the signature list {list_path}: a later signature was appended and this signature protected the list; the document content itself is unchanged",
                    detail.en
                ),
            );
        }
        report.fail(
            CheckId::DocumentReferences,
            SubIndication::HashFailure,
            detail,
        );
    }
    // Coverage: files neither protected nor this signature's own, nor a later signature's
    // (linear in the package's files for all the signatures of the list: crate::coverage).
    let own_dir = sig_path.rsplit_once('/').map_or("", |(d, _)| d);
    let mut own: Vec<usize> = [Some(sig_path.as_str()), Some(info.signed_value.as_str())]
        .into_iter()
        .flatten()
        .filter_map(|p| names.resolve(p).ok().map(|f| f.index))
        .chain(list_index)
        .collect();
    own.extend_from_slice(integrity_files);
    let (coverage, files, dirs) = coverage;
    let coverage = coverage.get_or_init(|| crate::coverage::Coverage::new(files, dirs));
    match coverage.unprotected(place, marks, &protected, &own, own_dir) {
        None => report.pass(
            CheckId::DocumentCoverage,
            Text::new("所有内容文件都受保护", "every content file is protected"),
        ),
        Some(why) => report.warn(CheckId::DocumentCoverage, why),
    }
    // The seal file beside the signature, compared by its SM3 (each file is read once per
    // document however many records name it: a thousand records naming one large entry as
    // their seal file would otherwise have it inflated a thousand times).
    if let (Some(seal_path), Some(raw)) = (&info.seal, &eseal_raw) {
        let file = names.resolve(seal_path);
        let known = match file {
            Ok(f) => Ok(digest(
                pkg,
                digests.table(Method::Sm3, None),
                f,
                &Method::Sm3,
                None,
            )?),
            Err(e) => Err(doc_error(&e)),
        };
        match known {
            Ok(Ok(d)) if d.is(Sm3Digest::of(raw).as_bytes()) => report.pass(
                CheckId::SealFile,
                Text::new(
                    format!("{seal_path} 就是签章数据中的印章"),
                    format!("{seal_path} is the seal inside the signature"),
                ),
            ),
            Ok(Ok(_)) => report.fail(
                CheckId::SealFile,
                SubIndication::SigConstraintsFailure,
                Text::new(
                    format!("{seal_path} 与签章数据中的印章不同（印章文件被替换？）"),
                    format!(
                        "{seal_path} differs from the seal inside the signature (a swapped seal image?)"
                    ),
                ),
            ),
            Ok(Err(why)) => {
                report.fail(CheckId::SealFile, SubIndication::FormatFailure, why.clone())
            }
            Err(why) => report.fail(CheckId::SealFile, SubIndication::FormatFailure, why),
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
    detail: Text,
) {
    report.push(id, outcome, sub, detail);
}

/// The checks of a GB/T 35275 SignedData over the SM3 of `file` (a Type=Sign signature's
/// Signature.xml, or a GM/T 0099 OFDEntries.xml); returns the signer's key.
pub(crate) fn sign_checks(
    report: &mut Report,
    sd: &eseal_ses::gbt35275::SignedData,
    file_digest: &Sm3Digest,
    file: &str,
    kind: Text,
    policy: &VerifyPolicy,
) -> Option<Sm2PublicKey> {
    check(report, CheckId::SignatureType, Outcome::Passed, None, kind);
    if sd.covers(file_digest) {
        check(
            report,
            CheckId::DataHash,
            Outcome::Passed,
            None,
            Text::new(
                format!("{file} 的 SM3 {file_digest} 正是所签内容"),
                format!("SM3 {file_digest} of {file} is what was signed"),
            ),
        );
    } else {
        check(
            report,
            CheckId::DataHash,
            Outcome::Failed,
            Some(SubIndication::HashFailure),
            Text::new(
                format!("SignedData 所签的不是 {file} 的 SM3 {file_digest}：它在签名后被改动过"),
                format!(
                    "the SignedData does not sign SM3 {file_digest} of {file}: it was changed after signing"
                ),
            ),
        );
    }
    let Some(cert) = &sd.signer_cert else {
        check(
            report,
            CheckId::SignerCertificate,
            Outcome::Indeterminate,
            Some(SubIndication::SignedDataNotFound),
            Text::new(
                "SignedData 中没有签名者证书",
                "the signer's certificate is not in the SignedData",
            ),
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
                    Text::new(
                        format!("主体 {}；序列号 {}", info.subject, info.serial),
                        format!("subject {}; serial {}", info.subject, info.serial),
                    ),
                );
                k
            }
            Err(e) => {
                check(
                    report,
                    CheckId::SignerCertificate,
                    Outcome::Indeterminate,
                    Some(SubIndication::CryptoConstraintsFailure),
                    e.prefixed("证书的公钥不可用", "the certificate's key cannot be used"),
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
                e.prefixed("证书无法解析", "the certificate cannot be read"),
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
            Text::new(
                format!("对所签的 {} 字节验证通过", sd.signed_bytes.len()),
                format!("verifies over the {} signed bytes", sd.signed_bytes.len()),
            ),
        ),
        Err(why) => check(
            report,
            CheckId::SignerSignature,
            Outcome::Failed,
            Some(SubIndication::SigCryptoFailure),
            why.prefixed("签名验证不通过", "the signature does not verify"),
        ),
    }
    // No signing time in this form: the certificate is validated at the verification time the
    // caller gives (this library reads no clock).
    match (&policy.chain_validator, policy.now) {
        (Some(v), Some(now)) => {
            let verdict = v.validate(cert, now, eseal_ses::CertificateRole::SignerNow);
            check(
                report,
                CheckId::SignerCertificateChain,
                verdict.outcome,
                verdict.sub_indication,
                verdict.detail,
            );
        }
        (Some(_), None) => check(
            report,
            CheckId::SignerCertificateChain,
            Outcome::Indeterminate,
            Some(SubIndication::NoCertificateChainFound),
            Text::new(
                "此类签名不含签名时间，而调用方未给出验证时间，无法校验证书链",
                "this form carries no signing time and the caller gave no verification time: the chain cannot be validated",
            ),
        ),
        (None, _) => check(
            report,
            CheckId::SignerCertificateChain,
            Outcome::Indeterminate,
            Some(SubIndication::NoCertificateChainFound),
            Text::new(
                "未配置信任锚（请用 --trust 目录给出）",
                "no trust store is configured (give --trust DIR)",
            ),
        ),
    }
    Some(key)
}
