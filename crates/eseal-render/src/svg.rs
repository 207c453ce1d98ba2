//! The display list as an SVG document in page millimetres. Text drawn with an installed
//! stand-in font stays text (searchable, selectable, zoomable); text in an embedded font is
//! drawn as outlines with the same text kept invisible above it.

use crate::draw::{Clip, Item, Page, Stroke};
use base64ct::{Base64, Encoding};
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;
use tiny_skia::{Path, PathSegment, Transform};

fn n(v: f32) -> String {
    if !v.is_finite() {
        return "0".to_owned();
    }
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

fn matrix(t: Transform) -> String {
    format!(
        "matrix({} {} {} {} {} {})",
        n(t.sx),
        n(t.ky),
        n(t.kx),
        n(t.sy),
        n(t.tx),
        n(t.ty)
    )
}

fn is_translation(t: Transform) -> bool {
    t.sx == 1.0 && t.sy == 1.0 && t.kx == 0.0 && t.ky == 0.0
}

/// Escapes text and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A path's `d`.
pub fn path_data(p: &Path) -> String {
    let mut d = String::new();
    for seg in p.segments() {
        match seg {
            PathSegment::MoveTo(a) => {
                let _ = write!(d, "M{} {}", n(a.x), n(a.y));
            }
            PathSegment::LineTo(a) => {
                let _ = write!(d, "L{} {}", n(a.x), n(a.y));
            }
            PathSegment::QuadTo(a, b) => {
                let _ = write!(d, "Q{} {} {} {}", n(a.x), n(a.y), n(b.x), n(b.y));
            }
            PathSegment::CubicTo(a, b, c) => {
                let _ = write!(
                    d,
                    "C{} {} {} {} {} {}",
                    n(a.x),
                    n(a.y),
                    n(b.x),
                    n(b.y),
                    n(c.x),
                    n(c.y)
                );
            }
            PathSegment::Close => d.push('Z'),
        }
    }
    d
}

fn stroke_attrs(s: &Stroke) -> String {
    use tiny_skia::{LineCap, LineJoin};
    let mut a = format!(
        " stroke=\"{}\" stroke-width=\"{}\"",
        s.color.hex(),
        if s.width > 0.0 {
            n(s.width)
        } else {
            "0.1".to_owned()
        }
    );
    if s.width <= 0.0 {
        a.push_str(" vector-effect=\"non-scaling-stroke\"");
    }
    if s.color.0[3] < 255 {
        let _ = write!(a, " stroke-opacity=\"{}\"", n(s.color.opacity()));
    }
    match s.join {
        LineJoin::Round => a.push_str(" stroke-linejoin=\"round\""),
        LineJoin::Bevel => a.push_str(" stroke-linejoin=\"bevel\""),
        _ => {}
    }
    match s.cap {
        LineCap::Round => a.push_str(" stroke-linecap=\"round\""),
        LineCap::Square => a.push_str(" stroke-linecap=\"square\""),
        LineCap::Butt => {}
    }
    if (s.miter - 4.0).abs() > f32::EPSILON {
        let _ = write!(a, " stroke-miterlimit=\"{}\"", n(s.miter.max(1.0)));
    }
    if let Some((d, off)) = &s.dash {
        let list: Vec<String> = d.iter().map(|v| n(*v)).collect();
        let _ = write!(a, " stroke-dasharray=\"{}\"", list.join(" "));
        if *off != 0.0 {
            let _ = write!(a, " stroke-dashoffset=\"{}\"", n(*off));
        }
    }
    a
}

fn fill_attrs(fill: Option<crate::color::Rgba>) -> String {
    match fill {
        None => " fill=\"none\"".to_owned(),
        Some(c) if c.0[3] < 255 => {
            format!(" fill=\"{}\" fill-opacity=\"{}\"", c.hex(), n(c.opacity()))
        }
        Some(c) => format!(" fill=\"{}\"", c.hex()),
    }
}

struct Clips {
    ids: HashMap<usize, usize>,
    defs: String,
}

impl Clips {
    fn open(&mut self, out: &mut String, clips: &[Arc<Clip>]) -> usize {
        for c in clips {
            let key = Arc::as_ptr(c) as usize;
            let next = self.ids.len() + 1;
            let id = *self.ids.entry(key).or_insert_with(|| {
                let _ = write!(self.defs, "<clipPath id=\"c{next}\">");
                for p in &c.0 {
                    let _ = write!(self.defs, "<path d=\"{}\"/>", path_data(p));
                }
                self.defs.push_str("</clipPath>");
                next
            });
            let _ = write!(out, "<g clip-path=\"url(#c{id})\">");
        }
        clips.len()
    }
}

/// The page as an SVG document; its size in mm, its view box the page's box.
pub fn to_svg(page: &Page) -> String {
    let a = page.area;
    let mut body = String::new();
    let mut clips = Clips {
        ids: HashMap::new(),
        defs: String::new(),
    };
    for item in &page.items {
        let multiply = match item {
            Item::Path(p) => p.multiply,
            Item::Text(t) => t.multiply,
            Item::Image(i) => i.multiply,
            Item::Svg(s) => s.multiply,
        };
        if multiply {
            body.push_str("<g style=\"mix-blend-mode:multiply\">");
        }
        match item {
            Item::Path(p) => {
                let open = clips.open(&mut body, &p.clips);
                let _ = write!(
                    body,
                    "<path d=\"{}\"{}{}{}{}/>",
                    path_data(&p.path),
                    if is_translation(p.transform) && p.transform.tx == 0.0 && p.transform.ty == 0.0
                    {
                        String::new()
                    } else {
                        format!(" transform=\"{}\"", matrix(p.transform))
                    },
                    fill_attrs(p.fill),
                    if p.even_odd {
                        " fill-rule=\"evenodd\""
                    } else {
                        ""
                    },
                    p.stroke.as_ref().map(stroke_attrs).unwrap_or_default(),
                );
                close(&mut body, open);
            }
            Item::Text(t) => {
                let open = clips.open(&mut body, &t.clips);
                text(&mut body, t);
                close(&mut body, open);
            }
            Item::Image(i) => {
                let open = clips.open(&mut body, &i.clips);
                let (mime, data) = match &i.picture.original {
                    Some((m, b)) => (*m, Base64::encode_string(b)),
                    None => match crate::image::encode_png(&i.picture.pixmap, None, &[]) {
                        Ok(png) => ("image/png", Base64::encode_string(&png)),
                        Err(_) => {
                            close(&mut body, open);
                            if multiply {
                                body.push_str("</g>");
                            }
                            continue;
                        }
                    },
                };
                let _ = write!(
                    body,
                    "<image x=\"0\" y=\"0\" width=\"1\" height=\"1\" preserveAspectRatio=\"none\" transform=\"{}\"{}{} href=\"data:{mime};base64,{data}\"/>",
                    matrix(i.transform),
                    if i.picture.smooth {
                        ""
                    } else {
                        " image-rendering=\"pixelated\""
                    },
                    if i.alpha < 255 {
                        format!(" opacity=\"{}\"", n(f32::from(i.alpha) / 255.0))
                    } else {
                        String::new()
                    },
                );
                close(&mut body, open);
            }
            Item::Svg(s) => {
                let open = clips.open(&mut body, &s.clips);
                let _ = write!(
                    body,
                    "<image x=\"0\" y=\"0\" width=\"1\" height=\"1\" preserveAspectRatio=\"none\" transform=\"{}\" href=\"data:image/svg+xml;base64,{}\"/>",
                    matrix(s.transform),
                    Base64::encode_string(&s.svg)
                );
                close(&mut body, open);
            }
        }
        if multiply {
            body.push_str("</g>");
        }
    }
    let mut out = String::with_capacity(body.len() + clips.defs.len() + 512);
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{w}mm\" height=\"{h}mm\" viewBox=\"{x} {y} {w} {h}\">\n",
        w = n(a.w),
        h = n(a.h),
        x = n(a.x),
        y = n(a.y)
    );
    let notes = page.notes();
    if !notes.is_empty() {
        let _ = writeln!(out, "<desc>{}</desc>", esc(&notes.join("\n")));
    }
    if !clips.defs.is_empty() {
        let _ = writeln!(out, "<defs>{}</defs>", clips.defs);
    }
    let _ = writeln!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>",
        n(a.x),
        n(a.y),
        n(a.w),
        n(a.h)
    );
    out.push_str(&body);
    out.push_str("\n</svg>\n");
    out
}

fn close(out: &mut String, open: usize) {
    for _ in 0..open {
        out.push_str("</g>");
    }
}

fn text(out: &mut String, t: &crate::draw::TextItem) {
    if t.glyphs.is_empty() {
        return;
    }
    let chars: String = t.glyphs.iter().map(|g| g.ch).collect();
    // Positions in the text's own space; a pure translation is folded in, so a reader sees
    // page coordinates.
    let (shift, transform) = if is_translation(t.transform) {
        ((t.transform.tx, t.transform.ty), None)
    } else {
        ((0.0, 0.0), Some(t.transform))
    };
    let hs = if t.hscale > 0.0 { t.hscale } else { 1.0 };
    let xs: Vec<String> = t.glyphs.iter().map(|g| n((g.x + shift.0) / hs)).collect();
    let ys: Vec<String> = t.glyphs.iter().map(|g| n(g.y + shift.1)).collect();
    let mut tf = transform.map(matrix).unwrap_or_default();
    if (hs - 1.0).abs() > 1e-4 {
        tf = format!("{tf} scale({} 1)", n(hs));
    }
    let tf_attr = if tf.trim().is_empty() {
        String::new()
    } else {
        format!(" transform=\"{}\"", tf.trim())
    };
    match &t.css {
        Some(family) => {
            let _ = write!(
                out,
                "<text xml:space=\"preserve\" font-family=\"{}\" font-size=\"{}\"{}{}{}{} x=\"{}\" y=\"{}\"{}{}>{}</text>",
                esc(family),
                n(t.size),
                tf_attr,
                if t.bold { " font-weight=\"bold\"" } else { "" },
                if t.italic {
                    " font-style=\"italic\""
                } else {
                    ""
                },
                if t.rotate != 0.0 {
                    format!(" rotate=\"{}\"", n(t.rotate))
                } else {
                    String::new()
                },
                xs.join(" "),
                ys.join(" "),
                fill_attrs(t.fill),
                t.stroke.as_ref().map(stroke_attrs).unwrap_or_default(),
                esc(&chars)
            );
        }
        None => {
            // Outlines of the embedded font, then the same text, invisible, for search.
            let _ = write!(out, "<g{}{}>", tf_attr, fill_attrs(t.fill));
            for g in &t.glyphs {
                let Some((font, gid)) = &g.font else { continue };
                let Some(outline) = font.outline(*gid) else {
                    continue;
                };
                let k = t.size / font.upem;
                let mut gt = Transform::from_translate((g.x + shift.0) / hs, g.y + shift.1);
                if t.rotate != 0.0 {
                    gt = gt.pre_rotate(t.rotate);
                }
                if t.italic {
                    gt = gt.pre_concat(Transform::from_row(1.0, 0.0, -0.2, 1.0, 0.0, 0.0));
                }
                let gt = gt.pre_scale(k * g.squeeze, -k);
                let _ = write!(
                    out,
                    "<path transform=\"{}\" d=\"{}\"/>",
                    matrix(gt),
                    path_data(&outline)
                );
            }
            let _ = write!(
                out,
                "<text xml:space=\"preserve\" font-size=\"{}\" fill-opacity=\"0\" x=\"{}\" y=\"{}\">{}</text></g>",
                n(t.size),
                xs.join(" "),
                ys.join(" "),
                esc(&chars)
            );
        }
    }
}
