//! Laying out the standard seal styles in millimetres.

use crate::error::ImageError;
use crate::font::Font;
use crate::path::{Affine, Cmd, Shape, ellipse, glyph, rect, star};
use std::f32::consts::PI;

/// The seal styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Style {
    /// Round official seal (公章): ring, star, name on the upper arc, optional centre text and code.
    Round,
    /// Oval seal (e.g. 发票专用章): name on the upper arc, code across the middle, text below.
    Oval,
    /// Square name seal (2–4 characters), 阳文 or 阴文.
    Square,
    /// Rectangular one-line seal.
    Rect,
}

/// What to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct ImpressionSpec {
    /// The style.
    pub style: Style,
    /// The main text: the organisation name (round, oval) or the person's name (square, rect).
    pub text: String,
    /// Horizontal text: under the star (round), at the bottom (oval), e.g. 合同专用章.
    pub center_text: Option<String>,
    /// Code: along the lower arc (round; the 13-digit filing code) or across the middle (oval;
    /// the taxpayer ID).
    pub code: Option<String>,
    /// Width in mm (diameter for round); default by style.
    pub width_mm: Option<f32>,
    /// Height in mm (oval, rect; square and round take the width).
    pub height_mm: Option<f32>,
    /// 阴文: white characters on red (square only).
    pub inverse: bool,
    /// Aged / worn texture, seeded (deterministic); off when `None`.
    pub aged_seed: Option<u64>,
}

impl ImpressionSpec {
    /// A spec with the style's defaults.
    pub fn new(style: Style, text: &str) -> Self {
        Self {
            style,
            text: text.to_owned(),
            center_text: None,
            code: None,
            width_mm: None,
            height_mm: None,
            inverse: false,
            aged_seed: None,
        }
    }
}

/// A rendered impression: vector shapes in mm, ready for SVG or PNG.
#[derive(Debug, Clone, PartialEq)]
pub struct Impression {
    /// Width in mm.
    pub width_mm: f32,
    /// Height in mm.
    pub height_mm: f32,
    /// The filled shapes, in drawing order.
    pub shapes: Vec<Shape>,
    /// Aged texture seed.
    pub aged_seed: Option<u64>,
}

fn check_range(what: &str, v: f32, lo: f32, hi: f32) -> Result<f32, ImageError> {
    if !v.is_finite() || v < lo || v > hi {
        return Err(ImageError::BadSize(format!(
            "{what} {v} mm is outside {lo}–{hi} mm for this style"
        )));
    }
    Ok(v)
}

fn chars(text: &str, what: &str, max: usize) -> Result<Vec<char>, ImageError> {
    let c: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    if c.is_empty() {
        return Err(ImageError::EmptyText);
    }
    if c.len() > max {
        return Err(ImageError::TextDoesNotFit(format!(
            "{what} has {} characters; this style takes at most {max}",
            c.len()
        )));
    }
    Ok(c)
}

/// Horizontal advance of a character relative to its em size (CJK are square; digits and Latin
/// narrower), from the font.
fn advance_ratio(font: &Font, ch: char) -> Result<f32, ImageError> {
    let face = font.face()?;
    let id = face
        .glyph_index(ch)
        .ok_or_else(|| ImageError::Font(format!("the font has no glyph for {ch:?}")))?;
    Ok(f32::from(face.glyph_hor_advance(id).unwrap_or(face.units_per_em())) / font.units_per_em())
}

/// Place `ch` (size, compression) rotated by `angle` with its centre at (x, y).
#[allow(clippy::too_many_arguments)] // the glyph's size, two scales, angle and position
fn place(
    font: &Font,
    ch: char,
    size: f32,
    compress: f32,
    stretch_y: f32,
    angle: f32,
    x: f32,
    y: f32,
) -> Result<Vec<Cmd>, ImageError> {
    let t = Affine::rotate(angle).then(Affine::translate(x, y));
    Ok(glyph(font, ch, size, compress, stretch_y)?
        .into_iter()
        .map(|c| t.apply_cmd(c))
        .collect())
}

/// A horizontal line of text centred at (cx, cy), compressed to fit `max_width`.
fn line(
    font: &Font,
    text: &[char],
    size: f32,
    cx: f32,
    cy: f32,
    max_width: f32,
    what: &str,
) -> Result<Vec<Cmd>, ImageError> {
    let widths: Vec<f32> = text
        .iter()
        .map(|c| advance_ratio(font, *c).map(|a| a * size))
        .collect::<Result<_, _>>()?;
    let natural: f32 = widths.iter().sum();
    let compress = (max_width / natural).min(1.0);
    if compress < 0.4 {
        return Err(ImageError::TextDoesNotFit(format!(
            "{what} is too long to fit ({} characters)",
            text.len()
        )));
    }
    let mut x = cx - natural * compress / 2.0;
    let mut out = Vec::new();
    for (ch, w) in text.iter().zip(widths) {
        let w = w * compress;
        out.extend(place(font, *ch, size, compress, 1.0, 0.0, x + w / 2.0, cy)?);
        x += w;
    }
    Ok(out)
}

/// Characters along an arc of a circle of radius `r` centred at (cx, cy). `upper`: centred on
/// the top, tops outward, read clockwise; otherwise centred on the bottom, tops inward, read
/// left to right. Returns the shapes.
#[allow(clippy::too_many_arguments)]
fn arc_text(
    font: &Font,
    text: &[char],
    size: f32,
    cx: f32,
    cy: f32,
    r: f32,
    min_span: f32,
    max_span: f32,
    upper: bool,
    what: &str,
) -> Result<Vec<Cmd>, ImageError> {
    let advances: Vec<f32> = text
        .iter()
        .map(|c| advance_ratio(font, *c))
        .collect::<Result<_, _>>()?;
    // Angular pitch of one character at natural width, with 8 % letter spacing.
    let natural: f32 = advances.iter().map(|a| a * size * 1.08 / r).sum();
    let span = natural.clamp(min_span, max_span);
    let compress = (span / natural).min(1.0);
    if compress < 0.45 {
        return Err(ImageError::TextDoesNotFit(format!(
            "{what} is too long for this seal ({} characters)",
            text.len()
        )));
    }
    let scale = span / natural;
    let mut out = Vec::new();
    let mut pos = -span / 2.0;
    for (ch, a) in text.iter().zip(advances) {
        let pitch = a * size * 1.08 / r * scale;
        let mid = pos + pitch / 2.0;
        pos += pitch;
        let (theta, rotation) = if upper { (mid, mid) } else { (PI - mid, -mid) };
        let (x, y) = (cx + r * theta.sin(), cy - r * theta.cos());
        out.extend(place(font, *ch, size, compress, 1.0, rotation, x, y)?);
    }
    Ok(out)
}

/// Characters along the upper half of an ellipse (radii rx, ry), tops outward, spaced evenly
/// by arc length.
#[allow(clippy::too_many_arguments)] // the ellipse's centre and radii and the text size
fn ellipse_text(
    font: &Font,
    text: &[char],
    size: f32,
    cx: f32,
    cy: f32,
    rx: f32,
    ry: f32,
    what: &str,
) -> Result<Vec<Cmd>, ImageError> {
    // Arc length table over t in [-max, max] (t = 0 at the top).
    let max_t = 0.56 * PI;
    const STEPS: usize = 720;
    let point = |t: f32| (rx * t.sin(), -ry * t.cos());
    let mut lengths = vec![0.0f32; STEPS + 1];
    for i in 1..=STEPS {
        let t0 = -max_t + 2.0 * max_t * (i as f32 - 1.0) / STEPS as f32;
        let t1 = -max_t + 2.0 * max_t * i as f32 / STEPS as f32;
        let (a, b) = (point(t0), point(t1));
        let prev = lengths.get(i - 1).copied().unwrap_or(0.0);
        if let Some(l) = lengths.get_mut(i) {
            *l = prev + ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        }
    }
    let total = lengths.last().copied().unwrap_or(0.0);
    let advances: Vec<f32> = text
        .iter()
        .map(|c| advance_ratio(font, *c))
        .collect::<Result<_, _>>()?;
    let natural: f32 = advances.iter().map(|a| a * size * 1.08).sum();
    let span = natural.clamp(total * 0.5, total);
    let compress = (span / natural).min(1.0);
    if compress < 0.45 {
        return Err(ImageError::TextDoesNotFit(format!(
            "{what} is too long for this seal ({} characters)",
            text.len()
        )));
    }
    let scale = span / natural;
    let t_at = |s: f32| {
        let i = lengths.partition_point(|l| *l < s).min(STEPS);
        -max_t + 2.0 * max_t * i as f32 / STEPS as f32
    };
    let mut out = Vec::new();
    let mut s = (total - span) / 2.0;
    for (ch, a) in text.iter().zip(advances) {
        let pitch = a * size * 1.08 * scale;
        let t = t_at(s + pitch / 2.0);
        s += pitch;
        let (px, py) = point(t);
        let (tx, ty) = (rx * t.cos(), ry * t.sin());
        out.extend(place(
            font,
            *ch,
            size,
            compress,
            1.0,
            ty.atan2(tx),
            cx + px,
            cy + py,
        )?);
    }
    Ok(out)
}

/// Lay out `spec` with `font`.
pub fn render(spec: &ImpressionSpec, font: &Font) -> Result<Impression, ImageError> {
    let mut shapes = Vec::new();
    let (w, h) = match spec.style {
        Style::Round => {
            let d = check_range("diameter", spec.width_mm.unwrap_or(42.0), 20.0, 60.0)?;
            let text = chars(&spec.text, "the name", 40)?;
            let (c, ring) = (d / 2.0, d * 0.03);
            let outer = c - 0.05;
            let mut ring_cmds = ellipse(c, c, outer, outer, true);
            ring_cmds.extend(ellipse(c, c, outer - ring, outer - ring, false));
            shapes.push(Shape {
                cmds: ring_cmds,
                even_odd: false,
            });
            shapes.push(Shape {
                cmds: star(c, c, d * 0.17),
                even_odd: false,
            });
            let size = d * 0.145;
            let r = outer - ring - d * 0.025 - size / 2.0;
            shapes.push(Shape {
                cmds: arc_text(
                    font,
                    &text,
                    size,
                    c,
                    c,
                    r,
                    120f32.to_radians(),
                    250f32.to_radians(),
                    true,
                    "the name",
                )?,
                even_odd: false,
            });
            if let Some(t) = &spec.center_text {
                let t = chars(t, "the centre text", 12)?;
                shapes.push(Shape {
                    cmds: line(
                        font,
                        &t,
                        d * 0.11,
                        c,
                        c + d * 0.255,
                        d * 0.62,
                        "the centre text",
                    )?,
                    even_odd: false,
                });
            }
            if let Some(code) = &spec.code {
                let code = chars(code, "the code", 24)?;
                let size = d * 0.056;
                let r = outer - ring - d * 0.015 - size / 2.0;
                shapes.push(Shape {
                    cmds: arc_text(
                        font,
                        &code,
                        size,
                        c,
                        c,
                        r,
                        30f32.to_radians(),
                        95f32.to_radians(),
                        false,
                        "the code",
                    )?,
                    even_odd: false,
                });
            }
            (d, d)
        }
        Style::Oval => {
            let w = check_range("width", spec.width_mm.unwrap_or(40.0), 20.0, 60.0)?;
            let h = check_range("height", spec.height_mm.unwrap_or(30.0), 15.0, 50.0)?;
            if h >= w {
                return Err(ImageError::BadSize(
                    "an oval seal is wider than it is tall".into(),
                ));
            }
            let text = chars(&spec.text, "the name", 30)?;
            let ring = h * 0.035;
            let (cx, cy, rx, ry) = (w / 2.0, h / 2.0, w / 2.0 - 0.05, h / 2.0 - 0.05);
            let mut ring_cmds = ellipse(cx, cy, rx, ry, true);
            ring_cmds.extend(ellipse(cx, cy, rx - ring, ry - ring, false));
            shapes.push(Shape {
                cmds: ring_cmds,
                even_odd: false,
            });
            let size = h * 0.135;
            let inset = ring + h * 0.025 + size / 2.0;
            shapes.push(Shape {
                cmds: ellipse_text(
                    font,
                    &text,
                    size,
                    cx,
                    cy,
                    rx - inset,
                    ry - inset,
                    "the name",
                )?,
                even_odd: false,
            });
            if let Some(code) = &spec.code {
                let code = chars(code, "the code", 24)?;
                shapes.push(Shape {
                    cmds: line(
                        font,
                        &code,
                        h * 0.11,
                        cx,
                        cy + h * 0.04,
                        w * 0.6,
                        "the code",
                    )?,
                    even_odd: false,
                });
            }
            if let Some(t) = &spec.center_text {
                let t = chars(t, "the bottom text", 10)?;
                shapes.push(Shape {
                    cmds: line(
                        font,
                        &t,
                        h * 0.13,
                        cx,
                        cy + h * 0.25,
                        w * 0.5,
                        "the bottom text",
                    )?,
                    even_odd: false,
                });
            }
            (w, h)
        }
        Style::Square => {
            let s = check_range("side", spec.width_mm.unwrap_or(20.0), 10.0, 40.0)?;
            let text = chars(&spec.text, "the name", 4)?;
            if text.len() < 2 {
                return Err(ImageError::TextDoesNotFit(
                    "a square name seal has 2, 3 or 4 characters".into(),
                ));
            }
            let border = s * 0.06;
            let inner = s - 2.0 * border - s * 0.06;
            let o = (s - inner) / 2.0;
            let (cw, ch) = (inner / 2.0, inner / 2.0);
            // Read right column first, top to bottom (traditional order).
            let cells: Vec<(f32, f32, f32)> = match text.len() {
                2 => vec![
                    (o + cw * 1.5, o + inner / 2.0, 2.0),
                    (o + cw * 0.5, o + inner / 2.0, 2.0),
                ],
                3 => vec![
                    (o + cw * 1.5, o + inner / 2.0, 2.0),
                    (o + cw * 0.5, o + ch * 0.5, 1.0),
                    (o + cw * 0.5, o + ch * 1.5, 1.0),
                ],
                _ => vec![
                    (o + cw * 1.5, o + ch * 0.5, 1.0),
                    (o + cw * 1.5, o + ch * 1.5, 1.0),
                    (o + cw * 0.5, o + ch * 0.5, 1.0),
                    (o + cw * 0.5, o + ch * 1.5, 1.0),
                ],
            };
            let mut glyphs = Vec::new();
            for (c, (x, y, stretch)) in text.iter().zip(cells) {
                glyphs.extend(place(font, *c, cw * 0.98, 1.0, stretch * 0.98, 0.0, x, y)?);
            }
            if spec.inverse {
                let mut cmds = rect(0.0, 0.0, s, s, true);
                cmds.extend(glyphs);
                shapes.push(Shape {
                    cmds,
                    even_odd: true,
                });
            } else {
                let mut frame = rect(0.0, 0.0, s, s, true);
                frame.extend(rect(
                    border,
                    border,
                    s - 2.0 * border,
                    s - 2.0 * border,
                    false,
                ));
                shapes.push(Shape {
                    cmds: frame,
                    even_odd: false,
                });
                shapes.push(Shape {
                    cmds: glyphs,
                    even_odd: false,
                });
            }
            (s, s)
        }
        Style::Rect => {
            let w = check_range("width", spec.width_mm.unwrap_or(30.0), 10.0, 80.0)?;
            let h = check_range("height", spec.height_mm.unwrap_or(10.0), 5.0, 30.0)?;
            if h >= w {
                return Err(ImageError::BadSize(
                    "a rectangular seal is wider than it is tall".into(),
                ));
            }
            let text = chars(&spec.text, "the text", 20)?;
            let border = h * 0.07;
            let mut frame = rect(0.0, 0.0, w, h, true);
            frame.extend(rect(
                border,
                border,
                w - 2.0 * border,
                h - 2.0 * border,
                false,
            ));
            shapes.push(Shape {
                cmds: frame,
                even_odd: false,
            });
            shapes.push(Shape {
                cmds: line(
                    font,
                    &text,
                    h * 0.62,
                    w / 2.0,
                    h / 2.0,
                    w - 4.0 * border,
                    "the text",
                )?,
                even_odd: false,
            });
            (w, h)
        }
    };
    Ok(Impression {
        width_mm: w,
        height_mm: h,
        shapes,
        aged_seed: spec.aged_seed,
    })
}
