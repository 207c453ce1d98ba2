//! Where a PDF's stamp goes: a position, a keyword of the page text (eseal_pdf::text) or a
//! riding seal's strips, as for OFD (docs/pdf.md).

use crate::error::{DocError, SignStep, Text};
use crate::pdf::pdf_error;
use eseal_pdf::{Pdf, Source};

/// Where the visible stamp goes: a page (1-based) and the stamp's top-left corner in mm from
/// the page's top-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PdfPlacement {
    /// 1-based page number.
    pub page: usize,
    /// mm from the left edge.
    pub x: f32,
    /// mm from the top edge.
    pub y: f32,
}

/// Where a PDF's visible stamp goes.
#[derive(Debug, Clone, PartialEq)]
pub enum PdfStampAt {
    /// A page and a position.
    Position(PdfPlacement),
    /// Centred on the first place this text is drawn (pages in order; white space ignored),
    /// moved inward where it would leave the page — as for OFD.
    Keyword(String),
    /// A riding seal (骑缝章) as for OFD: the picture cut into as many vertical strips as the
    /// document has pages (2 to 101), strip `i` at page `i`'s right edge, its top `y` mm from
    /// the page's top edge; together the strips make the whole stamp when the pages are
    /// fanned out. One signature field, a widget on each page.
    Riding {
        /// mm from the top edge.
        y: f32,
    },
}

impl From<PdfPlacement> for PdfStampAt {
    fn from(p: PdfPlacement) -> Self {
        Self::Position(p)
    }
}

/// Where the stamp (`w` × `h` mm) goes for `keyword` in `pdf`: centred on the keyword's
/// box, moved inward where it would leave the page.
pub(crate) fn keyword_placement<S: Source + ?Sized>(
    pdf: &Pdf<'_, S>,
    keyword: &str,
    (w, h): (f64, f64),
) -> Result<PdfPlacement, DocError> {
    let placement_error = |zh: String, en: String| DocError::Sign {
        step: SignStep::Placement,
        why: Text::new(zh, en),
    };
    if keyword.trim().is_empty() {
        return Err(placement_error(
            "关键字为空".into(),
            "the keyword is empty".into(),
        ));
    }
    let found = eseal_pdf::text::find_text(pdf, keyword)
        .map_err(pdf_error)?
        .ok_or_else(|| {
            placement_error(
                format!("所有页面上都没有关键字 {keyword:?}（扫描件或无文字层的页面找不到文字）"),
                format!("the keyword {keyword:?} is on no page (scanned pages without a text layer have no text to find)"),
            )
        })?;
    let mm = |pt: f64| pt * 25.4 / 72.0;
    let [x0, y0, x1, y1] = found.media_box;
    let (page_w, page_h) = (mm((x1 - x0).abs()), mm((y1 - y0).abs()));
    // The keyword's centre, in mm from the page's top-left corner.
    let cx = mm(found.x - x0 + found.width / 2.0);
    let cy = mm(y1.max(y0) - found.y - found.size * 0.35);
    let x = (cx - w / 2.0).min(page_w - w).max(0.0);
    let y = (cy - h / 2.0).min(page_h - h).max(0.0);
    Ok(PdfPlacement {
        page: found.page,
        x: x as f32,
        y: y as f32,
    })
}

/// Most pages a riding seal spans.
pub const MAX_RIDING_PAGES: usize = 101;

/// A riding seal's part: where on which page, and the strip (offset, width in mm) it shows.
type RidingPart = (PdfPlacement, (f64, f64));

/// The strips of a riding seal (`w` × `h` mm) at `y` mm from the top: for each page its
/// place and the strip of the picture it shows (offset, width in mm).
pub(crate) fn riding_placement<S: Source + ?Sized>(
    pdf: &Pdf<'_, S>,
    y: f32,
    (w, h): (f64, f64),
) -> Result<Vec<RidingPart>, DocError> {
    let bad = |zh: String, en: String| DocError::Sign {
        step: SignStep::Placement,
        why: Text::new(zh, en),
    };
    let pages = eseal_pdf::update::pages(pdf).map_err(pdf_error)?;
    let n = pages.len();
    if n < 2 {
        return Err(bad(
            "骑缝章至少需要两页".into(),
            "a riding seal needs at least two pages".into(),
        ));
    }
    if n > MAX_RIDING_PAGES {
        return Err(bad(
            format!(
                "文档有 {n} 页；骑缝章最多跨 {MAX_RIDING_PAGES} 页（每页的印章条不足 0.5 毫米便无法辨认）"
            ),
            format!(
                "the document has {n} pages; a riding seal spans at most {MAX_RIDING_PAGES} (narrower strips could not be made out)"
            ),
        ));
    }
    let slice = w / n as f64;
    let mm = |pt: f64| pt * 25.4 / 72.0;
    pages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let [x0, y0, x1, y1] = p.media_box;
            let (page_w, page_h) = (mm((x1 - x0).abs()), mm((y1 - y0).abs()));
            if f64::from(y) + h > page_h || w > page_w {
                return Err(bad(
                    format!(
                        "骑缝章超出第 {} 页（{page_w:.0} × {page_h:.0} 毫米）",
                        i + 1
                    ),
                    format!(
                        "the riding seal leaves page {} ({page_w:.0} × {page_h:.0} mm)",
                        i + 1
                    ),
                ));
            }
            Ok((
                PdfPlacement {
                    page: i + 1,
                    x: (page_w - slice) as f32,
                    y,
                },
                (i as f64 * slice, slice),
            ))
        })
        .collect()
}
