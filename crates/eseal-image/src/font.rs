//! Fonts. The library takes font bytes; where they come from is the caller's choice
//! ([`DEFAULT_FONT_PATHS`] lists where the Debian package `fonts-noto-cjk` puts the default).

use crate::error::ImageError;
use std::sync::Arc;

/// Where the default CJK font is looked for, in order (the Debian package `fonts-noto-cjk`:
/// Noto Serif CJK, a Song/Ming face like the 宋体 of official seals, SIL OFL 1.1). An agency
/// sets its licensed 宋体/仿宋 font with `--font` or `ESEAL_FONT` instead.
pub const DEFAULT_FONT_PATHS: [&str; 3] = [
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
];

/// A parsed font face (for a collection, the Simplified Chinese face when there is one).
#[derive(Clone)]
pub struct Font {
    data: Arc<Vec<u8>>,
    index: u32,
    units_per_em: f32,
    /// Ascender and descender in font units, for vertical placement.
    pub(crate) ascender: f32,
    pub(crate) descender: f32,
}

impl std::fmt::Debug for Font {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Font")
            .field("bytes", &self.data.len())
            .field("index", &self.index)
            .finish()
    }
}

impl Font {
    /// Parse font bytes (TTF, OTF or a TTC collection).
    pub fn from_bytes(data: Vec<u8>) -> Result<Self, ImageError> {
        let count = ttf_parser::fonts_in_collection(&data).unwrap_or(1);
        let mut chosen = None;
        for index in 0..count {
            let Ok(face) = ttf_parser::Face::parse(&data, index) else {
                continue;
            };
            let family: String = face
                .names()
                .into_iter()
                .filter(|n| n.name_id == ttf_parser::name_id::FAMILY)
                .filter_map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(" ");
            let has_han = face.glyph_index('国').is_some();
            if has_han && (family.contains(" SC") || chosen.is_none()) {
                chosen = Some((
                    index,
                    face.units_per_em(),
                    face.ascender(),
                    face.descender(),
                ));
                if family.contains(" SC") {
                    break;
                }
            }
        }
        let (index, upem, asc, desc) = chosen.ok_or_else(|| {
            ImageError::Font("no face with Chinese characters in this font".into())
        })?;
        Ok(Self {
            data: Arc::new(data),
            index,
            units_per_em: f32::from(upem),
            ascender: f32::from(asc),
            descender: f32::from(desc),
        })
    }

    pub(crate) fn face(&self) -> Result<ttf_parser::Face<'_>, ImageError> {
        ttf_parser::Face::parse(&self.data, self.index).map_err(|e| ImageError::Font(e.to_string()))
    }

    pub(crate) fn units_per_em(&self) -> f32 {
        self.units_per_em
    }
}
