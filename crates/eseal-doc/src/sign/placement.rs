//! Where the stamps go: the pages, their sizes and text, and the placement rules (R-USE-5: a
//! stamp lies on its page).

use super::Placement;
use crate::error::{DocError, SignStep, Text};
use crate::package::Package;
use crate::xml::{Node, resolve_loc};
use std::io::{Read, Seek};

/// One StampAnnot to write.
pub(super) struct Stamp {
    pub(super) page_id: String,
    pub(super) boundary: String,
    pub(super) clip: Option<String>,
}

fn mm(v: f32) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn floats(text: &str) -> Vec<f32> {
    text.split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect()
}

/// DeltaX / DeltaY: numbers, with `g N D` meaning N times D (GB/T 33190).
fn deltas(text: &str) -> Vec<f32> {
    let mut out = Vec::new();
    let mut it = text.split_whitespace();
    while let Some(tok) = it.next() {
        if tok == "g" {
            let n: usize = it
                .next()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
                .min(100_000);
            let d: f32 = it.next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
            out.extend(std::iter::repeat_n(d, n));
        } else if let Ok(v) = tok.parse() {
            out.push(v);
        }
    }
    out
}

fn collect_text<'a>(node: &'a Node, out: &mut Vec<&'a Node>) {
    if node.name == "TextObject" {
        out.push(node);
    }
    for c in &node.children {
        collect_text(c, out);
    }
}

/// A `PhysicalBox` (x y width height, mm): its width and height.
fn box_size(area: Option<&Node>) -> Option<(f32, f32)> {
    let b = floats(&area?.child("PhysicalBox")?.text);
    match (b.get(2), b.get(3)) {
        (Some(w), Some(h)) if *w > 0.0 && *h > 0.0 => Some((*w, *h)),
        _ => None,
    }
}

/// The pages: (ID, Content.xml path, width mm, height mm), each page's own `Area` when it
/// has one (GB/T 33190 §7.7), else the document's `PageArea` (A4 when neither says).
fn pages<R: Read + Seek>(
    pkg: &mut Package<R>,
    doc: &Node,
    doc_root: &str,
) -> Vec<(String, String, f32, f32)> {
    let dir = doc_root.rsplit_once('/').map_or("", |(d, _)| d);
    let default = box_size(doc.child("CommonData").and_then(|c| c.child("PageArea")))
        .unwrap_or((210.0, 297.0));
    let listed: Vec<(String, String)> = doc
        .child("Pages")
        .map(|p| {
            p.all("Page")
                .map(|pg| {
                    (
                        pg.attr("ID").unwrap_or_default().to_owned(),
                        resolve_loc(pg.attr("BaseLoc").unwrap_or_default(), dir),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    listed
        .into_iter()
        .map(|(id, content)| {
            let own = pkg
                .read(&content)
                .ok()
                .and_then(|b| Node::parse(&b, &content).ok())
                .and_then(|page| box_size(page.child("Area")));
            let (w, h) = own.unwrap_or(default);
            (id, content, w, h)
        })
        .collect()
}

pub(super) fn stamps<R: Read + Seek>(
    pkg: &mut Package<R>,
    doc: &Node,
    doc_root: &str,
    placement: &Placement,
    w: f32,
    h: f32,
) -> Result<Vec<Stamp>, DocError> {
    let bad = |zh: String, en: String| DocError::Sign {
        step: SignStep::Placement,
        why: Text::new(zh, en),
    };
    let pages = pages(pkg, doc, doc_root);
    if pages.is_empty() {
        return Err(bad(
            format!("{doc_root} 没有列出任何页面"),
            format!("{doc_root} lists no pages"),
        ));
    }
    // A stamp nobody can see is not a visible seal (R-USE-5): it must lie on its page.
    let on_page = |n: usize, x: f32, y: f32, page_w: f32, page_h: f32| {
        let fits = x.is_finite()
            && y.is_finite()
            && x >= 0.0
            && y >= 0.0
            && x + w <= page_w + 0.01
            && y + h <= page_h + 0.01;
        if fits {
            Ok(())
        } else {
            Err(bad(
                format!(
                    "放在 ({x}, {y}) 毫米处的 {w:.0} × {h:.0} 毫米印章不在第 {n} 页内，该页为 {page_w:.0} × {page_h:.0} 毫米：x 请取 0 至 {:.0}，y 请取 0 至 {:.0}",
                    (page_w - w).max(0.0),
                    (page_h - h).max(0.0)
                ),
                format!(
                    "a {w:.0} × {h:.0} mm stamp at ({x}, {y}) mm does not lie on page {n}, which is {page_w:.0} × {page_h:.0} mm: give x from 0 to {:.0} and y from 0 to {:.0}",
                    (page_w - w).max(0.0),
                    (page_h - h).max(0.0)
                ),
            ))
        }
    };
    match placement {
        Placement::Page { page, x, y } => {
            let (id, _, page_w, page_h) = page
                .checked_sub(1)
                .and_then(|i| pages.get(i))
                .ok_or_else(|| {
                    bad(
                        format!("第 {page} 页不存在（共 {} 页）", pages.len()),
                        format!("page {page} does not exist ({} pages)", pages.len()),
                    )
                })?;
            on_page(*page, *x, *y, *page_w, *page_h)?;
            Ok(vec![Stamp {
                page_id: id.clone(),
                boundary: format!("{} {} {} {}", mm(*x), mm(*y), mm(w), mm(h)),
                clip: None,
            }])
        }
        Placement::Riding { y } => {
            if pages.len() < 2 {
                return Err(bad(
                    "骑缝章至少需要两页".into(),
                    "a riding seal needs at least two pages".into(),
                ));
            }
            for (i, (_, _, page_w, page_h)) in pages.iter().enumerate() {
                on_page(i + 1, page_w - w, *y, *page_w, *page_h)?;
            }
            let n = pages.len() as f32;
            let slice = w / n;
            Ok(pages
                .iter()
                .enumerate()
                .map(|(i, (id, _, page_w, _))| {
                    let i = i as f32;
                    Stamp {
                        page_id: id.clone(),
                        boundary: format!(
                            "{} {} {} {}",
                            mm(page_w - (i + 1.0) * slice),
                            mm(*y),
                            mm(w),
                            mm(h)
                        ),
                        clip: Some(format!("{} 0 {} {}", mm(i * slice), mm(slice), mm(h))),
                    }
                })
                .collect())
        }
        Placement::Keyword(word) => {
            if word.trim().is_empty() {
                return Err(bad("关键字为空".into(), "the keyword is empty".into()));
            }
            for (id, content, page_w, page_h) in &pages {
                let Ok(bytes) = pkg.read(content) else {
                    continue;
                };
                let Ok(page) = Node::parse(&bytes, content) else {
                    continue;
                };
                let mut texts = Vec::new();
                collect_text(&page, &mut texts);
                for t in texts {
                    let b = floats(t.attr("Boundary").unwrap_or_default());
                    let (bx, by) = (
                        b.first().copied().unwrap_or(0.0),
                        b.get(1).copied().unwrap_or(0.0),
                    );
                    let size: f32 = t.attr("Size").and_then(|v| v.parse().ok()).unwrap_or(3.5);
                    for code in t.all("TextCode") {
                        let chars: Vec<char> = code.text.chars().collect();
                        let key: Vec<char> = word.chars().collect();
                        let Some(k) = chars.windows(key.len()).position(|w| w == key.as_slice())
                        else {
                            continue;
                        };
                        let dx = deltas(code.attr("DeltaX").unwrap_or_default());
                        let offset: f32 = (0..k).map(|i| dx.get(i).copied().unwrap_or(size)).sum();
                        let width: f32 = (k..k + key.len())
                            .map(|i| {
                                if i + 1 < k + key.len() {
                                    dx.get(i).copied().unwrap_or(size)
                                } else {
                                    size
                                }
                            })
                            .sum();
                        let x0 = bx
                            + code
                                .attr("X")
                                .and_then(|v| v.parse::<f32>().ok())
                                .unwrap_or(0.0)
                            + offset;
                        let baseline = by
                            + code
                                .attr("Y")
                                .and_then(|v| v.parse::<f32>().ok())
                                .unwrap_or(size);
                        let (cx, cy) = (x0 + width / 2.0, baseline - size / 2.0);
                        // Centred on the word, moved inward where that would leave the page.
                        let x = (cx - w / 2.0).min(page_w - w).max(0.0);
                        let y = (cy - h / 2.0).min(page_h - h).max(0.0);
                        return Ok(vec![Stamp {
                            page_id: id.clone(),
                            boundary: format!("{} {} {} {}", mm(x), mm(y), mm(w), mm(h)),
                            clip: None,
                        }]);
                    }
                }
            }
            Err(bad(
                format!("所有页面上都没有关键字 {word:?}"),
                format!("the keyword {word:?} is on no page"),
            ))
        }
    }
}
