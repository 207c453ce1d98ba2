//! The display list: what a page is made of once read, in page millimetres (y down). Both
//! outputs (SVG, PNG) are made from it and nothing else.

use crate::color::Rgba;
use crate::font::FontData;
use crate::image::Picture;
use crate::warn::Warning;
use std::sync::Arc;
use tiny_skia::{Path, Transform};

/// A clipping region: the union of its paths, in page mm.
#[derive(Debug)]
pub struct Clip(pub Vec<Path>);

/// How a line is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Stroke {
    /// Colour.
    pub color: Rgba,
    /// Width in the object's units (0: the thinnest line the output can draw).
    pub width: f32,
    /// Join.
    pub join: tiny_skia::LineJoin,
    /// Cap.
    pub cap: tiny_skia::LineCap,
    /// Miter limit.
    pub miter: f32,
    /// Dash pattern and offset.
    pub dash: Option<(Vec<f32>, f32)>,
}

/// A path to fill or stroke.
#[derive(Debug)]
pub struct PathItem {
    /// The outline in object units.
    pub path: Arc<Path>,
    /// Object units → page mm.
    pub transform: Transform,
    /// Fill colour.
    pub fill: Option<Rgba>,
    /// Even-odd rather than non-zero.
    pub even_odd: bool,
    /// Stroke.
    pub stroke: Option<Stroke>,
    /// Clips, all applied.
    pub clips: Vec<Arc<Clip>>,
    /// Drawn as ink on paper (multiply): a seal never hides the text under it.
    pub multiply: bool,
}

/// One glyph placed in text space.
#[derive(Debug, Clone)]
pub struct Glyph {
    /// The character (for SVG text and search).
    pub ch: char,
    /// Where its origin is, in text space (mm).
    pub x: f32,
    /// Where its baseline is.
    pub y: f32,
    /// The font that draws it and its glyph (`None`: no font has it).
    pub font: Option<(Arc<FontData>, u16)>,
    /// Horizontal squeeze (≤ 1) so a stand-in font's wider glyph keeps to its cell.
    pub squeeze: f32,
}

/// A run of text from one TextObject.
#[derive(Debug)]
pub struct TextItem {
    /// Text space → page mm.
    pub transform: Transform,
    /// Font size in mm.
    pub size: f32,
    /// Horizontal scale.
    pub hscale: f32,
    /// Slanted.
    pub italic: bool,
    /// Bold (weight ≥ 700, or a bold font).
    pub bold: bool,
    /// Each glyph's rotation in degrees (CharDirection).
    pub rotate: f32,
    /// The glyphs.
    pub glyphs: Vec<Glyph>,
    /// Fill colour.
    pub fill: Option<Rgba>,
    /// Stroke.
    pub stroke: Option<Stroke>,
    /// CSS font families for SVG text (the OFD names first, then the stand-in's), or `None`
    /// for an embedded font, which SVG draws as outlines (with the text kept, invisible).
    pub css: Option<String>,
    /// Clips.
    pub clips: Vec<Arc<Clip>>,
    /// Drawn as ink on paper (multiply): a seal never hides the text under it.
    pub multiply: bool,
}

/// An image drawn in the unit square mapped by `transform`.
#[derive(Debug)]
pub struct ImageItem {
    /// The picture.
    pub picture: Arc<Picture>,
    /// Unit square → page mm (an image's CTM as in GB/T 33190 §10).
    pub transform: Transform,
    /// Opacity 0..255.
    pub alpha: u8,
    /// Clips.
    pub clips: Vec<Arc<Clip>>,
    /// Drawn as ink on paper (multiply): a seal never hides the text under it.
    pub multiply: bool,
}

/// A seal picture given as SVG: drawn in `rect` (page mm), the PNG output rasterising it.
#[derive(Debug)]
pub struct SvgItem {
    /// The SVG document.
    pub svg: Arc<Vec<u8>>,
    /// Where, in page mm: unit square → page.
    pub transform: Transform,
    /// The fonts its text is drawn with (the first is the default family).
    pub fonts: Vec<Arc<FontData>>,
    /// Clips.
    pub clips: Vec<Arc<Clip>>,
    /// Drawn as ink on paper (multiply): a seal never hides the text under it.
    pub multiply: bool,
}

/// One thing drawn.
#[derive(Debug)]
pub enum Item {
    /// A path.
    Path(PathItem),
    /// Text.
    Text(TextItem),
    /// An image.
    Image(ImageItem),
    /// An SVG picture.
    Svg(SvgItem),
}

impl Item {
    /// The same item placed by `t` after its own transform (a nested page drawn into a stamp).
    pub fn mapped(self, t: Transform, clip: Option<&Arc<Clip>>, multiply: bool) -> Item {
        let add = |mut clips: Vec<Arc<Clip>>| {
            let mut mapped: Vec<Arc<Clip>> = clips
                .drain(..)
                .map(|c| {
                    Arc::new(Clip(
                        c.0.iter().filter_map(|p| p.clone().transform(t)).collect(),
                    ))
                })
                .collect();
            if let Some(c) = clip {
                mapped.push(c.clone());
            }
            mapped
        };
        match self {
            Item::Path(mut p) => {
                p.transform = t.pre_concat(p.transform);
                p.clips = add(p.clips);
                p.multiply |= multiply;
                Item::Path(p)
            }
            Item::Text(mut x) => {
                x.transform = t.pre_concat(x.transform);
                x.clips = add(x.clips);
                x.multiply |= multiply;
                Item::Text(x)
            }
            Item::Image(mut i) => {
                i.transform = t.pre_concat(i.transform);
                i.clips = add(i.clips);
                i.multiply |= multiply;
                Item::Image(i)
            }
            Item::Svg(mut s) => {
                s.transform = t.pre_concat(s.transform);
                s.clips = add(s.clips);
                s.multiply |= multiply;
                Item::Svg(s)
            }
        }
    }
}

/// The verdict drawn around a stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The signature verified (green).
    Passed,
    /// It did not (red).
    Failed,
    /// It could not be decided (grey).
    Indeterminate,
}

/// A stamp drawn on the page.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedStamp {
    /// The signature's `ID` in Signatures.xml.
    pub signature: String,
    /// Where on the page (mm): the StampAnnot's Boundary.
    pub rect: crate::geom::Rect,
    /// Whether a picture was drawn there.
    pub drawn: bool,
    /// The verdict drawn with it, when asked.
    pub verdict: Option<Verdict>,
}

/// A page ready for output.
#[derive(Debug)]
pub struct Page {
    /// 1-based page number.
    pub number: usize,
    /// The page's box (PhysicalBox) in mm.
    pub area: crate::geom::Rect,
    /// What is drawn, in order.
    pub items: Vec<Item>,
    /// The stamps on it.
    pub stamps: Vec<PlacedStamp>,
    /// Fonts drawn with a stand-in: (the name in the document, the installed family).
    pub substitutions: Vec<(String, String)>,
    /// Problems met.
    pub warnings: Vec<Warning>,
}

/// What a rendering is (R-VERIFY-2, the Weihai measures Art. 16): a picture made from the
/// signed content, not the signed file; printed or converted, it counts as a copy. (Chinese,
/// English.)
pub const COPY_NOTICE: (&str, &str) = (
    "本图是根据所签内容绘制的效果图，不是签章文件本身；依《威海市电子印章管理暂行办法》第十六条，经打印或格式转换的文档不具备同等法律效力，视同复印件。以签章文件的验证结果为准。",
    "This picture is a rendering of the signed content, not the signed file itself; under Art. 16 of the Weihai measures, a document printed or converted to another format does not have the same legal effect and counts as a copy. The verification of the signed file is what counts.",
);

impl Page {
    /// The notes every output carries: that it is a rendering (a copy), then each font
    /// substitution, in both languages.
    pub fn notes(&self) -> Vec<String> {
        let mut out = vec![format!("{} / {}", COPY_NOTICE.0, COPY_NOTICE.1)];
        out.extend(self.substitutions.iter().map(|(from, to)| {
            format!("字体“{from}”未嵌入，以“{to}”代替显示 / font \"{from}\" is not embedded; shown with \"{to}\"")
        }));
        out
    }
}
