//! The document (GB/T 33190 §7): OFD.xml → the document root → pages, templates, resources,
//! annotations; and the stamps its signatures place (§18: StampAnnot with PageRef, Boundary,
//! Clip; the picture from the seal in the SES_Signature). Pages are read one at a time, so
//! memory does not grow with the number of pages.

use crate::color::Rgba;
use crate::content::{DocCache, Drawer, Limits, Spent};
use crate::draw::{Clip, ImageItem, Item, Page, PathItem, PlacedStamp, Stroke, SvgItem, Verdict};
use crate::font::FontBook;
use crate::geom::Rect;
use crate::res::Resources;
use crate::warn::{RenderError, Text, Warning, Warnings};
use eseal_doc::Package;
use eseal_doc::xml::{Node, resolve_loc, signature_lists, signature_records, signature_xml};
use std::collections::HashMap;
use std::io::{Cursor, Read, Seek};
use std::sync::Arc;
use tiny_skia::{LineCap, LineJoin, Transform};

/// What to draw.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Draw the seals where the signatures put them.
    pub seals: bool,
    /// A frame around each stamp of these signatures (by `ID` in Signatures.xml): green
    /// passed, red failed, grey indeterminate.
    pub verdicts: HashMap<String, Verdict>,
    /// The bounds on the work.
    pub limits: Limits,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            seals: true,
            verdicts: HashMap::new(),
            limits: Limits::default(),
        }
    }
}

/// A page of the document: its ID, its content file, the document's default box.
#[derive(Debug, Clone)]
struct PageEntry {
    id: String,
    content: String,
}

/// Where a template goes relative to the page content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ZOrder {
    Background,
    Foreground,
}

/// What kind of picture a seal carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PictureKind {
    Raster,
    Svg,
    Ofd,
}

/// A seal picture: its bytes and kind.
#[derive(Debug, Clone)]
struct SealPicture {
    bytes: Arc<Vec<u8>>,
    kind: PictureKind,
}

/// A stamp a signature puts on a page.
#[derive(Debug, Clone)]
struct Stamp {
    signature: String,
    /// Its Signature.xml (where problems with its picture are reported).
    path: String,
    page_ref: String,
    rect: Rect,
    clip: Option<Rect>,
    picture: Option<SealPicture>,
}

/// An opened document: its structure, ready to draw any page.
#[derive(Debug)]
pub struct Document {
    pages: Vec<PageEntry>,
    default_area: Rect,
    templates: HashMap<String, (String, ZOrder)>,
    res: Resources,
    annots: HashMap<String, Vec<String>>,
    stamps: Vec<Stamp>,
    warnings: Warnings,
    cache: DocCache,
    depth: usize,
}

fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

fn loc(text: &str, base: &str) -> String {
    resolve_loc(text, base).trim_start_matches('/').to_owned()
}

/// Reads and parses an XML file of the package, noting a name that matched only ignoring
/// case.
fn xml<R: Read + Seek>(
    pkg: &mut Package<R>,
    path: &str,
    w: &mut Warnings,
    keep_space: bool,
) -> Result<Node, eseal_doc::DocError> {
    let bytes = read_noting_case(pkg, path, w)?;
    if keep_space {
        Node::parse_keeping_space(&bytes, path)
    } else {
        Node::parse(&bytes, path)
    }
}

/// A file's bytes; a warning when the package names it in another case than asked.
fn read_noting_case<R: Read + Seek>(
    pkg: &mut Package<R>,
    path: &str,
    w: &mut Warnings,
) -> Result<Vec<u8>, eseal_doc::DocError> {
    if let (Ok(found), Ok(asked)) = (pkg.resolve(path), eseal_doc::package::normalise(path))
        && found != asked
    {
        w.push(
            path,
            format!("文件名大小写不符：引用 {asked}，包内为 {found}（按后者读取）"),
            format!(
                "the name's case differs: {asked} is referenced, the package has {found} (read)"
            ),
        );
    }
    pkg.read(path)
}

/// Most pages a document may list.
pub const MAX_PAGES: usize = 100_000;

impl Document {
    /// Reads the structure of the (first) document in `pkg`.
    pub fn open<R: Read + Seek>(pkg: &mut Package<R>) -> Result<Document, RenderError> {
        Self::open_at_depth(pkg, 0)
    }

    fn open_at_depth<R: Read + Seek>(
        pkg: &mut Package<R>,
        depth: usize,
    ) -> Result<Document, RenderError> {
        let mut w = Warnings::default();
        let ofd = xml(pkg, "OFD.xml", &mut w, false)?;
        let bodies: Vec<&Node> = ofd.all("DocBody").collect();
        if bodies.len() > 1 {
            w.push(
                "OFD.xml",
                format!("文件包含 {} 个文档，只显示第一个", bodies.len()),
                format!(
                    "the package holds {} documents; the first is shown",
                    bodies.len()
                ),
            );
        }
        let root = bodies
            .first()
            .and_then(|b| b.child("DocRoot"))
            .map(|r| loc(&r.text, ""))
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                RenderError::Structure(Text::new(
                    "OFD.xml 没有指明文档根节点（DocRoot）",
                    "OFD.xml names no document root (DocRoot)",
                ))
            })?;
        let doc = xml(pkg, &root, &mut w, false)?;
        let base = dir_of(&root).to_owned();
        let common = doc.child("CommonData");
        let default_area = common
            .and_then(|c| c.child("PageArea"))
            .and_then(|a| a.child("PhysicalBox"))
            .and_then(|b| Rect::parse(&b.text))
            .unwrap_or_else(|| {
                w.push(
                    &root,
                    "文档没有可用的页面大小（PageArea），按 A4 显示",
                    "the document has no usable page size (PageArea); A4 is used",
                );
                Rect {
                    x: 0.0,
                    y: 0.0,
                    w: 210.0,
                    h: 297.0,
                }
            });
        let mut res = Resources::default();
        for name in ["PublicRes", "DocumentRes"] {
            for r in common.into_iter().flat_map(|c| c.all(name)) {
                let path = loc(&r.text, &base);
                match xml(pkg, &path, &mut w, false) {
                    Ok(node) => res.add(&node, &path, &mut w),
                    Err(e) => w.push(
                        &path,
                        format!("资源文件无法读取：{}", e.zh()),
                        format!("the resource file cannot be read: {e}"),
                    ),
                }
            }
        }
        let mut templates = HashMap::new();
        for t in common.into_iter().flat_map(|c| c.all("TemplatePage")) {
            let (Some(id), Some(at)) = (t.attr("ID"), t.attr("BaseLoc")) else {
                continue;
            };
            let z = if t.attr("ZOrder").map(str::trim) == Some("Foreground") {
                ZOrder::Foreground
            } else {
                ZOrder::Background
            };
            templates.insert(id.trim().to_owned(), (loc(at, &base), z));
        }
        let pages: Vec<PageEntry> = doc
            .child("Pages")
            .into_iter()
            .flat_map(|p| p.all("Page"))
            .take(MAX_PAGES)
            .filter_map(|p| {
                Some(PageEntry {
                    id: p.attr("ID")?.trim().to_owned(),
                    content: loc(p.attr("BaseLoc")?, &base),
                })
            })
            .collect();
        if pages.is_empty() {
            return Err(RenderError::Structure(Text::new(
                format!("{root} 中没有页面"),
                format!("{root} lists no pages"),
            )));
        }
        let mut annots: HashMap<String, Vec<String>> = HashMap::new();
        if let Some(a) = doc.child("Annotations") {
            let path = loc(&a.text, &base);
            match xml(pkg, &path, &mut w, false) {
                Ok(list) => {
                    for p in list.all("Page") {
                        let (Some(id), Some(file)) = (p.attr("PageID"), p.child("FileLoc")) else {
                            continue;
                        };
                        annots
                            .entry(id.trim().to_owned())
                            .or_default()
                            .push(loc(&file.text, dir_of(&path)));
                    }
                }
                Err(e) => w.push(
                    &path,
                    format!("注释列表无法读取：{}", e.zh()),
                    format!("the annotation list cannot be read: {e}"),
                ),
            }
        }
        let stamps = stamps(pkg, &ofd, &mut w);
        for s in &stamps {
            if !pages.iter().any(|p| p.id == s.page_ref) {
                w.push(
                    "",
                    format!(
                        "签名 {} 的印章指向不存在的页面 {:?}，未绘制",
                        s.signature, s.page_ref
                    ),
                    format!(
                        "signature {}'s stamp names the page {:?}, which does not exist; not drawn",
                        s.signature, s.page_ref
                    ),
                );
            }
        }
        Ok(Document {
            pages,
            default_area,
            templates,
            res,
            annots,
            stamps,
            warnings: w,
            cache: DocCache::default(),
            depth,
        })
    }

    /// Number of pages.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Problems with the document as a whole (each page's own are in its [`Page`]).
    pub fn warnings(&self) -> Vec<Warning> {
        self.warnings.clone().into_vec()
    }

    /// The 1-based numbers of the pages that carry a stamp.
    pub fn pages_with_stamps(&self) -> Vec<usize> {
        self.pages
            .iter()
            .enumerate()
            .filter(|(_, p)| self.stamps.iter().any(|s| s.page_ref == p.id))
            .map(|(i, _)| i + 1)
            .collect()
    }

    /// Draws page `number` (1-based).
    pub fn render_page<R: Read + Seek>(
        &mut self,
        pkg: &mut Package<R>,
        fonts: &FontBook,
        number: usize,
        opts: &RenderOptions,
    ) -> Result<Page, RenderError> {
        let entry = number
            .checked_sub(1)
            .and_then(|i| self.pages.get(i))
            .cloned()
            .ok_or(RenderError::NoPage {
                page: number,
                count: self.pages.len(),
            })?;
        let mut w = Warnings::default();
        let mut spent = Spent::default();
        let mut subs = Vec::new();
        let page = xml(pkg, &entry.content, &mut w, true)?;
        let area = page
            .child("Area")
            .and_then(|a| a.child("PhysicalBox"))
            .and_then(|b| Rect::parse(&b.text))
            .unwrap_or(self.default_area);
        if area.w > 5000.0 || area.h > 5000.0 {
            w.push(
                &entry.content,
                format!("页面大小 {}×{} mm 异常，按比例缩小显示", area.w, area.h),
                format!(
                    "the page size {}×{} mm is absurd; it is drawn scaled down",
                    area.w, area.h
                ),
            );
        }
        // Page resources add to the document's.
        let mut page_res = None;
        for r in page.all("PageRes") {
            let path = loc(&r.text, dir_of(&entry.content));
            let res = page_res.get_or_insert_with(|| self.res.clone());
            match xml(pkg, &path, &mut w, false) {
                Ok(node) => res.add(&node, &path, &mut w),
                Err(e) => w.push(
                    &path,
                    format!("页面资源无法读取：{}", e.zh()),
                    format!("the page resource cannot be read: {e}"),
                ),
            }
        }
        let res = page_res.as_ref().unwrap_or(&self.res);
        let mut drawer = Drawer {
            pkg,
            res,
            fonts,
            cache: &mut self.cache,
            images: HashMap::new(),
            w: &mut w,
            spent: &mut spent,
            limits: &opts.limits,
            subs: &mut subs,
            items: Vec::new(),
            file: entry.content.clone(),
        };
        let t = Transform::identity();
        let mut templates: Vec<(String, ZOrder)> = Vec::new();
        for tp in page.all("Template") {
            let id = tp.attr("TemplateID").map(str::trim).unwrap_or_default();
            match self.templates.get(id) {
                Some((file, z)) => {
                    let z = match tp.attr("ZOrder").map(str::trim) {
                        Some("Foreground") => ZOrder::Foreground,
                        Some("Background") => ZOrder::Background,
                        _ => *z,
                    };
                    templates.push((file.clone(), z));
                }
                None => drawer.w.push(
                    &entry.content,
                    format!("页面引用的模板 {id:?} 未定义"),
                    format!("the page names the undefined template {id:?}"),
                ),
            }
        }
        let template =
            |drawer: &mut Drawer<'_, R>, file: &str| match xml(drawer.pkg, file, drawer.w, true) {
                Ok(node) => {
                    if node.child("Template").is_some() {
                        drawer.w.push(
                            file,
                            "模板又引用了模板，内层模板已忽略",
                            "a template names a template; the inner one is ignored",
                        );
                    }
                    if let Some(c) = node.child("Content") {
                        drawer.file = file.to_owned();
                        drawer.content(c, t);
                    }
                }
                Err(e) => drawer.w.push(
                    file,
                    format!("模板无法读取：{}", e.zh()),
                    format!("the template cannot be read: {e}"),
                ),
            };
        for (file, _) in templates.iter().filter(|(_, z)| *z == ZOrder::Background) {
            template(&mut drawer, file);
        }
        drawer.file = entry.content.clone();
        if let Some(c) = page.child("Content") {
            drawer.content(c, t);
        }
        for (file, _) in templates.iter().filter(|(_, z)| *z == ZOrder::Foreground) {
            template(&mut drawer, file);
        }
        // Annotations: visible ones whose appearance is meant for the screen.
        for file in self.annots.get(&entry.id).cloned().unwrap_or_default() {
            match xml(drawer.pkg, &file, drawer.w, true) {
                Ok(node) => {
                    drawer.file = file.clone();
                    for a in node.all("Annot") {
                        let visible = a.attr("Visible").map(str::trim) != Some("false");
                        let no_view = a.attr("NoView").map(str::trim) == Some("true");
                        if !visible || no_view {
                            continue;
                        }
                        for ap in a.all("Appearance") {
                            let (x, y) = ap
                                .attr("Boundary")
                                .and_then(crate::geom::origin)
                                .unwrap_or((0.0, 0.0));
                            drawer.block(ap, t.pre_translate(x, y), None, &[]);
                        }
                    }
                }
                Err(e) => drawer.w.push(
                    &file,
                    format!("注释无法读取：{}", e.zh()),
                    format!("the annotation cannot be read: {e}"),
                ),
            }
        }
        let mut items = std::mem::take(&mut drawer.items);
        // Stamps.
        let mut placed = Vec::new();
        let stamps: Vec<Stamp> = self
            .stamps
            .iter()
            .filter(|s| s.page_ref == entry.id)
            .cloned()
            .collect();
        for s in stamps {
            let clip = s.clip.and_then(|c| {
                Rect {
                    x: s.rect.x + c.x,
                    y: s.rect.y + c.y,
                    w: c.w,
                    h: c.h,
                }
                .path()
                .map(|p| Arc::new(Clip(vec![p])))
            });
            let mut drawn = false;
            if opts.seals {
                drawn = seal(&mut drawer, &s, clip.as_ref(), opts, self.depth, &mut items);
            }
            let verdict = opts.verdicts.get(&s.signature).copied();
            if let Some(v) = verdict
                && let Some(frame) = s.rect.path()
            {
                let color = match v {
                    Verdict::Passed => Rgba([22, 163, 74, 255]),
                    Verdict::Failed => Rgba([220, 38, 38, 255]),
                    Verdict::Indeterminate => Rgba([120, 120, 120, 255]),
                };
                items.push(Item::Path(PathItem {
                    path: Arc::new(frame),
                    transform: Transform::identity(),
                    fill: None,
                    even_odd: false,
                    stroke: Some(Stroke {
                        color,
                        width: 0.8,
                        join: LineJoin::Miter,
                        cap: LineCap::Butt,
                        miter: 4.0,
                        dash: (v != Verdict::Passed).then(|| (vec![2.0, 1.0], 0.0)),
                    }),
                    clips: clip.clone().into_iter().collect(),
                    multiply: false,
                }));
            }
            placed.push(PlacedStamp {
                signature: s.signature.clone(),
                rect: s.rect,
                drawn,
                verdict,
            });
        }
        let mut warnings = w;
        if number == 1 {
            warnings.extend(self.warnings.clone());
        }
        subs.sort();
        subs.dedup();
        Ok(Page {
            number,
            area,
            items,
            stamps: placed,
            substitutions: subs,
            warnings: warnings.into_vec(),
        })
    }
}

/// Draws a stamp's seal picture; whether something was drawn.
fn seal<R: Read + Seek>(
    drawer: &mut Drawer<'_, R>,
    s: &Stamp,
    clip: Option<&Arc<Clip>>,
    opts: &RenderOptions,
    depth: usize,
    items: &mut Vec<Item>,
) -> bool {
    let file = s.path.clone();
    let Some(pic) = &s.picture else {
        drawer.w.push(
            &file,
            "该签名没有可显示的印章图片（如纯数字签名），只标出位置",
            "the signature has no seal picture to show (a plain digital signature, say); only its place is marked",
        );
        return false;
    };
    let r = s.rect;
    let unit = Transform::from_row(r.w, 0.0, 0.0, r.h, r.x, r.y);
    let clips: Vec<Arc<Clip>> = clip.cloned().into_iter().collect();
    match pic.kind {
        PictureKind::Raster => {
            let left = opts
                .limits
                .max_page_image_pixels
                .saturating_sub(drawer.spent.image_pixels);
            match crate::image::decode(&pic.bytes, "", left.min(opts.limits.max_image_pixels)) {
                Ok(p) => {
                    drawer.spent.image_pixels +=
                        u64::from(p.pixmap.width()) * u64::from(p.pixmap.height());
                    items.push(Item::Image(ImageItem {
                        picture: Arc::new(p),
                        transform: unit,
                        alpha: 255,
                        clips,
                        multiply: true,
                    }));
                    true
                }
                Err((zh, en)) => {
                    drawer.w.push(
                        &file,
                        format!("印章图片：{zh}"),
                        format!("seal picture: {en}"),
                    );
                    false
                }
            }
        }
        PictureKind::Svg => {
            // Text in the picture is drawn with the stand-ins for 宋体 and 黑体.
            let fonts = ["宋体", "黑体"]
                .iter()
                .filter_map(|n| drawer.fonts.substitute(n, None, false).map(|s| s.font))
                .collect();
            items.push(Item::Svg(SvgItem {
                svg: pic.bytes.clone(),
                transform: unit,
                fonts,
                clips,
                multiply: true,
            }));
            true
        }
        PictureKind::Ofd => {
            if depth + 1 > opts.limits.max_depth {
                drawer.w.push(
                    &file,
                    format!(
                        "印章图片是嵌套超过 {} 层的 OFD 文档，未绘制",
                        opts.limits.max_depth
                    ),
                    format!(
                        "the seal picture is an OFD nested more than {} deep; not drawn",
                        opts.limits.max_depth
                    ),
                );
                return false;
            }
            match nested(&pic.bytes, drawer.fonts, opts, depth + 1) {
                Ok(page) => {
                    drawer.w.extend_from(&file, page.warnings);
                    let a = page.area;
                    let t = Transform::from_row(r.w / a.w, 0.0, 0.0, r.h / a.h, r.x, r.y)
                        .pre_translate(-a.x, -a.y);
                    let stamp_clip = clip
                        .cloned()
                        .or_else(|| r.path().map(|p| Arc::new(Clip(vec![p]))));
                    for item in page.items {
                        items.push(item.mapped(t, stamp_clip.as_ref(), true));
                    }
                    drawer.subs.extend(page.substitutions);
                    true
                }
                Err(e) => {
                    drawer.w.push(
                        &file,
                        format!("印章图片（OFD 文档）无法显示：{}", e.zh()),
                        format!("the seal picture (an OFD document) cannot be shown: {e}"),
                    );
                    false
                }
            }
        }
    }
}

/// The first page of a seal picture that is itself an OFD document.
fn nested(
    bytes: &[u8],
    fonts: &FontBook,
    opts: &RenderOptions,
    depth: usize,
) -> Result<Page, RenderError> {
    let mut pkg = Package::open(Cursor::new(bytes))?;
    pkg.set_budget(eseal_doc::Budget {
        max_bytes: Some(opts.limits.max_nested_bytes),
        cancel: None,
    });
    let mut doc = Document::open_at_depth(&mut pkg, depth)?;
    // The nested page's stamps are drawn; its verdict frames are not ours to draw.
    let inner = RenderOptions {
        verdicts: HashMap::new(),
        ..opts.clone()
    };
    doc.render_page(&mut pkg, fonts, 1, &inner)
}

/// The stamps of every signature of the document, with their seal pictures.
fn stamps<R: Read + Seek>(pkg: &mut Package<R>, ofd: &Node, w: &mut Warnings) -> Vec<Stamp> {
    let mut out = Vec::new();
    // A file belongs to one signature (as the verifier rules): a record naming another's
    // Signature.xml or SignedValue is skipped, so a hostile list cannot have one large file
    // read a thousand times. Seal files may be shared; each is read once.
    let names = pkg.names();
    let mut owners = eseal_doc::package::RecordFiles::default();
    let mut seal_files = HashMap::new();
    let mut place = 0;
    for list_path in signature_lists(ofd) {
        let list_path = list_path.trim_start_matches('/').to_owned();
        let list = match xml(pkg, &list_path, w, false) {
            Ok(l) => l,
            Err(e) => {
                w.push(
                    &list_path,
                    format!("签名列表无法读取：{}", e.zh()),
                    format!("the signature list cannot be read: {e}"),
                );
                continue;
            }
        };
        for record in signature_records(&list, &list_path)
            .into_iter()
            .take(eseal_doc::ofd::MAX_SIGNATURES)
        {
            let path = record.base_loc.trim_start_matches('/').to_owned();
            place += 1;
            let own = names
                .resolve(&path)
                .map_err(|e| Text::new(e.zh(), e.to_string()));
            if let Err(why) = own.and_then(|f| owners.claim(f, place - 1, &record.id)) {
                w.push(
                    &path,
                    format!("签名未绘制：{}", why.zh),
                    format!("the signature is not drawn: {}", why.en),
                );
                continue;
            }
            let info = match read_noting_case(pkg, &path, w).and_then(|b| signature_xml(&b, &path))
            {
                Ok(i) => i,
                Err(e) => {
                    w.push(
                        &path,
                        format!("签名描述无法读取：{}", e.zh()),
                        format!("the signature description cannot be read: {e}"),
                    );
                    continue;
                }
            };
            let picture = if record.kind.eq_ignore_ascii_case("seal") {
                let value = names.resolve(&info.signed_value).ok();
                let value = value.filter(|f| owners.claim(*f, place - 1, &record.id).is_ok());
                picture(pkg, (value, &info), &mut seal_files, &path, w)
            } else {
                None
            };
            for st in &info.stamps {
                let Some(rect) = Rect::parse(&st.boundary) else {
                    w.push(
                        &path,
                        format!("印章位置 Boundary {:?} 不可用，未绘制", st.boundary),
                        format!(
                            "the stamp's Boundary {:?} is unusable; not drawn",
                            st.boundary
                        ),
                    );
                    continue;
                };
                let clip = st.clip.as_deref().and_then(Rect::parse);
                out.push(Stamp {
                    signature: record.id.clone(),
                    path: path.clone(),
                    page_ref: st.page_ref.trim().to_owned(),
                    rect,
                    clip,
                    picture: picture.clone(),
                });
            }
        }
    }
    out
}

/// The seal picture of a seal signature: from the seal inside the SES_Signature, or else
/// from the seal file the signature names (ofdrw's layout).
/// The seal picture of a signature: from the seal inside its SignedValue (`value`: `None`
/// when missing or another signature's), else from its seal file (each seal file read once,
/// kept in `seal_files`). Either is read only up to the largest signature value.
fn picture<R: Read + Seek>(
    pkg: &mut Package<R>,
    (value, info): (
        Option<eseal_doc::package::Resolved<'_>>,
        &eseal_doc::xml::SignatureXml,
    ),
    seal_files: &mut HashMap<String, Option<eseal_ses::AnySeal>>,
    path: &str,
    w: &mut Warnings,
) -> Option<SealPicture> {
    let max = eseal_doc::ofd::MAX_SIGNED_VALUE;
    let from_sig = value
        .and_then(|f| pkg.read_at_most(f.name, max).ok())
        .and_then(|v| eseal_ses::AnySignature::decode(&v).ok())
        .map(|(sig, _)| sig.seal());
    let seal = match from_sig {
        Some(seal) => Some(std::borrow::Cow::Owned(seal)),
        None => match info.seal.as_deref().map(|f| pkg.resolve(f)) {
            Some(Ok(file)) => {
                if !seal_files.contains_key(&file) {
                    let seal = pkg
                        .read_at_most(&file, max)
                        .ok()
                        .and_then(|b| eseal_ses::AnySeal::decode(&b).ok().map(|(s, _)| s));
                    seal_files.insert(file.clone(), seal);
                }
                seal_files
                    .get(&file)
                    .and_then(Option::as_ref)
                    .map(std::borrow::Cow::Borrowed)
            }
            _ => None,
        },
    };
    let Some(seal) = seal else {
        w.push(
            path,
            "签名中的印章无法读取，印章图片未绘制",
            "the seal in the signature cannot be read; its picture is not drawn",
        );
        return None;
    };
    let view = match seal.view() {
        Ok(v) => v,
        Err(e) => {
            w.push(
                path,
                format!("印章无法读取：{}", e.zh()),
                format!("the seal cannot be read: {e}"),
            );
            return None;
        }
    };
    use eseal_ses::common::PictureFormat as F;
    let kind = match view.picture.sniff() {
        F::Png | F::Jpeg | F::Gif | F::Bmp => PictureKind::Raster,
        F::Svg => PictureKind::Svg,
        F::Ofd => PictureKind::Ofd,
        F::Unknown => {
            w.push(
                path,
                format!(
                    "印章图片的格式无法识别（声明为 {:?}）",
                    view.picture.picture_type.text()
                ),
                format!(
                    "the seal picture's format is not recognised (declared {:?})",
                    view.picture.picture_type.text()
                ),
            );
            return None;
        }
    };
    Some(SealPicture {
        bytes: Arc::new(view.picture.data.clone()),
        kind,
    })
}

impl Warnings {
    /// Adds a nested document's warnings, each prefixed by where it was met.
    pub(crate) fn extend_from(&mut self, prefix: &str, list: Vec<Warning>) {
        for x in list {
            self.push(
                prefix,
                format!("印章图片（OFD 文档）的 {}：{}", x.file, x.text.zh),
                format!(
                    "the seal picture (an OFD document), {}: {}",
                    x.file, x.text.en
                ),
            );
        }
    }
}
