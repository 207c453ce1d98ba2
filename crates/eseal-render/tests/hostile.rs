//! Hostile and broken documents: each problem is a warning and a best-effort page, or a
//! clear error — bounded in time and memory, never a panic or a hang.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{NS, OfdBuilder, Pixels, fonts, red, render};
use eseal_render::{Document, RenderError, RenderOptions};
use std::io::Cursor;
use std::time::{Duration, Instant};

fn said(page: &eseal_render::Page) -> String {
    page.warnings
        .iter()
        .map(|w| format!("{} | {}\n", w.text.en, w.text.zh))
        .collect()
}

fn square(b: &str) -> String {
    format!(
        "<ofd:PathObject Boundary=\"{b}\" Fill=\"true\" Stroke=\"false\"><ofd:FillColor Value=\"255 0 0\"/><ofd:AbbreviatedData>M 0 0 L 10 0 L 10 10 L 0 10 C</ofd:AbbreviatedData></ofd:PathObject>"
    )
}

#[test]
fn unknown_commands_and_missing_resources_are_named_and_the_rest_is_drawn() {
    let Some(_) = fonts() else { return };
    let layer = format!(
        "<ofd:Layer DrawParam=\"77\">{}<ofd:PathObject Boundary=\"30 10 10 10\"><ofd:AbbreviatedData>M 0 0 L 5 5 X 1 2 L 9 9</ofd:AbbreviatedData></ofd:PathObject><ofd:TextObject Boundary=\"10 30 50 10\" Font=\"404\" Size=\"5\"><ofd:TextCode X=\"0\" Y=\"5\" DeltaX=\"g x 1\">文字</ofd:TextCode></ofd:TextObject><ofd:ImageObject Boundary=\"10 50 10 10\" CTM=\"10 0 0 10 0 0\" ResourceID=\"405\"/><ofd:PathObject Boundary=\"10 70 10 10\" CTM=\"0 0 0 0 0 0\"><ofd:AbbreviatedData>M 0 0 L 1 1</ofd:AbbreviatedData></ofd:PathObject><ofd:VideoObject Boundary=\"0 0 1 1\"/><ofd:CompositeObject Boundary=\"0 0 1 1\" ResourceID=\"406\"/>{}",
        square("10 10 10 10"),
        "</ofd:Layer>"
    );
    let doc = OfdBuilder::new(100.0, 100.0)
        .page("<ofd:Template TemplateID=\"403\"/>", &layer)
        .build();
    let page = render(&doc, 1, &RenderOptions::default());
    let s = said(&page);
    for want in [
        "unknown path command \"X\"",
        "undefined font \"404\"",
        "undefined resource \"405\"",
        "CTM \"0 0 0 0 0 0\" is unusable",
        "unknown graphic object \"VideoObject\"",
        "undefined resource \"406\"",
        "undefined template \"403\"",
        "DrawParam \"77\" is not defined",
        "DeltaX/DeltaY has values that cannot be read",
    ] {
        assert!(s.contains(want), "missing warning {want:?} in:\n{s}");
    }
    for w in &page.warnings {
        assert!(
            eseal_testkit::english_prose(&w.text.zh).is_none(),
            "{}",
            w.text.zh
        );
    }
    // What could be drawn is: the square, and the placeholder.
    let px = Pixels::of(&page, 100.0);
    assert!(red(px.at(15.0, 15.0)));
    assert!(common::near(px.at(12.0, 57.0), [235, 235, 235], 10));
}

#[test]
fn an_absurd_page_size_is_drawn_within_the_pixel_limit() {
    let Some(_) = fonts() else { return };
    let doc = OfdBuilder::new(1_000_000.0, 1_000_000.0)
        .page(
            "",
            &format!("<ofd:Layer>{}</ofd:Layer>", square("10 10 10 10")),
        )
        .build();
    let t = Instant::now();
    let page = render(&doc, 1, &RenderOptions::default());
    assert!(said(&page).contains("absurd"), "{}", said(&page));
    let r = page.rasterize(150.0).unwrap();
    let pixels = f64::from(r.pixmap.width()) * f64::from(r.pixmap.height());
    assert!(pixels <= eseal_render::MAX_PAGE_PIXELS, "{pixels}");
    assert!(r.dpi < 1.0, "resolution lowered to {}", r.dpi);
    assert!(!page.to_svg().is_empty());
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
}

#[test]
fn ten_million_path_points_stop_at_the_page_budget() {
    let Some(_) = fonts() else { return };
    let points = "L 1 1 ".repeat(1_000_000);
    let objects: String = (0..10)
        .map(|_| format!("<ofd:PathObject Boundary=\"0 0 10 10\"><ofd:AbbreviatedData>M 0 0 {points}</ofd:AbbreviatedData></ofd:PathObject>"))
        .collect();
    let doc = OfdBuilder::new(100.0, 100.0)
        .page("", &format!("<ofd:Layer>{objects}</ofd:Layer>"))
        .stored()
        .build();
    let t = Instant::now();
    let page = render(&doc, 1, &RenderOptions::default());
    assert!(
        said(&page).contains("more than 2000000 points"),
        "{}",
        said(&page)
    );
    page.to_png(72.0).unwrap();
    assert!(t.elapsed() < Duration::from_secs(60), "{:?}", t.elapsed());
}

/// A PNG whose header claims `w` × `h` pixels (its data is a few bytes).
fn lying_png(w: u32, h: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        let mut c = kind.to_vec();
        c.extend_from_slice(data);
        out.extend_from_slice(&c);
        out.extend_from_slice(&crc(&c).to_be_bytes());
    }
    fn crc(data: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for b in data {
            c ^= u32::from(*b);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

#[test]
fn an_image_claiming_ten_billion_pixels_is_a_placeholder() {
    let Some(_) = fonts() else { return };
    let res = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Res {NS} BaseLoc=\"Res\"><ofd:MultiMedias><ofd:MultiMedia ID=\"1\" Type=\"Image\" Format=\"PNG\"><ofd:MediaFile>big.png</ofd:MediaFile></ofd:MultiMedia><ofd:MultiMedia ID=\"2\" Type=\"Image\" Format=\"GBIG2\"><ofd:MediaFile>bad.jb2</ofd:MediaFile></ofd:MultiMedia></ofd:MultiMedias></ofd:Res>"
    );
    let doc = OfdBuilder::new(100.0, 100.0)
        .page(
            "<ofd:PageRes>Res.xml</ofd:PageRes>",
            "<ofd:Layer><ofd:ImageObject Boundary=\"10 10 20 20\" CTM=\"20 0 0 20 0 0\" ResourceID=\"1\"/><ofd:ImageObject Boundary=\"40 10 20 20\" CTM=\"20 0 0 20 0 0\" ResourceID=\"2\"/></ofd:Layer>",
        )
        .file("Doc_0/Pages/Page_0/Res.xml", res.into_bytes())
        .file("Doc_0/Pages/Page_0/Res/big.png", lying_png(100_000, 100_000))
        .file("Doc_0/Pages/Page_0/Res/bad.jb2", b"\x97JB2\r\n\x1a\n\x01\x00\x00\x00\x01garbage".to_vec())
        .build();
    let t = Instant::now();
    let page = render(&doc, 1, &RenderOptions::default());
    let s = said(&page);
    assert!(s.contains("100000×100000 pixels, beyond the limit"), "{s}");
    assert!(s.contains("bad.jb2"), "{s}");
    assert!(t.elapsed() < Duration::from_secs(10));
}

#[test]
fn templates_that_name_templates_and_param_cycles_are_cut() {
    let Some(_) = fonts() else { return };
    let tpl = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Page {NS}><ofd:Template TemplateID=\"1\"/><ofd:Content><ofd:Layer>{}</ofd:Layer></ofd:Content></ofd:Page>",
        square("10 10 10 10")
    );
    let res = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Res {NS}><ofd:DrawParams><ofd:DrawParam ID=\"8\" Relative=\"9\"/><ofd:DrawParam ID=\"9\" Relative=\"8\"/></ofd:DrawParams></ofd:Res>"
    );
    let doc = OfdBuilder::new(100.0, 100.0)
        .common("<ofd:TemplatePage ID=\"1\" BaseLoc=\"Tpls/T/Content.xml\"/>")
        .page(
            "<ofd:PageRes>R.xml</ofd:PageRes><ofd:Template TemplateID=\"1\"/>",
            &format!(
                "<ofd:Layer DrawParam=\"8\">{}</ofd:Layer>",
                square("50 50 10 10")
            ),
        )
        .file("Doc_0/Tpls/T/Content.xml", tpl.into_bytes())
        .file("Doc_0/Pages/Page_0/R.xml", res.into_bytes())
        .build();
    let page = render(&doc, 1, &RenderOptions::default());
    let s = said(&page);
    assert!(s.contains("a template names a template"), "{s}");
    assert!(s.contains("Relative chain loops"), "{s}");
    let px = Pixels::of(&page, 100.0);
    assert!(red(px.at(15.0, 15.0)) && red(px.at(55.0, 55.0)));
}

#[test]
fn broken_structure_is_a_clear_error() {
    let Some(fonts) = fonts() else { return };
    let mut doc = OfdBuilder::new(100.0, 100.0)
        .page("", "<ofd:Layer>")
        .build();
    let mut pkg = eseal_doc::Package::open(Cursor::new(doc.clone())).unwrap();
    let mut d = Document::open(&mut pkg).unwrap();
    let e = d
        .render_page(&mut pkg, fonts, 1, &RenderOptions::default())
        .unwrap_err();
    assert!(e.zh().contains("Content.xml"), "{}", e.zh());
    let e = d
        .render_page(&mut pkg, fonts, 7, &RenderOptions::default())
        .unwrap_err();
    assert!(
        matches!(e, RenderError::NoPage { page: 7, count: 1 }),
        "{e}"
    );
    assert_eq!(e.zh(), "第 7 页不存在（文档共 1 页）");
    // Not a package at all.
    doc.truncate(40);
    assert!(eseal_doc::Package::open(Cursor::new(doc)).is_err());
}
