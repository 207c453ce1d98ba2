//! The display list drawn into pixels with tiny-skia.

use crate::draw::{Clip, Item, Page};
use crate::image::Picture;
use std::sync::Arc;
use tiny_skia::{
    FillRule, FilterQuality, Mask, Paint, PathBuilder, Pixmap, PixmapPaint, Shader, Transform,
};

/// A page drawn in pixels.
#[derive(Debug)]
pub struct Raster {
    /// The pixels.
    pub pixmap: Pixmap,
    /// The resolution used (lower than asked when the page would pass the pixel limit).
    pub dpi: f32,
}

/// Most pixels a page is drawn with (32 Mpx, 128 MB of RGBA); a larger page is drawn at a
/// lower resolution.
pub const MAX_PAGE_PIXELS: f64 = 32.0 * 1024.0 * 1024.0;

/// Draws `page` at `dpi` (reduced to stay within [`MAX_PAGE_PIXELS`]).
pub fn rasterize(page: &Page, dpi: f32) -> Option<Raster> {
    let mut dpi = f64::from(dpi.clamp(1.0, 2400.0));
    let (w_mm, h_mm) = (f64::from(page.area.w), f64::from(page.area.h));
    let px = |mm: f64, dpi: f64| (mm / 25.4 * dpi).ceil().max(1.0);
    if px(w_mm, dpi) * px(h_mm, dpi) > MAX_PAGE_PIXELS {
        dpi *= (MAX_PAGE_PIXELS / (px(w_mm, dpi) * px(h_mm, dpi))).sqrt() * 0.99;
    }
    let (w, h) = (px(w_mm, dpi), px(h_mm, dpi));
    // Each side stays within what tiny-skia accepts (and within the pixel budget).
    let side = |v: f64| (v.min(f64::from(i32::MAX / 4)) as u32).max(1);
    let mut pixmap = Pixmap::new(side(w), side(h))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    let s = (dpi / 25.4) as f32;
    let base = Transform::from_scale(s, s).pre_translate(-page.area.x, -page.area.y);
    let mut cache = GlyphCache::default();
    for item in &page.items {
        draw(&mut pixmap, base, item, &mut cache);
    }
    Some(Raster {
        pixmap,
        dpi: dpi as f32,
    })
}

fn mask_of(pixmap: &Pixmap, base: Transform, clips: &[Arc<Clip>]) -> Option<Mask> {
    if clips.is_empty() {
        return None;
    }
    let mut out: Option<Mask> = None;
    for clip in clips {
        let mut m = Mask::new(pixmap.width(), pixmap.height())?;
        for p in &clip.0 {
            m.fill_path(p, FillRule::Winding, true, base);
        }
        out = Some(match out {
            None => m,
            Some(mut prev) => {
                for (a, b) in prev.data_mut().iter_mut().zip(m.data()) {
                    *a = u8::try_from(u16::from(*a) * u16::from(*b) / 255).unwrap_or(255);
                }
                prev
            }
        });
    }
    out
}

fn paint(c: crate::color::Rgba, multiply: bool) -> Paint<'static> {
    Paint {
        shader: Shader::SolidColor(c.skia()),
        anti_alias: true,
        blend_mode: if multiply {
            tiny_skia::BlendMode::Multiply
        } else {
            tiny_skia::BlendMode::SourceOver
        },
        ..Default::default()
    }
}

fn skia_stroke(s: &crate::draw::Stroke) -> tiny_skia::Stroke {
    tiny_skia::Stroke {
        width: s.width.max(0.0),
        miter_limit: s.miter.max(1.0),
        line_cap: s.cap,
        line_join: s.join,
        dash: s
            .dash
            .as_ref()
            .and_then(|(d, off)| tiny_skia::StrokeDash::new(d.clone(), *off)),
    }
}

fn draw(pixmap: &mut Pixmap, base: Transform, item: &Item, cache: &mut GlyphCache) {
    match item {
        Item::Path(p) => {
            let mask = mask_of(pixmap, base, &p.clips);
            let t = base.pre_concat(p.transform);
            if let Some(fill) = p.fill {
                let rule = if p.even_odd {
                    FillRule::EvenOdd
                } else {
                    FillRule::Winding
                };
                pixmap.fill_path(&p.path, &paint(fill, p.multiply), rule, t, mask.as_ref());
            }
            if let Some(s) = &p.stroke {
                pixmap.stroke_path(
                    &p.path,
                    &paint(s.color, p.multiply),
                    &skia_stroke(s),
                    t,
                    mask.as_ref(),
                );
            }
        }
        Item::Text(x) => {
            let mask = mask_of(pixmap, base, &x.clips);
            let t = base.pre_concat(x.transform);
            for g in &x.glyphs {
                let Some((font, gid)) = &g.font else { continue };
                let Some(outline) = font.outline(*gid) else {
                    continue;
                };
                let k = x.size / font.upem;
                let mut gt = t.pre_translate(g.x, g.y);
                if x.rotate != 0.0 {
                    gt = gt.pre_rotate(x.rotate);
                }
                if x.italic {
                    gt = gt.pre_concat(Transform::from_row(1.0, 0.0, -0.2, 1.0, 0.0, 0.0));
                }
                let gt = gt.pre_scale(k * x.hscale * g.squeeze, -k);
                // Upright glyphs are drawn from a cache of their pixels (text repeats its
                // characters); a rotated or skewed one is filled from its outline.
                let faux_bold = x.bold && !font.family.to_ascii_lowercase().contains("bold");
                if let Some(fill) = x.fill
                    && gt.kx == 0.0
                    && gt.ky == 0.0
                    && let Some(img) =
                        cache.glyph(font, *gid, &outline, gt.sx, gt.sy, fill, faux_bold)
                {
                    let paint = PixmapPaint {
                        blend_mode: if x.multiply {
                            tiny_skia::BlendMode::Multiply
                        } else {
                            tiny_skia::BlendMode::SourceOver
                        },
                        ..Default::default()
                    };
                    let (ox, oy) = (gt.tx.round() as i32 + img.1, gt.ty.round() as i32 + img.2);
                    pixmap.draw_pixmap(
                        ox,
                        oy,
                        img.0.as_ref(),
                        &paint,
                        Transform::identity(),
                        mask.as_ref(),
                    );
                } else if let Some(fill) = x.fill {
                    pixmap.fill_path(
                        &outline,
                        &paint(fill, x.multiply),
                        FillRule::Winding,
                        gt,
                        mask.as_ref(),
                    );
                    if faux_bold {
                        // A faux bold: the outline stroked by 3 % of the em.
                        let s = tiny_skia::Stroke {
                            width: font.upem * 0.03,
                            ..Default::default()
                        };
                        pixmap.stroke_path(
                            &outline,
                            &paint(fill, x.multiply),
                            &s,
                            gt,
                            mask.as_ref(),
                        );
                    }
                }
                if let Some(s) = &x.stroke {
                    let mut st = skia_stroke(s);
                    // The width is in mm of text space; the outline is in font units.
                    st.width /= k;
                    pixmap.stroke_path(
                        &outline,
                        &paint(s.color, x.multiply),
                        &st,
                        gt,
                        mask.as_ref(),
                    );
                }
            }
        }
        Item::Image(i) => {
            let mask = mask_of(pixmap, base, &i.clips);
            draw_picture(
                pixmap,
                base.pre_concat(i.transform),
                &i.picture,
                i.alpha,
                i.multiply,
                mask.as_ref(),
            );
        }
        Item::Svg(s) => {
            let mask = mask_of(pixmap, base, &s.clips);
            let t = base.pre_concat(s.transform);
            if let Some(p) = svg_picture(&s.svg, &s.fonts, t) {
                draw_picture(pixmap, t, &p, 255, s.multiply, mask.as_ref());
            }
        }
    }
}

fn draw_picture(
    pixmap: &mut Pixmap,
    t: Transform,
    p: &Picture,
    alpha: u8,
    multiply: bool,
    mask: Option<&Mask>,
) {
    let (w, h) = (p.pixmap.width() as f32, p.pixmap.height() as f32);
    let t = t.pre_scale(1.0 / w, 1.0 / h);
    // Scaling down by much: smooth; up: nearest for bi-level images (a QR code keeps its
    // edges).
    let quality = if p.smooth {
        FilterQuality::Bicubic
    } else {
        FilterQuality::Nearest
    };
    let paint = PixmapPaint {
        opacity: f32::from(alpha) / 255.0,
        quality,
        blend_mode: if multiply {
            tiny_skia::BlendMode::Multiply
        } else {
            tiny_skia::BlendMode::SourceOver
        },
    };
    pixmap.draw_pixmap(0, 0, p.pixmap.as_ref(), &paint, t, mask);
}

/// An SVG picture rasterised at the size `t` (unit square → device pixels) gives it,
/// bounded to 16 Mpx.
fn svg_picture(svg: &[u8], fonts: &[Arc<crate::font::FontData>], t: Transform) -> Option<Picture> {
    let mut db = resvg::usvg::fontdb::Database::new();
    for f in fonts {
        let (bytes, _) = f.source();
        db.load_font_source(resvg::usvg::fontdb::Source::Binary(bytes));
    }
    let mut opts = resvg::usvg::Options::default();
    if let Some(first) = fonts.first() {
        opts.font_family = first.family.clone();
    }
    opts.fontdb = Arc::new(db);
    let tree = resvg::usvg::Tree::from_data(svg, &opts).ok()?;
    let unit = PathBuilder::from_rect(tiny_skia::Rect::from_xywh(0.0, 0.0, 1.0, 1.0)?);
    let b = unit.transform(t)?.bounds();
    let (w, h) = (
        b.width().ceil().clamp(1.0, 4096.0),
        b.height().ceil().clamp(1.0, 4096.0),
    );
    let mut pm = Pixmap::new(w as u32, h as u32)?;
    let size = tree.size();
    let fit = Transform::from_scale(w / size.width(), h / size.height());
    resvg::render(&tree, fit, &mut pm.as_mut());
    Some(Picture {
        pixmap: pm,
        smooth: true,
        original: None,
    })
}

/// A glyph drawn: its pixels and the offset of their corner from the glyph's origin.
type GlyphImage = Arc<(Pixmap, i32, i32)>;

/// A cached glyph: font (by address), glyph, x and y scale (bits), colour, faux bold.
type GlyphKey = (usize, u16, u32, u32, [u8; 4], bool);

/// Glyph images by font, glyph, scale and colour, for the page being drawn (at most
/// [`GlyphCache::MAX_BYTES`]; past that, glyphs are filled from their outlines).
#[derive(Default)]
struct GlyphCache {
    map: std::collections::HashMap<GlyphKey, Option<GlyphImage>>,
    bytes: usize,
}

impl GlyphCache {
    const MAX_BYTES: usize = 32 << 20;

    /// The glyph drawn at scale (sx, sy) in `color`, and the offset of its top-left corner
    /// from the glyph origin; `None` when the cache is full or the glyph too large.
    #[allow(clippy::too_many_arguments)]
    fn glyph(
        &mut self,
        font: &Arc<crate::font::FontData>,
        gid: u16,
        outline: &tiny_skia::Path,
        sx: f32,
        sy: f32,
        color: crate::color::Rgba,
        bold: bool,
    ) -> Option<GlyphImage> {
        let key = (
            Arc::as_ptr(font) as usize,
            gid,
            sx.to_bits(),
            sy.to_bits(),
            color.0,
            bold,
        );
        if let Some(v) = self.map.get(&key) {
            return v.clone();
        }
        if self.bytes > Self::MAX_BYTES {
            return None;
        }
        let scale = Transform::from_scale(sx, sy);
        let pad = if bold {
            (font.upem * 0.03 * sx.abs()).ceil() + 1.0
        } else {
            1.0
        };
        let b = outline.clone().transform(scale)?.bounds();
        let (left, top) = ((b.left() - pad).floor(), (b.top() - pad).floor());
        let (w, h) = (
            (b.right() + pad).ceil() - left,
            (b.bottom() + pad).ceil() - top,
        );
        let made = if w * h > 512.0 * 512.0 {
            None
        } else {
            Pixmap::new(w.max(1.0) as u32, h.max(1.0) as u32).map(|mut pm| {
                let t = scale.post_translate(-left, -top);
                pm.fill_path(outline, &paint(color, false), FillRule::Winding, t, None);
                if bold {
                    let s = tiny_skia::Stroke {
                        width: font.upem * 0.03,
                        ..Default::default()
                    };
                    pm.stroke_path(outline, &paint(color, false), &s, t, None);
                }
                Arc::new((pm, left as i32, top as i32))
            })
        };
        self.bytes += made.as_ref().map_or(0, |m| m.0.data().len());
        self.map.insert(key, made.clone());
        made
    }
}

/// A seal picture as straight (not premultiplied) RGBA pixels, for drawing it outside a page
/// (a PDF stamp's appearance): PNG, JPEG, GIF or BMP at their own size, SVG rasterised to
/// `svg_px` (width, height) with its text in the stand-ins for 宋体 and 黑体. `None` when the
/// picture cannot be read (or is larger than 16 Mpx).
pub fn picture_pixels(
    bytes: &[u8],
    svg_px: (u32, u32),
    fonts: &crate::FontBook,
) -> Option<(u32, u32, Vec<u8>)> {
    let head = bytes.get(..256).unwrap_or(bytes);
    let svg = head.windows(4).any(|w| w == b"<svg");
    let picture = if svg {
        let fonts: Vec<_> = ["宋体", "黑体"]
            .iter()
            .filter_map(|n| fonts.substitute(n, None, false).map(|s| s.font))
            .collect();
        let (w, h) = (
            svg_px.0.clamp(1, 4096) as f32,
            svg_px.1.clamp(1, 4096) as f32,
        );
        svg_picture(bytes, &fonts, Transform::from_scale(w, h))?
    } else {
        crate::image::decode(bytes, "", 16 << 20).ok()?
    };
    let pm = &picture.pixmap;
    let mut out = Vec::with_capacity(pm.pixels().len() * 4);
    for p in pm.pixels() {
        let c = p.demultiply();
        out.extend_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
    }
    Some((pm.width(), pm.height(), out))
}
