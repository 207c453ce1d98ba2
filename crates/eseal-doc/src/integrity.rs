//! GM/T 0099-2020 integrity protection of an OFD package (防夹带, annex D; formats.md §8.13):
//! `OFDEntries.xml` at the package root lists the package's files, and a GB/T 35275
//! SignedData over its SM3 (`SignedValueLoc`, usually `/signedvalue.dat`) signs the list.
//!
//! ```xml
//! <ofd:OFDEntries xmlns:ofd="http://www.ofdspec.org/2016" ID="1" CreatorName="…"
//!                 Version="…" CreationDate="2026-12-02">
//!   <ofd:FileList>
//!     <ofd:File ID="2" FileLoc="/OFD.xml" CheckValue="base64 SM3"/>   CheckValue: eseal's
//!     …                                                                addition, optional
//!   </ofd:FileList>
//!   <ofd:SignedValueLoc>/signedvalue.dat</ofd:SignedValueLoc>
//! </ofd:OFDEntries>
//! ```
//!
//! The one public implementation (ofdrw) names the root `DocEntries` and lists paths only; a
//! list without digests proves which files belong to the package, not what they hold, and the
//! report says so. eseal writes an SM3 `CheckValue` on every `File` and verifies it wherever
//! it is present. Verification (GM/T 0099 §7.4.6): the SignedData signs the SM3 of the exact
//! bytes of OFDEntries.xml and verifies with the signer's certificate; every listed file is in
//! the package (and matches its CheckValue); no file outside the list is in the package except
//! OFDEntries.xml and the signature value itself (a file outside the list is 夹带, smuggled).

use crate::digests::{Digests, Method, digest};
use crate::error::DocError;
use crate::ofd::{SignatureResult, sign_checks};
use crate::package::{Package, normalise};
use crate::xml::Node;
use base64ct::{Base64, Encoding};
use eseal_gm::Sm3Digest;
use eseal_gm::provider::Sm2Signer;
use eseal_ses::{CheckId, Report, SubIndication, Text, VerifyPolicy};
use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Seek, Write};
use time::OffsetDateTime;

/// The file name GM/T 0099 fixes for the list.
pub const ENTRIES_FILE: &str = "OFDEntries.xml";
/// Where eseal writes the signature value (as ofdrw does).
pub const SIGNED_VALUE_FILE: &str = "signedvalue.dat";

/// The kind shown in reports.
pub const KIND: &str = "GM/T 0099";

/// One `File` of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    loc: String,
    check_value: Option<String>,
}

/// What OFDEntries.xml says.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entries {
    id: String,
    creator: String,
    files: Vec<Entry>,
    signed_value: String,
}

fn parse_entries(node: &Node, path: &str) -> Result<Entries, DocError> {
    let err = |zh: &str, en: &str| DocError::Xml {
        file: path.to_owned(),
        why: Text::new(zh, en),
    };
    if node.name != "OFDEntries" && node.name != "DocEntries" {
        return Err(err(
            "根元素既不是 OFDEntries 也不是 DocEntries",
            "the root element is neither OFDEntries nor DocEntries",
        ));
    }
    let list = node
        .child("FileList")
        .ok_or_else(|| err("缺少 FileList", "no FileList"))?;
    let files: Vec<Entry> = list
        .all("File")
        .map(|f| Entry {
            loc: f.attr("FileLoc").unwrap_or_default().trim().to_owned(),
            check_value: f.attr("CheckValue").map(|v| v.trim().to_owned()),
        })
        .collect();
    if files.len() > crate::package::MAX_ENTRIES {
        return Err(DocError::Limit(Text::new(
            format!(
                "{path} 列出了 {} 个文件；一个文件包最多 {} 个",
                files.len(),
                crate::package::MAX_ENTRIES
            ),
            format!(
                "{path} lists {} files; a package holds at most {}",
                files.len(),
                crate::package::MAX_ENTRIES
            ),
        )));
    }
    if files.iter().any(|f| f.loc.is_empty()) {
        return Err(err("有一个 File 缺少 FileLoc", "a File has no FileLoc"));
    }
    let signed_value = node
        .child("SignedValueLoc")
        .map(|s| s.text.clone())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| err("缺少 SignedValueLoc", "no SignedValueLoc"))?;
    Ok(Entries {
        id: node.attr("ID").unwrap_or_default().to_owned(),
        creator: node.attr("CreatorName").unwrap_or_default().to_owned(),
        files,
        signed_value,
    })
}

/// The files of the package's integrity protection (OFDEntries.xml and its signature
/// value), if it has one.
pub(crate) fn own_files<R: Read + Seek>(pkg: &mut Package<R>) -> Vec<String> {
    let Some(entries) = pkg
        .files()
        .into_iter()
        .find(|f| f.eq_ignore_ascii_case(ENTRIES_FILE))
    else {
        return Vec::new();
    };
    let value = pkg
        .read(&entries)
        .and_then(|b| Node::parse(&b, &entries))
        .and_then(|n| parse_entries(&n, &entries))
        .and_then(|e| pkg.resolve(&e.signed_value));
    let mut files = vec![entries];
    files.extend(value);
    files
}

/// Verify the package's integrity signature, if it has one (`Ok(None)`: no OFDEntries.xml).
/// `Err` only when the work stopped ([`DocError::stops_work`]).
pub(crate) fn verify_integrity<R: Read + Seek>(
    pkg: &mut Package<R>,
    digests: &mut Digests,
    policy: &VerifyPolicy,
) -> Result<Option<SignatureResult>, DocError> {
    let Some(entries_path) = pkg
        .files()
        .into_iter()
        .find(|f| f.eq_ignore_ascii_case(ENTRIES_FILE))
    else {
        return Ok(None);
    };
    let mut result = SignatureResult {
        id: String::new(),
        kind: KIND.into(),
        signature_xml: entries_path.clone(),
        provider: String::new(),
        seal_name: None,
        seal_picture: None,
        indication: eseal_ses::Indication::Failed,
        sub_indication: Some(SubIndication::FormatFailure),
        report: Report::default(),
        advice: None,
        signed_value: Vec::new(),
    };
    let done = |mut r: SignatureResult| {
        r.indication = r.report.indication();
        r.sub_indication = r.report.sub_indication();
        Ok(Some(r))
    };
    let structure = |r: &mut SignatureResult, e: &DocError| {
        r.report.fail(
            CheckId::Structure,
            SubIndication::FormatFailure,
            Text::new(
                format!("GM/T 0099 完整性保护：{}", e.zh()),
                format!("GM/T 0099 integrity protection: {e}"),
            ),
        )
    };
    let bytes = match pkg.read(&entries_path) {
        Ok(b) => b,
        Err(e) if e.stops_work() => return Err(e),
        Err(e) => {
            structure(&mut result, &e);
            return done(result);
        }
    };
    let entries =
        match Node::parse(&bytes, &entries_path).and_then(|n| parse_entries(&n, &entries_path)) {
            Ok(e) => e,
            Err(e) if e.stops_work() => return Err(e),
            Err(e) => {
                structure(&mut result, &e);
                return done(result);
            }
        };
    result.id = entries.id.clone();
    result.provider = entries.creator.clone();
    let value_path = match pkg.resolve(&entries.signed_value) {
        Ok(p) => p,
        Err(e) => {
            structure(&mut result, &e);
            return done(result);
        }
    };
    let value = match pkg.read(&value_path) {
        Ok(v) => v,
        Err(e) if e.stops_work() => return Err(e),
        Err(e) => {
            structure(&mut result, &e);
            return done(result);
        }
    };
    result.signed_value = value.clone();

    // The signature over the list.
    match eseal_ses::gbt35275::SignedData::decode(&value) {
        Ok(sd) => {
            sign_checks(
                &mut result.report,
                &sd,
                &Sm3Digest::of(&bytes),
                &entries_path,
                Text::new(
                    "GM/T 0099 完整性签名：GB/T 35275 SignedData",
                    "GM/T 0099 integrity signature: GB/T 35275 SignedData",
                ),
                policy,
            );
        }
        Err(_) => {
            result.report.indeterminate(
                CheckId::SignatureType,
                SubIndication::SignedDataNotFound,
                Text::new(
                    format!(
                        "不支持的签名类型：{value_path} 不是 GB/T 35275 SignedData，无法核验这个 GM/T 0099 完整性签名"
                    ),
                    format!(
                        "unsupported signature kind: {value_path} is not a GB/T 35275 SignedData, so this GM/T 0099 integrity signature cannot be verified"
                    ),
                ),
            );
        }
    }

    // The listed files: present, and matching their CheckValue where one is given.
    let mut listed = BTreeSet::new();
    let mut repeated = BTreeSet::new();
    let mut missing = Vec::new();
    let mut changed = Vec::new();
    let mut unusable = Vec::new();
    let mut without_digest = 0usize;
    let names = pkg.names();
    let sm3 = digests.table(Method::Sm3, None);
    for f in &entries.files {
        let file = match names.resolve(&f.loc) {
            Ok(file) => file,
            Err(DocError::Missing(p)) => {
                missing.push(p);
                continue;
            }
            Err(e) => {
                unusable.push(Text::new(e.zh(), e.to_string()));
                continue;
            }
        };
        let path = file.name.to_owned();
        if !listed.insert(path.clone()) {
            repeated.insert(path.clone());
        }
        let Some(expected) = &f.check_value else {
            without_digest += 1;
            continue;
        };
        match digest(pkg, sm3, file, &Method::Sm3, None)? {
            Ok(d) if d.matches(expected) => {}
            Ok(_) => changed.push(path),
            Err(why) => unusable.push(why.clone()),
        }
    }
    if !repeated.is_empty() {
        let list = repeated.into_iter().collect::<Vec<_>>().join(", ");
        result.report.warn(
            CheckId::DocumentReferences,
            Text::new(
                format!("文件清单中重复列出（只核验一次）：{list}"),
                format!("listed more than once (checked once): {list}"),
            ),
        );
    }
    if missing.is_empty() && changed.is_empty() && unusable.is_empty() {
        if without_digest == 0 {
            result.report.pass(
                CheckId::DocumentReferences,
                Text::new(
                    format!(
                        "清单中的 {} 个文件都在包内，且与其 SM3 校验值一致",
                        entries.files.len()
                    ),
                    format!(
                        "the {} listed files are in the package and match their SM3 check values",
                        entries.files.len()
                    ),
                ),
            );
        } else {
            result.report.warn(
                CheckId::DocumentReferences,
                Text::new(
                    format!(
                        "清单中的 {} 个文件都在包内；其中 {without_digest} 个没有校验值（ofdrw 的写法）：这个签名证明包内有哪些文件，不证明这些文件的内容",
                        entries.files.len()
                    ),
                    format!(
                        "the {} listed files are in the package; {without_digest} of them carry no check value (as ofdrw writes them): this signature proves which files the package holds, not their content",
                        entries.files.len()
                    ),
                ),
            );
        }
    } else {
        let mut zh = Vec::new();
        let mut en = Vec::new();
        if !missing.is_empty() {
            zh.push(format!(
                "清单中的文件不在包内（被删除）：{}",
                missing.join(", ")
            ));
            en.push(format!(
                "listed but not in the package (removed): {}",
                missing.join(", ")
            ));
        }
        if !changed.is_empty() {
            zh.push(format!(
                "已被改动（SM3 与清单中的校验值不符）：{}",
                changed.join(", ")
            ));
            en.push(format!(
                "changed (SM3 differs from the listed check value): {}",
                changed.join(", ")
            ));
        }
        for u in &unusable {
            zh.push(u.zh.clone());
            en.push(u.en.clone());
        }
        result.report.fail(
            CheckId::DocumentReferences,
            SubIndication::HashFailure,
            Text::new(zh.join("；"), en.join("; ")),
        );
    }

    // Nothing smuggled in: every file of the package is listed, but the list and its signature.
    let extra: Vec<String> = pkg
        .files()
        .into_iter()
        .filter(|f| !listed.contains(f) && f != &entries_path && f != &value_path)
        .collect();
    if extra.is_empty() {
        result.report.pass(
            CheckId::DocumentCoverage,
            Text::new(
                "包内没有清单以外的文件（无夹带）",
                "the package holds no file outside the list (nothing smuggled in)",
            ),
        );
    } else {
        let list = extra.join(", ");
        let in_signs = extra
            .iter()
            .all(|f| f.split('/').any(|p| p.eq_ignore_ascii_case("Signs")));
        let (zh_why, en_why) = if in_signs {
            (
                "：这些都是签名文件，说明完整性保护之后又加了签名或签章；完整性保护应是最后一步，请由文件的合成方重新做完整性保护",
                ": all are signature files, so a signature or seal was added after the integrity protection; the protection must be the last step, ask the document's producer to protect it again",
            )
        } else {
            (
                "：文件在完整性保护之后被加入了包内（夹带）",
                ": files were put into the package after its integrity protection (smuggled)",
            )
        };
        result.report.fail(
            CheckId::DocumentCoverage,
            SubIndication::HashFailure,
            Text::new(
                format!("包内有清单以外的文件 {list}{zh_why}"),
                format!("files outside the list: {list}{en_why}"),
            ),
        );
    }
    done(result)
}

/// What an integrity protection is made with.
#[derive(Debug, Clone, Copy)]
pub struct ProtectRequest<'a> {
    /// The producer's certificate (DER), whose key signs.
    pub signer_cert: &'a [u8],
    /// `CreationDate` (the date is written).
    pub time: OffsetDateTime,
    /// `CreatorName`.
    pub creator: &'a str,
}

/// Protect `input` into `output` (GM/T 0099 §7.4.3): every entry copied byte for byte, a
/// fresh OFDEntries.xml listing each file with its SM3, and `signedvalue.dat` (the
/// SignedData over the list's SM3). An existing protection is replaced. Returns the bytes of
/// OFDEntries.xml written.
pub fn protect_ofd<R: Read + Seek, W: Write + Seek>(
    input: R,
    output: W,
    request: &ProtectRequest<'_>,
    signer: &dyn Sm2Signer,
) -> Result<Vec<u8>, DocError> {
    let mut pkg = Package::open(input)?;
    // An earlier protection (its list and signature value) is dropped, not listed.
    let mut dropped: BTreeSet<String> = own_files(&mut pkg).into_iter().collect();
    if let Ok(p) = pkg.resolve(SIGNED_VALUE_FILE) {
        dropped.insert(p);
    }
    let files: Vec<String> = pkg
        .files()
        .into_iter()
        .filter(|f| !dropped.contains(f))
        .collect();
    let mut sums = HashMap::new();
    for f in &files {
        let mut h = eseal_gm::Sm3Hasher::new();
        pkg.stream(f, |b| h.update(b))?;
        sums.insert(f.clone(), Base64::encode_string(h.finalize().as_bytes()));
    }
    let date = request.time.date();
    let created = format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    );
    let mut x = crate::xml::XmlOut::document(
        "OFDEntries",
        &[
            ("ID", "1"),
            ("CreatorName", request.creator),
            ("Version", env!("CARGO_PKG_VERSION")),
            ("CreationDate", &created),
        ],
    );
    x.open("FileList", &[]);
    for (i, f) in files.iter().enumerate() {
        let id = (i + 2).to_string();
        let loc = format!("/{f}");
        x.empty(
            "File",
            &[
                ("ID", &id),
                ("FileLoc", &loc),
                (
                    "CheckValue",
                    sums.get(f).map(String::as_str).unwrap_or_default(),
                ),
            ],
        );
    }
    x.close("FileList")
        .text("SignedValueLoc", &[], &format!("/{SIGNED_VALUE_FILE}"))
        .close("OFDEntries");
    let entries = x.finish();
    let value = eseal_ses::gbt35275::make_signed_data(
        &Sm3Digest::of(&entries),
        request.signer_cert,
        signer,
    )
    .map_err(|e| DocError::Xml {
        file: SIGNED_VALUE_FILE.into(),
        why: Text::new(e.zh(), e.to_string()),
    })?;

    let mut out = zip::ZipWriter::new(output);
    let werr = |e: zip::result::ZipError| DocError::zip_io("写出文件包", "writing the package", &e);
    for i in 0..pkg.entry_count() {
        let (entry, name) = pkg.raw_entry(i)?;
        if !entry.is_dir() && dropped.contains(&normalise(&name)?) {
            continue;
        }
        out.raw_copy_file(entry).map_err(werr)?;
    }
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in [(ENTRIES_FILE, &entries), (SIGNED_VALUE_FILE, &value)] {
        out.start_file(name, opts).map_err(werr)?;
        out.write_all(data)
            .map_err(|e| DocError::io("写出文件包", "writing the package", &e))?;
    }
    out.finish().map_err(werr)?;
    Ok(entries)
}
