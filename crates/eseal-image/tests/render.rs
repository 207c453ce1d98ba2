#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Rendering: golden PNGs for every style, determinism, true size, and bad input.

mod common;

use eseal_image::{ImageError, ImpressionSpec, Style, compare_images, render};
use std::path::PathBuf;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/image")
}

fn specs() -> Vec<(&'static str, ImpressionSpec)> {
    let mut round = ImpressionSpec::new(Style::Round, "威海市示例科技有限公司");
    round.center_text = Some("合同专用章".into());
    round.code = Some("3710000012345".into());
    let mut oval = ImpressionSpec::new(Style::Oval, "威海市示例科技有限公司");
    oval.center_text = Some("发票专用章".into());
    oval.code = Some("91371000MA3C8X1234".into());
    let square = ImpressionSpec::new(Style::Square, "张三丰印");
    let mut yin = ImpressionSpec::new(Style::Square, "李四");
    yin.inverse = true;
    let mut rect = ImpressionSpec::new(Style::Rect, "王五");
    rect.width_mm = Some(24.0);
    rect.height_mm = Some(10.0);
    let mut aged = round.clone();
    aged.aged_seed = Some(7);
    vec![
        ("round", round),
        ("oval", oval),
        ("square", square),
        ("square-yin", yin),
        ("rect", rect),
        ("round-aged", aged),
    ]
}

/// Each style against its golden PNG (testdata/image/NOTES.md). `ESEAL_UPDATE_GOLDEN=1`
/// rewrites them after a deliberate change; look at them before committing.
#[test]
#[cfg_attr(
    eseal_skip_font,
    ignore = "needs a CJK font (apt-get install fonts-noto-cjk, or ESEAL_FONT)"
)]
fn every_style_matches_its_golden_png() {
    let Some(font) = common::font() else { return };
    let update = std::env::var_os("ESEAL_UPDATE_GOLDEN").is_some();
    for (name, spec) in specs() {
        let png = render(&spec, &font).unwrap().to_png(150).unwrap();
        let path = golden_dir().join(format!("{name}.png"));
        if update {
            std::fs::write(&path, &png).unwrap();
            continue;
        }
        let golden = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // Pixels, not PNG bytes: the PNG encoder's compression depends on which deflate
        // backend the build links (feature unification in a workspace build changes it).
        let (got, want) = (
            eseal_image::decode(&png).unwrap(),
            eseal_image::decode(&golden).unwrap(),
        );
        assert_eq!(
            (got.width, got.height, got.dpi),
            (want.width, want.height, want.dpi),
            "{name}"
        );
        assert!(
            got.data == want.data,
            "{name}: rendering differs from {}",
            path.display()
        );
    }
}

#[test]
#[cfg_attr(
    eseal_skip_font,
    ignore = "needs a CJK font (apt-get install fonts-noto-cjk, or ESEAL_FONT)"
)]
fn rendering_is_deterministic_and_true_size() {
    let Some(font) = common::font() else { return };
    for (name, spec) in specs() {
        let a = render(&spec, &font).unwrap();
        let b = render(&spec, &font).unwrap();
        assert_eq!(a.to_svg(), b.to_svg(), "{name}");
        assert_eq!(a.to_png(300).unwrap(), b.to_png(300).unwrap(), "{name}");
        let svg = a.to_svg();
        assert!(
            svg.contains(&format!("width=\"{}mm\"", a.width_mm)),
            "{name}: {}",
            &svg[..120]
        );
        // A 42 mm seal at 300 dpi is 496 pixels wide, and the PNG records 300 dpi.
        let img = eseal_image::decode(&a.to_png(300).unwrap()).unwrap();
        assert_eq!(
            img.width,
            (a.width_mm / 25.4 * 300.0).round() as u32,
            "{name}"
        );
        assert!((img.dpi.unwrap() - 300.0).abs() < 0.1);
        // Transparent background: a round or oval seal's corner pixel has no ink.
        if name.starts_with("round") || name == "oval" {
            assert_eq!(img.data[3], 0, "{name}");
        }
    }
    // The SVG and the PNG of the same seal are the same impression.
    let (_, round) = specs().remove(0);
    let imp = render(&round, &font).unwrap();
    assert!(imp.to_svg().contains("<path"));
}

#[test]
#[cfg_attr(
    eseal_skip_font,
    ignore = "needs a CJK font (apt-get install fonts-noto-cjk, or ESEAL_FONT)"
)]
fn bad_input_is_a_clear_error() {
    let Some(font) = common::font() else { return };
    let err = |spec: ImpressionSpec| render(&spec, &font).unwrap_err();
    assert!(matches!(
        err(ImpressionSpec::new(Style::Round, "  ")),
        ImageError::EmptyText
    ));
    let long = "很".repeat(41);
    assert!(matches!(
        err(ImpressionSpec::new(Style::Round, &long)),
        ImageError::TextDoesNotFit(_)
    ));
    let crowded = "很".repeat(38);
    assert!(
        matches!(
            err(ImpressionSpec::new(Style::Round, &crowded)),
            ImageError::TextDoesNotFit(_)
        ),
        "too many to fit the arc"
    );
    assert!(matches!(
        err(ImpressionSpec::new(Style::Square, "张")),
        ImageError::TextDoesNotFit(_)
    ));
    assert!(matches!(
        err(ImpressionSpec::new(Style::Square, "张三丰五印")),
        ImageError::TextDoesNotFit(_)
    ));
    for (w, h) in [
        (5.0, None),
        (500.0, None),
        (f32::NAN, None),
        (40.0, Some(45.0)),
    ] {
        let mut s = ImpressionSpec::new(Style::Oval, "威海市示例");
        s.width_mm = Some(w);
        s.height_mm = h;
        assert!(matches!(err(s), ImageError::BadSize(_)), "{w} {h:?}");
    }
    let imp = render(&ImpressionSpec::new(Style::Round, "威海市示例"), &font).unwrap();
    assert!(matches!(imp.to_png(10), Err(ImageError::BadSize(_))));
    assert!(matches!(imp.to_png(100_000), Err(ImageError::BadSize(_))));
    // A character the font does not have.
    assert!(matches!(
        err(ImpressionSpec::new(Style::Round, "威海\u{10FFFD}")),
        ImageError::Font(_)
    ));
    // Comparison inputs.
    let good = imp.to_png(300).unwrap();
    assert!(matches!(
        compare_images(b"not an image", &good),
        Err(ImageError::NotAnImage(_))
    ));
    assert!(matches!(
        compare_images(&good[..100], &good),
        Err(ImageError::NotAnImage(_))
    ));
    let blank = eseal_image::encode_png(&eseal_image::Rgba {
        width: 300,
        height: 300,
        data: vec![255; 300 * 300 * 4],
        dpi: Some(300.0),
    })
    .unwrap();
    assert!(matches!(
        compare_images(&blank, &good),
        Err(ImageError::NoInk)
    ));
    let coarse = imp.to_png(150).unwrap();
    assert!(matches!(
        compare_images(&coarse, &good),
        Err(ImageError::BadSize(_))
    ));
}

#[test]
#[cfg_attr(
    eseal_skip_font,
    ignore = "needs a CJK font (apt-get install fonts-noto-cjk, or ESEAL_FONT)"
)]
fn a_png_file_round_trip_matches_itself_and_not_another_seal() {
    let Some(font) = common::font() else { return };
    let a = render(
        &ImpressionSpec::new(Style::Round, "威海市示例科技有限公司"),
        &font,
    )
    .unwrap()
    .to_png(300)
    .unwrap();
    let b = render(
        &ImpressionSpec::new(Style::Round, "威海市示例科技有限公问"),
        &font,
    )
    .unwrap()
    .to_png(300)
    .unwrap();
    let same = compare_images(&a, &a).unwrap();
    assert!(same.matches && same.score > 0.999, "{same:?}");
    let other = compare_images(&a, &b).unwrap();
    assert!(!other.matches, "{other:?}");
    assert!(
        other
            .differences
            .iter()
            .any(|d| d.contains("text region") || d.contains("border")),
        "{other:?}"
    );
}
