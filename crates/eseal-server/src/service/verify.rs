//! Online verification as a service (R-VERIFY-1): an OFD or a detached signature checked with
//! the platform's trust and the registry's knowledge, the overall verdict, and the stamped
//! pages drawn for people to see. Public: the work per request is bounded (bytes read, pages
//! drawn, the renderer's own limits) and stops when the caller goes.

use crate::failure::{Failure, Result};
use crate::state::AppState;
use crate::views;
use eseal_ses::Indication;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Online verification. Made by [`AppState::verification`].
#[derive(Clone, Copy)]
pub struct Verification<'a> {
    pub(super) s: &'a AppState,
}

impl std::fmt::Debug for Verification<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verification")
    }
}

impl AppState {
    /// Online verification acting on this state.
    pub fn verification(&self) -> Verification<'_> {
        Verification { s: self }
    }
}

/// Most stamped pages drawn for one verification.
pub const MAX_PAGES_DRAWN: usize = 5;

/// The overall verdict: PASSED only when there are signatures and all passed; FAILED when
/// any failed.
pub fn overall(results: &[crate::verifying::Verified]) -> Indication {
    if results.is_empty() {
        Indication::Indeterminate
    } else if results.iter().any(|r| r.indication == Indication::Failed) {
        Indication::Failed
    } else if results.iter().all(|r| r.indication == Indication::Passed) {
        Indication::Passed
    } else {
        Indication::Indeterminate
    }
}

impl Verification<'_> {
    /// Every signature of an OFD.
    pub async fn ofd(
        &self,
        document: Vec<u8>,
        cancel: Arc<AtomicBool>,
    ) -> Result<views::VerifyAnswer> {
        let signatures = crate::verifying::ofd(self.s, document, cancel).await?;
        Ok(views::VerifyAnswer {
            indication: overall(&signatures),
            signatures,
        })
    }

    /// Every signature field of a PDF.
    pub async fn pdf(
        &self,
        document: Vec<u8>,
        cancel: Arc<AtomicBool>,
    ) -> Result<views::VerifyAnswer> {
        let signatures = crate::verifying::pdf(self.s, document, cancel).await?;
        Ok(views::VerifyAnswer {
            indication: overall(&signatures),
            signatures,
        })
    }

    /// A detached signature over data with this digest.
    pub async fn detached(
        &self,
        signature: &[u8],
        digest: eseal_gm::Sm3Digest,
    ) -> Result<views::VerifyAnswer> {
        let signatures = crate::verifying::detached(self.s, signature, digest).await?;
        Ok(views::VerifyAnswer {
            indication: overall(&signatures),
            signatures,
        })
    }

    /// The pages of `document` that carry stamps (at most [`MAX_PAGES_DRAWN`]), as PNG at
    /// `dpi`, each stamp framed in its signature's verdict; and what could not be drawn.
    pub async fn stamped_pages(
        &self,
        document: Vec<u8>,
        answer: &views::VerifyAnswer,
        dpi: f32,
    ) -> Result<(Vec<(usize, Vec<u8>)>, Vec<eseal_render::Warning>)> {
        use eseal_render::Verdict;
        let verdicts = answer
            .signatures
            .iter()
            .map(|v| {
                let verdict = match v.indication {
                    Indication::Passed => Verdict::Passed,
                    Indication::Failed => Verdict::Failed,
                    Indication::Indeterminate => Verdict::Indeterminate,
                };
                (v.id.clone(), verdict)
            })
            .collect();
        crate::work::run(crate::work::Lane::Verify, move || {
            let (mut pkg, mut doc) = open_for_drawing(document)?;
            let opts = eseal_render::RenderOptions {
                verdicts,
                ..Default::default()
            };
            let mut pages = Vec::new();
            let mut warnings = doc.warnings();
            for n in doc.pages_with_stamps().into_iter().take(MAX_PAGES_DRAWN) {
                let page = doc
                    .render_page(&mut pkg, crate::fonts::book(), n, &opts)
                    .map_err(|e| undrawable(&e, e.zh()))?;
                warnings.extend(page.warnings.iter().cloned());
                pages.push((n, page.to_png(dpi).map_err(|e| undrawable(&e, e.zh()))?));
            }
            Ok((pages, warnings))
        })
        .await?
    }
}

/// Page `number` of a document drawn for placing a stamp on it.
#[derive(Debug, Clone)]
pub struct DrawnPage {
    /// The picture (PNG).
    pub png: Vec<u8>,
    /// Which page (1-based).
    pub number: usize,
    /// How many pages the document has.
    pub count: usize,
    /// The page's width in mm.
    pub width_mm: f32,
    /// The page's height in mm.
    pub height_mm: f32,
}

fn undrawable(e: &dyn std::fmt::Display, zh: String) -> Failure {
    Failure::invalid(
        "ofd",
        format!("页面无法绘制：{zh}"),
        format!("the pages cannot be drawn: {e}"),
    )
}

/// Opens an OFD for drawing, its reading bounded like a verification's.
fn open_for_drawing(
    document: Vec<u8>,
) -> Result<(
    eseal_doc::Package<std::io::Cursor<Vec<u8>>>,
    eseal_render::Document,
)> {
    let mut pkg = eseal_doc::Package::open(std::io::Cursor::new(document))
        .map_err(|e| undrawable(&e, e.zh()))?;
    pkg.set_budget(eseal_doc::Budget {
        max_bytes: Some(crate::verifying::MAX_BYTES_READ),
        cancel: None,
    });
    let doc = eseal_render::Document::open(&mut pkg).map_err(|e| undrawable(&e, e.zh()))?;
    Ok((pkg, doc))
}

impl Verification<'_> {
    /// Draws page `number` of `document` (the last page when it has fewer), its stamps
    /// included, for someone about to place a stamp on it.
    pub async fn draw_page(&self, document: Vec<u8>, number: usize, dpi: f32) -> Result<DrawnPage> {
        crate::work::run(crate::work::Lane::Verify, move || {
            if eseal_doc::FileKind::sniff(&document) == eseal_doc::FileKind::Pdf {
                let page =
                    eseal_render::pdf::draw_pdf_page(document, number, dpi, crate::fonts::book())
                        .map_err(|e| undrawable(&e, e.zh()))?;
                return Ok(DrawnPage {
                    png: page.png,
                    number: page.number,
                    count: page.count,
                    width_mm: page.width_mm,
                    height_mm: page.height_mm,
                });
            }
            let (mut pkg, mut doc) = open_for_drawing(document)?;
            let count = doc.page_count();
            let number = number.clamp(1, count.max(1));
            let page = doc
                .render_page(
                    &mut pkg,
                    crate::fonts::book(),
                    number,
                    &eseal_render::RenderOptions::default(),
                )
                .map_err(|e| undrawable(&e, e.zh()))?;
            Ok(DrawnPage {
                png: page.to_png(dpi).map_err(|e| undrawable(&e, e.zh()))?,
                number,
                count,
                width_mm: page.area.w,
                height_mm: page.area.h,
            })
        })
        .await?
    }
}
