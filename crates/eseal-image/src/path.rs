//! Vector geometry in millimetres (y down): the one description both SVG and PNG come from.

use crate::error::ImageError;
use crate::font::Font;

/// A path command in mm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cmd {
    /// Move to.
    Move(f32, f32),
    /// Line to.
    Line(f32, f32),
    /// Quadratic Bézier.
    Quad(f32, f32, f32, f32),
    /// Cubic Bézier.
    Cubic(f32, f32, f32, f32, f32, f32),
    /// Close the contour.
    Close,
}

/// A filled shape: its commands and fill rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// The outline.
    pub cmds: Vec<Cmd>,
    /// Even-odd (for 阴文: a square with letters cut out) instead of non-zero.
    pub even_odd: bool,
}

/// An affine transform: x' = a x + c y + e, y' = b x + d y + f.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    a: f32,
    b: f32,
    c: f32,
    d: f32,
    e: f32,
    f: f32,
}

impl Affine {
    /// Identity.
    pub fn identity() -> Self {
        Self {
            a: 1.0,
            b: 0.0,
            c: 0.0,
            d: 1.0,
            e: 0.0,
            f: 0.0,
        }
    }

    /// Scale.
    pub fn scale(sx: f32, sy: f32) -> Self {
        Self {
            a: sx,
            b: 0.0,
            c: 0.0,
            d: sy,
            e: 0.0,
            f: 0.0,
        }
    }

    /// Translate.
    pub fn translate(x: f32, y: f32) -> Self {
        Self {
            a: 1.0,
            b: 0.0,
            c: 0.0,
            d: 1.0,
            e: x,
            f: y,
        }
    }

    /// Rotate by `radians` (clockwise on screen, y down).
    pub fn rotate(radians: f32) -> Self {
        let (s, c) = radians.sin_cos();
        Self {
            a: c,
            b: s,
            c: -s,
            d: c,
            e: 0.0,
            f: 0.0,
        }
    }

    /// `self` then `next`.
    pub fn then(self, next: Self) -> Self {
        Self {
            a: next.a * self.a + next.c * self.b,
            b: next.b * self.a + next.d * self.b,
            c: next.a * self.c + next.c * self.d,
            d: next.b * self.c + next.d * self.d,
            e: next.a * self.e + next.c * self.f + next.e,
            f: next.b * self.e + next.d * self.f + next.f,
        }
    }

    /// Apply to a point.
    pub fn apply(&self, x: f32, y: f32) -> (f32, f32) {
        (
            self.a * x + self.c * y + self.e,
            self.b * x + self.d * y + self.f,
        )
    }

    /// Apply to a command.
    pub fn apply_cmd(&self, cmd: Cmd) -> Cmd {
        match cmd {
            Cmd::Move(x, y) => {
                let (x, y) = self.apply(x, y);
                Cmd::Move(x, y)
            }
            Cmd::Line(x, y) => {
                let (x, y) = self.apply(x, y);
                Cmd::Line(x, y)
            }
            Cmd::Quad(x1, y1, x, y) => {
                let (x1, y1) = self.apply(x1, y1);
                let (x, y) = self.apply(x, y);
                Cmd::Quad(x1, y1, x, y)
            }
            Cmd::Cubic(x1, y1, x2, y2, x, y) => {
                let (x1, y1) = self.apply(x1, y1);
                let (x2, y2) = self.apply(x2, y2);
                let (x, y) = self.apply(x, y);
                Cmd::Cubic(x1, y1, x2, y2, x, y)
            }
            Cmd::Close => Cmd::Close,
        }
    }
}

/// Collects a glyph outline in font units.
struct Collector(Vec<Cmd>);

impl ttf_parser::OutlineBuilder for Collector {
    fn move_to(&mut self, x: f32, y: f32) {
        self.0.push(Cmd::Move(x, y));
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.0.push(Cmd::Line(x, y));
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.0.push(Cmd::Quad(x1, y1, x, y));
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.0.push(Cmd::Cubic(x1, y1, x2, y2, x, y));
    }
    fn close(&mut self) {
        self.0.push(Cmd::Close);
    }
}

/// The outline of `ch` in a `size_mm` em box, centred on (0, 0): x from −w/2 to w/2 (times
/// `compress`), the em box from −size/2 (top) to +size/2 (bottom), y down.
pub fn glyph(
    font: &Font,
    ch: char,
    size_mm: f32,
    compress: f32,
    stretch_y: f32,
) -> Result<Vec<Cmd>, ImageError> {
    let face = font.face()?;
    let id = face
        .glyph_index(ch)
        .ok_or_else(|| ImageError::Font(format!("the font has no glyph for {ch:?}")))?;
    let mut c = Collector(Vec::new());
    // A space or other empty glyph has no outline.
    let _ = face.outline_glyph(id, &mut c);
    let advance = f32::from(face.glyph_hor_advance(id).unwrap_or(face.units_per_em()));
    let s = size_mm / font.units_per_em();
    // Centre vertically on the em box between ascender and descender.
    let mid = (font.ascender + font.descender) / 2.0;
    let t =
        Affine::translate(-advance / 2.0, -mid).then(Affine::scale(s * compress, -s * stretch_y));
    Ok(c.0.into_iter().map(|cmd| t.apply_cmd(cmd)).collect())
}

/// An ellipse (or circle) as four cubic Béziers; `clockwise` sets the winding.
pub fn ellipse(cx: f32, cy: f32, rx: f32, ry: f32, clockwise: bool) -> Vec<Cmd> {
    const K: f32 = 0.552_284_8;
    let (kx, ky) = (rx * K, ry * K);
    let sy = if clockwise { 1.0 } else { -1.0 };
    vec![
        Cmd::Move(cx + rx, cy),
        Cmd::Cubic(
            cx + rx,
            cy + sy * ky,
            cx + kx,
            cy + sy * ry,
            cx,
            cy + sy * ry,
        ),
        Cmd::Cubic(cx - kx, cy + sy * ry, cx - rx, cy + sy * ky, cx - rx, cy),
        Cmd::Cubic(
            cx - rx,
            cy - sy * ky,
            cx - kx,
            cy - sy * ry,
            cx,
            cy - sy * ry,
        ),
        Cmd::Cubic(cx + kx, cy - sy * ry, cx + rx, cy - sy * ky, cx + rx, cy),
        Cmd::Close,
    ]
}

/// A rectangle; `clockwise` sets the winding.
pub fn rect(x: f32, y: f32, w: f32, h: f32, clockwise: bool) -> Vec<Cmd> {
    if clockwise {
        vec![
            Cmd::Move(x, y),
            Cmd::Line(x + w, y),
            Cmd::Line(x + w, y + h),
            Cmd::Line(x, y + h),
            Cmd::Close,
        ]
    } else {
        vec![
            Cmd::Move(x, y),
            Cmd::Line(x, y + h),
            Cmd::Line(x + w, y + h),
            Cmd::Line(x + w, y),
            Cmd::Close,
        ]
    }
}

/// A five-pointed star centred at (cx, cy), outer radius `r`, one point up.
pub fn star(cx: f32, cy: f32, r: f32) -> Vec<Cmd> {
    let inner = r * 0.381_966;
    let mut cmds = Vec::with_capacity(11);
    for i in 0..10u8 {
        let radius = if i % 2 == 0 { r } else { inner };
        let angle = std::f32::consts::PI / 5.0 * f32::from(i);
        let (x, y) = (cx + radius * angle.sin(), cy - radius * angle.cos());
        cmds.push(if i == 0 {
            Cmd::Move(x, y)
        } else {
            Cmd::Line(x, y)
        });
    }
    cmds.push(Cmd::Close);
    cmds
}
