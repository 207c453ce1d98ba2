//! A small namespace-agnostic XML tree (OFD files use `ofd:`, old namespaces, or none; element
//! order varies between producers: formats.md E21–E24), and the OFD signature structures.

use crate::error::{DocError, Text};
use quick_xml::events::Event;

/// An element: local name, attributes (local names), children, text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    /// Local name (prefix dropped).
    pub name: String,
    /// Attributes with local names.
    pub attrs: Vec<(String, String)>,
    /// Child elements.
    pub children: Vec<Node>,
    /// Text content (trimmed).
    pub text: String,
}

const MAX_DEPTH: usize = 64;

/// An element's or attribute's local name (the prefix dropped).
fn local(qname: &str) -> &str {
    match qname.as_bytes().iter().rposition(|&b| b == b':') {
        Some(colon) => qname.get(colon + 1..).unwrap_or_default(),
        None => qname,
    }
}

/// An attribute as [`walk`] reports it: local name, normalised value.
pub(crate) type Attr<'a> = (&'a str, std::borrow::Cow<'a, str>);

/// What [`walk`] reports, in document order. Names are local (prefix dropped); text is
/// given in pieces (entity and character references resolved), each trimmed when asked.
pub(crate) trait Visit {
    /// An element opens, with its attributes (local names, normalised values).
    fn open(&mut self, name: &str, attrs: &[Attr<'_>]);
    /// The element opened last closes.
    fn close(&mut self);
    /// A piece of the text directly inside the element opened last (or outside every element).
    fn text(&mut self, piece: &str);
}

/// Reads XML bytes (a UTF-8 BOM and leading blank lines are fine) and reports each element
/// and text to `v`, without building anything: the one place where syntax, nesting depth,
/// balance and references are checked, whatever is made of the document.
pub(crate) fn walk(
    bytes: &[u8],
    file: &str,
    trim: bool,
    v: &mut impl Visit,
) -> Result<(), DocError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let err = |zh: String, en: String| DocError::Xml {
        file: file.to_owned(),
        why: Text::new(zh, en),
    };
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().trim_text(trim);
    let mut depth = 0usize;
    // One attribute list for the whole walk (an element's attributes borrow from its event,
    // so the list is emptied and given the next event's lifetime: no allocation per element).
    let mut spare: Vec<Attr<'static>> = Vec::new();
    loop {
        let ev = reader.read_event().map_err(|e| {
            err(
                format!("第 {} 字节处 XML 语法错误", reader.buffer_position()),
                format!("at byte {}: {e}", reader.buffer_position()),
            )
        })?;
        let empty = matches!(ev, Event::Empty(_));
        match ev {
            Event::Start(e) | Event::Empty(e) => {
                let mut attrs: Vec<Attr<'_>> = recycle(std::mem::take(&mut spare));
                for a in e.attributes() {
                    let a = a.map_err(|e| {
                        err(
                            format!("第 {} 字节处的属性无法读取", reader.buffer_position()),
                            e.to_string(),
                        )
                    })?;
                    let value = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|e| {
                            err(
                                format!(
                                    "第 {} 字节处的属性值无法读取（字符引用无效）",
                                    reader.buffer_position()
                                ),
                                e.to_string(),
                            )
                        })?;
                    attrs.push((local(a.key.0), value));
                }
                if !empty && depth >= MAX_DEPTH {
                    return Err(err("嵌套过深".into(), "nested too deeply".into()));
                }
                v.open(local(e.name().0), &attrs);
                spare = recycle(attrs);
                if empty {
                    v.close();
                } else {
                    depth += 1;
                }
            }
            Event::End(_) => {
                depth = depth.checked_sub(1).ok_or_else(|| {
                    err("多余或不配对的结束标签".into(), "unbalanced end tag".into())
                })?;
                v.close();
            }
            Event::Text(t) => {
                let text = t.xml10_content();
                v.text(if trim { text.trim() } else { &text });
            }
            Event::GeneralRef(r) => {
                let name: &str = r.as_ref();
                let ch = match name {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    n => n
                        .strip_prefix("#x")
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .or_else(|| n.strip_prefix('#').and_then(|d| d.parse().ok()))
                        .and_then(char::from_u32),
                };
                if let Some(c) = ch {
                    v.text(c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::CData(t) => {
                let text: &str = t.as_ref();
                v.text(if trim { text.trim() } else { text });
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if depth != 0 {
        return Err(err(
            "文档在一个元素中间结束".into(),
            "the document ends inside an element".into(),
        ));
    }
    Ok(())
}

/// `v` emptied, its allocation kept for items of another lifetime (an in-place collect of
/// an empty iterator over elements of the same layout).
#[allow(clippy::unnecessary_filter_map)] // the point is the new item type, `filter` keeps the old
fn recycle<'b>(mut v: Vec<Attr<'_>>) -> Vec<Attr<'b>> {
    v.clear();
    v.into_iter().filter_map(|_| None).collect()
}

/// Builds the tree.
struct Tree(Vec<Node>);

impl Visit for Tree {
    fn open(&mut self, name: &str, attrs: &[Attr<'_>]) {
        self.0.push(Node {
            name: name.to_owned(),
            attrs: attrs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone().into_owned()))
                .collect(),
            ..Default::default()
        });
    }
    fn close(&mut self) {
        // `walk` keeps the document balanced: the bottom node (the document) stays.
        if self.0.len() > 1
            && let Some(node) = self.0.pop()
            && let Some(parent) = self.0.last_mut()
        {
            parent.children.push(node);
        }
    }
    fn text(&mut self, piece: &str) {
        if let Some(top) = self.0.last_mut() {
            top.text.push_str(piece);
        }
    }
}

impl Node {
    /// Parse XML bytes (a UTF-8 BOM and leading blank lines are fine); text is trimmed.
    pub fn parse(bytes: &[u8], file: &str) -> Result<Node, DocError> {
        Self::parse_with(bytes, file, true)
    }

    /// Parse XML bytes keeping text as written (a TextCode's leading and trailing spaces
    /// are characters with positions of their own).
    pub fn parse_keeping_space(bytes: &[u8], file: &str) -> Result<Node, DocError> {
        Self::parse_with(bytes, file, false)
    }

    fn parse_with(bytes: &[u8], file: &str, trim: bool) -> Result<Node, DocError> {
        let mut tree = Tree(vec![Node::default()]);
        walk(bytes, file, trim, &mut tree)?;
        let root = tree.0.pop().unwrap_or_default();
        root.children
            .into_iter()
            .next()
            .ok_or_else(|| DocError::Xml {
                file: file.to_owned(),
                why: Text::new("没有根元素", "no root element"),
            })
    }

    /// The first child with this local name.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children with this local name.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// An attribute.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One `<Signature>` record of Signatures.xml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureRecord {
    /// `ID`.
    pub id: String,
    /// `Type` (absent = Seal).
    pub kind: String,
    /// `BaseLoc`, resolved to a package path.
    pub base_loc: String,
}

/// A `<Reference>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `FileRef`, resolved.
    pub file: String,
    /// `CheckValue`, base64.
    pub check_value: String,
}

/// A `<StampAnnot>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StampAnnot {
    /// `ID`.
    pub id: String,
    /// `PageRef` (a page ID).
    pub page_ref: String,
    /// `Boundary` "x y w h" in mm.
    pub boundary: String,
    /// `Clip` "x y w h" in mm from the Boundary's corner: the part of the picture shown
    /// (a riding seal's slice).
    pub clip: Option<String>,
}

/// What Signature.xml says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureXml {
    /// `Provider@ProviderName` (or the child element).
    pub provider: String,
    /// `References@CheckMethod` (absent = MD5 per the XSD).
    pub check_method: Option<String>,
    /// The references.
    pub references: Vec<Reference>,
    /// Stamp annotations.
    pub stamps: Vec<StampAnnot>,
    /// `Seal/BaseLoc`, resolved.
    pub seal: Option<String>,
    /// `SignedValue`, resolved.
    pub signed_value: String,
    /// `SignatureDateTime` as written.
    pub date_time: Option<String>,
}

fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// Resolve an ST_Loc: absolute from the root, else relative to `base_dir` (formats.md §8.12).
pub fn resolve_loc(loc: &str, base_dir: &str) -> String {
    let loc = loc.trim();
    if loc.starts_with('/') || base_dir.is_empty() {
        loc.to_owned()
    } else {
        format!("{base_dir}/{loc}")
    }
}

/// The `Signatures` locations of every DocBody in OFD.xml.
///
/// Each list once, however many `DocBody` elements name it (by its normalised name, case
/// ignored, as files are resolved): a hostile OFD.xml could name one large list a million
/// times, and the same list holds the same signatures.
pub fn signature_lists(ofd: &Node) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    ofd.all("DocBody")
        .filter_map(|b| b.child("Signatures"))
        .map(|s| resolve_loc(&s.text, ""))
        .filter(|p| {
            seen.insert(
                crate::package::normalise(p).map_or_else(|_| p.clone(), |n| n.to_lowercase()),
            )
        })
        .collect()
}

/// The records of a Signatures.xml at `path`.
pub fn signature_records(list: &Node, path: &str) -> Vec<SignatureRecord> {
    list.all("Signature")
        .map(|s| SignatureRecord {
            id: s.attr("ID").unwrap_or_default().to_owned(),
            kind: s.attr("Type").unwrap_or("Seal").to_owned(),
            base_loc: resolve_loc(s.attr("BaseLoc").unwrap_or_default(), dir_of(path)),
        })
        .collect()
}

/// Where [`SignatureReader`] is: the elements of Signature.xml it reads (the first of each,
/// as [`Node::child`] finds them), and `Other` for everything else.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum At {
    Root,
    Info,
    References,
    Reference,
    CheckValue,
    Provider,
    ProviderName,
    StampAnnot,
    Seal,
    SealBaseLoc,
    DateTime,
    SignedValue,
    Other,
}

/// Reads what [`signature_xml`] needs while the document is walked, without a tree (a
/// document with a hundred signatures has a hundred of these with up to hundreds of
/// references each). Element order and namespaces are free, as with [`Node`]; of an element
/// that should be single the first counts.
#[derive(Default)]
struct SignatureReader {
    open: Vec<At>,
    /// The elements already met (a bit per [`At`]; the first of each is read).
    seen: u16,
    provider_attr: Option<String>,
    provider_name: Option<String>,
    check_method: Option<String>,
    /// The directory of the Signature.xml (references are resolved against it).
    dir: String,
    /// `FileRef` resolved, `CheckValue` text, and whether the CheckValue was met.
    references: Vec<(String, String, bool)>,
    stamps: Vec<StampAnnot>,
    seal_loc: Option<String>,
    date_time: Option<String>,
    signed_value: Option<String>,
}

impl SignatureReader {
    /// The first `at` in the document (later ones are `Other`).
    fn first(&mut self, at: At) -> At {
        if self.met(at) {
            At::Other
        } else {
            self.seen |= 1 << at as u8;
            at
        }
    }

    fn met(&self, at: At) -> bool {
        self.seen & (1 << at as u8) != 0
    }
}

fn attr<'a>(attrs: &'a [Attr<'_>], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.as_ref())
}

impl Visit for SignatureReader {
    fn open(&mut self, name: &str, attrs: &[Attr<'_>]) {
        let at = match (self.open.last(), name) {
            (None, _) => self.first(At::Root),
            (Some(At::Root), "SignedInfo") => self.first(At::Info),
            (Some(At::Root), "SignedValue") => self.first(At::SignedValue),
            (Some(At::Info), "References") => self.first(At::References),
            (Some(At::Info), "Provider") => self.first(At::Provider),
            (Some(At::Info), "Seal") => self.first(At::Seal),
            (Some(At::Info), "SignatureDateTime") => self.first(At::DateTime),
            (Some(At::Info), "StampAnnot") => At::StampAnnot,
            (Some(At::References), "Reference") => At::Reference,
            (Some(At::Reference), "CheckValue") => match self.references.last_mut() {
                Some((_, _, met)) if !*met => {
                    *met = true;
                    At::CheckValue
                }
                _ => At::Other,
            },
            (Some(At::Provider), "ProviderName") => self.first(At::ProviderName),
            (Some(At::Seal), "BaseLoc") => self.first(At::SealBaseLoc),
            _ => At::Other,
        };
        let owned = |name| attr(attrs, name).map(str::to_owned);
        match at {
            At::References => self.check_method = owned("CheckMethod"),
            At::Provider => self.provider_attr = owned("ProviderName"),
            At::Reference => self.references.push((
                resolve_loc(attr(attrs, "FileRef").unwrap_or_default(), &self.dir),
                String::new(),
                false,
            )),
            At::StampAnnot => self.stamps.push(StampAnnot {
                id: attr(attrs, "ID").unwrap_or_default().to_owned(),
                page_ref: attr(attrs, "PageRef").unwrap_or_default().to_owned(),
                boundary: attr(attrs, "Boundary").unwrap_or_default().to_owned(),
                clip: owned("Clip"),
            }),
            At::ProviderName => self.provider_name = Some(String::new()),
            At::SealBaseLoc => self.seal_loc = Some(String::new()),
            At::DateTime => self.date_time = Some(String::new()),
            At::SignedValue => self.signed_value = Some(String::new()),
            _ => {}
        }
        self.open.push(at);
    }

    fn close(&mut self) {
        self.open.pop();
    }

    fn text(&mut self, piece: &str) {
        let into = match self.open.last() {
            Some(At::CheckValue) => self.references.last_mut().map(|(_, cv, _)| cv),
            Some(At::ProviderName) => self.provider_name.as_mut(),
            Some(At::SealBaseLoc) => self.seal_loc.as_mut(),
            Some(At::DateTime) => self.date_time.as_mut(),
            Some(At::SignedValue) => self.signed_value.as_mut(),
            _ => None,
        };
        if let Some(text) = into {
            text.push_str(piece);
        }
    }
}

/// Read the Signature.xml at `path` from its bytes.
pub fn signature_xml(bytes: &[u8], path: &str) -> Result<SignatureXml, DocError> {
    let err = |zh: &str, en: &str| DocError::Xml {
        file: path.to_owned(),
        why: Text::new(zh, en),
    };
    let dir = dir_of(path);
    let mut r = SignatureReader {
        dir: dir.to_owned(),
        ..SignatureReader::default()
    };
    walk(bytes, path, true, &mut r)?;
    if !r.met(At::Root) {
        return Err(err("没有根元素", "no root element"));
    }
    if !r.met(At::Info) {
        return Err(err("缺少 SignedInfo", "no SignedInfo"));
    }
    if !r.met(At::References) {
        return Err(err("缺少 References", "no References"));
    }
    let signed_value = r
        .signed_value
        .map(|v| resolve_loc(&v, dir))
        .ok_or_else(|| err("缺少 SignedValue", "no SignedValue"))?;
    Ok(SignatureXml {
        provider: r.provider_attr.or(r.provider_name).unwrap_or_default(),
        check_method: r.check_method,
        references: r
            .references
            .into_iter()
            .map(|(file, check_value, _)| Reference { file, check_value })
            .collect(),
        stamps: r.stamps,
        seal: r.seal_loc.map(|b| resolve_loc(&b, dir)),
        signed_value,
        date_time: r.date_time,
    })
}

/// Writes the OFD XML eseal makes (Signature.xml, Signatures.xml, OFDEntries.xml, the
/// Signatures pointer) through quick-xml's writer, which escapes every text and attribute:
/// nothing is assembled from strings. Elements are in the `ofd:` namespace unless a
/// `prefix` (another producer's, with its colon) is given.
pub(crate) struct XmlOut {
    w: quick_xml::Writer<Vec<u8>>,
    prefix: String,
}

impl XmlOut {
    /// A fragment (no declaration) whose element names take `prefix` (`"ofd:"`, `""`).
    pub(crate) fn fragment(prefix: &str) -> Self {
        Self {
            w: quick_xml::Writer::new(Vec::new()),
            prefix: prefix.to_owned(),
        }
    }

    /// A document: the XML declaration, then a root element `name` declaring the OFD
    /// namespace (closed by [`XmlOut::close`]).
    pub(crate) fn document(name: &str, attrs: &[(&str, &str)]) -> Self {
        let mut out = Self::fragment("ofd:");
        out.raw(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let mut all = vec![("xmlns:ofd", "http://www.ofdspec.org/2016")];
        all.extend_from_slice(attrs);
        out.open(name, &all);
        out
    }

    fn raw(&mut self, bytes: &[u8]) {
        self.w.get_mut().extend_from_slice(bytes);
    }

    fn start(&self, name: &str, attrs: &[(&str, &str)]) -> quick_xml::events::BytesStart<'static> {
        let mut e = quick_xml::events::BytesStart::new(format!("{}{name}", self.prefix));
        for (k, v) in attrs {
            e.push_attribute((*k, *v));
        }
        e
    }

    /// `<name attrs>`.
    pub(crate) fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        let e = self.start(name, attrs);
        // Writing to a Vec cannot fail.
        let _ = self.w.write_event(Event::Start(e));
        self
    }

    /// `</name>`.
    pub(crate) fn close(&mut self, name: &str) -> &mut Self {
        let end = quick_xml::events::BytesEnd::new(format!("{}{name}", self.prefix));
        let _ = self.w.write_event(Event::End(end));
        self
    }

    /// `<name attrs/>`.
    pub(crate) fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        let e = self.start(name, attrs);
        let _ = self.w.write_event(Event::Empty(e));
        self
    }

    /// `<name attrs>text</name>`.
    pub(crate) fn text(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> &mut Self {
        self.open(name, attrs);
        let _ = self
            .w
            .write_event(Event::Text(quick_xml::events::BytesText::new(text)));
        self.close(name)
    }

    /// The bytes written.
    pub(crate) fn finish(self) -> Vec<u8> {
        self.w.into_inner()
    }
}

#[cfg(test)]
mod out_tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped() {
        let mut x = XmlOut::document("Signature", &[]);
        x.empty("Reference", &[("FileRef", "/a&b\"<c>.xml")])
            .text("CheckValue", &[], "x<y&z")
            .close("Signature");
        let out = String::from_utf8(x.finish()).unwrap();
        assert_eq!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ofd:Signature xmlns:ofd=\"http://www.ofdspec.org/2016\"><ofd:Reference FileRef=\"/a&amp;b&quot;&lt;c&gt;.xml\"/><ofd:CheckValue>x&lt;y&amp;z</ofd:CheckValue></ofd:Signature>"
        );
        let parsed = Node::parse(out.as_bytes(), "x").unwrap();
        assert_eq!(parsed.children[0].attr("FileRef"), Some("/a&b\"<c>.xml"));
        assert_eq!(parsed.children[1].text, "x<y&z");
    }
}

#[cfg(test)]
mod signature_xml_tests {
    use super::*;

    #[test]
    fn the_attribute_list_is_reused_across_elements() {
        let mut v: Vec<Attr<'_>> = Vec::with_capacity(8);
        let owner = String::from("value");
        v.push(("name", std::borrow::Cow::Borrowed(owner.as_str())));
        let w: Vec<Attr<'static>> = recycle(v);
        assert!(w.is_empty());
        assert!(w.capacity() >= 8, "the allocation was not kept");
        // Local names: the last prefix dropped, an empty one too.
        assert_eq!(local("ofd:Reference"), "Reference");
        assert_eq!(local("Reference"), "Reference");
        assert_eq!(local("a:b:c"), "c");
        assert_eq!(local("ofd:"), "");
    }

    #[test]
    fn any_namespace_and_order_and_the_first_of_each() {
        let xml = r#"<?xml version="1.0"?>
<s:Signature xmlns:s="urn:x">
  <s:SignedValue> SignedValue.dat </s:SignedValue>
  <s:SignedInfo>
    <s:SignatureDateTime>20260101</s:SignatureDateTime>
    <s:Seal><s:BaseLoc>Seal.esl</s:BaseLoc><s:BaseLoc>other.esl</s:BaseLoc></s:Seal>
    <s:Provider Version="1"><s:ProviderName>ofd&amp;co</s:ProviderName></s:Provider>
    <s:References CheckMethod="1.2.156.10197.1.401">
      <s:Reference FileRef="/Doc_0/Document.xml">
        <s:CheckValue>QUJD<![CDATA[REVG]]></s:CheckValue><s:CheckValue>ignored</s:CheckValue>
      </s:Reference>
      <s:Reference FileRef="Page.xml"><s:Other><s:CheckValue>nested</s:CheckValue></s:Other></s:Reference>
      <s:Other><s:Reference FileRef="not/a/reference.xml"/></s:Other>
    </s:References>
    <s:References CheckMethod="md5"><s:Reference FileRef="second.xml"/></s:References>
    <s:StampAnnot ID="1" PageRef="3" Boundary="1 2 3 4" Clip="0 0 1 4"/>
    <s:StampAnnot ID="2" PageRef="4" Boundary="5 6 7 8"/>
  </s:SignedInfo>
  <s:SignedInfo><s:References><s:Reference FileRef="third.xml"/></s:References></s:SignedInfo>
  <s:SignedValue>second.dat</s:SignedValue>
</s:Signature>"#;
        let got = signature_xml(xml.as_bytes(), "Doc_0/Signs/Sign_0/Signature.xml").unwrap();
        let dir = "Doc_0/Signs/Sign_0";
        assert_eq!(
            got,
            SignatureXml {
                provider: "ofd&co".into(),
                check_method: Some("1.2.156.10197.1.401".into()),
                references: vec![
                    Reference {
                        file: "/Doc_0/Document.xml".into(),
                        check_value: "QUJDREVG".into(),
                    },
                    Reference {
                        file: format!("{dir}/Page.xml"),
                        check_value: String::new(),
                    },
                ],
                stamps: vec![
                    StampAnnot {
                        id: "1".into(),
                        page_ref: "3".into(),
                        boundary: "1 2 3 4".into(),
                        clip: Some("0 0 1 4".into()),
                    },
                    StampAnnot {
                        id: "2".into(),
                        page_ref: "4".into(),
                        boundary: "5 6 7 8".into(),
                        clip: None,
                    },
                ],
                seal: Some(format!("{dir}/Seal.esl")),
                signed_value: format!("{dir}/SignedValue.dat"),
                date_time: Some("20260101".into()),
            }
        );
    }

    #[test]
    fn the_provider_attribute_wins_and_no_namespace_is_fine() {
        let xml = r#"<Signature><SignedInfo><Provider ProviderName="attr"><ProviderName>child</ProviderName></Provider><References/></SignedInfo><SignedValue>/v.dat</SignedValue></Signature>"#;
        let got = signature_xml(xml.as_bytes(), "S/Signature.xml").unwrap();
        assert_eq!(got.provider, "attr");
        assert_eq!(got.check_method, None);
        assert!(got.references.is_empty());
        assert_eq!(got.seal, None);
        assert_eq!(got.date_time, None);
        assert_eq!(got.signed_value, "/v.dat");
    }

    #[test]
    fn what_is_missing_or_malformed_is_named() {
        let why = |xml: &str| match signature_xml(xml.as_bytes(), "S/Signature.xml") {
            Err(DocError::Xml { file, why }) => {
                assert_eq!(file, "S/Signature.xml");
                why.en
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(why(""), "no root element");
        assert_eq!(why("<Signature/>"), "no SignedInfo");
        // Elements in the wrong place do not count.
        assert_eq!(
            why("<Signature><X><SignedInfo><References/></SignedInfo></X></Signature>"),
            "no SignedInfo"
        );
        assert_eq!(
            why("<Signature><SignedInfo/><SignedInfo><References/></SignedInfo></Signature>"),
            "no References"
        );
        assert_eq!(
            why("<Signature><SignedInfo><References/></SignedInfo></Signature>"),
            "no SignedValue"
        );
        assert!(why("<Signature><SignedInfo>").contains("ends inside an element"));
        assert!(why("<Signature></SignedInfo>").starts_with("at byte"));
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert_eq!(why(&deep), "nested too deeply");
    }

    #[test]
    fn the_tree_and_the_walk_agree_on_text_and_attributes() {
        let xml =
            "\u{feff}\n<r a=\"x&#x9;y\n z\" p:b='&lt;'><c> t&#65;u </c><c><![CDATA[ d ]]></c></r>";
        let n = Node::parse(xml.as_bytes(), "f").unwrap();
        assert_eq!(n.attr("a"), Some("x\ty  z"));
        assert_eq!(n.attr("b"), Some("<"));
        assert_eq!(n.children[0].text, "tAu");
        assert_eq!(n.children[1].text, "d");
        let kept = Node::parse_keeping_space(xml.as_bytes(), "f").unwrap();
        assert_eq!(kept.children[0].text, " tAu ");
        assert_eq!(kept.children[1].text, " d ");
    }
}
