//! Fonts: those embedded in the package (TrueType/OpenType, read by ttf-parser) and, for fonts
//! only named (宋体, 楷体, 黑体, 仿宋, Courier New …), installed fonts chosen by rules the caller
//! may change. Every stand-in is reported. The library reads no file itself: the caller gives
//! a [`FontFiles`].

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use tiny_skia::{Path, PathBuilder};

/// Reads a font file by path (the caller's I/O; `None` when it is not there).
pub trait FontFiles: Send + Sync + Debug {
    /// The file's bytes.
    fn read(&self, path: &str) -> Option<Vec<u8>>;
}

/// One installed font that can stand in: its file, the face to take from a collection, and
/// the CSS family a browser knows it by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FontCandidate {
    /// The file (TTF, OTF or a TTC collection).
    pub path: String,
    /// The family of the face to take from a collection ("" for the first face).
    pub face: String,
}

/// A rule: fonts whose name contains one of `names` (compared without case or spaces) are
/// drawn with the first candidate that is installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FontRule {
    /// Name fragments, e.g. "宋", "simsun".
    pub names: Vec<String>,
    /// Installed fonts, in order of preference.
    pub candidates: Vec<FontCandidate>,
    /// The generic CSS family (serif, sans-serif, monospace) for SVG text.
    pub generic: String,
}

const NOTO_SERIF: &str = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc";
const NOTO_SERIF_BOLD: &str = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc";
const NOTO_SANS: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
const NOTO_SANS_BOLD: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc";
const UKAI: &str = "/usr/share/fonts/truetype/arphic/ukai.ttc";
const UMING: &str = "/usr/share/fonts/truetype/arphic/uming.ttc";
const LIB: &str = "/usr/share/fonts/truetype/liberation/";

fn cand(path: &str, face: &str) -> FontCandidate {
    FontCandidate {
        path: path.to_owned(),
        face: face.to_owned(),
    }
}

fn rule(names: &[&str], candidates: Vec<FontCandidate>, generic: &str) -> FontRule {
    FontRule {
        names: names.iter().map(|n| (*n).to_owned()).collect(),
        candidates,
        generic: generic.to_owned(),
    }
}

/// The rules for Debian's free fonts (fonts-noto-cjk, fonts-arphic-ukai, fonts-arphic-uming,
/// fonts-liberation): 仿宋 and 楷体 by AR PL UKai (a brush style; there is no free 仿宋), 宋体
/// by Noto Serif CJK SC, 黑体/雅黑 by Noto Sans CJK SC, Courier New, Times New Roman and
/// Arial by the metric-compatible Liberation fonts. Checked in order: 仿宋 before 宋.
pub fn default_rules() -> Vec<FontRule> {
    let serif = || {
        vec![
            cand(NOTO_SERIF, "Noto Serif CJK SC"),
            cand(NOTO_SERIF_BOLD, "Noto Serif CJK SC"),
            cand(UMING, "AR PL UMing CN"),
            cand(NOTO_SANS, "Noto Sans CJK SC"),
        ]
    };
    vec![
        rule(
            &["仿宋", "fangsong", "stfangsong"],
            vec![
                cand(UKAI, "AR PL UKai CN"),
                cand(NOTO_SERIF, "Noto Serif CJK SC"),
            ],
            "serif",
        ),
        rule(
            &["楷", "kai"],
            vec![
                cand(UKAI, "AR PL UKai CN"),
                cand(NOTO_SERIF, "Noto Serif CJK SC"),
            ],
            "serif",
        ),
        rule(
            &["courier", "mono", "consolas"],
            vec![cand(&format!("{LIB}LiberationMono-Regular.ttf"), "")],
            "monospace",
        ),
        rule(
            &["times", "roman"],
            vec![cand(&format!("{LIB}LiberationSerif-Regular.ttf"), "")],
            "serif",
        ),
        rule(
            &["arial", "helvetica", "calibri", "verdana"],
            vec![cand(&format!("{LIB}LiberationSans-Regular.ttf"), "")],
            "sans-serif",
        ),
        rule(
            &["黑", "hei", "雅黑", "yahei", "sans", "等线", "dengxian"],
            vec![
                cand(NOTO_SANS, "Noto Sans CJK SC"),
                cand(NOTO_SANS_BOLD, "Noto Sans CJK SC"),
            ],
            "sans-serif",
        ),
        rule(
            &["宋", "song", "simsun", "明", "ming", "serif"],
            serif(),
            "serif",
        ),
    ]
}

/// The fonts tried when no rule matches, and for characters a font lacks.
pub fn default_fallback() -> Vec<FontCandidate> {
    vec![
        cand(NOTO_SERIF, "Noto Serif CJK SC"),
        cand(NOTO_SANS, "Noto Sans CJK SC"),
        cand(UMING, "AR PL UMing CN"),
        cand(UKAI, "AR PL UKai CN"),
        cand(&format!("{LIB}LiberationSerif-Regular.ttf"), ""),
    ]
}

/// A font ready to draw: its bytes, the face in them, and the glyph outlines made so far.
#[derive(Debug)]
pub struct FontData {
    bytes: Arc<Vec<u8>>,
    index: u32,
    /// The face's family name.
    pub family: String,
    /// Units per em.
    pub upem: f32,
    glyphs: Mutex<HashMap<u16, Option<Arc<Path>>>>,
}

impl FontData {
    /// The font in `bytes`, taking the face named `face` from a collection (the first face
    /// when `face` is empty or not found).
    pub fn new(bytes: Vec<u8>, face: &str) -> Option<FontData> {
        let count = ttf_parser::fonts_in_collection(&bytes).unwrap_or(1).min(64);
        let mut chosen = None;
        for i in 0..count {
            let Ok(f) = ttf_parser::Face::parse(&bytes, i) else {
                continue;
            };
            let fam = family_of(&f);
            if chosen.is_none() || (!face.is_empty() && fam == face) {
                chosen = Some((i, fam, f.units_per_em()));
                if face.is_empty() || chosen.as_ref().is_some_and(|(_, f, _)| f == face) {
                    break;
                }
            }
        }
        let (index, family, upem) = chosen?;
        Some(FontData {
            bytes: Arc::new(bytes),
            index,
            family,
            upem: f32::from(upem.max(16)),
            glyphs: Mutex::new(HashMap::new()),
        })
    }

    fn face(&self) -> Option<ttf_parser::Face<'_>> {
        ttf_parser::Face::parse(&self.bytes, self.index).ok()
    }

    /// The glyph of `c`, if the font has one.
    pub fn glyph(&self, c: char) -> Option<u16> {
        self.face()?.glyph_index(c).map(|g| g.0).filter(|g| *g != 0)
    }

    /// Number of glyphs.
    pub fn glyph_count(&self) -> u16 {
        self.face().map_or(0, |f| f.number_of_glyphs())
    }

    /// The advance of glyph `g` in em units (0..).
    pub fn advance(&self, g: u16) -> f32 {
        self.face()
            .and_then(|f| f.glyph_hor_advance(ttf_parser::GlyphId(g)))
            .map_or(0.5, |a| f32::from(a) / self.upem)
    }

    /// The outline of glyph `g` in font units (y up), cached.
    pub fn outline(&self, g: u16) -> Option<Arc<Path>> {
        if let Ok(cache) = self.glyphs.lock()
            && let Some(p) = cache.get(&g)
        {
            return p.clone();
        }
        let path = self.face().and_then(|f| {
            let mut b = Outline(PathBuilder::new());
            f.outline_glyph(ttf_parser::GlyphId(g), &mut b)?;
            b.0.finish().map(Arc::new)
        });
        if let Ok(mut cache) = self.glyphs.lock() {
            cache.insert(g, path.clone());
        }
        path
    }

    /// The font file's bytes and the face's index in it (for the SVG rasteriser's font
    /// database).
    pub fn source(&self) -> (Arc<Vec<u8>>, u32) {
        (self.bytes.clone(), self.index)
    }

    /// The font's bytes (for a check that two fonts are the same).
    pub fn same_as(&self, other: &FontData) -> bool {
        Arc::ptr_eq(&self.bytes, &other.bytes) && self.index == other.index
    }
}

fn family_of(f: &ttf_parser::Face<'_>) -> String {
    let names = f.names();
    let mut best = String::new();
    for id in [
        ttf_parser::name_id::TYPOGRAPHIC_FAMILY,
        ttf_parser::name_id::FAMILY,
    ] {
        for n in names {
            if n.name_id == id
                && n.is_unicode()
                && let Some(s) = n.to_string()
            {
                // Prefer the English (US) name.
                if n.language_id == 0x0409 || best.is_empty() {
                    best = s;
                }
            }
        }
        if !best.is_empty() {
            return best;
        }
    }
    best
}

struct Outline(PathBuilder);

impl ttf_parser::OutlineBuilder for Outline {
    fn move_to(&mut self, x: f32, y: f32) {
        self.0.move_to(x, y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.0.line_to(x, y);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.0.quad_to(x1, y1, x, y);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.0.cubic_to(x1, y1, x2, y2, x, y);
    }
    fn close(&mut self) {
        self.0.close();
    }
}

/// The installed fonts: rules from OFD font names to files, the fallbacks, and the fonts
/// loaded so far (shared by every page and document rendered with this book).
#[derive(Debug)]
pub struct FontBook {
    rules: Vec<FontRule>,
    fallback: Vec<FontCandidate>,
    files: Arc<dyn FontFiles>,
    loaded: Mutex<HashMap<FontCandidate, Option<Arc<FontData>>>>,
}

/// A named font's stand-in.
#[derive(Debug, Clone)]
pub struct Substitute {
    /// The font.
    pub font: Arc<FontData>,
    /// The generic CSS family.
    pub generic: String,
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

impl FontBook {
    /// A book with the default rules over `files`.
    pub fn new(files: Arc<dyn FontFiles>) -> Self {
        Self::with_rules(files, default_rules(), default_fallback())
    }

    /// A book with the caller's rules (checked in order) and fallbacks.
    pub fn with_rules(
        files: Arc<dyn FontFiles>,
        rules: Vec<FontRule>,
        fallback: Vec<FontCandidate>,
    ) -> Self {
        Self {
            rules,
            fallback,
            files,
            loaded: Mutex::new(HashMap::new()),
        }
    }

    /// Puts `rule` before the others (a site's own mapping).
    pub fn prefer(&mut self, rule: FontRule) {
        self.rules.insert(0, rule);
    }

    fn load(&self, c: &FontCandidate) -> Option<Arc<FontData>> {
        if let Ok(map) = self.loaded.lock()
            && let Some(f) = map.get(c)
        {
            return f.clone();
        }
        let font = self
            .files
            .read(&c.path)
            .and_then(|bytes| FontData::new(bytes, &c.face))
            .map(Arc::new);
        if let Ok(mut map) = self.loaded.lock() {
            map.insert(c.clone(), font.clone());
        }
        font
    }

    /// The installed font standing in for the font named `name` (or `family`), bold when
    /// asked and available; the first fallback installed when no rule matches.
    pub fn substitute(&self, name: &str, family: Option<&str>, bold: bool) -> Option<Substitute> {
        let keys = [squash(name), family.map(squash).unwrap_or_default()];
        for r in &self.rules {
            let hit = r
                .names
                .iter()
                .map(|n| squash(n))
                .any(|n| !n.is_empty() && keys.iter().any(|k| k.contains(&n)));
            if !hit {
                continue;
            }
            let mut cands: Vec<&FontCandidate> = r.candidates.iter().collect();
            if bold {
                // A bold file of the same family first, when there is one.
                cands.sort_by_key(|c| !c.path.contains("Bold"));
            } else {
                cands.sort_by_key(|c| c.path.contains("Bold"));
            }
            for c in cands {
                if let Some(font) = self.load(c) {
                    return Some(Substitute {
                        font,
                        generic: r.generic.clone(),
                    });
                }
            }
        }
        self.fallback.iter().find_map(|c| {
            self.load(c).map(|font| Substitute {
                font,
                generic: "serif".to_owned(),
            })
        })
    }

    /// A font that has `c`, from the fallbacks (for a character the chosen font lacks).
    pub fn fallback_for(&self, c: char) -> Option<Arc<FontData>> {
        self.fallback
            .iter()
            .filter_map(|cand| self.load(cand))
            .find(|f| f.glyph(c).is_some())
    }
}
