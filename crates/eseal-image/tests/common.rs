#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)] // test code

//! Shared by the image tests: the font, and the generated variations.

use eseal_image::output::SplitMix;
use eseal_image::{Font, Impression, RasterOptions, Rgba};
use std::path::PathBuf;
use std::sync::OnceLock;

/// The default font, or a skip (a failure under CI, where .ci/run installs fonts-noto-cjk).
pub fn font() -> Option<Font> {
    static FONT: OnceLock<Option<Font>> = OnceLock::new();
    FONT.get_or_init(|| {
        let candidates: Vec<PathBuf> = match std::env::var_os("ESEAL_FONT") {
            Some(p) => vec![PathBuf::from(p)],
            None => eseal_image::font::DEFAULT_FONT_PATHS
                .iter()
                .map(PathBuf::from)
                .collect(),
        };
        for p in candidates {
            if let Ok(bytes) = std::fs::read(&p) {
                return Some(Font::from_bytes(bytes).unwrap());
            }
        }
        if std::env::var_os("CI").is_some() {
            panic!("no CJK font: .ci/run installs fonts-noto-cjk");
        }
        eprintln!("SKIPPED: no CJK font (apt-get install fonts-noto-cjk)");
        None
    })
    .clone()
}

pub fn raster(imp: &Impression, dpi: f32, rotate: f32, offset: (f32, f32), margin: f32) -> Rgba {
    imp.rasterize(&RasterOptions {
        dpi,
        rotate_deg: rotate,
        offset_mm: offset,
        margin_mm: margin,
    })
    .unwrap()
}

/// Red specks and dropped ink pixels.
pub fn noise(img: &mut Rgba, seed: u64) {
    let mut g = SplitMix(seed);
    for p in img.data.chunks_exact_mut(4) {
        let u = g.unit();
        if u < 0.004 {
            p.copy_from_slice(&[220, 20, 30, 255]);
        } else if p[3] > 0 && u < 0.06 {
            p[3] = 0;
        }
    }
}

/// Flatten onto a scanned-paper background: beige with grey grain, ink slightly lighter.
pub fn paper(img: &Rgba, seed: u64) -> Rgba {
    let mut g = SplitMix(seed);
    let mut data = Vec::with_capacity(img.data.len());
    for p in img.data.chunks_exact(4) {
        let grain = (g.unit() * 24.0) as i32 - 12;
        let bg = [
            (238 + grain).clamp(0, 255),
            (228 + grain).clamp(0, 255),
            (205 + grain).clamp(0, 255),
        ];
        let a = f32::from(p[3]) / 255.0 * 0.9;
        let mix = |i: usize, ink: u8| (f32::from(ink) * a + bg[i] as f32 * (1.0 - a)) as u8;
        data.extend([mix(0, p[0]), mix(1, p[1]), mix(2, p[2]), 255]);
    }
    Rgba {
        width: img.width,
        height: img.height,
        data,
        dpi: img.dpi,
    }
}
