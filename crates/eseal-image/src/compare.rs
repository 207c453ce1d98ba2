//! Comparing two impressions: extract the red ink, normalise position, scale and rotation,
//! then score how well the ink of each lies on the ink of the other.
//!
//! * Ink: a pixel whose red clearly dominates (R ≥ 110, R − max(G, B) ≥ 60, opaque enough);
//!   isolated specks are removed. Paper, grey scans and black text are not ink.
//! * Normalisation: the ink's centroid goes to the middle of a 512 × 512 grid and its RMS
//!   radius to 112 grid units (translation and scale invariant; resolution only matters for
//!   the size check); rotations of −10° … +10° are searched.
//! * Score: F1 of "ink of A within 2 grid units (more for coarse images) of ink of B" and the
//!   reverse (distances from a chamfer distance transform). Decision:
//!   match when F1 ≥ [`MATCH_THRESHOLD`] and no region of a 16 × 16 grid holds more than
//!   [`LOCAL_THRESHOLD`] of an average region's ink in excess distance (how far beyond the
//!   tolerance ink lies from the other's ink: one changed character concentrates it in a region,
//!   noise and resolution spread it thin), and, when both images record their resolution, the
//!   sizes agree within [`SIZE_TOLERANCE`]. Images below [`MIN_DPI`] are refused.
//! * The thresholds come from the generated pairs of `tests/compare.rs` (positives stay below
//!   0.10, negatives above 0.14 there). Near-homoglyph substitutions (技 → 枝, one radical) are
//!   at the edge of what a raster comparison can tell and are not claimed.

use crate::error::ImageError;
use crate::output::{Rgba, decode};
use serde::Serialize;

/// Minimum F1 score for a match.
pub const MATCH_THRESHOLD: f32 = 0.90;
/// Maximum share of the unmatched ink, relative to an average region's ink, in any one region.
pub const LOCAL_THRESHOLD: f32 = 0.12;
/// Maximum relative difference of physical size.
pub const SIZE_TOLERANCE: f32 = 0.03;
/// Lowest resolution accepted: below it a changed character cannot be told from scanning
/// noise (scan identity materials at 300 dpi).
pub const MIN_DPI: f32 = 240.0;
/// Without a recorded resolution, the ink must span at least this many pixels.
pub const MIN_EXTENT_PX: usize = 200;

const N: usize = 512;
const TARGET_RMS: f32 = 112.0;
const TOLERANCE: i32 = 2;

/// Binary ink mask with its geometry.
#[derive(Debug, Clone)]
pub struct Ink {
    width: usize,
    height: usize,
    mask: Vec<bool>,
    dpi: Option<f32>,
    cx: f32,
    cy: f32,
    rms: f32,
    count: usize,
}

impl Ink {
    /// Extract the ink of an image.
    pub fn from_rgba(img: &Rgba) -> Result<Self, ImageError> {
        let (w, h) = (img.width as usize, img.height as usize);
        let raw: Vec<bool> = img
            .data
            .chunks_exact(4)
            .map(|p| {
                let (r, g, b, a) = (
                    i32::from(p[0]),
                    i32::from(p[1]),
                    i32::from(p[2]),
                    i32::from(p[3]),
                );
                a >= 64 && r >= 110 && r - g.max(b) >= 60
            })
            .collect();
        // Remove isolated specks: keep ink with at least 3 inked neighbours.
        let at = |x: usize, y: usize| raw.get(y * w + x).copied().unwrap_or(false);
        let mut mask = vec![false; w * h];
        for y in 0..h {
            for x in 0..w {
                if !at(x, y) {
                    continue;
                }
                let mut n = 0;
                for dy in -1i32..=1 {
                    for dx in -1i32..=1 {
                        if (dx, dy) != (0, 0) {
                            let (nx, ny) = (x as i32 + dx, y as i32 + dy);
                            if nx >= 0
                                && ny >= 0
                                && (nx as usize) < w
                                && (ny as usize) < h
                                && at(nx as usize, ny as usize)
                            {
                                n += 1;
                            }
                        }
                    }
                }
                if n >= 2
                    && let Some(m) = mask.get_mut(y * w + x)
                {
                    *m = true;
                }
            }
        }
        let (mut sx, mut sy, mut count) = (0f64, 0f64, 0usize);
        for (i, m) in mask.iter().enumerate() {
            if *m {
                sx += (i % w) as f64;
                sy += (i / w) as f64;
                count += 1;
            }
        }
        if count < 50 {
            return Err(ImageError::NoInk);
        }
        let (cx, cy) = (sx / count as f64, sy / count as f64);
        let mut var = 0f64;
        for (i, m) in mask.iter().enumerate() {
            if *m {
                let (dx, dy) = ((i % w) as f64 - cx, (i / w) as f64 - cy);
                var += dx * dx + dy * dy;
            }
        }
        let rms = (var / count as f64).sqrt() as f32;
        if let Some(dpi) = img.dpi
            && dpi < MIN_DPI
        {
            return Err(ImageError::BadSize(format!(
                "the image is {dpi:.0} dpi; comparison needs at least {MIN_DPI:.0} dpi (scan at 300 dpi)"
            )));
        }
        let (mut x0, mut x1, mut y0, mut y1) = (usize::MAX, 0, usize::MAX, 0);
        for (i, m) in mask.iter().enumerate() {
            if *m {
                x0 = x0.min(i % w);
                x1 = x1.max(i % w);
                y0 = y0.min(i / w);
                y1 = y1.max(i / w);
            }
        }
        if img.dpi.is_none() && (x1 - x0).max(y1 - y0) + 1 < MIN_EXTENT_PX {
            return Err(ImageError::BadSize(format!(
                "the seal spans only {} pixels; comparison needs at least {MIN_EXTENT_PX} (scan at 300 dpi)",
                (x1 - x0).max(y1 - y0) + 1
            )));
        }
        Ok(Self {
            width: w,
            height: h,
            mask,
            dpi: img.dpi,
            cx: cx as f32,
            cy: cy as f32,
            rms,
            count,
        })
    }

    /// Physical RMS radius in mm, when the resolution is known.
    fn rms_mm(&self) -> Option<f32> {
        self.dpi.map(|d| self.rms / d * 25.4)
    }

    /// Ink extent in mm (width, height), when the resolution is known.
    fn extent_mm(&self) -> Option<(f32, f32)> {
        let dpi = self.dpi?;
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
        for (i, m) in self.mask.iter().enumerate() {
            if *m {
                let (x, y) = (i % self.width, i / self.width);
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x);
                y1 = y1.max(y);
            }
        }
        Some((
            (x1 - x0 + 1) as f32 / dpi * 25.4,
            (y1 - y0 + 1) as f32 / dpi * 25.4,
        ))
    }

    /// Resample onto the normalised grid, rotated by `deg` about the centroid.
    fn normalised(&self, integral: &[u32], deg: f32) -> Vec<bool> {
        let k = TARGET_RMS / self.rms; // grid units per source pixel
        let half = (0.5 / k).max(0.5); // source footprint of one grid cell
        let (s, c) = deg.to_radians().sin_cos();
        let (w, h) = (self.width as i64, self.height as i64);
        let sum = |x0: i64, y0: i64, x1: i64, y1: i64| -> u32 {
            // Inclusive-exclusive box [x0, x1) × [y0, y1) on the (w+1)×(h+1) integral image.
            let (x0, y0, x1, y1) = (
                x0.clamp(0, w),
                y0.clamp(0, h),
                x1.clamp(0, w),
                y1.clamp(0, h),
            );
            let idx = |x: i64, y: i64| (y * (w + 1) + x) as usize;
            let g = |x, y| integral.get(idx(x, y)).copied().unwrap_or(0);
            (g(x1, y1) + g(x0, y0))
                .wrapping_sub(g(x0, y1))
                .wrapping_sub(g(x1, y0))
        };
        let mut out = vec![false; N * N];
        for v in 0..N {
            for u in 0..N {
                let (gx, gy) = (
                    (u as f32 - N as f32 / 2.0) / k,
                    (v as f32 - N as f32 / 2.0) / k,
                );
                let (sx, sy) = (self.cx + c * gx - s * gy, self.cy + s * gx + c * gy);
                let (x0, y0) = ((sx - half).round() as i64, (sy - half).round() as i64);
                let (x1, y1) = (
                    (sx + half).round() as i64 + 1,
                    (sy + half).round() as i64 + 1,
                );
                let area = ((x1 - x0) * (y1 - y0)).max(1) as f32;
                if sum(x0, y0, x1, y1) as f32 / area >= 0.25
                    && let Some(o) = out.get_mut(v * N + u)
                {
                    *o = true;
                }
            }
        }
        out
    }

    fn integral(&self) -> Vec<u32> {
        let (w, h) = (self.width, self.height);
        let mut ii = vec![0u32; (w + 1) * (h + 1)];
        for y in 0..h {
            let mut row = 0u32;
            for x in 0..w {
                row += u32::from(self.mask.get(y * w + x).copied().unwrap_or(false));
                let above = ii.get(y * (w + 1) + x + 1).copied().unwrap_or(0);
                if let Some(cell) = ii.get_mut((y + 1) * (w + 1) + x + 1) {
                    *cell = above + row;
                }
            }
        }
        ii
    }
}

/// Chamfer (3-4) distance transform: distance, in grid units, from each cell to the nearest ink.
fn distance(m: &[bool]) -> Vec<f32> {
    const BIG: u32 = 1 << 20;
    let mut d: Vec<u32> = m.iter().map(|x| if *x { 0 } else { BIG }).collect();
    let get = |d: &Vec<u32>, x: i64, y: i64| -> u32 {
        if x < 0 || y < 0 || x >= N as i64 || y >= N as i64 {
            BIG
        } else {
            d.get(y as usize * N + x as usize).copied().unwrap_or(BIG)
        }
    };
    for y in 0..N as i64 {
        for x in 0..N as i64 {
            let v = get(&d, x, y)
                .min(get(&d, x - 1, y) + 3)
                .min(get(&d, x, y - 1) + 3)
                .min(get(&d, x - 1, y - 1) + 4)
                .min(get(&d, x + 1, y - 1) + 4);
            if let Some(c) = d.get_mut(y as usize * N + x as usize) {
                *c = v;
            }
        }
    }
    for y in (0..N as i64).rev() {
        for x in (0..N as i64).rev() {
            let v = get(&d, x, y)
                .min(get(&d, x + 1, y) + 3)
                .min(get(&d, x, y + 1) + 3)
                .min(get(&d, x + 1, y + 1) + 4)
                .min(get(&d, x - 1, y + 1) + 4);
            if let Some(c) = d.get_mut(y as usize * N + x as usize) {
                *c = v;
            }
        }
    }
    d.into_iter().map(|v| v as f32 / 3.0).collect()
}

struct Score {
    f1: f32,
    worst_region: f32,
    worst_cell: (usize, usize),
}

/// F1 of ink within [`TOLERANCE`] of the other's ink, and the worst region's share of
/// excess distance (how far, beyond the tolerance, ink lies from the other's ink).
fn score(a: &[bool], b: &[bool], dist_a: &[f32], dist_b: &[f32], tol: f32) -> Score {
    const CELLS: usize = 16;
    let mut cell_excess = [[0f32; CELLS]; CELLS];
    let (mut na, mut nb, mut a_in_b, mut b_in_a) = (0u32, 0u32, 0u32, 0u32);
    for i in 0..N * N {
        let (x, y) = (i % N, i / N);
        let mut excess = 0.0;
        if a.get(i).copied().unwrap_or(false) {
            na += 1;
            let d = dist_b.get(i).copied().unwrap_or(f32::MAX);
            if d <= tol {
                a_in_b += 1
            } else {
                excess += (d - tol).min(6.0)
            }
        }
        if b.get(i).copied().unwrap_or(false) {
            nb += 1;
            let d = dist_a.get(i).copied().unwrap_or(f32::MAX);
            if d <= tol {
                b_in_a += 1
            } else {
                excess += (d - tol).min(6.0)
            }
        }
        if let Some(c) = cell_excess
            .get_mut(y * CELLS / N)
            .and_then(|r| r.get_mut(x * CELLS / N))
        {
            *c += excess;
        }
    }
    let p = if na == 0 {
        0.0
    } else {
        a_in_b as f32 / na as f32
    };
    let r = if nb == 0 {
        0.0
    } else {
        b_in_a as f32 / nb as f32
    };
    let f1 = if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    };
    let avg_cell = (na + nb) as f32 / (CELLS * CELLS) as f32;
    let mut worst = (0.0f32, (0, 0));
    for (y, row) in cell_excess.iter().enumerate() {
        for (x, v) in row.iter().enumerate() {
            let share = *v / avg_cell.max(1.0);
            if share > worst.0 {
                worst = (share, (x, y));
            }
        }
    }
    Score {
        f1,
        worst_region: worst.0,
        worst_cell: worst.1,
    }
}

/// The result of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Comparison {
    /// Similarity 0–1 (F1 of the aligned ink).
    pub score: f32,
    /// The threshold the score is held to.
    pub threshold: f32,
    /// Match or not.
    pub matches: bool,
    /// The rotation of B that aligned best, degrees.
    pub rotation_deg: f32,
    /// The worst region's share of unmatched ink.
    pub worst_region: f32,
    /// Physical sizes (ink extent, mm), when both images record their resolution.
    pub size_a_mm: Option<(f32, f32)>,
    /// See `size_a_mm`.
    pub size_b_mm: Option<(f32, f32)>,
    /// What differs, in words.
    pub differences: Vec<String>,
    /// What differs, in words (中文).
    pub differences_zh: Vec<String>,
}

/// Compare two images (PNG or JPEG bytes).
pub fn compare_images(a: &[u8], b: &[u8]) -> Result<Comparison, ImageError> {
    compare(&Ink::from_rgba(&decode(a)?)?, &Ink::from_rgba(&decode(b)?)?)
}

/// Compare two extracted impressions.
pub fn compare(a: &Ink, b: &Ink) -> Result<Comparison, ImageError> {
    let na = a.normalised(&a.integral(), 0.0);
    let da = distance(&na);
    let ib = b.integral();
    // The tolerance grows with the coarser image's pixel size on the grid: a stroke edge may
    // move by a source pixel between two scans of the same seal.
    let tol = (TOLERANCE as f32).max(1.1 * (TARGET_RMS / a.rms).max(TARGET_RMS / b.rms));
    let mut best: Option<(Score, f32)> = None;
    let try_angle = |deg: f32, best: &mut Option<(Score, f32)>| {
        let nb = b.normalised(&ib, deg);
        let s = score(&na, &nb, &da, &distance(&nb), tol);
        if best.as_ref().is_none_or(|(b, _)| s.f1 > b.f1) {
            *best = Some((s, deg));
        }
    };
    for step in -5i16..=5 {
        try_angle(f32::from(step) * 2.0, &mut best);
    }
    let coarse = best.as_ref().map_or(0.0, |(_, d)| *d);
    for fine in [-1.5f32, -1.0, -0.5, 0.5, 1.0, 1.5] {
        try_angle(coarse + fine, &mut best);
    }
    let (s, deg) = best.ok_or(ImageError::NoInk)?;
    let mut differences = Vec::new();
    let mut differences_zh = Vec::new();
    let (size_a, size_b) = (a.extent_mm(), b.extent_mm());
    let mut size_ok = true;
    if let (Some(ra), Some(rb)) = (a.rms_mm(), b.rms_mm()) {
        if (ra / rb - 1.0).abs() > SIZE_TOLERANCE {
            size_ok = false;
            if let (Some(x), Some(y)) = (size_a, size_b) {
                differences.push(format!(
                    "size: {:.1}×{:.1} mm vs {:.1}×{:.1} mm",
                    x.0, x.1, y.0, y.1
                ));
                differences_zh.push(format!(
                    "尺寸：{:.1}×{:.1} 毫米 与 {:.1}×{:.1} 毫米",
                    x.0, x.1, y.0, y.1
                ));
            }
        }
    } else {
        differences.push("size not compared: an image does not record its resolution".into());
        differences_zh.push("未比较尺寸：有一幅图像未记录分辨率".into());
    }
    if s.worst_region > LOCAL_THRESHOLD {
        let (cx, cy) = s.worst_cell;
        let dist = ((cx as f32 - 3.5).powi(2) + (cy as f32 - 3.5).powi(2)).sqrt();
        let (region, region_zh) = if dist > 3.2 {
            ("border / outer text", "边框或外圈文字")
        } else if dist > 1.6 {
            ("text region", "文字区域")
        } else {
            ("centre (star or centre text)", "中心（五角星或中心文字）")
        };
        // Relative to an average region's ink: more than all of it reads as a multiple.
        let (amount, amount_zh) = if s.worst_region >= 1.0 {
            (
                format!("{:.1} times an average region's ink", s.worst_region),
                format!("平均区域墨迹的 {:.1} 倍", s.worst_region),
            )
        } else {
            (
                format!("{:.0}% of an average region's ink", s.worst_region * 100.0),
                format!("平均区域墨迹的 {:.0}%", s.worst_region * 100.0),
            )
        };
        differences.push(format!(
            "{region} differs (grid cell {cx},{cy}: unmatched ink of {amount})"
        ));
        differences_zh.push(format!(
            "{region_zh}不一致（网格 {cx},{cy}：不匹配的墨迹为{amount_zh}）"
        ));
    }
    if s.f1 < MATCH_THRESHOLD {
        differences.push(format!(
            "overall shape differs: similarity {:.3} < {MATCH_THRESHOLD}",
            s.f1
        ));
        differences_zh.push(format!(
            "整体形状不一致：相似度 {:.3} < {MATCH_THRESHOLD}",
            s.f1
        ));
    }
    let matches = size_ok && s.f1 >= MATCH_THRESHOLD && s.worst_region <= LOCAL_THRESHOLD;
    Ok(Comparison {
        score: s.f1,
        threshold: MATCH_THRESHOLD,
        matches,
        rotation_deg: deg,
        worst_region: s.worst_region,
        size_a_mm: size_a,
        size_b_mm: size_b,
        differences,
        differences_zh,
    })
}

/// Extract the ink of PNG or JPEG bytes.
pub fn ink_of(bytes: &[u8]) -> Result<Ink, ImageError> {
    Ink::from_rgba(&decode(bytes)?)
}

impl Ink {
    /// How many ink pixels were found.
    pub fn ink_pixels(&self) -> usize {
        self.count
    }
}
