#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Impression comparison over generated pairs: the same seal transformed (another DPI, shifted,
//! rotated, noisy, on scanned paper) must match; a changed character, another organisation, a
//! different size, style or centre text must not. Prints the confusion matrix.

mod common;

use eseal_image::compare::{Ink, compare};
use eseal_image::{Impression, ImpressionSpec, Style, render};

fn spec(
    style: Style,
    text: &str,
    center: Option<&str>,
    code: Option<&str>,
    size: Option<f32>,
    inverse: bool,
) -> ImpressionSpec {
    let mut s = ImpressionSpec::new(style, text);
    s.center_text = center.map(str::to_owned);
    s.code = code.map(str::to_owned);
    s.width_mm = size;
    s.inverse = inverse;
    s
}

fn ink(img: &eseal_image::Rgba) -> Ink {
    Ink::from_rgba(img).unwrap()
}

#[test]
#[cfg_attr(
    eseal_skip_font,
    ignore = "needs a CJK font (apt-get install fonts-noto-cjk, or ESEAL_FONT)"
)]
fn confusion_matrix_over_generated_pairs() {
    let Some(font) = common::font() else { return };
    let r = |s: &ImpressionSpec| -> Impression { render(s, &font).unwrap() };
    // Bases and, for each, the negatives that must not match it.
    let round_names = [
        "威海市示例科技有限公司",
        "威海市环翠区人民政府办公室",
        "山东省威海市公安局",
        "威海华信会计师事务所有限公司",
        "威海市文登区财政局",
    ];
    let mut cases: Vec<(ImpressionSpec, Vec<(&str, ImpressionSpec)>)> = Vec::new();
    for (i, name) in round_names.iter().enumerate() {
        let base = spec(
            Style::Round,
            name,
            Some("合同专用章"),
            Some("3710000012345"),
            None,
            false,
        );
        let mut changed: Vec<char> = name.chars().collect();
        let k = 2 + i % 3;
        changed[k] = if changed[k] == '省' { '市' } else { '省' };
        let changed: String = changed.into_iter().collect();
        let other = round_names[(i + 1) % round_names.len()];
        cases.push((
            base.clone(),
            vec![
                (
                    "one character changed",
                    spec(
                        Style::Round,
                        &changed,
                        Some("合同专用章"),
                        Some("3710000012345"),
                        None,
                        false,
                    ),
                ),
                (
                    "another organisation",
                    spec(
                        Style::Round,
                        other,
                        Some("合同专用章"),
                        Some("3710000012345"),
                        None,
                        false,
                    ),
                ),
                (
                    "different size",
                    spec(
                        Style::Round,
                        name,
                        Some("合同专用章"),
                        Some("3710000012345"),
                        Some(40.0),
                        false,
                    ),
                ),
                (
                    "different style",
                    spec(
                        Style::Oval,
                        name,
                        Some("合同专用章"),
                        Some("3710000012345"),
                        None,
                        false,
                    ),
                ),
                (
                    "different centre text",
                    spec(
                        Style::Round,
                        name,
                        Some("财务专用章"),
                        Some("3710000012345"),
                        None,
                        false,
                    ),
                ),
            ],
        ));
    }
    for (name, other) in [
        ("张三丰印", "张三峰印"),
        ("李四", "李泗"),
        ("王小五", "王晓五"),
    ] {
        cases.push((
            spec(Style::Square, name, None, None, None, false),
            vec![
                (
                    "one character changed",
                    spec(Style::Square, other, None, None, None, false),
                ),
                (
                    "different style (阴文)",
                    spec(Style::Square, name, None, None, None, true),
                ),
                (
                    "different size",
                    spec(Style::Square, name, None, None, Some(18.0), false),
                ),
            ],
        ));
    }
    let oval = spec(
        Style::Oval,
        "威海市示例科技有限公司",
        Some("发票专用章"),
        Some("91371000MA3C8X1234"),
        None,
        false,
    );
    cases.push((
        oval.clone(),
        vec![
            (
                "one character changed",
                spec(
                    Style::Oval,
                    "威海市示范科技有限公司",
                    Some("发票专用章"),
                    Some("91371000MA3C8X1234"),
                    None,
                    false,
                ),
            ),
            (
                "another taxpayer ID",
                spec(
                    Style::Oval,
                    "威海市示例科技有限公司",
                    Some("发票专用章"),
                    Some("91371000MA3C8X9999"),
                    None,
                    false,
                ),
            ),
        ],
    ));

    let (mut tp, mut fn_, mut tn, mut fp) = (0, 0, 0, 0);
    let mut min_positive = f32::MAX;
    let mut max_negative = f32::MIN;
    let mut max_pos_region = 0f32;
    let mut min_neg_region = f32::MAX;
    let mut failures = Vec::new();
    for (n, (base, negatives)) in cases.iter().enumerate() {
        let seed = n as u64 * 1000;
        let imp = r(base);
        let reference = ink(&common::raster(&imp, 300.0, 0.0, (0.0, 0.0), 3.0));
        let mut positives: Vec<(String, eseal_image::Rgba)> = Vec::new();
        for dpi in [250.0, 400.0, 600.0] {
            positives.push((
                format!("{dpi} dpi"),
                common::raster(&imp, dpi, 0.0, (0.0, 0.0), 3.0),
            ));
        }
        positives.push((
            "shifted".into(),
            common::raster(&imp, 300.0, 0.0, (2.5, -1.7), 5.0),
        ));
        for rot in [-4.0, -2.0, 2.0, 4.0, 7.0] {
            positives.push((
                format!("rotated {rot}°"),
                common::raster(&imp, 300.0, rot, (0.0, 0.0), 4.0),
            ));
        }
        for s in 0..3 {
            let mut noisy = common::raster(&imp, 300.0, 0.0, (0.0, 0.0), 3.0);
            common::noise(&mut noisy, seed + s);
            positives.push((format!("noise {s}"), noisy));
        }
        positives.push((
            "scanned paper".into(),
            common::paper(&common::raster(&imp, 300.0, 0.0, (0.0, 0.0), 3.0), seed + 7),
        ));
        positives.push((
            "paper + 3° + 400 dpi".into(),
            common::paper(&common::raster(&imp, 400.0, 3.0, (1.0, 0.5), 4.0), seed + 9),
        ));
        for (what, img) in &positives {
            let c = compare(&reference, &ink(img)).unwrap();
            min_positive = min_positive.min(c.score);
            max_pos_region = max_pos_region.max(c.worst_region);
            if std::env::var_os("ESEAL_TUNE").is_some() && c.worst_region > 0.1 {
                eprintln!(
                    "POS {:.3} {:.4} {} / {what}",
                    c.worst_region, c.score, base.text
                );
            }
            if c.matches {
                tp += 1;
            } else {
                fn_ += 1;
                failures.push(format!("false mismatch: {} / {what}: {c:?}", base.text));
            }
        }
        for (what, neg) in negatives {
            let nimp = r(neg);
            // The negative under the same transformations as the positives (a subset).
            let variants = [
                common::raster(&nimp, 300.0, 0.0, (0.0, 0.0), 3.0),
                common::raster(&nimp, 400.0, 2.0, (0.0, 0.0), 4.0),
                common::paper(
                    &common::raster(&nimp, 300.0, -3.0, (1.0, 0.0), 4.0),
                    seed + 11,
                ),
            ];
            for v in &variants {
                let c = compare(&reference, &ink(v)).unwrap();
                max_negative = max_negative.max(c.score);
                if c.score >= 0.9
                    && c.size_a_mm
                        .zip(c.size_b_mm)
                        .is_some_and(|(a, b)| (a.0 - b.0).abs() < 1.0)
                {
                    min_neg_region = min_neg_region.min(c.worst_region);
                    if std::env::var_os("ESEAL_TUNE").is_some() {
                        eprintln!(
                            "NEG {:.3} {:.4} {} / {what}",
                            c.worst_region, c.score, base.text
                        );
                    }
                }
                if c.matches {
                    fp += 1;
                    failures.push(format!("FALSE MATCH: {} / {what}: {c:?}", base.text));
                } else {
                    tn += 1;
                }
            }
        }
    }
    let total = tp + fn_ + tn + fp;
    eprintln!("confusion matrix over {total} generated pairs:");
    eprintln!("                 decided match   decided mismatch");
    eprintln!("  same seal      {tp:>13}   {fn_:>16}");
    eprintln!("  different seal {fp:>13}   {tn:>16}");
    eprintln!(
        "  lowest positive score {min_positive:.3}, highest negative score {max_negative:.3}"
    );
    eprintln!(
        "  highest positive worst-region {max_pos_region:.3}, lowest same-size negative worst-region {min_neg_region:.3}"
    );
    for f in &failures {
        eprintln!("  {f}");
    }
    assert!(total >= 200, "at least 200 pairs, got {total}");
    assert_eq!(fp, 0, "no false matches");
    assert!(
        fn_ as f32 <= 0.01 * (tp + fn_) as f32,
        "at most 1% false mismatches: {fn_} of {}",
        tp + fn_
    );
}
