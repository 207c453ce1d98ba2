//! Signing an OFD with an SES_Signature (GB/T 33190 §18, formats.md §8.9, "continue" style:
//! Signatures.xml is not protected, so later signatures stay possible and earlier ones keep
//! verifying). Every existing entry is copied byte-identical except OFD.xml (only when it
//! gains its Signatures pointer) and Signatures.xml; the new signature protects every other
//! file, earlier signatures included.

use crate::error::{DocError, Text};
use crate::package::{Package, normalise};
use crate::xml::{Node, resolve_loc};
use base64ct::{Base64, Encoding};
use eseal_gm::provider::Sm2Signer;
use eseal_gm::{Sm3Digest, Sm3Hasher};
use eseal_ses::{AnySeal, SignRequest, prepare_signature};
use std::cell::RefCell;
use std::io::{Read, Seek, Write};
use std::rc::Rc;
use time::OffsetDateTime;

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
pub type Timestamper<'a> = dyn Fn(&[u8]) -> Result<Vec<u8>, String> + 'a;

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

/// Text escaped for an XML attribute or element.
pub(crate) fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Sign `input` into `output`; returns the signature value written (`SignedValue.dat`: the
/// DER SES_Signature, or the GB/T 35275 SignedData), for the caller's records.
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
    let ofd_bytes = pkg.read("OFD.xml")?;
    let ofd_text = String::from_utf8(ofd_bytes.clone()).map_err(|_| DocError::Xml {
        file: "OFD.xml".into(),
        why: Text::new("不是 UTF-8 文本", "not UTF-8"),
    })?;
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
            let (at, prefix) = closing_tag(&ofd_text, "DocBody").ok_or_else(|| DocError::Xml {
                file: "OFD.xml".into(),
                why: Text::new("缺少 </DocBody>", "no </DocBody>"),
            })?;
            let mut t = ofd_text.clone();
            t.insert_str(
                at,
                &format!("<{prefix}Signatures>/{path}</{prefix}Signatures>"),
            );
            (path, Some(t.into_bytes()))
        }
    };
    let list_dir = list_path
        .rsplit_once('/')
        .map_or(String::new(), |(d, _)| d.to_owned());
    let old_list = pkg.read(&list_path).ok();

    // IDs: signatures and stamp annotations share the MaxSignId counter (formats.md §8.2).
    let max_id = old_list
        .as_ref()
        .and_then(|b| Node::parse(b, &list_path).ok())
        .map(|n| {
            let from_records = n
                .all("Signature")
                .filter_map(|s| s.attr("ID"))
                .filter_map(|id| {
                    id.trim_start_matches(|c: char| !c.is_ascii_digit())
                        .parse::<u64>()
                        .ok()
                })
                .max();
            let declared = n
                .all("MaxSignId")
                .filter_map(|m| {
                    m.text
                        .trim_start_matches(|c: char| !c.is_ascii_digit())
                        .parse::<u64>()
                        .ok()
                })
                .max();
            from_records.max(declared).unwrap_or(0)
        })
        .unwrap_or(0);
    let seal = match (request.kind, request.seal) {
        (SignatureKind::Seal, Some(seal)) => Some(seal),
        (SignatureKind::Seal, None) => {
            return Err(DocError::Xml {
                file: "seal".into(),
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
            let view = seal.view().map_err(|e| DocError::Xml {
                file: "seal".into(),
                why: Text::new(e.zh(), e.to_string()),
            })?;
            let (w, h) = (view.picture.width as f32, view.picture.height as f32);
            let doc = Node::parse(&pkg.read(&doc_root)?, &doc_root)?;
            stamps(&mut pkg, &doc, &doc_root, &request.placement, w, h)?
        }
        None => Vec::new(),
    };
    let sig_id = max_id + 1;
    let annot_id = max_id + 1 + stamps.len() as u64;
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
    let sig_xml_path = format!("{sign_dir}/Signature.xml");
    let seal_path = format!("{sign_dir}/Seal.esl");
    let value_path = format!("{sign_dir}/SignedValue.dat");

    // The new list.
    let record = format!(
        "<ofd:Signature ID=\"{sig_id}\" Type=\"{}\" BaseLoc=\"/{sig_xml_path}\"/>",
        if seal.is_some() { "Seal" } else { "Sign" }
    );
    let new_list = match &old_list {
        Some(b) => {
            let mut t = String::from_utf8(b.clone()).map_err(|_| DocError::Xml { file: list_path.clone(), why: Text::new("不是 UTF-8 文本", "not UTF-8") })?;
            let (at, prefix) = closing_tag(&t, "Signatures").ok_or_else(|| DocError::Xml { file: list_path.clone(), why: Text::new("缺少 </Signatures>", "no </Signatures>") })?;
            t.insert_str(at, &record.replace("ofd:", &prefix));
            match closing_tag(&t, "MaxSignId") {
                Some((end, p)) => {
                    let open = format!("<{p}MaxSignId>");
                    if let Some(start) = t.get(..end).and_then(|h| h.rfind(&open)) {
                        t.replace_range(start + open.len()..end, &annot_id.to_string());
                    }
                }
                None => {
                    let (at, prefix) = closing_tag(&t, "Signatures").ok_or_else(|| DocError::Xml { file: list_path.clone(), why: Text::new("缺少 </Signatures>", "no </Signatures>") })?;
                    t.insert_str(at, &format!("<{prefix}MaxSignId>{annot_id}</{prefix}MaxSignId>"));
                }
            }
            t.into_bytes()
        }
        None => format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ofd:Signatures xmlns:ofd=\"http://www.ofdspec.org/2016\"><ofd:MaxSignId>{annot_id}</ofd:MaxSignId>{record}</ofd:Signatures>").into_bytes(),
    };

    // Write: existing entries byte-identical (raw copy), OFD.xml and the list replaced, new files added.
    let mut out = zip::ZipWriter::new(output);
    let t = request.signing_time;
    let stamp = zip::DateTime::from_date_and_time(
        u16::try_from(t.year()).unwrap_or(1980),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
    )
    .unwrap_or_default();
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(stamp);
    let werr = |e: zip::result::ZipError| DocError::Io(e.to_string());
    let mut replaced_list = false;
    let mut hashes: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut unhashed: Vec<String> = Vec::new();
    for i in 0..pkg.entry_count() {
        let (entry, raw_name) = pkg.raw_entry(i)?;
        let f = if entry.is_dir() {
            String::new()
        } else {
            normalise(&raw_name)?
        };
        if f == "OFD.xml" && new_ofd.is_some() {
            drop(entry);
            out.start_file("OFD.xml", opts).map_err(werr)?;
            let bytes = new_ofd.as_deref().unwrap_or_default();
            out.write_all(bytes)
                .map_err(|e| DocError::Io(e.to_string()))?;
            hashes.insert(
                f.clone(),
                Base64::encode_string(Sm3Digest::of(bytes).as_bytes()),
            );
        } else if f == list_path {
            drop(entry);
            out.start_file(f.clone(), opts).map_err(werr)?;
            out.write_all(&new_list)
                .map_err(|e| DocError::Io(e.to_string()))?;
            replaced_list = true;
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
            let copied = out.raw_copy_file(entry);
            let taken = sink.borrow_mut().take();
            copied.map_err(werr)?;
            match (hashed_here, taken) {
                (true, Some(t)) => {
                    hashes.insert(f.clone(), t.finish(&raw_name, declared, crc32)?);
                }
                _ => unhashed.push(f.clone()),
            }
        }
    }
    // Entries in a compression this reader cannot inflate on the fly are hashed separately.
    for f in unhashed {
        if !f.is_empty() {
            let v = sm3_b64(&mut pkg, &f)?;
            hashes.insert(f, v);
        }
    }

    // References: every file as it will be in the output, except Signatures.xml and this
    // signature's own Signature.xml and SignedValue.dat.
    let seal_raw = seal.map(|s| s.raw().to_vec());
    let mut refs = Vec::new();
    for f in &files {
        if *f == list_path {
            continue;
        }
        let value = hashes
            .get(f)
            .cloned()
            .ok_or_else(|| DocError::Missing(f.clone()))?;
        refs.push((f.clone(), value));
    }
    if let Some(raw) = &seal_raw {
        refs.push((
            seal_path.clone(),
            Base64::encode_string(Sm3Digest::of(raw).as_bytes()),
        ));
    }
    let when = request
        .signing_time
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let mut sig_xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ofd:Signature xmlns:ofd=\"http://www.ofdspec.org/2016\"><ofd:SignedInfo>",
    );
    sig_xml.push_str(&format!(
        "<ofd:Provider ProviderName=\"eseal\" Version=\"{}\" Company=\"eseal\"/>",
        env!("CARGO_PKG_VERSION")
    ));
    sig_xml.push_str("<ofd:SignatureMethod>1.2.156.10197.1.501</ofd:SignatureMethod>");
    sig_xml.push_str(&format!(
        "<ofd:SignatureDateTime>{when}</ofd:SignatureDateTime>"
    ));
    sig_xml.push_str("<ofd:References CheckMethod=\"1.2.156.10197.1.401\">");
    for (f, v) in &refs {
        sig_xml.push_str(&format!(
            "<ofd:Reference FileRef=\"/{}\"><ofd:CheckValue>{v}</ofd:CheckValue></ofd:Reference>",
            xml_escape(f)
        ));
    }
    sig_xml.push_str("</ofd:References>");
    for (n, st) in stamps.iter().enumerate() {
        let clip = st
            .clip
            .as_ref()
            .map(|c| format!(" Clip=\"{c}\""))
            .unwrap_or_default();
        sig_xml.push_str(&format!(
            "<ofd:StampAnnot ID=\"{}\" PageRef=\"{}\" Boundary=\"{}\"{clip}/>",
            sig_id + 1 + n as u64,
            xml_escape(&st.page_id),
            st.boundary
        ));
    }
    if seal.is_some() {
        sig_xml.push_str(&format!(
            "<ofd:Seal><ofd:BaseLoc>/{seal_path}</ofd:BaseLoc></ofd:Seal>"
        ));
    }
    sig_xml.push_str(&format!(
        "</ofd:SignedInfo><ofd:SignedValue>/{value_path}</ofd:SignedValue></ofd:Signature>"
    ));
    let sig_xml = sig_xml.into_bytes();

    // The signature over the exact bytes of Signature.xml: an SES_Signature (Seal) or a
    // GB/T 35275 SignedData over its SM3 (Sign).
    let sig_err = |e: eseal_ses::SesError| DocError::Xml {
        file: "signature".into(),
        why: Text::new(e.zh(), e.to_string()),
    };
    let signed_value = match seal {
        Some(seal) => {
            let prepared = prepare_signature(
                seal,
                request.signer_cert,
                &SignRequest {
                    data_hash: Sm3Digest::of(&sig_xml),
                    signing_time: request.signing_time,
                    property_info: format!("/{sig_xml_path}"),
                },
            )
            .map_err(sig_err)?;
            let signed = prepared.sign(signer).map_err(sig_err)?;
            match request.timestamper {
                None => signed.raw().to_vec(),
                Some(tsa) => {
                    let view = signed.view();
                    let token = tsa(view.signature).map_err(|why| DocError::Xml {
                        file: "timestamp".into(),
                        why: Text::new(
                            "时间戳服务未能签发时间戳",
                            format!("the TSA gave no timestamp: {why}"),
                        ),
                    })?;
                    signed
                        .with_timestamp(token)
                        .map_err(sig_err)?
                        .raw()
                        .to_vec()
                }
            }
        }
        None => eseal_ses::gbt35275::make_signed_data(
            &Sm3Digest::of(&sig_xml),
            request.signer_cert,
            signer,
        )
        .map_err(sig_err)?,
    };

    if !replaced_list {
        out.start_file(list_path.clone(), opts).map_err(werr)?;
        out.write_all(&new_list)
            .map_err(|e| DocError::Io(e.to_string()))?;
    }
    let mut new_files = Vec::new();
    if let Some(raw) = &seal_raw {
        new_files.push((&seal_path, raw));
    }
    new_files.push((&sig_xml_path, &sig_xml));
    new_files.push((&value_path, &signed_value));
    for (path, bytes) in new_files {
        out.start_file(path.clone(), opts).map_err(werr)?;
        out.write_all(bytes)
            .map_err(|e| DocError::Io(e.to_string()))?;
    }
    let mut inner = out.finish().map_err(werr)?;
    inner.flush().map_err(|e| DocError::Io(e.to_string()))?;
    Ok(signed_value)
}

/// One StampAnnot to write.
struct Stamp {
    page_id: String,
    boundary: String,
    clip: Option<String>,
}

fn mm(v: f32) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn floats(text: &str) -> Vec<f32> {
    text.split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect()
}

/// DeltaX / DeltaY: numbers, with `g N D` meaning N times D (GB/T 33190).
fn deltas(text: &str) -> Vec<f32> {
    let mut out = Vec::new();
    let mut it = text.split_whitespace();
    while let Some(tok) = it.next() {
        if tok == "g" {
            let n: usize = it
                .next()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
                .min(100_000);
            let d: f32 = it.next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
            out.extend(std::iter::repeat_n(d, n));
        } else if let Ok(v) = tok.parse() {
            out.push(v);
        }
    }
    out
}

fn collect_text<'a>(node: &'a Node, out: &mut Vec<&'a Node>) {
    if node.name == "TextObject" {
        out.push(node);
    }
    for c in &node.children {
        collect_text(c, out);
    }
}

/// A `PhysicalBox` (x y width height, mm): its width and height.
fn box_size(area: Option<&Node>) -> Option<(f32, f32)> {
    let b = floats(&area?.child("PhysicalBox")?.text);
    match (b.get(2), b.get(3)) {
        (Some(w), Some(h)) if *w > 0.0 && *h > 0.0 => Some((*w, *h)),
        _ => None,
    }
}

/// The pages: (ID, Content.xml path, width mm, height mm), each page's own `Area` when it
/// has one (GB/T 33190 §7.7), else the document's `PageArea` (A4 when neither says).
fn pages<R: Read + Seek>(
    pkg: &mut Package<R>,
    doc: &Node,
    doc_root: &str,
) -> Vec<(String, String, f32, f32)> {
    let dir = doc_root.rsplit_once('/').map_or("", |(d, _)| d);
    let default = box_size(doc.child("CommonData").and_then(|c| c.child("PageArea")))
        .unwrap_or((210.0, 297.0));
    let listed: Vec<(String, String)> = doc
        .child("Pages")
        .map(|p| {
            p.all("Page")
                .map(|pg| {
                    (
                        pg.attr("ID").unwrap_or_default().to_owned(),
                        resolve_loc(pg.attr("BaseLoc").unwrap_or_default(), dir),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    listed
        .into_iter()
        .map(|(id, content)| {
            let own = pkg
                .read(&content)
                .ok()
                .and_then(|b| Node::parse(&b, &content).ok())
                .and_then(|page| box_size(page.child("Area")));
            let (w, h) = own.unwrap_or(default);
            (id, content, w, h)
        })
        .collect()
}

fn stamps<R: Read + Seek>(
    pkg: &mut Package<R>,
    doc: &Node,
    doc_root: &str,
    placement: &Placement,
    w: f32,
    h: f32,
) -> Result<Vec<Stamp>, DocError> {
    let bad = |zh: String, en: String| DocError::Xml {
        file: "placement".into(),
        why: Text::new(zh, en),
    };
    let pages = pages(pkg, doc, doc_root);
    if pages.is_empty() {
        return Err(bad(
            format!("{doc_root} 没有列出任何页面"),
            format!("{doc_root} lists no pages"),
        ));
    }
    // A stamp nobody can see is not a visible seal (R-USE-5): it must lie on its page.
    let on_page = |n: usize, x: f32, y: f32, page_w: f32, page_h: f32| {
        let fits = x.is_finite()
            && y.is_finite()
            && x >= 0.0
            && y >= 0.0
            && x + w <= page_w + 0.01
            && y + h <= page_h + 0.01;
        if fits {
            Ok(())
        } else {
            Err(bad(
                format!(
                    "放在 ({x}, {y}) 毫米处的 {w:.0} × {h:.0} 毫米印章不在第 {n} 页内，该页为 {page_w:.0} × {page_h:.0} 毫米：x 请取 0 至 {:.0}，y 请取 0 至 {:.0}",
                    (page_w - w).max(0.0),
                    (page_h - h).max(0.0)
                ),
                format!(
                    "a {w:.0} × {h:.0} mm stamp at ({x}, {y}) mm does not lie on page {n}, which is {page_w:.0} × {page_h:.0} mm: give x from 0 to {:.0} and y from 0 to {:.0}",
                    (page_w - w).max(0.0),
                    (page_h - h).max(0.0)
                ),
            ))
        }
    };
    match placement {
        Placement::Page { page, x, y } => {
            let (id, _, page_w, page_h) = page
                .checked_sub(1)
                .and_then(|i| pages.get(i))
                .ok_or_else(|| {
                    bad(
                        format!("第 {page} 页不存在（共 {} 页）", pages.len()),
                        format!("page {page} does not exist ({} pages)", pages.len()),
                    )
                })?;
            on_page(*page, *x, *y, *page_w, *page_h)?;
            Ok(vec![Stamp {
                page_id: id.clone(),
                boundary: format!("{} {} {} {}", mm(*x), mm(*y), mm(w), mm(h)),
                clip: None,
            }])
        }
        Placement::Riding { y } => {
            if pages.len() < 2 {
                return Err(bad(
                    "骑缝章至少需要两页".into(),
                    "a riding seal needs at least two pages".into(),
                ));
            }
            for (i, (_, _, page_w, page_h)) in pages.iter().enumerate() {
                on_page(i + 1, page_w - w, *y, *page_w, *page_h)?;
            }
            let n = pages.len() as f32;
            let slice = w / n;
            Ok(pages
                .iter()
                .enumerate()
                .map(|(i, (id, _, page_w, _))| {
                    let i = i as f32;
                    Stamp {
                        page_id: id.clone(),
                        boundary: format!(
                            "{} {} {} {}",
                            mm(page_w - (i + 1.0) * slice),
                            mm(*y),
                            mm(w),
                            mm(h)
                        ),
                        clip: Some(format!("{} 0 {} {}", mm(i * slice), mm(slice), mm(h))),
                    }
                })
                .collect())
        }
        Placement::Keyword(word) => {
            if word.trim().is_empty() {
                return Err(bad("关键字为空".into(), "the keyword is empty".into()));
            }
            for (id, content, page_w, page_h) in &pages {
                let Ok(bytes) = pkg.read(content) else {
                    continue;
                };
                let Ok(page) = Node::parse(&bytes, content) else {
                    continue;
                };
                let mut texts = Vec::new();
                collect_text(&page, &mut texts);
                for t in texts {
                    let b = floats(t.attr("Boundary").unwrap_or_default());
                    let (bx, by) = (
                        b.first().copied().unwrap_or(0.0),
                        b.get(1).copied().unwrap_or(0.0),
                    );
                    let size: f32 = t.attr("Size").and_then(|v| v.parse().ok()).unwrap_or(3.5);
                    for code in t.all("TextCode") {
                        let chars: Vec<char> = code.text.chars().collect();
                        let key: Vec<char> = word.chars().collect();
                        let Some(k) = chars.windows(key.len()).position(|w| w == key.as_slice())
                        else {
                            continue;
                        };
                        let dx = deltas(code.attr("DeltaX").unwrap_or_default());
                        let offset: f32 = (0..k).map(|i| dx.get(i).copied().unwrap_or(size)).sum();
                        let width: f32 = (k..k + key.len())
                            .map(|i| {
                                if i + 1 < k + key.len() {
                                    dx.get(i).copied().unwrap_or(size)
                                } else {
                                    size
                                }
                            })
                            .sum();
                        let x0 = bx
                            + code
                                .attr("X")
                                .and_then(|v| v.parse::<f32>().ok())
                                .unwrap_or(0.0)
                            + offset;
                        let baseline = by
                            + code
                                .attr("Y")
                                .and_then(|v| v.parse::<f32>().ok())
                                .unwrap_or(size);
                        let (cx, cy) = (x0 + width / 2.0, baseline - size / 2.0);
                        // Centred on the word, moved inward where that would leave the page.
                        let x = (cx - w / 2.0).min(page_w - w).max(0.0);
                        let y = (cy - h / 2.0).min(page_h - h).max(0.0);
                        return Ok(vec![Stamp {
                            page_id: id.clone(),
                            boundary: format!("{} {} {} {}", mm(x), mm(y), mm(w), mm(h)),
                            clip: None,
                        }]);
                    }
                }
            }
            Err(bad(
                format!("所有页面上都没有关键字 {word:?}"),
                format!("the keyword {word:?} is on no page"),
            ))
        }
    }
}

/// What an entry's content gives while it is copied: its SM3, length and CRC-32, so that an
/// entry whose headers lie about it is refused rather than signed into a package that can
/// never verify.
struct Content {
    sm3: Sm3Hasher,
    crc: flate2::Crc,
    len: u64,
}

impl Content {
    fn new() -> Self {
        Self {
            sm3: Sm3Hasher::new(),
            crc: flate2::Crc::new(),
            len: 0,
        }
    }
}

impl Write for Content {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.sm3.update(b);
        self.crc.update(b);
        self.len += b.len() as u64;
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Where the bytes the ZIP reader reads go while an entry is copied.
enum Sink {
    Stored(Content),
    Deflated(flate2::write::DeflateDecoder<Content>),
}

impl Sink {
    /// The content's SM3 (base64), once its length and CRC-32 are what the headers declare.
    fn finish(self, name: &str, size: u64, crc32: u32) -> Result<String, DocError> {
        let c = match self {
            Sink::Stored(c) => c,
            Sink::Deflated(d) => d.finish().map_err(|e| {
                DocError::Package(Text::new(
                    format!("{name}：deflate 压缩数据损坏"),
                    format!("{name}: bad deflate data: {e}"),
                ))
            })?,
        };
        if c.len != size {
            return Err(DocError::Package(Text::new(
                format!(
                    "{name} 实有 {} 字节，却声明为 {size} 字节：不对一个永远无法验证通过的文件包签章",
                    c.len
                ),
                format!(
                    "{name} holds {} bytes but declares {size}: a package that could never verify is not signed",
                    c.len
                ),
            )));
        }
        if c.crc.sum() != crc32 {
            return Err(DocError::Package(Text::new(
                format!("{name}：CRC-32 与文件头声明的不一致（条目已损坏）"),
                format!(
                    "{name}: its CRC-32 is not the one its headers declare (the entry is damaged)"
                ),
            )));
        }
        Ok(Base64::encode_string(c.sm3.finalize().as_bytes()))
    }
}

/// A reader that also feeds what it reads to the armed [`Sink`].
struct Tee<R> {
    inner: R,
    sink: Rc<RefCell<Option<Sink>>>,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(sink) = self.sink.borrow_mut().as_mut() {
            let data = buf.get(..n).unwrap_or_default();
            match sink {
                Sink::Stored(c) => c.write_all(data)?,
                Sink::Deflated(d) => d.write_all(data)?,
            }
        }
        Ok(n)
    }
}

impl<R: Seek> Seek for Tee<R> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}
