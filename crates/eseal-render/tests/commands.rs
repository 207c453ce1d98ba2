//! Generated pages exercising each drawing command, checked twice: pixels at known places
//! (the colour and position each command must give), and the whole page against the expected
//! rendering in testdata/render (within a small tolerance; `ESEAL_BLESS=1` rewrites the
//! expected files after a change that is meant — look at them before committing).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{OfdBuilder, Pixels, dark, fonts, near, red, render, white};
use eseal_render::RenderOptions;
use std::path::PathBuf;

fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/render")
}

fn encoded(format: image::ImageFormat, rgb: [u8; 3]) -> Vec<u8> {
    // A 16×16 image: the colour, with a white quarter at the top left (shows orientation).
    let img = image::RgbImage::from_fn(16, 16, |x, y| {
        if x < 8 && y < 8 {
            image::Rgb([255, 255, 255])
        } else {
            image::Rgb(rgb)
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

/// The test document: one page per group of commands (100 × 100 mm each).
pub fn commands() -> Vec<u8> {
    let path = |b: &str, attrs: &str, inner: &str, data: &str| {
        format!(
            "<ofd:PathObject Boundary=\"{b}\" {attrs}>{inner}<ofd:AbbreviatedData>{data}</ofd:AbbreviatedData></ofd:PathObject>"
        )
    };
    let red_fill = "<ofd:FillColor Value=\"255 0 0\"/>";
    let paths = [
        // 1. A red filled square (M L C), no stroke.
        path(
            "10 10 20 20",
            "Fill=\"true\" Stroke=\"false\"",
            red_fill,
            "M 0 0 L 20 0 L 20 20 L 0 20 C",
        ),
        // 2. A thick blue line with round caps.
        path(
            "40 12 50 6",
            "LineWidth=\"4\" Cap=\"Round\"",
            "<ofd:StrokeColor Value=\"0 0 255\"/>",
            "M 3 3 L 47 3",
        ),
        // 3. Quadratic and cubic Béziers, green, 1 mm.
        path(
            "40 25 50 20",
            "LineWidth=\"1\"",
            "<ofd:StrokeColor Value=\"0 160 0\"/>",
            "M 0 10 Q 12 -8 25 10 B 30 25 40 -5 50 10",
        ),
        // 4. An arc (A), magenta: a half circle of radius 10 from (0,10) to (20,10).
        path(
            "10 40 20 20",
            "LineWidth=\"1\"",
            "<ofd:StrokeColor Value=\"200 0 200\"/>",
            "M 0 10 A 10 10 0 0 1 20 10",
        ),
        // 5. Even-odd: a black square with a square hole.
        path(
            "40 50 30 30",
            "Fill=\"true\" Stroke=\"false\" Rule=\"Even-Odd\"",
            "<ofd:FillColor Value=\"0 0 0\"/>",
            "M 0 0 L 30 0 L 30 30 L 0 30 C M 10 10 L 20 10 L 20 20 L 10 20 C",
        ),
        // 6. A dashed grey line (2 on, 2 off), 1 mm.
        path(
            "10 70 25 2",
            "LineWidth=\"1\" DashPattern=\"2 2\"",
            "<ofd:StrokeColor Value=\"128 128 128\"/>",
            "M 0 1 L 25 1",
        ),
        // 7. S starts a subpath; CTM scales by 2 (a 5 mm square drawn 10 mm), half opaque.
        path(
            "75 70 20 20",
            "CTM=\"2 0 0 2 0 0\" Fill=\"true\" Stroke=\"false\" Alpha=\"128\"",
            "<ofd:FillColor Value=\"0 0 255\"/>",
            "S 0 0 L 5 0 L 5 5 L 0 5 C",
        ),
        // 8. Gray and CMYK colour spaces (defined in the page's resources).
        path(
            "10 85 8 8",
            "Fill=\"true\" Stroke=\"false\"",
            "<ofd:FillColor Value=\"64\" ColorSpace=\"701\"/>",
            "M 0 0 L 8 0 L 8 8 L 0 8 C",
        ),
        path(
            "20 85 8 8",
            "Fill=\"true\" Stroke=\"false\"",
            "<ofd:FillColor Value=\"0 255 255 0\" ColorSpace=\"702\"/>",
            "M 0 0 L 8 0 L 8 8 L 0 8 C",
        ),
    ]
    .join("");
    let text = |b: &str, font: &str, size: &str, attrs: &str, fill: &str, code: &str| {
        format!(
            "<ofd:TextObject Boundary=\"{b}\" Font=\"{font}\" Size=\"{size}\" {attrs}>{fill}{code}</ofd:TextObject>"
        )
    };
    let texts = [
        // 1. 宋体 with DeltaX in the g shorthand.
        text("10 10 80 10", "900", "6", "", "", "<ofd:TextCode X=\"0\" Y=\"6\" DeltaX=\"g 3 10\">一二三四</ofd:TextCode>"),
        // 2. 楷体 in red, a DeltaX shorter than the text (its last value repeats).
        text("10 25 80 10", "901", "6", "", "<ofd:FillColor Value=\"255 0 0\"/>", "<ofd:TextCode X=\"0\" Y=\"6\" DeltaX=\"8\">红色楷体字</ofd:TextCode>"),
        // 3. Vertical: DeltaY only.
        text("85 10 10 60", "903", "6", "", "", "<ofd:TextCode X=\"1\" Y=\"6\" DeltaY=\"g 3 8\">竖排文字</ofd:TextCode>"),
        // 4. Courier New (Liberation Mono stands in), HScale 0.5.
        text("10 40 70 10", "902", "5", "HScale=\"0.5\"", "", "<ofd:TextCode X=\"0\" Y=\"5\">ABCDEFGH</ofd:TextCode>"),
        // 5. Outlined (Stroke, no Fill) blue text, CharDirection 180.
        text("10 55 60 10", "903", "8", "Fill=\"false\" Stroke=\"true\" LineWidth=\"0.2\" CharDirection=\"180\"", "<ofd:StrokeColor Value=\"0 0 255\"/>", "<ofd:TextCode X=\"8\" Y=\"2\" DeltaX=\"10\">上下</ofd:TextCode>"),
        // 6. Two TextCodes, the second continuing from the first; a leading space kept.
        text("10 75 80 10", "902", "5", "", "", "<ofd:TextCode X=\"0\" Y=\"5\" DeltaX=\"3\">ab</ofd:TextCode><ofd:TextCode DeltaX=\"3\"> cd</ofd:TextCode>"),
    ]
    .join("");
    let image = |b: &str, ctm: &str, res: &str| {
        format!("<ofd:ImageObject Boundary=\"{b}\" CTM=\"{ctm}\" ResourceID=\"{res}\"/>")
    };
    let images = [
        image("10 10 20 20", "20 0 0 20 0 0", "801"),
        image("40 10 20 20", "20 0 0 20 0 0", "802"),
        image("10 40 20 20", "20 0 0 20 0 0", "803"),
        image("40 40 20 20", "20 0 0 20 0 0", "804"),
        // A missing resource: a grey placeholder.
        image("70 70 20 20", "20 0 0 20 0 0", "899"),
    ]
    .join("");
    let page_res = "<ofd:PageRes>PageRes.xml</ofd:PageRes>";
    let clip = "<ofd:Clips><ofd:Clip><ofd:Area><ofd:Path Boundary=\"0 0 20 20\"><ofd:AbbreviatedData>M 0 10 A 10 10 0 1 1 20 10 A 10 10 0 1 1 0 10 C</ofd:AbbreviatedData></ofd:Path></ofd:Area></ofd:Clip></ofd:Clips>";
    let structure = [
        // A red square clipped by a circle (corners stay white).
        format!("<ofd:PathObject Boundary=\"10 10 20 20\" Fill=\"true\" Stroke=\"false\">{red_fill}<ofd:AbbreviatedData>M 0 0 L 20 0 L 20 20 L 0 20 C</ofd:AbbreviatedData>{clip}</ofd:PathObject>"),
        // Colours from a DrawParam that inherits from another (Relative).
        "<ofd:PathObject Boundary=\"40 10 20 20\" DrawParam=\"602\" Fill=\"true\"><ofd:AbbreviatedData>M 0 0 L 20 0 L 20 20 L 0 20 C</ofd:AbbreviatedData></ofd:PathObject>".to_owned(),
        // A rotated square (CTM 45°) in green.
        "<ofd:PathObject Boundary=\"75 20 0 0\" CTM=\"0.7071 0.7071 -0.7071 0.7071 0 0\" Fill=\"true\" Stroke=\"false\"><ofd:FillColor Value=\"0 160 0\"/><ofd:AbbreviatedData>M -5 -5 L 5 -5 L 5 5 L -5 5 C</ofd:AbbreviatedData></ofd:PathObject>".to_owned(),
        // A composite object (a blue 10 mm square unit) placed twice.
        "<ofd:CompositeObject Boundary=\"10 40 10 10\" ResourceID=\"651\"/><ofd:CompositeObject Boundary=\"25 40 10 10\" ResourceID=\"651\"/>".to_owned(),
        // An invisible object.
        format!("<ofd:PathObject Boundary=\"60 40 10 10\" Visible=\"false\" Fill=\"true\">{red_fill}<ofd:AbbreviatedData>M 0 0 L 10 0 L 10 10 L 0 10 C</ofd:AbbreviatedData></ofd:PathObject>"),
    ]
    .join("");
    let background_layer = "<ofd:Layer Type=\"Background\"><ofd:PathObject Boundary=\"0 90 100 10\" Fill=\"true\" Stroke=\"false\"><ofd:FillColor Value=\"255 230 150\"/><ofd:AbbreviatedData>M 0 0 L 100 0 L 100 10 L 0 10 C</ofd:AbbreviatedData></ofd:PathObject></ofd:Layer>";
    let template = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Page {}><ofd:Content><ofd:Layer><ofd:PathObject Boundary=\"0 0 100 8\" Fill=\"true\" Stroke=\"false\"><ofd:FillColor Value=\"220 220 220\"/><ofd:AbbreviatedData>M 0 0 L 100 0 L 100 8 L 0 8 C</ofd:AbbreviatedData></ofd:PathObject></ofd:Layer></ofd:Content></ofd:Page>",
        common::NS
    );
    let page_res_xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Res {} BaseLoc=\"Res\"><ofd:ColorSpaces><ofd:ColorSpace ID=\"701\" Type=\"GRAY\"/><ofd:ColorSpace ID=\"702\" Type=\"CMYK\"/></ofd:ColorSpaces><ofd:DrawParams><ofd:DrawParam ID=\"601\" LineWidth=\"2\"><ofd:FillColor Value=\"255 165 0\"/><ofd:StrokeColor Value=\"0 0 0\"/></ofd:DrawParam><ofd:DrawParam ID=\"602\" Relative=\"601\"/></ofd:DrawParams><ofd:MultiMedias><ofd:MultiMedia ID=\"801\" Type=\"Image\" Format=\"PNG\"><ofd:MediaFile>a.png</ofd:MediaFile></ofd:MultiMedia><ofd:MultiMedia ID=\"802\" Type=\"Image\" Format=\"JPEG\"><ofd:MediaFile>b.jpg</ofd:MediaFile></ofd:MultiMedia><ofd:MultiMedia ID=\"803\" Type=\"Image\" Format=\"BMP\"><ofd:MediaFile>c.bmp</ofd:MediaFile></ofd:MultiMedia><ofd:MultiMedia ID=\"804\" Type=\"Image\" Format=\"GIF\"><ofd:MediaFile>d.gif</ofd:MediaFile></ofd:MultiMedia></ofd:MultiMedias><ofd:CompositeGraphicUnits><ofd:CompositeGraphicUnit ID=\"651\" Width=\"10\" Height=\"10\"><ofd:Content><ofd:PathObject Boundary=\"0 0 10 10\" Fill=\"true\" Stroke=\"false\"><ofd:FillColor Value=\"0 0 255\"/><ofd:AbbreviatedData>M 0 0 L 10 0 L 10 10 L 0 10 C</ofd:AbbreviatedData></ofd:PathObject></ofd:Content></ofd:CompositeGraphicUnit></ofd:CompositeGraphicUnits></ofd:Res>",
        common::NS
    );
    let mut b = OfdBuilder::new(100.0, 100.0)
        .common("<ofd:TemplatePage ID=\"500\" BaseLoc=\"Tpls/Tpl_0/Content.xml\"/>")
        .page(page_res, &format!("<ofd:Layer>{paths}</ofd:Layer>"))
        .page("", &format!("<ofd:Layer>{texts}</ofd:Layer>"))
        .page(page_res, &format!("<ofd:Layer>{images}</ofd:Layer>"))
        .page(
            &format!("{page_res}<ofd:Template TemplateID=\"500\" ZOrder=\"Background\"/>"),
            &format!("<ofd:Layer>{structure}</ofd:Layer>{background_layer}"),
        )
        .annotations(
            4,
            "<ofd:Annot ID=\"1\" Type=\"Watermark\"><ofd:Appearance Boundary=\"60 60 30 20\"><ofd:PathObject Boundary=\"0 0 30 20\" Fill=\"true\" Stroke=\"false\"><ofd:FillColor Value=\"0 200 200\"/><ofd:AbbreviatedData>M 0 0 L 30 0 L 30 20 L 0 20 C</ofd:AbbreviatedData></ofd:PathObject></ofd:Appearance></ofd:Annot><ofd:Annot ID=\"2\" Type=\"Highlight\" Visible=\"false\"><ofd:Appearance Boundary=\"0 60 30 20\"><ofd:PathObject Boundary=\"0 0 30 20\" Fill=\"true\"><ofd:FillColor Value=\"255 0 0\"/><ofd:AbbreviatedData>M 0 0 L 30 0 L 30 20 L 0 20 C</ofd:AbbreviatedData></ofd:PathObject></ofd:Appearance></ofd:Annot>",
        )
        .file("Doc_0/Tpls/Tpl_0/Content.xml", template.into_bytes());
    for p in [0, 2, 3] {
        b = b.file(
            &format!("Doc_0/Pages/Page_{p}/PageRes.xml"),
            page_res_xml.clone().into_bytes(),
        );
    }
    for p in [0, 2, 3] {
        let dir = format!("Doc_0/Pages/Page_{p}/Res");
        b = b
            .file(
                &format!("{dir}/a.png"),
                encoded(image::ImageFormat::Png, [255, 0, 0]),
            )
            .file(
                &format!("{dir}/b.jpg"),
                encoded(image::ImageFormat::Jpeg, [0, 0, 255]),
            )
            .file(
                &format!("{dir}/c.bmp"),
                encoded(image::ImageFormat::Bmp, [0, 160, 0]),
            )
            .file(
                &format!("{dir}/d.gif"),
                encoded(image::ImageFormat::Gif, [255, 200, 0]),
            );
    }
    b.build()
}

/// The stored vector is the generated one, and each page matches its expected rendering.
#[test]
fn generated_pages_match_their_expected_renderings() {
    let Some(_) = fonts() else { return };
    let bytes = commands();
    let dir = testdata();
    let bless = std::env::var_os("ESEAL_BLESS").is_some();
    if bless {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("commands.ofd"), &bytes).unwrap();
    }
    assert_eq!(
        std::fs::read(dir.join("commands.ofd")).unwrap(),
        bytes,
        "testdata/render/commands.ofd is not what the generator makes (ESEAL_BLESS=1 rewrites it)"
    );
    for n in 1..=4 {
        let page = render(&bytes, n, &RenderOptions::default());
        let png = page.to_png(100.0).unwrap();
        let file = dir.join(format!("commands-{n}.png"));
        if bless {
            std::fs::write(&file, &png).unwrap();
        }
        let want = image::load_from_memory(&std::fs::read(&file).unwrap())
            .unwrap()
            .to_rgba8();
        let got = image::load_from_memory(&png).unwrap().to_rgba8();
        assert_eq!(want.dimensions(), got.dimensions(), "page {n}");
        let differ = want
            .pixels()
            .zip(got.pixels())
            .filter(|(a, b)| a.0.iter().zip(b.0).any(|(x, y)| x.abs_diff(y) > 48))
            .count();
        let total = (want.width() * want.height()) as usize;
        assert!(
            differ * 200 <= total,
            "page {n}: {differ} of {total} pixels differ from {} (more than 0.5 %)",
            file.display()
        );
    }
}

#[test]
fn paths_draw_where_and_how_their_commands_say() {
    let Some(_) = fonts() else { return };
    let page = render(&commands(), 1, &RenderOptions::default());
    assert!(page.warnings.is_empty(), "{:?}", page.warnings);
    let px = Pixels::of(&page, 150.0);
    assert!(red(px.at(20.0, 20.0)), "filled square");
    assert!(
        white(px.at(9.0, 20.0)) && white(px.at(31.0, 20.0)),
        "and nothing outside it"
    );
    assert!(near(px.at(60.0, 15.0), [0, 0, 255], 30), "thick blue line");
    assert!(
        near(px.at(41.2, 15.0), [0, 0, 255], 60),
        "its round cap reaches past the end"
    );
    assert!(
        px.count(40.0, 25.0, 50.0, 20.0, |c| near(c, [0, 160, 0], 40)) > 300,
        "curves"
    );
    // The half circle's top is at y = 40 (centre 50, radius 10).
    assert!(
        near(px.at(20.0, 40.2), [200, 0, 200], 60),
        "{:?}",
        px.at(20.0, 40.2)
    );
    assert!(white(px.at(20.0, 55.0)), "an arc is not filled");
    assert!(
        dark(px.at(42.0, 52.0)) && white(px.at(55.0, 65.0)),
        "even-odd hole"
    );
    let dashes = (0..25)
        .filter(|i| {
            dark(px.at(10.5 + *i as f32, 71.0))
                || near(px.at(10.5 + *i as f32, 71.0), [128, 128, 128], 30)
        })
        .count();
    assert!(
        (8..=17).contains(&dashes),
        "dashed: {dashes} of 25 mm drawn"
    );
    // CTM 2×: the 5 mm square covers 75..85; half-opaque blue over white.
    assert!(
        near(px.at(84.0, 79.0), [127, 127, 255], 20),
        "{:?}",
        px.at(84.0, 79.0)
    );
    assert!(white(px.at(86.0, 79.0)));
    assert!(near(px.at(14.0, 89.0), [64, 64, 64], 10), "gray space");
    assert!(
        near(px.at(24.0, 89.0), [255, 0, 0], 10),
        "CMYK 0 100% 100% 0 is red"
    );
}

#[test]
fn text_is_placed_by_its_deltas_in_the_named_fonts_stand_ins() {
    let Some(_) = fonts() else { return };
    let page = render(&commands(), 2, &RenderOptions::default());
    let px = Pixels::of(&page, 150.0);
    // 一二三四 with DeltaX 10: glyphs start at 10, 20, 30, 40 mm; 一 is a horizontal bar.
    for (i, x) in [10.0f32, 20.0, 30.0, 40.0].iter().enumerate() {
        assert!(
            px.count(*x, 10.0, 6.0, 6.5, dark) > 20,
            "glyph {i} at {x} mm"
        );
        assert!(
            px.count(x + 6.5, 10.0, 3.0, 6.5, dark) == 0,
            "gap after glyph {i}"
        );
    }
    // The red 楷体 text: its last DeltaX (8) repeats: the fifth character starts at 42 mm.
    assert!(px.count(42.0, 25.0, 6.0, 6.5, red) > 20);
    // Vertical: characters 8 mm apart down x = 86.
    for y in [10.0f32, 18.0, 26.0, 34.0] {
        assert!(
            px.count(86.0, y, 6.0, 6.0, dark) > 20,
            "vertical glyph at {y}"
        );
    }
    // HScale 0.5: eight monospace letters of 5 mm (0.6 em advance) fit in 8 × 1.5 mm.
    assert!(px.count(10.0, 40.0, 12.5, 5.5, dark) > 50);
    assert_eq!(
        px.count(23.0, 40.0, 30.0, 5.5, dark),
        0,
        "no letter beyond 12.5 mm"
    );
    // Outlined blue text, rotated 180°: drawn above its baseline's other side.
    assert!(px.count(10.0, 55.0, 30.0, 10.0, |c| near(c, [0, 0, 255], 80)) > 20);
    // The SVG keeps text as text, with the leading space of the second TextCode.
    let svg = page.to_svg();
    assert!(
        svg.contains(">一二三四</text>") && svg.contains(" x=\"10 20 30 40\""),
        "{svg}"
    );
    assert!(svg.contains(">竖排文字</text>"));
    assert!(
        svg.contains(" x=\"10 13 16 19 22\" y=\"80 80 80 80 80\"") && svg.contains(">ab cd</text>"),
        "{svg}"
    );
    assert!(page.substitutions.iter().any(|(f, _)| f == "宋体"));
    assert!(
        page.substitutions
            .iter()
            .any(|(f, to)| f == "Courier New" && to.contains("Liberation Mono"))
    );
}

#[test]
fn images_of_each_format_are_drawn_upright_and_a_missing_one_is_a_placeholder() {
    let Some(_) = fonts() else { return };
    let page = render(&commands(), 3, &RenderOptions::default());
    let px = Pixels::of(&page, 150.0);
    for (x, y, c) in [
        (10.0, 10.0, [255, 0, 0]),
        (40.0, 10.0, [0, 0, 255]),
        (10.0, 40.0, [0, 160, 0]),
        (40.0, 40.0, [255, 200, 0]),
    ] {
        assert!(
            white(px.at(x + 3.0, y + 3.0)),
            "white quarter at the top left of the image at {x},{y}"
        );
        assert!(
            near(px.at(x + 15.0, y + 15.0), c, 40),
            "{:?} at {x},{y}",
            px.at(x + 15.0, y + 15.0)
        );
    }
    assert!(near(px.at(75.0, 72.0), [235, 235, 235], 10), "placeholder");
    assert!(
        page.warnings
            .iter()
            .any(|w| w.text.en.contains("899") && w.text.en.contains("placeholder"))
    );
}

#[test]
fn clips_params_templates_layers_composites_and_annotations() {
    let Some(_) = fonts() else { return };
    let page = render(&commands(), 4, &RenderOptions::default());
    assert!(page.warnings.is_empty(), "{:?}", page.warnings);
    let px = Pixels::of(&page, 150.0);
    assert!(
        red(px.at(20.0, 20.0)) && white(px.at(11.0, 11.0)),
        "clipped by a circle"
    );
    assert!(
        near(px.at(50.0, 20.0), [255, 165, 0], 20),
        "fill from the inherited DrawParam"
    );
    assert!(dark(px.at(40.2, 20.0)), "its 2 mm black stroke");
    assert!(
        near(px.at(75.0, 20.0), [0, 160, 0], 30) && near(px.at(75.0, 26.5), [0, 160, 0], 40),
        "rotated: a corner below the centre"
    );
    assert!(white(px.at(70.5, 15.5)), "and not the unrotated corner");
    assert!(
        near(px.at(15.0, 45.0), [0, 0, 255], 20) && near(px.at(30.0, 45.0), [0, 0, 255], 20),
        "composite twice"
    );
    assert!(white(px.at(65.0, 45.0)), "invisible object");
    assert!(near(px.at(50.0, 4.0), [220, 220, 220], 5), "template");
    assert!(
        near(px.at(50.0, 95.0), [255, 230, 150], 5),
        "background layer"
    );
    assert!(
        near(px.at(75.0, 70.0), [0, 200, 200], 5),
        "visible annotation"
    );
    assert!(white(px.at(15.0, 70.0)), "hidden annotation");
}

/// A font embedded in the package draws its text (outlines in the SVG, the text kept
/// invisible for search); a broken one is named and a stand-in draws instead.
#[test]
fn embedded_fonts_are_used_and_broken_ones_replaced() {
    let Some(_) = fonts() else { return };
    let ttf =
        std::fs::read("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf").unwrap();
    let res = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Res {} BaseLoc=\"Res\"><ofd:Fonts><ofd:Font ID=\"1\" FontName=\"Embedded Serif\"><ofd:FontFile>serif.ttf</ofd:FontFile></ofd:Font><ofd:Font ID=\"2\" FontName=\"Broken\"><ofd:FontFile>broken.ttf</ofd:FontFile></ofd:Font></ofd:Fonts></ofd:Res>",
        common::NS
    );
    let doc = OfdBuilder::new(100.0, 50.0)
        .page(
            "<ofd:PageRes>R.xml</ofd:PageRes>",
            "<ofd:Layer><ofd:TextObject Boundary=\"10 10 80 10\" Font=\"1\" Size=\"8\"><ofd:TextCode X=\"0\" Y=\"8\">Hello</ofd:TextCode></ofd:TextObject><ofd:TextObject Boundary=\"10 30 80 10\" Font=\"2\" Size=\"8\"><ofd:TextCode X=\"0\" Y=\"8\">World</ofd:TextCode></ofd:TextObject></ofd:Layer>",
        )
        .file("Doc_0/Pages/Page_0/R.xml", res.into_bytes())
        .file("Doc_0/Pages/Page_0/Res/serif.ttf", ttf)
        .file("Doc_0/Pages/Page_0/Res/broken.ttf", b"not a font".to_vec())
        .build();
    let page = render(&doc, 1, &RenderOptions::default());
    let px = Pixels::of(&page, 150.0);
    assert!(
        px.count(10.0, 10.0, 30.0, 9.0, dark) > 100,
        "embedded font drew Hello"
    );
    assert!(
        px.count(10.0, 30.0, 30.0, 9.0, dark) > 100,
        "a stand-in drew World"
    );
    assert!(
        page.warnings
            .iter()
            .any(|w| w.text.en.contains("broken.ttf is not a usable"))
    );
    assert!(
        !page
            .substitutions
            .iter()
            .any(|(f, _)| f == "Embedded Serif")
    );
    assert!(page.substitutions.iter().any(|(f, _)| f == "Broken"));
    let svg = page.to_svg();
    assert!(
        svg.contains("fill-opacity=\"0\" x=\"10 "),
        "invisible searchable text"
    );
    assert!(svg.contains(">Hello</text>") && svg.contains(">World</text>"));
}
