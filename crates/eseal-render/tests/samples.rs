//! The shared samples (made by other implementations) drawn: text, lines, QR codes and seals
//! in their places, checked by pixels and by the SVG's text positions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Pixels, dark, fonts, near, red, render, white};
use eseal_render::RenderOptions;

fn sample(name: &str) -> Option<Vec<u8>> {
    let dir = eseal_testkit::samples()?;
    fonts()?;
    Some(std::fs::read(dir.join(name)).unwrap())
}

const BROWN: [u8; 3] = [156, 82, 35];

#[test]
fn the_chongqing_invoice_shows_its_template_text_qr_code_and_nested_seal() {
    let Some(bytes) = sample("v4signed.ofd") else {
        return;
    };
    let page = render(&bytes, 1, &RenderOptions::default());
    assert_eq!(
        (page.area.w, page.area.h),
        (210.0, 140.0),
        "the page's own box"
    );
    let px = Pixels::of(&page, 150.0);
    // The template's frame lines (brown, 0.25 mm) at y = 30 mm and x = 4.5 mm.
    assert!(
        near(px.at(100.0, 30.0), BROWN, 40),
        "{:?}",
        px.at(100.0, 30.0)
    );
    assert!(px.count(4.0, 60.0, 1.0, 1.0, |c| near(c, BROWN, 40)) > 0);
    // The QR code (a PNG through CTM 20 0 0 20 at 8.5, 3.5): black and white modules.
    let black = px.count(8.5, 3.5, 20.0, 20.0, dark);
    let paper = px.count(8.5, 3.5, 20.0, 20.0, white);
    assert!(
        black > 2000 && paper > 2000,
        "QR code: {black} dark, {paper} white pixels"
    );
    // The seal (an OFD picture in the SES_Signature) in red inside its StampAnnot Boundary
    // (90 8 30 20), nowhere far outside it.
    assert_eq!(page.stamps.len(), 1);
    assert!(page.stamps[0].drawn);
    let inside = px.count(90.0, 8.0, 30.0, 20.0, red);
    assert!(inside > 2000, "red pixels in the stamp: {inside}");
    assert_eq!(
        px.count(0.0, 40.0, 210.0, 100.0, red),
        0,
        "no red below the stamp"
    );
    // The printed amount: text as text in the SVG at Boundary + X/Y (168.2 + 0, 96.2 + 4.94).
    let svg = page.to_svg();
    let at = svg
        .find(">¥318.00</text>")
        .expect("the amount is text in the SVG");
    let tag = &svg[svg[..at].rfind("<text").unwrap()..at];
    assert!(
        tag.contains(" x=\"168.2 ") && tag.contains(" y=\"101.14 "),
        "{tag}"
    );
    assert!(tag.contains("Courier New"), "{tag}");
    // Its pixels: dark glyphs at that place.
    assert!(px.count(168.2, 97.5, 20.0, 4.0, dark) > 50);
    // Font stand-ins are reported, in the page and in the SVG.
    assert!(
        page.substitutions
            .iter()
            .any(|(f, to)| f == "楷体" && to.contains("UKai")),
        "{:?}",
        page.substitutions
    );
    assert!(svg.contains("<desc>") && svg.contains("楷体"));
    // The quirks are named: the template path's case, the undefined colour space.
    let said: Vec<&str> = page.warnings.iter().map(|w| w.text.en.as_str()).collect();
    assert!(said.iter().any(|w| w.contains("case differs")), "{said:?}");
    assert!(
        said.iter().any(|w| w.contains("undefined colour space")),
        "{said:?}"
    );
    for w in &page.warnings {
        assert!(
            eseal_testkit::english_prose(&w.text.zh).is_none(),
            "{}",
            w.text.zh
        );
    }
}

#[test]
fn the_jiangsu_invoice_decodes_its_jbig2_qr_code() {
    let Some(bytes) = sample("signedFile.ofd") else {
        return;
    };
    let page = render(&bytes, 1, &RenderOptions::default());
    let px = Pixels::of(&page, 150.0);
    let black = px.count(8.5, 3.5, 20.0, 20.0, dark);
    let paper = px.count(8.5, 3.5, 20.0, 20.0, white);
    assert!(
        black > 2000 && paper > 2000,
        "JBIG2 QR: {black} dark, {paper} white"
    );
    assert!(
        !page
            .warnings
            .iter()
            .any(|w| w.text.en.contains("placeholder")),
        "{:?}",
        page.warnings
    );
    assert!(px.count(90.0, 8.0, 30.0, 20.0, red) > 2000);
    // The amount is written as two objects: "¥" and "200.00".
    assert!(page.to_svg().contains(">200.00</text>"));
}

#[test]
fn ofdrw_files_show_their_text_and_seal() {
    let Some(bytes) = sample("SESV4SignDoc.ofd") else {
        return;
    };
    let page = render(&bytes, 1, &RenderOptions::default());
    let px = Pixels::of(&page, 150.0);
    // 你好呀 at Boundary 31.7 25.4, baseline Y 3.
    assert!(px.count(31.7, 25.4, 10.0, 4.0, dark) > 30);
    // The v4 seal's PNG picture at 50 50 40 40.
    assert!(px.count(50.0, 50.0, 40.0, 40.0, red) > 5000);
    assert_eq!(px.count(0.0, 100.0, 210.0, 190.0, red), 0);
    // Without seals, none is drawn, and the stamp is still listed.
    let bare = render(
        &bytes,
        1,
        &RenderOptions {
            seals: false,
            ..Default::default()
        },
    );
    assert_eq!(
        Pixels::of(&bare, 150.0).count(50.0, 50.0, 40.0, 40.0, red),
        0
    );
    assert!(!bare.stamps[0].drawn);

    let Some(hello) = sample("helloworld.ofd") else {
        return;
    };
    let page = render(&hello, 1, &RenderOptions::default());
    assert!(page.stamps.is_empty());
    assert!(Pixels::of(&page, 100.0).count(0.0, 0.0, 210.0, 100.0, dark) > 30);
}

#[test]
fn a_plain_digital_signature_marks_its_place_without_a_picture() {
    let Some(bytes) = sample("DigitalSign.ofd") else {
        return;
    };
    let fonts = fonts().unwrap();
    let mut pkg = eseal_doc::Package::open(std::io::Cursor::new(bytes)).unwrap();
    let mut doc = eseal_render::Document::open(&mut pkg).unwrap();
    for n in 1..=doc.page_count() {
        let page = doc
            .render_page(&mut pkg, fonts, n, &RenderOptions::default())
            .unwrap();
        assert!(page.stamps.iter().all(|s| !s.drawn));
    }
}
