//! The numbers of OFD attributes (ST_Array, ST_Box, CTM, DeltaX/DeltaY), read tolerantly: a
//! value that is not a number is skipped, and the caller decides what a short list means.

use tiny_skia::Transform;

/// Most numbers read from one attribute (a DeltaX of 10^7 entries is not a page).
pub const MAX_NUMBERS: usize = 1 << 20;

/// The numbers in `text`, separated by white space or commas; anything else is skipped.
/// Returns the numbers and whether something was skipped.
pub fn numbers(text: &str) -> (Vec<f32>, bool) {
    let mut out = Vec::new();
    let mut skipped = false;
    for tok in text.split(|c: char| c.is_whitespace() || c == ',') {
        if tok.is_empty() {
            continue;
        }
        if out.len() >= MAX_NUMBERS {
            skipped = true;
            break;
        }
        match tok.parse::<f32>() {
            Ok(v) if v.is_finite() => out.push(v),
            _ => skipped = true,
        }
    }
    (out, skipped)
}

/// A rectangle in mm: x, y (top-left, y down), width, height.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left.
    pub x: f32,
    /// Top.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
}

impl Rect {
    /// `x y w h` (ST_Box); `None` unless four numbers with a positive size.
    pub fn parse(text: &str) -> Option<Rect> {
        let (n, _) = numbers(text);
        match n.as_slice() {
            [x, y, w, h, ..] if *w > 0.0 && *h > 0.0 => Some(Rect {
                x: *x,
                y: *y,
                w: *w,
                h: *h,
            }),
            _ => None,
        }
    }

    /// The rectangle as a path.
    pub fn path(&self) -> Option<tiny_skia::Path> {
        tiny_skia::Rect::from_xywh(self.x, self.y, self.w, self.h)
            .map(tiny_skia::PathBuilder::from_rect)
    }
}

/// A CTM `a b c d e f` (x' = a·x + c·y + e, y' = b·x + d·y + f); `None` unless six numbers
/// that make an invertible, finite transform.
pub fn ctm(text: &str) -> Option<Transform> {
    let (n, _) = numbers(text);
    match n.as_slice() {
        [a, b, c, d, e, f, ..] => {
            let t = Transform::from_row(*a, *b, *c, *d, *e, *f);
            let det = f64::from(*a) * f64::from(*d) - f64::from(*b) * f64::from(*c);
            (t.is_finite() && det.abs() > 1e-12 && t.invert().is_some()).then_some(t)
        }
        _ => None,
    }
}

/// DeltaX / DeltaY: numbers, with `g N D` meaning N times D (GB/T 33190 §11.3), at most
/// `max` values. Returns the values and whether something was not understood.
pub fn deltas(text: &str, max: usize) -> (Vec<f32>, bool) {
    let mut out = Vec::new();
    let mut bad = false;
    let mut it = text.split_whitespace();
    while let Some(tok) = it.next() {
        if out.len() >= max {
            break;
        }
        if tok == "g" {
            let n = it.next().and_then(|v| v.parse::<usize>().ok());
            let d = it.next().and_then(|v| v.parse::<f32>().ok());
            match (n, d) {
                (Some(n), Some(d)) if d.is_finite() => {
                    let n = n.min(max - out.len());
                    out.extend(std::iter::repeat_n(d, n));
                }
                _ => bad = true,
            }
        } else {
            match tok.parse::<f32>() {
                Ok(v) if v.is_finite() => out.push(v),
                _ => bad = true,
            }
        }
    }
    (out, bad)
}

/// The origin `x y` of a Boundary, whatever its size (a line's Boundary may be 0 wide).
pub fn origin(text: &str) -> Option<(f32, f32)> {
    let (n, _) = numbers(text);
    match n.as_slice() {
        [x, y, ..] => Some((*x, *y)),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn deltas_expand_the_g_shorthand_and_stay_bounded() {
        assert_eq!(deltas("g 3 1.5 2", 100).0, vec![1.5, 1.5, 1.5, 2.0]);
        assert_eq!(deltas("g 1000000000 1", 10).0.len(), 10);
        let (v, bad) = deltas("1 x g 2", 10);
        assert_eq!(v, vec![1.0]);
        assert!(bad);
    }

    #[test]
    fn boxes_and_transforms_need_their_numbers() {
        assert_eq!(
            Rect::parse("1 2 3 4"),
            Some(Rect {
                x: 1.0,
                y: 2.0,
                w: 3.0,
                h: 4.0
            })
        );
        assert_eq!(Rect::parse("1 2 0 4"), None);
        assert_eq!(Rect::parse("1 2 3"), None);
        assert!(ctm("1 0 0 1 5 5").is_some());
        assert!(ctm("0 0 0 0 0 0").is_none(), "not invertible");
        assert!(ctm("1 0 0 1 NaN 0").is_none());
        assert_eq!(numbers("1,2 3").0, vec![1.0, 2.0, 3.0]);
    }
}
