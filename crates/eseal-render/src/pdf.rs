//! PDF pages drawn for someone placing a stamp (the console's preview), by **hayro** (pure
//! Rust, `forbid(unsafe_code)`, the PDF rasterizer of the author of this crate's JBIG2
//! decoder; ARCHITECTURE.md says why it was chosen). A picture of a page, never the signed
//! file. Fonts a PDF does not embed are stood in for by the [`FontBook`] (Chinese fonts by
//! the installed CJK fonts, as for OFD); the picture is at most [`MAX_PREVIEW_PIXELS`].

use crate::font::FontBook;
use crate::warn::{RenderError, Text};
use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_interpret::font::{FontData, FontQuery};
use hayro::hayro_syntax::Pdf;
use std::sync::Arc;

/// The most pixels of a page picture (the scale is lowered for a larger page).
pub const MAX_PREVIEW_PIXELS: f64 = 8.0 * 1024.0 * 1024.0;

/// The stamp picture of `seal` for a PDF signature, when the PDF writer does not take the
/// seal's picture as it is (SVG, GIF, BMP): drawn at 300 dpi at its true size with `fonts`.
/// `None` for PNG and JPEG (embedded as they are) and for what cannot be drawn (the signing
/// then says why).
pub fn stamp_picture(seal: &eseal_ses::AnySeal, fonts: &FontBook) -> Option<eseal_pdf::Picture> {
    use eseal_ses::common::PictureFormat as F;
    let v = seal.view().ok()?;
    if matches!(v.picture.sniff(), F::Png | F::Jpeg) {
        return None;
    }
    let px = |mm: i64| (mm.clamp(1, 1000) as f32 * 300.0 / 25.4).round() as u32;
    crate::picture_pixels(
        &v.picture.data,
        (px(v.picture.width), px(v.picture.height)),
        fonts,
    )
    .map(|(width, height, pixels)| eseal_pdf::Picture::Rgba {
        width,
        height,
        pixels,
    })
}

/// A PDF page drawn.
#[derive(Debug, Clone)]
pub struct PdfPage {
    /// The picture (PNG).
    pub png: Vec<u8>,
    /// Which page (1-based).
    pub number: usize,
    /// How many pages the document has.
    pub count: usize,
    /// Its width in mm, as shown (its crop box, rotated).
    pub width_mm: f32,
    /// Its height in mm.
    pub height_mm: f32,
}

fn failed(zh: &str, en: String) -> RenderError {
    RenderError::Structure(Text::new(zh, en))
}

/// Draws page `number` (1-based; the last when the document has fewer) of the PDF `bytes` at
/// `dpi`, with `fonts` standing in for fonts it does not embed.
pub fn draw_pdf_page(
    bytes: Vec<u8>,
    number: usize,
    dpi: f32,
    fonts: &'static FontBook,
) -> Result<PdfPage, RenderError> {
    let pdf = Pdf::new(bytes).map_err(|e| {
        failed(
            "PDF 文件无法读取，页面无法绘制",
            format!("the PDF cannot be read to draw its pages: {e:?}"),
        )
    })?;
    let pages = pdf.pages();
    let count = pages.len();
    if count == 0 {
        return Err(failed("PDF 没有页面", "the PDF has no pages".into()));
    }
    let number = number.clamp(1, count);
    let page = pages
        .get(number - 1)
        .ok_or_else(|| failed("PDF 页面不存在", format!("page {number} does not exist")))?;
    let (w_pt, h_pt) = page.render_dimensions();
    // The scale: `dpi`, lowered for a page too large to draw at it.
    let mut scale = dpi / 72.0;
    let pixels = f64::from(w_pt * scale) * f64::from(h_pt * scale);
    if !(pixels.is_finite() && pixels >= 1.0) {
        return Err(failed(
            "PDF 页面大小无效",
            format!("the page is {w_pt} × {h_pt} pt"),
        ));
    }
    if pixels > MAX_PREVIEW_PIXELS {
        scale *= (MAX_PREVIEW_PIXELS / pixels).sqrt() as f32;
    }
    let settings = InterpreterSettings {
        font_resolver: Arc::new(move |query: &FontQuery| match query {
            FontQuery::Standard(s) => Some(s.get_font_data()),
            FontQuery::Fallback(f) => {
                let name = f
                    .font_name
                    .clone()
                    .or_else(|| f.post_script_name.clone())
                    .unwrap_or_default();
                let stand_in = fonts
                    .substitute(&name, f.font_family.as_deref(), f.font_weight >= 600)
                    .map(|s| {
                        let (data, index) = s.font.source();
                        (data as FontData, index)
                    });
                stand_in.or_else(|| Some(f.pick_standard_font().get_font_data()))
            }
        }),
        ..InterpreterSettings::default()
    };
    let pixmap = hayro::render(
        page,
        &hayro::RenderCache::new(),
        &settings,
        &hayro::RenderSettings::default(),
        &hayro::PixmapSettings {
            x_scale: scale,
            y_scale: scale,
            bg_color: hayro::vello_cpu::color::palette::css::WHITE,
        },
    );
    let png = pixmap.into_png().map_err(|e| {
        RenderError::Output(Text::new(
            "PDF 页面无法编码为 PNG",
            format!("the page cannot be encoded as PNG: {e}"),
        ))
    })?;
    let mm = |pt: f32| pt * 25.4 / 72.0;
    Ok(PdfPage {
        png,
        number,
        count,
        width_mm: mm(w_pt),
        height_mm: mm(h_pt),
    })
}
