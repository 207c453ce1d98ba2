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

fn local(qname: &str) -> String {
    qname.rsplit(':').next().unwrap_or_default().to_owned()
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
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let err = |zh: String, en: String| DocError::Xml {
            file: file.to_owned(),
            why: Text::new(zh, en),
        };
        let mut reader = quick_xml::Reader::from_reader(bytes);
        reader.config_mut().trim_text(trim);
        let mut stack: Vec<Node> = vec![Node::default()];
        let mut buf = Vec::new();
        loop {
            let ev = reader.read_event_into(&mut buf).map_err(|e| {
                err(
                    format!("第 {} 字节处 XML 语法错误", reader.buffer_position()),
                    format!("at byte {}: {e}", reader.buffer_position()),
                )
            })?;
            let empty = matches!(ev, Event::Empty(_));
            match ev {
                Event::Start(e) | Event::Empty(e) => {
                    let mut node = Node {
                        name: local(&String::from_utf8_lossy(e.name().as_ref().as_ref())),
                        ..Default::default()
                    };
                    for a in e.attributes() {
                        let a = a.map_err(|e| {
                            err(
                                format!("第 {} 字节处的属性无法读取", reader.buffer_position()),
                                e.to_string(),
                            )
                        })?;
                        let v = a
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map_err(|e| {
                                err(
                                    format!(
                                        "第 {} 字节处的属性值无法读取（字符引用无效）",
                                        reader.buffer_position()
                                    ),
                                    e.to_string(),
                                )
                            })?
                            .into_owned();
                        node.attrs
                            .push((local(&String::from_utf8_lossy(a.key.as_ref().as_ref())), v));
                    }
                    if empty {
                        stack
                            .last_mut()
                            .ok_or_else(|| {
                                err("元素的开始与结束标签不配对".into(), "unbalanced".into())
                            })?
                            .children
                            .push(node);
                    } else {
                        if stack.len() > MAX_DEPTH {
                            return Err(err("嵌套过深".into(), "nested too deeply".into()));
                        }
                        stack.push(node);
                    }
                }
                Event::End(_) => {
                    let node = stack.pop().ok_or_else(|| {
                        err("多余或不配对的结束标签".into(), "unbalanced end tag".into())
                    })?;
                    stack
                        .last_mut()
                        .ok_or_else(|| {
                            err("多余或不配对的结束标签".into(), "unbalanced end tag".into())
                        })?
                        .children
                        .push(node);
                }
                Event::Text(t) => {
                    let text = t.xml10_content();
                    if let Some(top) = stack.last_mut() {
                        top.text.push_str(if trim { text.trim() } else { &text });
                    }
                }
                Event::GeneralRef(r) => {
                    let name: String = AsRef::<str>::as_ref(&r).to_owned();
                    let ch = match name.as_str() {
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
                    if let (Some(top), Some(c)) = (stack.last_mut(), ch) {
                        top.text.push(c);
                    }
                }
                Event::CData(t) => {
                    if let Some(top) = stack.last_mut() {
                        let text = AsRef::<str>::as_ref(&t);
                        top.text.push_str(if trim { text.trim() } else { text });
                    }
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        if stack.len() != 1 {
            return Err(err(
                "文档在一个元素中间结束".into(),
                "the document ends inside an element".into(),
            ));
        }
        let root = stack.pop().unwrap_or_default();
        root.children
            .into_iter()
            .next()
            .ok_or_else(|| err("没有根元素".into(), "no root element".into()))
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
pub fn signature_lists(ofd: &Node) -> Vec<String> {
    ofd.all("DocBody")
        .filter_map(|b| b.child("Signatures"))
        .map(|s| resolve_loc(&s.text, ""))
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

/// Read a Signature.xml at `path`.
pub fn signature_xml(node: &Node, path: &str) -> Result<SignatureXml, DocError> {
    let err = |zh: &str, en: &str| DocError::Xml {
        file: path.to_owned(),
        why: Text::new(zh, en),
    };
    let dir = dir_of(path);
    let info = node
        .child("SignedInfo")
        .ok_or_else(|| err("缺少 SignedInfo", "no SignedInfo"))?;
    let refs = info
        .child("References")
        .ok_or_else(|| err("缺少 References", "no References"))?;
    let provider = info
        .child("Provider")
        .map(|p| {
            p.attr("ProviderName")
                .map(str::to_owned)
                .or_else(|| p.child("ProviderName").map(|n| n.text.clone()))
                .unwrap_or_default()
        })
        .unwrap_or_default();
    let references = refs
        .all("Reference")
        .map(|r| Reference {
            file: resolve_loc(r.attr("FileRef").unwrap_or_default(), dir),
            check_value: r
                .child("CheckValue")
                .map(|c| c.text.clone())
                .unwrap_or_default(),
        })
        .collect();
    let stamps = info
        .all("StampAnnot")
        .map(|s| StampAnnot {
            id: s.attr("ID").unwrap_or_default().to_owned(),
            page_ref: s.attr("PageRef").unwrap_or_default().to_owned(),
            boundary: s.attr("Boundary").unwrap_or_default().to_owned(),
            clip: s.attr("Clip").map(str::to_owned),
        })
        .collect();
    let signed_value = node
        .child("SignedValue")
        .map(|v| resolve_loc(&v.text, dir))
        .ok_or_else(|| err("缺少 SignedValue", "no SignedValue"))?;
    Ok(SignatureXml {
        provider,
        check_method: refs.attr("CheckMethod").map(str::to_owned),
        references,
        stamps,
        seal: info
            .child("Seal")
            .and_then(|s| s.child("BaseLoc"))
            .map(|b| resolve_loc(&b.text, dir)),
        signed_value,
        date_time: info.child("SignatureDateTime").map(|d| d.text.clone()),
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
