#![doc = include_str!("../README.md")]

mod abbr;
pub mod color;
mod content;
mod doc;
pub mod draw;
pub mod font;
pub mod geom;
pub mod image;
pub mod pdf;
mod raster;
mod res;
mod svg;
mod warn;

pub use content::Limits;
pub use doc::{Document, MAX_PAGES, RenderOptions};
pub use draw::{COPY_NOTICE, Page, PlacedStamp, Verdict};
pub use font::{FontBook, FontCandidate, FontFiles, FontRule};
pub use raster::{MAX_PAGE_PIXELS, Raster, picture_pixels, rasterize};
pub use svg::to_svg;
pub use warn::{RenderError, Text, Warning};

impl Page {
    /// The page as SVG (text kept as text where a system font stands in).
    pub fn to_svg(&self) -> String {
        svg::to_svg(self)
    }

    /// The page as PNG at `dpi` (lower when the page would pass [`MAX_PAGE_PIXELS`]; the
    /// PNG's pHYs says the resolution used). Font substitutions are noted in the PNG's
    /// `Comment` text.
    pub fn to_png(&self, dpi: f32) -> Result<Vec<u8>, RenderError> {
        let r = self.rasterize(dpi)?;
        image::encode_png(&r.pixmap, Some(r.dpi), &self.notes())
            .map_err(|(zh, en)| RenderError::Output(Text::new(zh, en)))
    }

    /// The page in pixels at `dpi` (see [`Page::to_png`]).
    pub fn rasterize(&self, dpi: f32) -> Result<Raster, RenderError> {
        rasterize(self, dpi).ok_or_else(|| {
            RenderError::Output(Text::new(
                "页面无法绘制为像素（尺寸不可用）",
                "the page cannot be drawn in pixels (unusable size)",
            ))
        })
    }
}
