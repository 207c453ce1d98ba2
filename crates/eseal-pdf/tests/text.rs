#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Text found on a page by its content stream and fonts (testdata/pdf/chromium.pdf: a CID
//! font subset with a ToUnicode map, drawn under a flipped CTM, one font per character in
//! the heading).

use eseal_pdf::Pdf;
use eseal_pdf::text::{find_text, page_glyphs};

fn chromium() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/pdf/chromium.pdf"
    ))
    .unwrap()
}

#[test]
fn the_page_text_and_a_keyword_position_are_found() {
    let bytes = chromium();
    let pdf = Pdf::open(bytes.as_slice()).unwrap();
    let pages = eseal_pdf::update::pages(&pdf).unwrap();
    let glyphs = page_glyphs(&pdf, &pages[0]).unwrap();
    let text: String = glyphs.iter().map(|g| g.text.as_str()).collect();
    assert!(text.contains("电子印章"), "{text}");
    assert!(text.contains("甲方（盖章）"), "{text}");
    let f = find_text(&pdf, "甲方").unwrap().unwrap();
    assert_eq!(f.page, 1);
    eprintln!("{f:?}");
    // The heading is above the line with 甲方 (y grows upward), both near the left margin.
    let h = find_text(&pdf, "电子 印章").unwrap().unwrap();
    assert!(h.y > f.y, "{h:?} {f:?}");
    assert!(f.x > 0.0 && f.x < 100.0 && f.width > 0.0, "{f:?}");
    assert!(find_text(&pdf, "不存在的字").unwrap().is_none());
}

/// Poppler's `pdftotext -bbox` (an independent reader) puts the words where eseal does: the
/// left end within half a point, eseal's baseline inside Poppler's box.
#[test]
fn poppler_agrees_on_where_the_words_are() {
    let Ok(o) = std::process::Command::new("pdftotext")
        .args(["-bbox", "-f", "1", "-l", "1"])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/pdf/chromium.pdf"
        ))
        .arg("-")
        .output()
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs pdftotext (poppler-utils)"
        );
        return;
    };
    let html = String::from_utf8_lossy(&o.stdout).into_owned();
    let bytes = chromium();
    let pdf = Pdf::open(bytes.as_slice()).unwrap();
    let height = 792.0;
    let attr = |w: &str, name: &str| -> f64 {
        let at = w.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        w[at..].split('"').next().unwrap().parse().unwrap()
    };
    let mut checked = 0;
    for w in html.split("<word ").skip(1) {
        let text = w.split('>').nth(1).unwrap().split('<').next().unwrap();
        let ours = find_text(&pdf, text).unwrap().unwrap();
        assert!(
            (ours.x - attr(w, "xMin")).abs() < 0.5,
            "{text}: {ours:?} vs {w}"
        );
        let baseline = height - ours.y;
        assert!(
            attr(w, "yMin") < baseline && baseline <= attr(w, "yMax") + 0.5,
            "{text}: {ours:?} vs {w}"
        );
        checked += 1;
    }
    assert_eq!(checked, 3, "{html}");
}
