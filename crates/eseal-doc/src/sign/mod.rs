//! Signing an OFD with an SES_Signature (GB/T 33190 §18, formats.md §8.9, "continue" style:
//! Signatures.xml is not protected, so later signatures stay possible and earlier ones keep
//! verifying). Every existing entry is copied byte-identical except OFD.xml (only when it
//! gains its Signatures pointer) and Signatures.xml; the new signature protects every other
//! file, earlier signatures included.

use crate::error::{DocError, SignStep, Text};
use crate::package::{Package, normalise};
use crate::xml::{Node, XmlOut, resolve_loc};
use base64ct::{Base64, Encoding};
use eseal_gm::provider::Sm2Signer;
use eseal_gm::{Sm3Digest, Sm3Hasher};
use eseal_ses::{AnySeal, SignRequest, prepare_signature};
use std::cell::RefCell;
use std::io::{Read, Seek, Write};
use std::rc::Rc;
use time::OffsetDateTime;

mod placement;
mod tee;

use placement::{Stamp, stamps};
use tee::{Content, Sink, Tee};

/// Where the visible stamp goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Placement {
    /// Centred on the first occurrence of a keyword in the pages' text.
    Keyword(String),
    /// A riding seal (骑缝章): one slice per page at the right edge, `y` mm from the top.
    Riding {
        /// y in mm from the page's top edge.
        y: f32,
    },
    /// Page number (1-based) and the stamp's top-left corner in mm.
    Page {
        /// 1-based page number.
        page: usize,
        /// x in mm from the page's left edge.
        x: f32,
        /// y in mm from the page's top edge.
        y: f32,
    },
}

/// `Type` of the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureKind {
    /// 电子签章: an SES_Signature with its seal and a visible stamp.
    Seal,
    /// A plain digital signature: GB/T 35275 SignedData, no seal, no stamp.
    Sign,
}

/// What to sign with.
pub struct OfdSignRequest<'a> {
    /// Seal or plain signature.
    pub kind: SignatureKind,
    /// The seal (required for [`SignatureKind::Seal`]).
    pub seal: Option<&'a AnySeal>,
    /// The signer certificate (DER), listed in the seal.
    pub signer_cert: &'a [u8],
    /// The signing time.
    pub signing_time: OffsetDateTime,
    /// The stamp.
    pub placement: Placement,
    /// A timestamp authority (Seal signatures): given the SES_Signature's signature value, it
    /// returns an RFC 3161 / GM/T 0033 token, written into the SES_Signature's `timeStamp`
    /// field (GB/T 38540 v4 only). `None`: no timestamp.
    pub timestamper: Option<&'a Timestamper<'a>>,
}

/// Returns a timestamp token over the given signature value, or why it could not.
pub use eseal_ses::cms_sign::Timestamper;

impl std::fmt::Debug for OfdSignRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfdSignRequest")
            .field("kind", &self.kind)
            .field("signing_time", &self.signing_time)
            .field("placement", &self.placement)
            .field("timestamper", &self.timestamper.is_some())
            .finish_non_exhaustive()
    }
}

/// Finds `</prefix:Name>` and returns (position, prefix with colon).
fn closing_tag(xml: &str, name: &str) -> Option<(usize, String)> {
    let needle = format!("{name}>");
    let mut from = 0;
    while let Some(rel) = xml.get(from..)?.find(&needle) {
        let at = from + rel;
        let head = xml.get(..at)?;
        if let Some(lt) = head.rfind("</")
            && let Some(prefix) = head.get(lt + 2..)
            && (prefix.is_empty() || (prefix.ends_with(':') && !prefix.contains(['<', '>', ' '])))
        {
            return Some((lt, prefix.to_owned()));
        }
        from = at + needle.len();
    }
    None
}

fn sm3_b64<R: Read + Seek>(pkg: &mut Package<R>, file: &str) -> Result<String, DocError> {
    let mut h = Sm3Hasher::new();
    pkg.stream(file, |b| h.update(b))?;
    Ok(Base64::encode_string(h.finalize().as_bytes()))
}

fn not_utf8(file: &str) -> DocError {
    DocError::Xml {
        file: file.into(),
        why: Text::new("不是 UTF-8 文本", "not UTF-8"),
    }
}

/// Writing the signed package failed (the ZIP writer, or the output under it).
fn io(e: impl Into<zip::result::ZipError>) -> DocError {
    DocError::zip_io(
        "写出签章后的文件包",
        "writing the signed package",
        &e.into(),
    )
}

/// Sign `input` into `output`; returns the signature value written (`SignedValue.dat`: the
/// DER SES_Signature, or the GB/T 35275 SignedData), for the caller's records.
///
/// In steps: the [`Plan`] (where everything goes, the stamps, the new signature list), the
/// package copied entry by entry with each content hashed on the way, the references, the
/// Signature.xml, the signed value over its exact bytes, and the new files written last.
pub fn sign_ofd<R: Read + Seek, W: Write + Seek>(
    input: R,
    output: W,
    request: &OfdSignRequest<'_>,
    signer: &dyn Sm2Signer,
) -> Result<Vec<u8>, DocError> {
    let sink: Rc<RefCell<Option<Sink>>> = Rc::new(RefCell::new(None));
    let mut pkg = Package::open(Tee {
        inner: input,
        sink: sink.clone(),
    })?;
    let plan = Plan::make(&mut pkg, request)?;
    let mut out = Output::new(output, request.signing_time);
    let hashes = out.copy(&mut pkg, &sink, &plan)?;
    let refs = plan.references(&hashes)?;
    let signature_xml = plan.signature_xml(&refs, request.signing_time);
    let value = signed_value(&plan, request, signer, &signature_xml)?;
    out.finish(&plan, &signature_xml, &value)?;
    Ok(value)
}

/// Where the new signature goes and what changes around it, decided before anything is
/// written.
struct Plan<'s> {
    /// The seal (Type=Seal) or none (Type=Sign).
    seal: Option<&'s AnySeal>,
    /// Every file of the input, normalised.
    files: Vec<String>,
    /// The signature list (Signatures.xml) and its new content.
    list_path: String,
    new_list: Vec<u8>,
    /// OFD.xml with its new Signatures pointer, when the document had no list yet.
    new_ofd: Option<Vec<u8>>,
    /// The signature's ID; its stamps take the IDs after it.
    sig_id: u64,
    stamps: Vec<Stamp>,
    /// The new files: `Sign_k/Signature.xml`, `Seal.esl`, `SignedValue.dat`.
    signature_path: String,
    seal_path: String,
    value_path: String,
}

impl<'s> Plan<'s> {
    fn make<R: Read + Seek>(
        pkg: &mut Package<R>,
        request: &OfdSignRequest<'s>,
    ) -> Result<Self, DocError> {
        let ofd_bytes = pkg.read("OFD.xml")?;
        let ofd = Node::parse(&ofd_bytes, "OFD.xml")?;
        let body = ofd.child("DocBody").ok_or_else(|| DocError::Xml {
            file: "OFD.xml".into(),
            why: Text::new("缺少 DocBody", "no DocBody"),
        })?;
        let doc_root = normalise(&resolve_loc(
            &body
                .child("DocRoot")
                .map(|d| d.text.clone())
                .unwrap_or_default(),
            "",
        ))?;
        let doc_dir = doc_root
            .rsplit_once('/')
            .map_or(String::new(), |(d, _)| d.to_owned());

        // The signature list: existing, or new (then OFD.xml gains the pointer).
        let (list_path, new_ofd) = match body.child("Signatures") {
            Some(s) => (pkg.resolve(&resolve_loc(&s.text, ""))?, None),
            None => {
                let path = format!("{doc_dir}/Signs/Signatures.xml")
                    .trim_start_matches('/')
                    .to_owned();
                (path.clone(), Some(with_pointer(&ofd_bytes, &path)?))
            }
        };
        let list_dir = list_path
            .rsplit_once('/')
            .map_or(String::new(), |(d, _)| d.to_owned());
        let old_list = match pkg.read(&list_path).ok() {
            Some(b) => Some(Node::parse(&b, &list_path)?),
            None => None,
        };
        let seal = match (request.kind, request.seal) {
            (SignatureKind::Seal, Some(seal)) => Some(seal),
            (SignatureKind::Seal, None) => {
                return Err(DocError::Sign {
                    step: SignStep::Seal,
                    why: Text::new(
                        "Type=Seal 的签章需要一枚印章",
                        "a Type=Seal signature needs a seal",
                    ),
                });
            }
            (SignatureKind::Sign, _) => None,
        };
        let stamps = match seal {
            Some(seal) => {
                let view = seal.view().map_err(|e| DocError::Sign {
                    step: SignStep::Seal,
                    why: Text::new(e.zh(), e.to_string()),
                })?;
                let (w, h) = (view.picture.width as f32, view.picture.height as f32);
                let doc = Node::parse(&pkg.read(&doc_root)?, &doc_root)?;
                stamps(pkg, &doc, &doc_root, &request.placement, w, h)?
            }
            None => Vec::new(),
        };
        // Signatures and stamp annotations share the MaxSignId counter (formats.md §8.2).
        let sig_id = old_list.as_ref().map_or(0, max_sign_id) + 1;
        let last_id = sig_id + stamps.len() as u64;
        let files = pkg.files();
        let k = (0..10_000)
            .find(|k| {
                !files
                    .iter()
                    .any(|f| f.starts_with(&format!("{list_dir}/Sign_{k}/")))
            })
            .unwrap_or(0);
        let sign_dir = format!("{list_dir}/Sign_{k}")
            .trim_start_matches('/')
            .to_owned();
        let signature_path = format!("{sign_dir}/Signature.xml");
        let new_list = signature_list(
            old_list.as_ref(),
            last_id,
            sig_id,
            if seal.is_some() { "Seal" } else { "Sign" },
            &signature_path,
        );
        Ok(Plan {
            seal,
            files,
            list_path,
            new_list,
            new_ofd,
            sig_id,
            stamps,
            seal_path: format!("{sign_dir}/Seal.esl"),
            value_path: format!("{sign_dir}/SignedValue.dat"),
            signature_path,
        })
    }

    /// Every file as it will be in the output with its SM3 (base64), except Signatures.xml
    /// and this signature's own Signature.xml and SignedValue.dat; the seal file too.
    fn references(
        &self,
        hashes: &std::collections::HashMap<String, String>,
    ) -> Result<Vec<(String, String)>, DocError> {
        let mut refs = Vec::new();
        for f in &self.files {
            if *f == self.list_path {
                continue;
            }
            let value = hashes
                .get(f)
                .cloned()
                .ok_or_else(|| DocError::Missing(f.clone()))?;
            refs.push((f.clone(), value));
        }
        if let Some(seal) = self.seal {
            refs.push((
                self.seal_path.clone(),
                Base64::encode_string(Sm3Digest::of(seal.raw()).as_bytes()),
            ));
        }
        Ok(refs)
    }

    /// The exact bytes of Signature.xml (the signed value is over them).
    fn signature_xml(&self, refs: &[(String, String)], at: OffsetDateTime) -> Vec<u8> {
        let when = at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let mut x = XmlOut::document("Signature", &[]);
        x.open("SignedInfo", &[]).empty(
            "Provider",
            &[
                ("ProviderName", "eseal"),
                ("Version", env!("CARGO_PKG_VERSION")),
                ("Company", "eseal"),
            ],
        );
        x.text("SignatureMethod", &[], "1.2.156.10197.1.501")
            .text("SignatureDateTime", &[], &when)
            .open("References", &[("CheckMethod", "1.2.156.10197.1.401")]);
        for (f, v) in refs {
            x.open("Reference", &[("FileRef", &format!("/{f}"))])
                .text("CheckValue", &[], v)
                .close("Reference");
        }
        x.close("References");
        for (n, st) in self.stamps.iter().enumerate() {
            let id = (self.sig_id + 1 + n as u64).to_string();
            let mut attrs = vec![
                ("ID", id.as_str()),
                ("PageRef", st.page_id.as_str()),
                ("Boundary", st.boundary.as_str()),
            ];
            if let Some(c) = &st.clip {
                attrs.push(("Clip", c.as_str()));
            }
            x.empty("StampAnnot", &attrs);
        }
        if self.seal.is_some() {
            x.open("Seal", &[])
                .text("BaseLoc", &[], &format!("/{}", self.seal_path))
                .close("Seal");
        }
        x.close("SignedInfo")
            .text("SignedValue", &[], &format!("/{}", self.value_path))
            .close("Signature");
        x.finish()
    }
}

/// The highest ID the list has given: its MaxSignId or a signature's own, whichever is more.
fn max_sign_id(list: &Node) -> u64 {
    let number = |t: &str| {
        t.trim_start_matches(|c: char| !c.is_ascii_digit())
            .parse::<u64>()
            .ok()
    };
    let from_records = list
        .all("Signature")
        .filter_map(|s| s.attr("ID"))
        .filter_map(number)
        .max();
    let declared = list.all("MaxSignId").filter_map(|m| number(&m.text)).max();
    from_records.max(declared).unwrap_or(0)
}

/// The new Signatures.xml: the earlier records as they were (every attribute kept), then the
/// new one, and the new MaxSignId. The list is not protected by any signature ("continue"
/// style), so it is written anew rather than edited.
fn signature_list(
    old: Option<&Node>,
    max_id: u64,
    sig_id: u64,
    kind: &str,
    signature_path: &str,
) -> Vec<u8> {
    let mut x = XmlOut::document("Signatures", &[]);
    x.text("MaxSignId", &[], &max_id.to_string());
    for s in old.into_iter().flat_map(|l| l.all("Signature")) {
        let attrs: Vec<(&str, &str)> = s
            .attrs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        x.empty("Signature", &attrs);
    }
    let id = sig_id.to_string();
    let base = format!("/{signature_path}");
    x.empty(
        "Signature",
        &[("ID", &id), ("Type", kind), ("BaseLoc", &base)],
    )
    .close("Signatures");
    x.finish()
}

/// OFD.xml with a `Signatures` pointer to `list` as the last child of DocBody. The pointer is
/// written by the XML writer in the file's own prefix; the rest of the file keeps its bytes
/// (other readers' namespaces, comments and layout).
fn with_pointer(ofd: &[u8], list: &str) -> Result<Vec<u8>, DocError> {
    let text = std::str::from_utf8(ofd).map_err(|_| not_utf8("OFD.xml"))?;
    let (at, prefix) = closing_tag(text, "DocBody").ok_or_else(|| DocError::Xml {
        file: "OFD.xml".into(),
        why: Text::new("缺少 </DocBody>", "no </DocBody>"),
    })?;
    let mut pointer = XmlOut::fragment(&prefix);
    pointer.text("Signatures", &[], &format!("/{list}"));
    let mut out = Vec::with_capacity(ofd.len() + 64);
    out.extend_from_slice(&ofd[..at]);
    out.extend_from_slice(&pointer.finish());
    out.extend_from_slice(&ofd[at..]);
    Ok(out)
}

/// The signature over the exact bytes of Signature.xml: an SES_Signature (Seal), with the
/// TSA's timestamp when there is one, or a GB/T 35275 SignedData over its SM3 (Sign).
fn signed_value(
    plan: &Plan<'_>,
    request: &OfdSignRequest<'_>,
    signer: &dyn Sm2Signer,
    signature_xml: &[u8],
) -> Result<Vec<u8>, DocError> {
    let failed = |e: eseal_ses::SesError| DocError::Sign {
        step: SignStep::Signature,
        why: Text::new(e.zh(), e.to_string()),
    };
    let Some(seal) = plan.seal else {
        return eseal_ses::gbt35275::make_signed_data(
            &Sm3Digest::of(signature_xml),
            request.signer_cert,
            signer,
        )
        .map_err(failed);
    };
    let prepared = prepare_signature(
        seal,
        request.signer_cert,
        &SignRequest {
            data_hash: Sm3Digest::of(signature_xml),
            signing_time: request.signing_time,
            property_info: format!("/{}", plan.signature_path),
        },
    )
    .map_err(failed)?;
    let signed = prepared.sign(signer).map_err(failed)?;
    let Some(tsa) = request.timestamper else {
        return Ok(signed.raw().to_vec());
    };
    let token = tsa(signed.view().signature).map_err(|why| DocError::Sign {
        step: SignStep::Timestamp,
        why: Text::new(
            "时间戳服务未能签发时间戳",
            format!("the TSA gave no timestamp: {why}"),
        ),
    })?;
    Ok(signed.with_timestamp(token).map_err(failed)?.raw().to_vec())
}

/// The output package: existing entries copied byte for byte, OFD.xml and the list
/// replaced, the new files added at the end.
struct Output<W: Write + Seek> {
    zip: zip::ZipWriter<W>,
    opts: zip::write::SimpleFileOptions,
    wrote_list: bool,
}

impl<W: Write + Seek> Output<W> {
    fn new(output: W, at: OffsetDateTime) -> Self {
        let stamp = zip::DateTime::from_date_and_time(
            u16::try_from(at.year()).unwrap_or(1980),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second(),
        )
        .unwrap_or_default();
        Self {
            zip: zip::ZipWriter::new(output),
            opts: zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .last_modified_time(stamp),
            wrote_list: false,
        }
    }

    fn write(&mut self, name: &str, bytes: &[u8]) -> Result<(), DocError> {
        self.zip.start_file(name, self.opts).map_err(io)?;
        self.zip.write_all(bytes).map_err(io)
    }

    /// Writes a binary entry without compression: the seal (DER with its picture, a PNG,
    /// already compressed) and the signed value (DER, random-looking) do not shrink, and
    /// deflating them cost more than the rest of the package's writing (issue 22 profile).
    fn write_stored(&mut self, name: &str, bytes: &[u8]) -> Result<(), DocError> {
        let opts = self.opts.compression_method(zip::CompressionMethod::Stored);
        self.zip.start_file(name, opts).map_err(io)?;
        self.zip.write_all(bytes).map_err(io)
    }

    /// Copies every entry (OFD.xml and the list replaced as planned) and returns the SM3
    /// (base64) of each file's content as it is in the output.
    fn copy<R: Read + Seek>(
        &mut self,
        pkg: &mut Package<Tee<R>>,
        sink: &Rc<RefCell<Option<Sink>>>,
        plan: &Plan<'_>,
    ) -> Result<std::collections::HashMap<String, String>, DocError> {
        let mut hashes = std::collections::HashMap::new();
        let mut unhashed: Vec<String> = Vec::new();
        for i in 0..pkg.entry_count() {
            let (entry, raw_name) = pkg.raw_entry(i)?;
            let f = if entry.is_dir() {
                String::new()
            } else {
                normalise(&raw_name)?
            };
            if let (true, Some(bytes)) = (f == "OFD.xml", &plan.new_ofd) {
                drop(entry);
                self.write("OFD.xml", bytes)?;
                hashes.insert(f, Base64::encode_string(Sm3Digest::of(bytes).as_bytes()));
            } else if f == plan.list_path {
                drop(entry);
                self.write(&f, &plan.new_list)?;
                self.wrote_list = true;
            } else {
                // Copy the entry byte for byte and hash its content on the way (one pass).
                let (declared, crc32) = (entry.size(), entry.crc32());
                let armed = match entry.compression() {
                    zip::CompressionMethod::Stored => Some(Sink::Stored(Content::new())),
                    zip::CompressionMethod::Deflated => Some(Sink::Deflated(
                        flate2::write::DeflateDecoder::new(Content::new()),
                    )),
                    _ => None,
                };
                let hashed_here = armed.is_some();
                *sink.borrow_mut() = armed;
                let copied = self.zip.raw_copy_file(entry);
                let taken = sink.borrow_mut().take();
                copied.map_err(io)?;
                match (hashed_here, taken) {
                    (true, Some(t)) => {
                        hashes.insert(f.clone(), t.finish(&raw_name, declared, crc32)?);
                    }
                    _ => unhashed.push(f),
                }
            }
        }
        // Entries in a compression this reader cannot inflate on the fly are hashed apart.
        for f in unhashed {
            if !f.is_empty() {
                let v = sm3_b64(pkg, &f)?;
                hashes.insert(f, v);
            }
        }
        Ok(hashes)
    }

    /// The list (when the document had none), the seal, Signature.xml and the signed value.
    fn finish(
        mut self,
        plan: &Plan<'_>,
        signature_xml: &[u8],
        value: &[u8],
    ) -> Result<(), DocError> {
        if !self.wrote_list {
            self.write(&plan.list_path, &plan.new_list)?;
        }
        if let Some(seal) = plan.seal {
            self.write_stored(&plan.seal_path, seal.raw())?;
        }
        self.write(&plan.signature_path, signature_xml)?;
        self.write_stored(&plan.value_path, value)?;
        let mut inner = self.zip.finish().map_err(io)?;
        inner.flush().map_err(io)
    }
}
