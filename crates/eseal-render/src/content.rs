//! Page content (GB/T 33190 §7.7–§13): layers, page blocks and the graphic objects — paths,
//! text, images, composite objects — with their drawing parameters, colours, CTM, Boundary and
//! clips, turned into display-list items. Every problem is a warning and the object (or the
//! rest of it) is left out; the work is bounded by [`Limits`].

use crate::abbr;
use crate::color::{self, Rgba};
use crate::draw::{Clip, Glyph, ImageItem, Item, PathItem, Stroke, TextItem};
use crate::font::{FontBook, FontData};
use crate::geom;
use crate::image::Picture;
use crate::res::Resources;
use crate::warn::Warnings;
use eseal_doc::Package;
use eseal_doc::xml::Node;
use std::collections::HashMap;
use std::io::{Read, Seek};
use std::sync::Arc;
use tiny_skia::{LineCap, LineJoin, PathBuilder, Transform};

/// Bounds on the work for one page (a hostile file cannot make a page cost more).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Path points, over every path of the page.
    pub max_points: usize,
    /// Graphic objects.
    pub max_objects: usize,
    /// Glyphs.
    pub max_glyphs: usize,
    /// Pixels of one image.
    pub max_image_pixels: u64,
    /// Pixels of all the images of the page together.
    pub max_page_image_pixels: u64,
    /// Nesting of documents drawn as seal pictures (an `ofd` picture inside an `ofd`
    /// picture …).
    pub max_depth: usize,
    /// Bytes read from one nested seal document.
    pub max_nested_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_points: 2_000_000,
            max_objects: 200_000,
            max_glyphs: 200_000,
            max_image_pixels: 16 << 20,
            max_page_image_pixels: 32 << 20,
            max_depth: 2,
            max_nested_bytes: 16 << 20,
        }
    }
}

/// What has been spent on the current page.
#[derive(Debug, Default)]
pub(crate) struct Spent {
    points: usize,
    objects: usize,
    glyphs: usize,
    pub(crate) image_pixels: u64,
    told: [bool; 3],
}

/// How a font resource is drawn.
#[derive(Debug, Clone)]
pub(crate) enum FontChoice {
    /// The font embedded in the package.
    Embedded(Arc<FontData>),
    /// An installed stand-in, with its CSS families.
    System(Arc<FontData>, String),
    /// Nothing installed: fallbacks per character.
    Missing,
}

/// What one document's pages share: the fonts chosen for its font resources.
#[derive(Debug, Default)]
pub(crate) struct DocCache {
    pub(crate) fonts: HashMap<String, FontChoice>,
}

/// Draws the objects of one page (or template, annotation, composite) into `items`.
pub(crate) struct Drawer<'a, R: Read + Seek> {
    pub(crate) pkg: &'a mut Package<R>,
    pub(crate) res: &'a Resources,
    pub(crate) fonts: &'a FontBook,
    pub(crate) cache: &'a mut DocCache,
    pub(crate) images: HashMap<String, Option<Arc<Picture>>>,
    pub(crate) w: &'a mut Warnings,
    pub(crate) spent: &'a mut Spent,
    pub(crate) limits: &'a Limits,
    pub(crate) subs: &'a mut Vec<(String, String)>,
    pub(crate) items: Vec<Item>,
    /// The file being drawn (named in warnings).
    pub(crate) file: String,
}

fn flag(node: &Node, name: &str, default: bool) -> bool {
    match node.attr(name).map(str::trim) {
        Some("true") | Some("1") => true,
        Some("false") | Some("0") => false,
        _ => default,
    }
}

fn number(node: &Node, name: &str) -> Option<f32> {
    node.attr(name)
        .and_then(|v| v.trim().parse::<f32>().ok())
        .filter(|v| v.is_finite())
}

/// The order layers are drawn in: background, body, custom, foreground (stable within one).
fn layer_rank(layer: &Node) -> u8 {
    match layer.attr("Type").map(str::trim) {
        Some("Background") => 0,
        Some("Foreground") => 3,
        Some("Custom") => 2,
        _ => 1,
    }
}

impl<R: Read + Seek> Drawer<'_, R> {
    fn warn(&mut self, zh: impl Into<String>, en: impl Into<String>) {
        let file = self.file.clone();
        self.w.push(&file, zh, en);
    }

    /// The layers of a `Content` element, in drawing order.
    pub(crate) fn content(&mut self, content: &Node, t: Transform) {
        let mut layers: Vec<&Node> = content.all("Layer").collect();
        layers.sort_by_key(|l| layer_rank(l));
        for layer in layers {
            let param = layer.attr("DrawParam").map(str::trim);
            self.block(layer, t, param, &[]);
        }
    }

    /// The objects of a layer, page block, appearance or composite unit.
    pub(crate) fn block(
        &mut self,
        node: &Node,
        t: Transform,
        param: Option<&str>,
        clips: &[Arc<Clip>],
    ) {
        for obj in &node.children {
            if self.spent.objects >= self.limits.max_objects {
                if !self.spent.told[0] {
                    self.spent.told[0] = true;
                    self.warn(
                        format!("页面的图元超过 {} 个，其余未绘制", self.limits.max_objects),
                        format!(
                            "the page has more than {} graphic objects; the rest are not drawn",
                            self.limits.max_objects
                        ),
                    );
                }
                return;
            }
            match obj.name.as_str() {
                "PathObject" | "TextObject" | "ImageObject" | "CompositeObject" => {
                    self.spent.objects += 1;
                    if !flag(obj, "Visible", true) {
                        continue;
                    }
                    let Some((tb, to)) = self.placed(obj, t) else {
                        continue;
                    };
                    let mut clips = clips.to_vec();
                    clips.extend(self.clips(obj, tb));
                    let param = obj.attr("DrawParam").map(str::trim).or(param);
                    match obj.name.as_str() {
                        "PathObject" => self.path(obj, to, param, clips),
                        "TextObject" => self.text(obj, to, param, clips),
                        "ImageObject" => self.image(obj, to, clips),
                        _ => self.composite(obj, to, clips),
                    }
                }
                "PageBlock" => self.block(obj, t, param, clips),
                "Actions" => {}
                other => self.warn(
                    format!("不认识的图元 {other:?}，未绘制"),
                    format!("unknown graphic object {other:?}; not drawn"),
                ),
            }
        }
    }

    /// An object's transforms: (parent · Boundary origin, the same · CTM).
    fn placed(&mut self, obj: &Node, t: Transform) -> Option<(Transform, Transform)> {
        let (bx, by) = match obj.attr("Boundary").and_then(geom::origin) {
            Some(o) => o,
            None => {
                self.warn(
                    format!("{} 没有可用的 Boundary，按 (0,0) 放置", obj.name),
                    format!("a {} has no usable Boundary; placed at (0,0)", obj.name),
                );
                (0.0, 0.0)
            }
        };
        let tb = t.pre_translate(bx, by);
        match obj.attr("CTM") {
            None => Some((tb, tb)),
            Some(c) => match geom::ctm(c) {
                Some(m) => Some((tb, tb.pre_concat(m))),
                None => {
                    self.warn(
                        format!(
                            "{} 的 CTM {c:?} 不可用（须为 6 个数且可逆），未绘制",
                            obj.name
                        ),
                        format!(
                            "a {}'s CTM {c:?} is unusable (six numbers, invertible); not drawn",
                            obj.name
                        ),
                    );
                    None
                }
            },
        }
    }

    /// The clips of an object (GB/T 33190 §8.5): each Clip the union of its Areas, all
    /// Clips applied together. Areas are placed from the object's Boundary by their own CTM.
    fn clips(&mut self, obj: &Node, tb: Transform) -> Vec<Arc<Clip>> {
        let Some(list) = obj.child("Clips") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for clip in list.all("Clip") {
            let mut paths = Vec::new();
            for area in clip.all("Area") {
                let at = match area.attr("CTM").map(geom::ctm) {
                    Some(Some(m)) => tb.pre_concat(m),
                    Some(None) => {
                        self.warn(
                            "裁剪区的 CTM 不可用，已忽略",
                            "a clip area's CTM is unusable; ignored",
                        );
                        tb
                    }
                    None => tb,
                };
                for shape in &area.children {
                    match shape.name.as_str() {
                        "Path" => {
                            let Some((_, pt)) = self.placed(shape, at) else {
                                continue;
                            };
                            let data = shape
                                .child("AbbreviatedData")
                                .map(|d| d.text.as_str())
                                .unwrap_or_default();
                            let left = self.limits.max_points.saturating_sub(self.spent.points);
                            let parsed = abbr::parse(data, left);
                            self.spent.points += parsed.points;
                            if let Some((zh, en)) = parsed.problem {
                                self.warn(format!("裁剪路径：{zh}"), format!("clip path: {en}"));
                            }
                            if let Some(p) = parsed.path.and_then(|p| p.transform(pt)) {
                                paths.push(p);
                            }
                        }
                        "Text" => self.warn(
                            "以文字为裁剪区的对象按不裁剪绘制",
                            "an object clipped by text is drawn unclipped",
                        ),
                        _ => {}
                    }
                }
            }
            if paths.is_empty() {
                self.warn(
                    "裁剪区没有可用的路径，已忽略",
                    "a clip has no usable path; ignored",
                );
            } else {
                out.push(Arc::new(Clip(paths)));
            }
        }
        out
    }

    /// The DrawParam chain from `id` through `Relative`, nearest first (cycles cut).
    fn params(&mut self, id: Option<&str>) -> Vec<Node> {
        let mut out: Vec<Node> = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        let mut next = id.map(str::to_owned);
        while let Some(id) = next.take() {
            if seen.contains(&id) || seen.len() >= 16 {
                self.warn(
                    format!("绘制参数 {id:?} 的 Relative 构成循环，已截断"),
                    format!("the DrawParam {id:?}'s Relative chain loops; cut"),
                );
                break;
            }
            seen.push(id.clone());
            match self.res.params.get(&id) {
                Some(p) => {
                    out.push(p.node.clone());
                    next = p.relative.clone();
                }
                None => self.warn(
                    format!("绘制参数 {id:?} 未定义"),
                    format!("the DrawParam {id:?} is not defined"),
                ),
            }
        }
        out
    }

    fn attr_of<'n>(obj: &'n Node, chain: &'n [Node], name: &str) -> Option<&'n str> {
        obj.attr(name)
            .or_else(|| chain.iter().find_map(|p| p.attr(name)))
    }

    fn color_of(&mut self, obj: &Node, chain: &[Node], name: &str) -> Option<Rgba> {
        let node = obj
            .child(name)
            .or_else(|| chain.iter().find_map(|p| p.child(name)))?
            .clone();
        let file = self.file.clone();
        color::read(&node, self.res, &file, self.w)
    }

    fn stroke_of(&mut self, obj: &Node, chain: &[Node], color: Rgba) -> Stroke {
        let num = |n: &str| {
            Self::attr_of(obj, chain, n)
                .and_then(|v| v.trim().parse::<f32>().ok())
                .filter(|v| v.is_finite() && *v >= 0.0)
        };
        let width = num("LineWidth").unwrap_or(0.353);
        let join = match Self::attr_of(obj, chain, "Join").map(str::trim) {
            Some("Round") => LineJoin::Round,
            Some("Bevel") => LineJoin::Bevel,
            _ => LineJoin::Miter,
        };
        let cap = match Self::attr_of(obj, chain, "Cap").map(str::trim) {
            Some("Round") => LineCap::Round,
            Some("Square") => LineCap::Square,
            _ => LineCap::Butt,
        };
        let miter = num("MiterLimit").unwrap_or(3.528);
        let dash = Self::attr_of(obj, chain, "DashPattern").and_then(|d| {
            let (mut v, _) = geom::numbers(d);
            v.truncate(64);
            if v.len() % 2 == 1 {
                let copy = v.clone();
                v.extend(copy);
            }
            (v.len() >= 2 && v.iter().all(|x| *x >= 0.0) && v.iter().any(|x| *x > 0.0))
                .then(|| (v, num("DashOffset").unwrap_or(0.0)))
        });
        Stroke {
            color,
            width,
            join,
            cap,
            miter,
            dash,
        }
    }

    /// An object's fill and stroke: whether it fills (by default `fill.0`) and in which
    /// colour (by default `fill.1`), whether it strokes (by default `stroke`, in black).
    fn paints(
        &mut self,
        obj: &Node,
        chain: &[Node],
        alpha: u8,
        fill: (bool, Option<Rgba>),
        stroke: bool,
    ) -> (Option<Rgba>, Option<Stroke>) {
        let fill = if flag(obj, "Fill", fill.0) {
            self.color_of(obj, chain, "FillColor")
                .or(fill.1)
                .map(|c| c.with_alpha(alpha))
        } else {
            None
        };
        let stroke = if flag(obj, "Stroke", stroke) {
            let c = self
                .color_of(obj, chain, "StrokeColor")
                .unwrap_or(Rgba::BLACK)
                .with_alpha(alpha);
            Some(self.stroke_of(obj, chain, c))
        } else {
            None
        };
        (fill, stroke)
    }

    fn alpha(obj: &Node) -> u8 {
        number(obj, "Alpha").map_or(255, |a| a.clamp(0.0, 255.0).round() as u8)
    }

    fn path(&mut self, obj: &Node, t: Transform, param: Option<&str>, clips: Vec<Arc<Clip>>) {
        let chain = self.params(param);
        let data = obj
            .child("AbbreviatedData")
            .map(|d| d.text.as_str())
            .unwrap_or_default();
        let left = self.limits.max_points.saturating_sub(self.spent.points);
        if left == 0 {
            if !self.spent.told[1] {
                self.spent.told[1] = true;
                self.warn(
                    format!(
                        "页面的路径点超过 {} 个，其余路径未绘制",
                        self.limits.max_points
                    ),
                    format!(
                        "the page's paths have more than {} points; the rest are not drawn",
                        self.limits.max_points
                    ),
                );
            }
            return;
        }
        let parsed = abbr::parse(data, left);
        self.spent.points += parsed.points;
        if let Some((zh, en)) = parsed.problem {
            self.warn(format!("路径：{zh}"), format!("path: {en}"));
        }
        let Some(path) = parsed.path else { return };
        let alpha = Self::alpha(obj);
        // A path strokes by default; its fill colour is transparent unless given (GB/T
        // 33190 Table 34).
        let (fill, stroke) = self.paints(obj, &chain, alpha, (false, None), true);
        if fill.is_none() && stroke.is_none() {
            return;
        }
        let even_odd = matches!(
            obj.attr("Rule").map(str::trim),
            Some("Even-Odd") | Some("EvenOdd")
        );
        self.items.push(Item::Path(PathItem {
            path: Arc::new(path),
            transform: t,
            fill,
            even_odd,
            stroke,
            clips,
            multiply: false,
        }));
    }

    /// The font drawing font resource `id` (chosen once per document).
    fn font(&mut self, id: &str) -> FontChoice {
        if let Some(c) = self.cache.fonts.get(id) {
            return c.clone();
        }
        let choice = match self.res.fonts.get(id).cloned() {
            None => {
                self.warn(
                    format!("文字引用的字体 {id:?} 未定义，用默认字体代替"),
                    format!("text names the undefined font {id:?}; a default font stands in"),
                );
                match self.fonts.substitute("", None, false) {
                    Some(s) => {
                        self.subs.push((format!("#{id}"), s.font.family.clone()));
                        FontChoice::System(
                            s.font.clone(),
                            format!("'{}', {}", css_name(&s.font.family), s.generic),
                        )
                    }
                    None => FontChoice::Missing,
                }
            }
            Some(decl) => {
                let mut embedded = None;
                if let Some(file) = &decl.file {
                    match self.pkg.read(file) {
                        Ok(bytes) => match FontData::new(bytes, "") {
                            Some(f) => embedded = Some(Arc::new(f)),
                            None => self.warn(
                                format!("嵌入字体 {file} 不是可用的 TrueType/OpenType 字体，改用系统字体"),
                                format!("the embedded font {file} is not a usable TrueType/OpenType font; an installed font stands in"),
                            ),
                        },
                        Err(e) => self.warn(
                            format!("嵌入字体 {file} 无法读取（{}），改用系统字体", e.zh()),
                            format!("the embedded font {file} cannot be read ({e}); an installed font stands in"),
                        ),
                    }
                }
                match embedded {
                    Some(f) => FontChoice::Embedded(f),
                    None => {
                        match self
                            .fonts
                            .substitute(&decl.name, decl.family.as_deref(), decl.bold)
                        {
                            Some(s) => {
                                let shown = if decl.name.is_empty() {
                                    decl.family.clone().unwrap_or_default()
                                } else {
                                    decl.name.clone()
                                };
                                self.subs.push((shown.clone(), s.font.family.clone()));
                                let mut css = String::new();
                                for n in [Some(decl.name.as_str()), decl.family.as_deref()]
                                    .into_iter()
                                    .flatten()
                                {
                                    if !n.is_empty() && !css.contains(&css_name(n)) {
                                        css.push_str(&format!("'{}', ", css_name(n)));
                                    }
                                }
                                css.push_str(&format!(
                                    "'{}', {}",
                                    css_name(&s.font.family),
                                    s.generic
                                ));
                                FontChoice::System(s.font, css)
                            }
                            None => {
                                self.warn(
                                format!("字体“{}”未嵌入，也没有可代替的已安装字体", decl.name),
                                format!("font \"{}\" is not embedded and no installed font can stand in", decl.name),
                            );
                                FontChoice::Missing
                            }
                        }
                    }
                }
            }
        };
        self.cache.fonts.insert(id.to_owned(), choice.clone());
        choice
    }

    fn text(&mut self, obj: &Node, t: Transform, param: Option<&str>, clips: Vec<Arc<Clip>>) {
        let chain = self.params(param);
        let font_id = obj
            .attr("Font")
            .map(str::trim)
            .unwrap_or_default()
            .to_owned();
        let choice = self.font(&font_id);
        let size = match number(obj, "Size") {
            Some(s) if s > 0.0 && s < 10_000.0 => s,
            _ => {
                self.warn(
                    "文字没有可用的字号（Size），按 3.5 mm 绘制",
                    "text has no usable Size; drawn at 3.5 mm",
                );
                3.5
            }
        };
        let alpha = Self::alpha(obj);
        // Text fills in black by default and is not stroked.
        let (fill, stroke) = self.paints(obj, &chain, alpha, (true, Some(Rgba::BLACK)), false);
        let hscale = number(obj, "HScale")
            .filter(|h| *h > 0.0 && *h < 100.0)
            .unwrap_or(1.0);
        let read_dir = number(obj, "ReadDirection").unwrap_or(0.0) as i32;
        let char_dir = number(obj, "CharDirection").unwrap_or(0.0);
        let decl = self.res.fonts.get(&font_id).cloned();
        let bold = decl.as_ref().is_some_and(|d| d.bold)
            || number(obj, "Weight").is_some_and(|w| w >= 700.0);
        let italic = decl.as_ref().is_some_and(|d| d.italic) || flag(obj, "Italic", false);
        // Glyph indexes given for character ranges (CGTransform), for embedded fonts.
        let mut cg: HashMap<usize, Vec<u16>> = HashMap::new();
        for c in obj.all("CGTransform") {
            let pos = number(c, "CodePosition").unwrap_or(0.0).max(0.0) as usize;
            let count = number(c, "CodeCount").unwrap_or(1.0).max(1.0) as usize;
            let glyphs: Vec<u16> = c
                .child("Glyphs")
                .map(|g| {
                    g.text
                        .split_whitespace()
                        .filter_map(|v| v.parse().ok())
                        .collect()
                })
                .unwrap_or_default();
            if glyphs.is_empty() {
                continue;
            }
            // One glyph per code; extra glyphs go with the last code of the range.
            for k in 0..count.min(4096) {
                let g = if k + 1 == count {
                    glyphs.get(k..).map(<[u16]>::to_vec).unwrap_or_default()
                } else {
                    glyphs.get(k).map(|g| vec![*g]).unwrap_or_default()
                };
                cg.insert(pos + k, g);
            }
        }
        let (primary, css) = match &choice {
            FontChoice::Embedded(f) => (Some(f.clone()), None),
            FontChoice::System(f, css) => (Some(f.clone()), Some(css.clone())),
            FontChoice::Missing => (None, Some("serif".to_owned())),
        };
        let mut glyphs = Vec::new();
        let (mut cx, mut cy) = (0.0f32, 0.0f32);
        let mut code_index = 0usize;
        let mut lacking = false;
        for code in obj.all("TextCode") {
            let x = number(code, "X").unwrap_or(cx);
            let y = number(code, "Y").unwrap_or(cy);
            let left = self.limits.max_glyphs.saturating_sub(self.spent.glyphs);
            let chars: Vec<char> = code
                .text
                .chars()
                .filter(|c| !matches!(c, '\r' | '\n'))
                .take(left)
                .collect();
            self.spent.glyphs += chars.len();
            if chars.len()
                < code
                    .text
                    .chars()
                    .filter(|c| !matches!(c, '\r' | '\n'))
                    .count()
                && !self.spent.told[2]
            {
                self.spent.told[2] = true;
                self.warn(
                    format!(
                        "页面的文字超过 {} 个字符，其余未绘制",
                        self.limits.max_glyphs
                    ),
                    format!(
                        "the page has more than {} characters; the rest are not drawn",
                        self.limits.max_glyphs
                    ),
                );
            }
            let (dx, bad_x) = code
                .attr("DeltaX")
                .map_or((Vec::new(), false), |d| geom::deltas(d, chars.len()));
            let (dy, bad_y) = code
                .attr("DeltaY")
                .map_or((Vec::new(), false), |d| geom::deltas(d, chars.len()));
            if bad_x || bad_y {
                self.warn(
                    "文字的 DeltaX/DeltaY 有无法读取的值，已跳过",
                    "a text's DeltaX/DeltaY has values that cannot be read; skipped",
                );
            }
            let (mut gx, mut gy) = (x, y);
            for (i, ch) in chars.iter().enumerate() {
                let mut font_gid: Option<(Arc<FontData>, u16)> = None;
                if let (FontChoice::Embedded(f), Some(gs)) = (&choice, cg.get(&(code_index + i)))
                    && let Some(g) = gs.first().filter(|g| **g < f.glyph_count())
                {
                    font_gid = Some((f.clone(), *g));
                }
                if font_gid.is_none() && !ch.is_whitespace() {
                    font_gid = primary
                        .as_ref()
                        .and_then(|f| f.glyph(*ch).map(|g| (f.clone(), g)))
                        .or_else(|| {
                            lacking = true;
                            self.fonts
                                .fallback_for(*ch)
                                .and_then(|f| f.glyph(*ch).map(|g| (f, g)))
                        });
                }
                let advance = font_gid.as_ref().map_or(0.5, |(f, g)| f.advance(*g)) * size * hscale;
                let vertical = matches!(read_dir, 90 | 270);
                // A stand-in font's glyph wider than the cell the document gives it (宋体's
                // half-width Latin set in a proportional font) is narrowed to fit.
                // The last glyph's cell is unknown (no delta follows it): it is never squeezed.
                let cell = if i + 1 < chars.len() {
                    dx.get(i).or(dx.last()).copied()
                } else {
                    None
                };
                let squeeze = match (&choice, cell) {
                    (FontChoice::System(..) | FontChoice::Missing, Some(c))
                        if !vertical && c > 0.0 && advance > c * 1.05 =>
                    {
                        (c / advance).clamp(0.3, 1.0)
                    }
                    _ => 1.0,
                };
                glyphs.push(Glyph {
                    ch: *ch,
                    x: gx,
                    y: gy,
                    font: font_gid,
                    squeeze,
                });
                // A short DeltaX/DeltaY repeats its last value (as the invoices expect).
                let step_x =
                    dx.get(i)
                        .or(dx.last())
                        .copied()
                        .unwrap_or(if dy.is_empty() && !vertical {
                            advance
                        } else {
                            0.0
                        });
                let step_y = dy
                    .get(i)
                    .or(dy.last())
                    .copied()
                    .unwrap_or(if vertical && dx.is_empty() { size } else { 0.0 });
                gx += step_x;
                gy += step_y;
            }
            code_index += chars.len();
            cx = gx;
            cy = gy;
        }
        if lacking && primary.is_some() {
            self.warn(
                format!("字体 {font_id:?} 缺少部分字符，这些字符以其他字体绘制"),
                format!("font {font_id:?} lacks some characters; they are drawn with another font"),
            );
        }
        if glyphs.is_empty() {
            return;
        }
        self.items.push(Item::Text(TextItem {
            transform: t,
            size,
            hscale,
            italic,
            bold,
            rotate: char_dir,
            glyphs,
            fill,
            stroke,
            css,
            clips,
            multiply: false,
        }));
    }

    fn image(&mut self, obj: &Node, t: Transform, clips: Vec<Arc<Clip>>) {
        let id = obj
            .attr("ResourceID")
            .map(str::trim)
            .unwrap_or_default()
            .to_owned();
        let Some(media) = self.res.media.get(&id).cloned() else {
            self.warn(
                format!("图像引用的资源 {id:?} 未定义，以占位框代替"),
                format!("an image names the undefined resource {id:?}; a placeholder is drawn"),
            );
            self.placeholder(t, clips);
            return;
        };
        let picture = match self.images.get(&media.file) {
            Some(p) => p.clone(),
            None => {
                let p = self.load_image(&media.file, &media.format);
                self.images.insert(media.file.clone(), p.clone());
                p
            }
        };
        match picture {
            Some(picture) => self.items.push(Item::Image(ImageItem {
                picture,
                transform: t,
                alpha: Self::alpha(obj),
                clips,
                multiply: false,
            })),
            None => self.placeholder(t, clips),
        }
    }

    /// A picture from the package, or `None` with a warning.
    pub(crate) fn load_image(&mut self, file: &str, format: &str) -> Option<Arc<Picture>> {
        let bytes = match self.pkg.read(file) {
            Ok(b) => b,
            Err(e) => {
                self.warn(
                    format!("图像文件 {file} 无法读取（{}），以占位框代替", e.zh()),
                    format!("the image file {file} cannot be read ({e}); a placeholder is drawn"),
                );
                return None;
            }
        };
        let left = self
            .limits
            .max_page_image_pixels
            .saturating_sub(self.spent.image_pixels);
        match crate::image::decode(&bytes, format, left.min(self.limits.max_image_pixels)) {
            Ok(p) => {
                self.spent.image_pixels +=
                    u64::from(p.pixmap.width()) * u64::from(p.pixmap.height());
                Some(Arc::new(p))
            }
            Err((zh, en)) => {
                self.warn(
                    format!("图像 {file}：{zh}，以占位框代替"),
                    format!("image {file}: {en}; a placeholder is drawn"),
                );
                None
            }
        }
    }

    /// A grey box with a cross where an image could not be drawn.
    pub(crate) fn placeholder(&mut self, t: Transform, clips: Vec<Arc<Clip>>) {
        let mut pb = PathBuilder::new();
        if let Some(r) = tiny_skia::Rect::from_xywh(0.0, 0.0, 1.0, 1.0) {
            pb.push_rect(r);
        }
        pb.move_to(0.0, 0.0);
        pb.line_to(1.0, 1.0);
        pb.move_to(1.0, 0.0);
        pb.line_to(0.0, 1.0);
        if let Some(path) = pb.finish() {
            self.items.push(Item::Path(PathItem {
                path: Arc::new(path),
                transform: t,
                fill: Some(Rgba([235, 235, 235, 255])),
                even_odd: false,
                stroke: Some(Stroke {
                    color: Rgba([150, 150, 150, 255]),
                    width: 0.0,
                    join: LineJoin::Miter,
                    cap: LineCap::Butt,
                    miter: 4.0,
                    dash: None,
                }),
                clips,
                multiply: false,
            }));
        }
    }

    fn composite(&mut self, obj: &Node, t: Transform, clips: Vec<Arc<Clip>>) {
        let id = obj
            .attr("ResourceID")
            .map(str::trim)
            .unwrap_or_default()
            .to_owned();
        match self.res.composites.get(&id).cloned() {
            Some(unit) => self.block(&unit.content, t, None, &clips),
            None => self.warn(
                format!("复合图元引用的资源 {id:?} 未定义，未绘制"),
                format!("a composite object names the undefined resource {id:?}; not drawn"),
            ),
        }
    }
}

/// A font name safe inside a quoted CSS family.
fn css_name(n: &str) -> String {
    n.chars()
        .filter(|c| !matches!(c, '\'' | '"' | '\\' | '<' | '>' | '&'))
        .collect()
}
