//! Documents eseal signs: the stamp is drawn where the placement put it — at a page position,
//! on a keyword, and as a riding seal's slices on every page — and the verdict frames are
//! drawn in their colours.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{OfdBuilder, Pixels, fonts, near, red, render, white};
use eseal_doc::{OfdSignRequest, Placement, SignatureKind, sign_ofd};
use eseal_gm::Sm2PrivateKey;
use eseal_gm::provider::{SeededRandom, SoftwareSigner};
use eseal_pki::name::name_from_slashes;
use eseal_pki::{CertificateKind, IssueRequest, Issuer, issue_certificate};
use eseal_render::{RenderOptions, Verdict};
use eseal_ses::{AnySeal, SealRequest, Version, make_seal};
use std::collections::HashMap;
use std::io::Cursor;
use time::macros::datetime;

/// A red disc on transparency (PNG).
fn disc() -> Vec<u8> {
    let disc = image::RgbaImage::from_fn(200, 200, |x, y| {
        let (dx, dy) = (x as f32 - 99.5, y as f32 - 99.5);
        if dx * dx + dy * dy <= 99.0 * 99.0 {
            image::Rgba([230, 0, 0, 255])
        } else {
            image::Rgba([0, 0, 0, 0])
        }
    });
    let mut png = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgba8(disc)
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    png.into_inner()
}

/// A 40 × 40 mm seal whose PNG picture is a red disc on transparency, and its signer.
fn kit() -> (AnySeal, Vec<u8>, SoftwareSigner) {
    kit_with("PNG", disc())
}

/// A 40 × 40 mm seal with the given picture, and its signer.
fn kit_with(picture_type: &str, picture: Vec<u8>) -> (AnySeal, Vec<u8>, SoftwareSigner) {
    let random = SeededRandom::new(b"eseal-render signed tests");
    let (t0, t1) = (
        datetime!(2026-01-01 00:00 UTC),
        datetime!(2030-01-01 00:00 UTC),
    );
    let root_key = Sm2PrivateKey::generate(&random).unwrap();
    let root_signer = SoftwareSigner::new(root_key.clone());
    let issue = |subject: &str, key: &Sm2PrivateKey, kind, issuer: Option<&[u8]>, serial: u8| {
        issue_certificate(
            &IssueRequest {
                subject: name_from_slashes(subject).unwrap(),
                public_key: key.public_key(),
                kind,
                not_before: t0,
                not_after: t1,
                serial: vec![serial],
                crl_distribution_point: None,
                ocsp_url: None,
            },
            Issuer {
                certificate: issuer,
                signer: &root_signer,
            },
        )
        .unwrap()
    };
    let root = issue(
        "/C=CN/CN=Render Test Root",
        &root_key,
        CertificateKind::Root,
        None,
        1,
    );
    let maker_key = Sm2PrivateKey::generate(&random).unwrap();
    let maker = issue(
        "/C=CN/CN=Maker",
        &maker_key,
        CertificateKind::Maker,
        Some(&root),
        2,
    );
    let signer_key = Sm2PrivateKey::generate(&random).unwrap();
    let signer_cert = issue(
        "/C=CN/O=威海市测试有限公司/CN=威海市测试有限公司",
        &signer_key,
        CertificateKind::Organisation,
        Some(&root),
        3,
    );
    let seal = make_seal(
        &SealRequest {
            version: Version::V4,
            vid: "eseal".into(),
            es_id: "1".into(),
            seal_type: 1,
            name: "威海市测试有限公司".into(),
            signer_certs: vec![signer_cert.clone()],
            list_digests: false,
            picture_type: picture_type.into(),
            picture,
            width_mm: 40,
            height_mm: 40,
            create_date: t0,
            valid_start: t0,
            valid_end: t1,
            ext_datas: None,
        },
        &maker,
        &SoftwareSigner::new(maker_key),
    )
    .unwrap();
    (seal, signer_cert, SoftwareSigner::new(signer_key))
}

fn sign(doc: &[u8], placement: Placement) -> Vec<u8> {
    sign_with(kit(), doc, placement)
}

fn sign_with(kit: (AnySeal, Vec<u8>, SoftwareSigner), doc: &[u8], placement: Placement) -> Vec<u8> {
    let (seal, cert, signer) = kit;
    let mut out = Cursor::new(Vec::new());
    sign_ofd(
        Cursor::new(doc.to_vec()),
        &mut out,
        &OfdSignRequest {
            kind: SignatureKind::Seal,
            seal: Some(&seal),
            signer_cert: &cert,
            signing_time: datetime!(2026-06-01 08:00 UTC),
            placement,
            timestamper: None,
        },
        &signer,
    )
    .unwrap();
    out.into_inner()
}

/// A three-page A4 document; page 2 says 签章处 at (120, 200).
fn document() -> Vec<u8> {
    let text = |x: f32, y: f32, s: &str| {
        format!(
            "<ofd:Layer><ofd:TextObject Boundary=\"{x} {y} 80 10\" Font=\"900\" Size=\"5\"><ofd:TextCode X=\"0\" Y=\"5\" DeltaX=\"g 20 5\">{s}</ofd:TextCode></ofd:TextObject></ofd:Layer>"
        )
    };
    OfdBuilder::new(210.0, 297.0)
        .page("", &text(20.0, 20.0, "第一页"))
        .page("", &text(120.0, 200.0, "签章处"))
        .page("", &text(20.0, 20.0, "第三页"))
        .build()
}

#[test]
fn a_stamp_at_a_page_position_is_drawn_there() {
    let Some(_) = fonts() else { return };
    let signed = sign(
        &document(),
        Placement::Page {
            page: 2,
            x: 30.0,
            y: 100.0,
        },
    );
    let page = render(&signed, 2, &RenderOptions::default());
    assert_eq!(page.stamps.len(), 1);
    let px = Pixels::of(&page, 150.0);
    assert!(
        red(px.at(50.0, 120.0)),
        "the disc's centre: {:?}",
        px.at(50.0, 120.0)
    );
    assert!(white(px.at(31.0, 101.0)), "its transparent corner");
    assert!(
        white(px.at(50.0, 95.0)) && white(px.at(50.0, 145.0)),
        "nothing outside 100..140"
    );
    let other = render(&signed, 1, &RenderOptions::default());
    assert!(other.stamps.is_empty());
    assert_eq!(
        Pixels::of(&other, 150.0).count(0.0, 0.0, 210.0, 297.0, red),
        0
    );
}

#[test]
fn a_keyword_stamp_is_centred_on_the_word() {
    let Some(_) = fonts() else { return };
    let signed = sign(&document(), Placement::Keyword("签章处".into()));
    let page = render(&signed, 2, &RenderOptions::default());
    let r = page.stamps[0].rect;
    // The word spans 120..135 mm at the baseline 205 (5 mm text): centre (127.5, 202.5).
    assert!(
        (r.x + r.w / 2.0 - 127.5).abs() < 1.0 && (r.y + r.h / 2.0 - 202.5).abs() < 1.0,
        "{r:?}"
    );
    let px = Pixels::of(&page, 150.0);
    assert!(near(px.at(127.5, 190.0), [230, 0, 0], 30));
    // Multiply: the word stays readable under the ink (darker than the seal's red).
    let under = px.count(120.0, 200.0, 15.0, 5.0, |c| c[0] < 120);
    assert!(under > 20, "text under the stamp: {under} dark pixels");
}

#[test]
fn a_riding_seal_puts_one_slice_on_each_page_at_the_right_edge() {
    let Some(_) = fonts() else { return };
    let signed = sign(&document(), Placement::Riding { y: 150.0 });
    let slice = 40.0 / 3.0;
    for n in 1..=3 {
        let page = render(&signed, n, &RenderOptions::default());
        assert_eq!(page.stamps.len(), 1, "page {n}");
        let px = Pixels::of(&page, 150.0);
        let ink = px.count(210.0 - slice, 150.0, slice, 40.0, red);
        assert!(ink > 500, "page {n}: {ink} red pixels in the slice");
        assert_eq!(
            px.count(0.0, 140.0, 210.0 - slice - 0.2, 60.0, red),
            0,
            "page {n}: only the slice"
        );
    }
    // The slices are different parts of the disc: the middle page's is red from edge to edge
    // at mid-height; the first page's is the disc's left end (its corner is blank).
    let first = Pixels::of(&render(&signed, 1, &RenderOptions::default()), 150.0);
    let middle = Pixels::of(&render(&signed, 2, &RenderOptions::default()), 150.0);
    assert!(red(middle.at(210.0 - slice + 0.5, 170.0)) && red(middle.at(209.5, 170.0)));
    assert!(white(first.at(210.0 - slice + 0.3, 152.0)) && red(first.at(209.5, 170.0)));
}

#[test]
fn verdict_frames_are_drawn_in_their_colours() {
    let Some(_) = fonts() else { return };
    let signed = sign(
        &document(),
        Placement::Page {
            page: 1,
            x: 100.0,
            y: 100.0,
        },
    );
    for (v, colour) in [
        (Verdict::Passed, [22, 163, 74]),
        (Verdict::Failed, [220, 38, 38]),
        (Verdict::Indeterminate, [120, 120, 120]),
    ] {
        let opts = RenderOptions {
            verdicts: HashMap::from([("1".to_owned(), v)]),
            ..Default::default()
        };
        let page = render(&signed, 1, &opts);
        assert_eq!(page.stamps[0].verdict, Some(v));
        let px = Pixels::of(&page, 150.0);
        assert!(
            px.count(99.5, 110.0, 1.0, 3.0, |c| near(c, colour, 40)) > 0,
            "{v:?}"
        );
    }
}

/// A seal whose picture is an OFD signed with a seal whose picture is an OFD … (as the tax
/// authority's invoices nest one level): drawn to the depth bound, then named.
#[test]
fn nested_ofd_pictures_are_drawn_to_the_depth_bound() {
    let Some(_) = fonts() else { return };
    let small = |w: f32| OfdBuilder::new(w, w).page("", "<ofd:Layer/>").build();
    // Level 1: a 40 mm page signed with the disc; each next level is a 40 mm page signed
    // with a seal whose picture is the level before.
    let mut picture = sign(
        &small(40.0),
        Placement::Page {
            page: 1,
            x: 0.0,
            y: 0.0,
        },
    );
    for _ in 0..3 {
        picture = sign_with(
            kit_with("ofd", picture),
            &small(40.0),
            Placement::Page {
                page: 1,
                x: 0.0,
                y: 0.0,
            },
        );
    }
    // The outer document: 4 nestings deep; the default bound is 2.
    let outer = sign_with(
        kit_with("ofd", picture),
        &document(),
        Placement::Page {
            page: 1,
            x: 50.0,
            y: 50.0,
        },
    );
    let page = render(&outer, 1, &RenderOptions::default());
    assert!(
        page.warnings
            .iter()
            .any(|w| w.text.en.contains("nested more than 2 deep")),
        "{:?}",
        page.warnings
    );
    for w in &page.warnings {
        assert!(
            eseal_testkit::english_prose(&w.text.zh).is_none(),
            "{}",
            w.text.zh
        );
    }
    // With a deeper bound the disc at the bottom is reached and drawn in the stamp.
    let deep = RenderOptions {
        limits: eseal_render::Limits {
            max_depth: 5,
            ..Default::default()
        },
        ..Default::default()
    };
    let page = render(&outer, 1, &deep);
    assert!(
        !page.warnings.iter().any(|w| w.text.en.contains("nested")),
        "{:?}",
        page.warnings
    );
    assert!(red(Pixels::of(&page, 150.0).at(70.0, 70.0)));
}

/// The verifier's rule that a file belongs to one signature, in the renderer: a signature
/// list naming one (padded, 2 MiB) Signature.xml fifty times more, and fifty forged records
/// sharing one 3 MiB SignedValue, had each record read its files again (about 250 MiB from a
/// package of a few hundred KB). Each is now read once: the repeated records are skipped with
/// a warning, the forged ones are drawn from the seal file, read once too.
#[test]
fn records_sharing_one_file_have_it_read_once() {
    use eseal_testkit::rawzip;
    let signed = sign(
        &document(),
        Placement::Page {
            page: 2,
            x: 30.0,
            y: 100.0,
        },
    );
    let text = |name: &str| {
        let mut z = zip::ZipArchive::new(Cursor::new(signed.clone())).unwrap();
        let mut t = String::new();
        std::io::Read::read_to_string(&mut z.by_name(name).unwrap(), &mut t).unwrap();
        t
    };
    let (list, sig_xml) = (
        "Doc_0/Signs/Signatures.xml",
        "Doc_0/Signs/Sign_0/Signature.xml",
    );
    let (list_text, sig_text) = (text(list), text(sig_xml));
    let record = format!("<ofd:Signature ID=\"1\" Type=\"Seal\" BaseLoc=\"/{sig_xml}\"/>");
    assert!(list_text.contains(&record), "{list_text}");
    let value_loc = "/Doc_0/Signs/Sign_0/SignedValue.dat";
    assert!(sig_text.contains(value_loc), "{sig_text}");
    let mut entries = rawzip::entries(&signed);
    let mut records = record.repeat(51);
    for i in 1..=50 {
        let path = format!("Doc_0/Signs/Forged_{i}/Signature.xml");
        records += &format!("<ofd:Signature ID=\"f{i}\" Type=\"Seal\" BaseLoc=\"/{path}\"/>");
        let forged = sig_text.replace(value_loc, "/Doc_0/shared.dat");
        entries.push(rawzip::Entry::stored(&path, forged.as_bytes()));
    }
    entries.push(rawzip::deflated(
        "Doc_0/shared.dat",
        rawzip::filler(3 << 20).as_bytes(),
    ));
    let padded = sig_text.replacen("?>", &format!("?><!--{}-->", rawzip::filler(2 << 20)), 1);
    for e in entries.iter_mut() {
        if e.name == list.as_bytes() {
            *e = rawzip::Entry::stored(list, list_text.replace(&record, &records).as_bytes());
        } else if e.name == sig_xml.as_bytes() {
            *e = rawzip::deflated(sig_xml, padded.as_bytes());
        }
    }
    let hostile = rawzip::assemble(&entries, b"", b"");
    let mut pkg = eseal_doc::Package::open(Cursor::new(hostile.clone())).unwrap();
    let doc = eseal_render::Document::open(&mut pkg).unwrap();
    assert!(
        pkg.bytes_read() < 6 << 20,
        "{} bytes read",
        pkg.bytes_read()
    );
    let warnings = doc.warnings();
    assert!(
        warnings.iter().any(|w| w.file == sig_xml
            && w.text.en
                == format!(
                    "the signature is not drawn: {sig_xml} already belongs to signature 1 \
                     (ID 1); each signature must have its own files, so it is not read again"
                )
            && w.text.zh.contains("已属于第 1 个签名")),
        "{warnings:#?}"
    );
    assert_eq!(doc.pages_with_stamps(), vec![2]);
    let Some(_) = fonts() else { return };
    // The first record and the fifty forged ones (their seal from the shared seal file).
    assert_eq!(
        render(&hostile, 2, &RenderOptions::default()).stamps.len(),
        51
    );
}
