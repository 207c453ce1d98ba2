//! What changed after a PDF signature (issue 20): the objects the later revisions (incremental
//! updates) wrote, each compared with the version the signature covers and classed as
//! allowed (a signature, an annotation, a form field filled, the lists and structure that
//! carry them, document metadata), a change of what the pages show (a page's content,
//! resources or size, an existing stream rewritten, pages added or removed), or undefined.
//! The signature's DocMDP permissions (`/Reference … /TransformMethod /DocMDP`), when it has
//! them, narrow what is allowed. Like DSS's PdfPageDifference / UndefinedChanges checks.

use eseal_pdf::{Dict, Entry, Object, ObjectId, Pdf, Source};
use eseal_ses::Text;
use std::collections::BTreeSet;

/// The most changed objects examined after one signature.
const MAX_EXAMINED: usize = 10_000;

/// What the later revisions did.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    /// Allowed kinds of change seen (signature, annotation, form field …), in Chinese and
    /// English.
    pub allowed: BTreeSet<(&'static str, &'static str)>,
    /// Changes to what the pages show.
    pub content: Vec<Text>,
    /// Changes of no known kind.
    pub undefined: Vec<Text>,
    /// Changes the signature's DocMDP level forbids.
    pub forbidden: Vec<Text>,
}

fn name_of<'a>(d: &'a Dict, key: &str) -> Option<&'a [u8]> {
    d.get(key.as_bytes()).and_then(Object::name)
}

fn keys_changed(old: &Dict, new: &Dict) -> BTreeSet<String> {
    old.keys()
        .chain(new.keys())
        .filter(|k| old.get(*k) != new.get(*k))
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .collect()
}

/// The DocMDP permission level of signature dictionary `v` (1: no change, 2: form fill and
/// signatures, 3: also annotations), when it certifies the document.
pub(crate) fn docmdp<S: Source + ?Sized>(pdf: &Pdf<'_, S>, v: &Dict) -> Option<i64> {
    let refs = pdf.value(v, "Reference").ok()?;
    for r in refs.array().unwrap_or_default() {
        let r = pdf.resolve(r).ok()?;
        let d = r.dict()?;
        if name_of(d, "TransformMethod") == Some(b"DocMDP") {
            let p = pdf.value(d, "TransformParams").ok().and_then(|t| {
                t.dict()
                    .and_then(|t| t.get(&b"P"[..]).and_then(Object::int))
            });
            return Some(p.unwrap_or(2).clamp(1, 3));
        }
    }
    None
}

/// Examines the revisions after `covered` (0-based) for a signature with DocMDP level `mdp`.
pub(crate) fn after<S: Source + ?Sized>(
    pdf: &Pdf<'_, S>,
    covered: usize,
    mdp: Option<i64>,
) -> Changes {
    let mut c = Changes::default();
    let written: BTreeSet<u32> = pdf
        .revisions
        .iter()
        .skip(covered + 1)
        .flat_map(|r| r.objects.keys().copied())
        .collect();
    if written.len() > MAX_EXAMINED {
        c.undefined.push(Text::new(
            format!("签署后修改了 {} 个对象，超过逐一核查的上限 {MAX_EXAMINED}", written.len()),
            format!("{} objects changed after signing, more than the {MAX_EXAMINED} examined one by one", written.len()),
        ));
        return c;
    }
    for n in written {
        let (generation, freed) = match pdf.entries.get(&n) {
            Some(Entry::InUse { generation, .. }) => (*generation, false),
            Some(Entry::InStream { .. }) => (0, false),
            Some(Entry::Free) | None => (0, true),
        };
        let id = ObjectId {
            number: n,
            generation,
        };
        let old = pdf.get_at(id, covered).unwrap_or(Object::Null);
        if freed {
            if old != Object::Null {
                c.undefined.push(Text::new(
                    format!("签署后删除了对象 {n}"),
                    format!("object {n} was deleted after signing"),
                ));
            }
            continue;
        }
        let new = match pdf.get(id) {
            Ok(o) => o,
            Err(e) => {
                c.undefined.push(Text::new(
                    format!("签署后写入的对象 {n} 无法读取（{e}）"),
                    format!("object {n}, written after signing, cannot be read: {e}"),
                ));
                continue;
            }
        };
        classify(pdf, &mut c, n, &old, &new, mdp);
    }
    c
}

fn classify<S: Source + ?Sized>(
    pdf: &Pdf<'_, S>,
    c: &mut Changes,
    n: u32,
    old: &Object,
    new: &Object,
    mdp: Option<i64>,
) {
    const SIGNATURE: (&str, &str) = ("新增签名", "signatures added");
    const ANNOTATION: (&str, &str) = ("新增注释", "annotations added");
    const FORM: (&str, &str) = ("表单填写", "form fields filled");
    const STRUCTURE: (&str, &str) = (
        "文件结构（交叉引用、对象流、列表）",
        "file structure (cross-references, object streams, lists)",
    );
    const METADATA: (&str, &str) = ("文档信息", "document information");
    let annotation_ok = mdp.is_none_or(|p| p >= 3);
    let fill_ok = mdp.is_none_or(|p| p >= 2);
    let allow = |c: &mut Changes, kind: (&'static str, &'static str), ok: bool| {
        if ok {
            c.allowed.insert(kind);
        } else {
            c.forbidden.push(Text::new(
                format!("对象 {n}：{}（此签名的 DocMDP 权限不允许）", kind.0),
                format!(
                    "object {n}: {} (the signature's DocMDP permissions forbid it)",
                    kind.1
                ),
            ));
        }
    };
    let undefined = |c: &mut Changes, zh: String, en: String| c.undefined.push(Text::new(zh, en));
    match (old, new) {
        // A new object.
        (Object::Null, Object::Array(_)) => allow(c, STRUCTURE, fill_ok),
        (Object::Null, o) => {
            let Some(d) = o.dict() else {
                return undefined(
                    c,
                    format!("签署后新增了对象 {n}（既非签名，也非注释）"),
                    format!("object {n} was added after signing (neither a signature nor an annotation)"),
                );
            };
            let ty = name_of(d, "Type");
            let subtype = name_of(d, "Subtype");
            if matches!(ty, Some(b"Sig" | b"DocTimeStamp")) || name_of(d, "FT") == Some(b"Sig") {
                allow(c, SIGNATURE, fill_ok || mdp.is_none());
            } else if matches!(ty, Some(b"XRef" | b"ObjStm")) {
                c.allowed.insert(STRUCTURE);
            } else if ty == Some(b"Annot") || (subtype.is_some() && d.contains_key(&b"Rect"[..])) {
                if subtype == Some(b"Widget") {
                    allow(c, FORM, fill_ok);
                } else {
                    allow(c, ANNOTATION, annotation_ok);
                }
            } else if ty == Some(b"XObject") || matches!(subtype, Some(b"Form" | b"Image")) {
                // An appearance (or its picture) of what was added.
                allow(c, ANNOTATION, fill_ok);
            } else if matches!(ty, Some(b"Font" | b"FontDescriptor" | b"Encoding")) {
                allow(c, FORM, fill_ok);
            } else if ty == Some(b"Metadata") {
                // XMP metadata (pyHanko writes a new packet with each signature).
                c.allowed.insert(METADATA);
            } else if matches!(ty, Some(b"Page" | b"Pages")) {
                c.content.push(Text::new(
                    format!("签署后新增了页面（对象 {n}）"),
                    format!("a page was added after signing (object {n})"),
                ));
            } else if d.contains_key(&b"Fields"[..]) {
                allow(c, FORM, fill_ok);
            } else if matches!(o, Object::Stream(..)) {
                undefined(
                    c,
                    format!("签署后新增了内容流（对象 {n}）"),
                    format!("a content stream was added after signing (object {n})"),
                );
            } else {
                undefined(
                    c,
                    format!("签署后新增了对象 {n}"),
                    format!("object {n} was added after signing"),
                );
            }
        }
        // An object rewritten.
        (Object::Array(a), Object::Array(b)) => {
            // A list that only grew (annotations, fields) is structure; otherwise unknown.
            if b.len() >= a.len() && b.iter().zip(a).all(|(x, y)| x == y) {
                allow(c, STRUCTURE, fill_ok);
            } else {
                undefined(
                    c,
                    format!("签署后列表对象 {n} 被改动"),
                    format!("list object {n} was changed after signing"),
                );
            }
        }
        (Object::Stream(..), _) | (_, Object::Stream(..)) => c.content.push(Text::new(
            format!("签署后改写了已有的内容流或图像（对象 {n}）：页面显示的可能不是签署时的内容"),
            format!("an existing content stream or image was rewritten after signing (object {n}): the pages may not show what was signed"),
        )),
        (Object::Dict(od), Object::Dict(nd)) => {
            let changed = keys_changed(od, nd);
            if changed.is_empty() {
                return;
            }
            let list = changed.iter().cloned().collect::<Vec<_>>().join(", ");
            match name_of(od, "Type") {
                Some(b"Page") => {
                    if changed.iter().all(|k| k == "Annots") {
                        allow(c, ANNOTATION, fill_ok);
                    } else {
                        let page = page_number(pdf, n)
                            .map_or(String::new(), |p| format!("第 {p} 页"));
                        let page_en = page_number(pdf, n)
                            .map_or(String::new(), |p| format!("page {p} "));
                        c.content.push(Text::new(
                            format!("签署后{page}（对象 {n}）的 {list} 被修改：页面显示的可能不是签署时的内容"),
                            format!("{page_en}(object {n}): {list} changed after signing; the page may not show what was signed"),
                        ));
                    }
                }
                Some(b"Pages") => c.content.push(Text::new(
                    format!("签署后页面树（对象 {n}）的 {list} 被修改：页面被增删或替换"),
                    format!("the page tree (object {n}): {list} changed after signing; pages were added, removed or replaced"),
                )),
                Some(b"Catalog") => {
                    // The version and developer extensions (PDF 2.0, the ESIC extension of
                    // PAdES) are declared by later signers such as pyHanko.
                    let ok = [
                        "AcroForm",
                        "Perms",
                        "DSS",
                        "Metadata",
                        "Version",
                        "Extensions",
                    ];
                    if changed.iter().all(|k| ok.contains(&k.as_str())) {
                        c.allowed.insert(STRUCTURE);
                    } else {
                        undefined(
                            c,
                            format!("签署后文档目录的 {list} 被修改"),
                            format!("the catalog's {list} changed after signing"),
                        );
                    }
                }
                _ if od.contains_key(&b"Fields"[..]) => allow(c, FORM, fill_ok),
                _ if name_of(od, "FT") == Some(b"Sig") && od.contains_key(&b"V"[..]) => {
                    c.content.push(Text::new(
                        format!("签署后已有签名域（对象 {n}）的 {list} 被修改"),
                        format!("an existing signature field (object {n}): {list} changed after signing"),
                    ));
                }
                _ if name_of(od, "FT").is_some() || name_of(od, "Subtype") == Some(b"Widget") => {
                    allow(c, FORM, fill_ok)
                }
                _ if name_of(od, "Type") == Some(b"Annot") => allow(c, ANNOTATION, annotation_ok),
                _ if od.contains_key(&b"Producer"[..])
                    || od.contains_key(&b"ModDate"[..])
                    || od.contains_key(&b"Creator"[..]) =>
                {
                    c.allowed.insert(METADATA);
                }
                _ => undefined(
                    c,
                    format!("签署后对象 {n} 的 {list} 被修改"),
                    format!("object {n}: {list} changed after signing"),
                ),
            }
        }
        _ => undefined(
            c,
            format!("签署后对象 {n} 被改为另一种对象"),
            format!("object {n} was replaced by an object of another kind after signing"),
        ),
    }
}

/// The 1-based number of page object `n` in the newest page tree.
fn page_number<S: Source + ?Sized>(pdf: &Pdf<'_, S>, n: u32) -> Option<usize> {
    eseal_pdf::update::pages(pdf)
        .ok()?
        .iter()
        .position(|p| p.id.number == n)
        .map(|i| i + 1)
}
