//! Colours (GB/T 33190 §8.3, 颜色): a `Value` in a colour space (RGB when none is named),
//! a palette `Index`, an `Alpha`. Shadings and patterns are drawn in their first colour, with
//! a warning.

use crate::res::{ColorSpace, Resources, SpaceKind};
use crate::warn::Warnings;
use eseal_doc::xml::Node;

/// A colour, not premultiplied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgba(pub [u8; 4]);

impl Rgba {
    /// Opaque black, the default stroke and text colour.
    pub const BLACK: Rgba = Rgba([0, 0, 0, 255]);

    /// As tiny-skia's colour.
    pub fn skia(self) -> tiny_skia::Color {
        let [r, g, b, a] = self.0;
        tiny_skia::Color::from_rgba8(r, g, b, a)
    }

    /// `#rrggbb` for SVG.
    pub fn hex(self) -> String {
        let [r, g, b, _] = self.0;
        format!("#{r:02x}{g:02x}{b:02x}")
    }

    /// Opacity 0..1.
    pub fn opacity(self) -> f32 {
        f32::from(self.0[3]) / 255.0
    }

    /// The same colour with its opacity multiplied by `a` (0..255).
    pub fn with_alpha(self, a: u8) -> Rgba {
        let [r, g, b, old] = self.0;
        let mixed = u16::from(old) * u16::from(a) / 255;
        Rgba([r, g, b, u8::try_from(mixed).unwrap_or(255)])
    }
}

/// One component as written: a decimal number or `#hex`.
fn component(tok: &str) -> Option<f32> {
    match tok.strip_prefix('#') {
        Some(h) => u32::from_str_radix(h, 16).ok().map(|v| v as f32),
        None => tok.parse::<f32>().ok().filter(|v| v.is_finite()),
    }
}

fn scale(v: f32, bits: u32) -> u8 {
    let max = ((1u32 << bits.min(16)) - 1) as f32;
    (v.clamp(0.0, max) / max * 255.0).round() as u8
}

fn from_values(vals: &[f32], space: &ColorSpace) -> Option<[u8; 3]> {
    let s = |v: f32| scale(v, space.bits);
    match (space.kind, vals) {
        (SpaceKind::Gray, [g, ..]) => Some([s(*g); 3]),
        (SpaceKind::Rgb, [r, g, b, ..]) => Some([s(*r), s(*g), s(*b)]),
        (SpaceKind::Cmyk, [c, m, y, k, ..]) => {
            let f = |x: f32| f32::from(s(x)) / 255.0;
            let (c, m, y, k) = (f(*c), f(*m), f(*y), f(*k));
            let ch = |x: f32| ((1.0 - x) * (1.0 - k) * 255.0).round() as u8;
            Some([ch(c), ch(m), ch(y)])
        }
        _ => None,
    }
}

/// The colour of a FillColor/StrokeColor element (`None`: nothing usable; a warning says why).
pub fn read(node: &Node, res: &Resources, file: &str, w: &mut Warnings) -> Option<Rgba> {
    let named = node.attr("ColorSpace").map(str::trim);
    let space = match named {
        Some(id) => match res.spaces.get(id) {
            Some(s) => s.clone(),
            None => {
                w.push(
                    file,
                    format!("颜色引用的颜色空间 {id:?} 未定义，按 RGB 读取"),
                    format!("a colour names the undefined colour space {id:?}; read as RGB"),
                );
                ColorSpace {
                    kind: SpaceKind::Rgb,
                    bits: 8,
                    palette: Vec::new(),
                }
            }
        },
        None => ColorSpace {
            kind: SpaceKind::Rgb,
            bits: 8,
            palette: Vec::new(),
        },
    };
    let alpha = node
        .attr("Alpha")
        .and_then(|a| a.trim().parse::<f32>().ok())
        .map_or(255, |a| a.clamp(0.0, 255.0).round() as u8);
    let mut value = node.attr("Value").map(str::to_owned);
    if let Some(i) = node.attr("Index") {
        let entry = i
            .trim()
            .parse::<usize>()
            .ok()
            .and_then(|i| space.palette.get(i));
        match entry {
            Some(cv) => value = Some(cv.clone()),
            None => w.push(
                file,
                format!("颜色的调色板索引 {i:?} 不存在"),
                format!("the colour's palette index {i:?} does not exist"),
            ),
        }
    }
    if value.is_none() {
        // A shading or pattern: its first colour stands in.
        let shading = node.children.iter().find(|c| {
            matches!(
                c.name.as_str(),
                "AxialShd" | "RadialShd" | "GouraudShd" | "LaGouraudShd" | "Pattern"
            )
        });
        if let Some(sh) = shading {
            w.push(
                file,
                format!("渐变或图案（{}）以其第一种颜色绘制", sh.name),
                format!(
                    "a shading or pattern ({}) is drawn in its first colour",
                    sh.name
                ),
            );
            let first = find_color(sh)?;
            return read(first, res, file, w).map(|c| c.with_alpha(alpha));
        }
        return None;
    }
    let text = value.unwrap_or_default();
    let vals: Vec<f32> = text.split_whitespace().filter_map(component).collect();
    // A colour space that was not named: guess it from the number of components.
    let space = if named.is_none() {
        match vals.len() {
            1 => ColorSpace {
                kind: SpaceKind::Gray,
                ..space
            },
            4 => ColorSpace {
                kind: SpaceKind::Cmyk,
                ..space
            },
            _ => space,
        }
    } else {
        space
    };
    match from_values(&vals, &space) {
        Some([r, g, b]) => Some(Rgba([r, g, b, alpha])),
        None => {
            w.push(
                file,
                format!("颜色值 {text:?} 与颜色空间不符，改用黑色"),
                format!("the colour value {text:?} does not fit its colour space; black is used"),
            );
            Some(Rgba::BLACK.with_alpha(alpha))
        }
    }
}

fn find_color(node: &Node) -> Option<&Node> {
    for c in &node.children {
        if c.name == "Color" {
            return Some(c);
        }
        if let Some(found) = find_color(c) {
            return Some(found);
        }
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn node(xml: &str) -> Node {
        Node::parse(xml.as_bytes(), "t.xml").unwrap()
    }

    #[test]
    fn values_spaces_and_quirks() {
        let mut w = Warnings::default();
        let res = Resources::default();
        let c = read(
            &node(r#"<FillColor Value="156 82 35"/>"#),
            &res,
            "t",
            &mut w,
        )
        .unwrap();
        assert_eq!(c, Rgba([156, 82, 35, 255]));
        assert!(w.is_empty());
        let c = read(
            &node(r##"<FillColor Value="#FF #00 #80" Alpha="128"/>"##),
            &res,
            "t",
            &mut w,
        )
        .unwrap();
        assert_eq!(c, Rgba([255, 0, 128, 128]));
        let c = read(
            &node(r#"<FillColor Value="0 0 0 255"/>"#),
            &res,
            "t",
            &mut w,
        )
        .unwrap();
        assert_eq!(c, Rgba([0, 0, 0, 255]), "CMYK black");
        // The invoices name colour space 5 and define only 7.
        let c = read(
            &node(r#"<FillColor Value="156 82 35" ColorSpace="5"/>"#),
            &res,
            "t",
            &mut w,
        )
        .unwrap();
        assert_eq!(c, Rgba([156, 82, 35, 255]));
        assert!(!w.is_empty());
        let c = read(
            &node(r#"<FillColor><AxialShd><Segment><Color Value="255 0 0"/></Segment></AxialShd></FillColor>"#),
            &res,
            "t",
            &mut w,
        )
        .unwrap();
        assert_eq!(c, Rgba([255, 0, 0, 255]));
    }
}
