#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! PDF signatures with an SES_Signature (issue 20): a visible stamp signed and verified, a
//! second signature after the first (the first then covers revision 2 of 3), every byte of
//! the signed range flipped → FAILED, the gap changed → refused, and the signed file checked
//! by qpdf and drawn by pdftoppm with the stamp where it was asked.

mod common;

use common::{Kit, kit_with};
use eseal_doc::pdf::{PdfSignatureForm, SES_SUBFILTER};
use eseal_doc::{PdfPlacement, PdfSignRequest, sign_pdf, verify_pdf};
use eseal_gm::provider::SoftwareVerifier;
use eseal_ses::Indication;
use time::macros::datetime;

fn base() -> Vec<u8> {
    vector("chromium.pdf")
}

/// A PDF of testdata/pdf (NOTES.md there).
fn vector(name: &str) -> Vec<u8> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/pdf/");
    std::fs::read(format!("{dir}{name}")).unwrap()
}

/// A PDF with object streams and a cross-reference stream (qpdf's output): signed (the
/// update then ends with a cross-reference stream), signed again, both verify.
#[test]
fn a_pdf_with_object_streams_is_signed_and_verified() {
    let k = seal_kit();
    let input = vector("objstm.pdf");
    let at = PdfPlacement {
        page: 1,
        x: 20.0,
        y: 20.0,
    };
    let once = sign(&k, &input, "eseal-1", Some(at));
    let update = String::from_utf8_lossy(&once[input.len()..]).into_owned();
    assert!(update.contains("/Type /XRef"), "{update}");
    let twice = sign(&k, &once, "eseal-2", None);
    let r = verify(&k, &twice);
    assert_eq!(r.revisions, 3);
    assert!(
        r.signatures
            .iter()
            .all(|s| s.indication == Indication::Passed),
        "{:#?}",
        r.signatures
    );
}

fn seal_kit() -> Kit {
    kit_with("PNG", include_bytes!("../../../testdata/image/round.png"))
}

fn sign(k: &Kit, input: &[u8], name: &str, placement: Option<PdfPlacement>) -> Vec<u8> {
    sign_at(k, input, name, placement.map(Into::into))
}

/// The request of these tests: the kit's seal and signer, a fixed time, the SES form.
fn request(
    k: &Kit,
    name: impl Into<String>,
    placement: Option<eseal_doc::PdfStampAt>,
) -> PdfSignRequest<'_> {
    PdfSignRequest {
        seal: &k.seal,
        signer_cert: &k.signer_cert,
        signing_time: datetime!(2026-06-01 08:00 UTC),
        placement,
        field_name: name.into(),
        timestamper: None,
        picture: None,
        certify: None,
        form: eseal_doc::PdfForm::Ses,
    }
}

fn sign_at(k: &Kit, input: &[u8], name: &str, placement: Option<eseal_doc::PdfStampAt>) -> Vec<u8> {
    let update = sign_pdf(input, &request(k, name, placement), &k.signer)
        .unwrap()
        .update;
    [input, &update].concat()
}

/// The platform hashes a submitted PDF once and signs from that state (issue 22): the
/// signed file verifies and its SM3 is the whole file's, as when the input is read again; a
/// state of other bytes (another length) is refused, not signed.
#[test]
fn a_pdf_hashed_once_is_signed_from_that_state() {
    use eseal_doc::{HashedPdf, sign_pdf_hashed};
    use eseal_gm::Sm3Digest;
    let k = seal_kit();
    let input = base();
    let hashed = HashedPdf::of(&input);
    assert_eq!(hashed.digest(), Sm3Digest::of(&input));
    let at = Some(eseal_doc::PdfStampAt::Position(PdfPlacement {
        page: 1,
        x: 20.0,
        y: 20.0,
    }));
    for form in [eseal_doc::PdfForm::Ses, eseal_doc::PdfForm::Cms] {
        let req = PdfSignRequest {
            form,
            ..request(&k, "eseal-1", at.clone())
        };
        let from_state = sign_pdf_hashed(input.as_slice(), &hashed, &req, &k.signer).unwrap();
        let read_again = sign_pdf(input.as_slice(), &req, &k.signer).unwrap();
        for signed in [from_state, read_again] {
            let file = [&input[..], &signed.update].concat();
            assert_eq!(signed.signed_sm3, Sm3Digest::of(&file), "{form:?}");
            let r = verify(&k, &file);
            assert_eq!(r.signatures.len(), 1);
            assert!(r.signatures[0].covers_whole_file);
            if form == eseal_doc::PdfForm::Ses {
                assert_eq!(r.indication(), Indication::Passed, "{:#?}", r.signatures);
            }
        }
    }
    let shorter = HashedPdf::of(&input[..input.len() - 1]);
    let e = sign_pdf_hashed(
        input.as_slice(),
        &shorter,
        &request(&k, "eseal-1", None),
        &k.signer,
    )
    .unwrap_err();
    assert!(e.to_string().contains("bytes long"), "{e}");
}

fn verify(k: &Kit, bytes: &[u8]) -> eseal_doc::PdfReport {
    verify_pdf(bytes, &k.policy, &SoftwareVerifier).unwrap()
}

#[test]
fn a_visible_ses_signature_round_trips_and_a_second_keeps_the_first() {
    let k = seal_kit();
    let input = base();
    let at = PdfPlacement {
        page: 1,
        x: 120.0,
        y: 30.0,
    };
    let signed = sign(&k, &input, "eseal-1", Some(at));
    assert_eq!(&signed[..input.len()], &input[..]);
    let r = verify(&k, &signed);
    assert_eq!(r.revisions, 2);
    assert_eq!(r.signatures.len(), 1);
    let s = &r.signatures[0];
    assert_eq!(s.form, PdfSignatureForm::Ses);
    assert_eq!(s.sub_filter, SES_SUBFILTER);
    assert!(s.covers_whole_file);
    assert_eq!(s.indication, Indication::Passed, "{:#?}", s.report);
    assert_eq!(s.seal_name.as_deref(), Some("威海市测试有限公司"));
    assert_eq!(r.indication(), Indication::Passed);

    // A second signature: both pass, the first says it covers revision 2 of 3.
    let twice = sign(&k, &signed, "eseal-2", None);
    let r = verify(&k, &twice);
    assert_eq!(r.signatures.len(), 2);
    assert!(
        r.signatures
            .iter()
            .all(|s| s.indication == Indication::Passed)
    );
    assert_eq!(r.signatures[0].revision, Some(2));
    assert!(!r.signatures[0].covers_whole_file);
    assert!(r.signatures[1].covers_whole_file);
    let detail = serde_json::to_string(&r.signatures[0].report).unwrap();
    assert!(detail.contains("第 2 版（共 3 版）"), "{detail}");

    // The same field name twice is refused.
    let e = sign_pdf(twice.as_slice(), &request(&k, "eseal-1", None), &k.signer).unwrap_err();
    assert!(e.zh().contains("PDF"), "{}", e.zh());
    // A page that does not exist is a placement error.
    let e = sign_pdf(
        input.as_slice(),
        &request(&k, "x", Some(PdfPlacement { page: 5, ..at }.into())),
        &k.signer,
    )
    .unwrap_err();
    assert!(e.zh().contains("盖章位置"), "{}", e.zh());
}

#[test]
fn tampering_is_caught() {
    let k = seal_kit();
    let input = base();
    let signed = sign(&k, &input, "eseal-1", None);
    let r = verify(&k, &signed);
    let range = r.signatures[0].byte_range.clone();
    let (b, c) = (range[1] as usize, range[2] as usize);
    // Every 97th byte of the covered ranges flipped (and the last ones): FAILED or no report,
    // never PASSED.
    let mut positions: Vec<usize> = (0..b)
        .step_by(97)
        .chain((c..signed.len()).step_by(97))
        .collect();
    positions.extend([b - 1, c, signed.len() - 1]);
    for at in positions {
        let mut t = signed.clone();
        t[at] ^= 0x01;
        if let Ok(r) = verify_pdf(t.as_slice(), &k.policy, &SoftwareVerifier) {
            assert_ne!(r.indication(), Indication::Passed, "byte {at} flipped");
        }
    }
    // A digit changed in the gap's zero padding: not covered by the hash and not part of the
    // SES_Signature (its first TLV), so the signature still verifies — and the report says
    // the padding is not zeros.
    let mut t = signed.clone();
    t[c - 2] = b'1';
    let r = verify(&k, &t);
    assert_eq!(r.signatures[0].indication, Indication::Passed);
    let said = serde_json::to_string(&r.signatures[0].report).unwrap();
    assert!(said.contains("不全为零"), "{said}");
    // A gap that is not only hex digits: refused.
    let mut t = signed.clone();
    t[c - 2] = b'x';
    if let Ok(r) = verify_pdf(t.as_slice(), &k.policy, &SoftwareVerifier) {
        assert_eq!(r.indication(), Indication::Failed);
    }
    // A ByteRange that skips bytes: FAILED.
    let text = format!("{} {} {} {}", range[0], range[1], range[2], range[3]);
    let shifted = format!("{} {} {} {}", range[0], range[1] - 1, range[2], range[3]);
    let mut t = signed.clone();
    let at = t
        .windows(text.len())
        .rposition(|w| w == text.as_bytes())
        .unwrap();
    t.splice(at..at + shifted.len(), shifted.bytes());
    if shifted.len() < text.len() {
        t.insert(at + shifted.len(), b' ');
    }
    let r = verify(&k, &t);
    assert_eq!(r.indication(), Indication::Failed);
}

/// qpdf accepts the signed file's structure, and pdftoppm draws the seal where it was asked
/// (red pixels inside the stamp's box, none far from it). Under CI both tools must be there.
#[test]
fn the_signed_file_opens_in_other_readers_with_the_stamp_in_place() {
    let have = |tool: &str| {
        std::process::Command::new(tool)
            .arg("--version")
            .output()
            .is_ok()
    };
    if !have("qpdf") || !have("pdftoppm") {
        assert!(
            std::env::var_os("CI").is_none(),
            "qpdf and pdftoppm (poppler-utils) are needed under CI"
        );
        eprintln!("skipped: qpdf or pdftoppm missing");
        return;
    }
    let k = seal_kit();
    for name in ["chromium.pdf", "objstm.pdf"] {
        let signed = sign(
            &k,
            &vector(name),
            "eseal-1",
            Some(PdfPlacement {
                page: 1,
                x: 120.0,
                y: 30.0,
            }),
        );
        opens_with_the_stamp_in_place(name, &signed, (120.0, 30.0));
    }
    // On a keyword: 甲方 is drawn 11.9 mm from the left, its baseline 32 mm from the top (12 pt
    // type), so the 42 mm stamp centred on it is moved inward to the left edge: (0, 9.5) mm.
    let signed = sign_at(
        &k,
        &base(),
        "eseal-kw",
        Some(eseal_doc::PdfStampAt::Keyword("甲方".into())),
    );
    opens_with_the_stamp_in_place("keyword", &signed, (0.0, 9.5));
    let e = sign_pdf(
        base().as_slice(),
        &request(&k, "x", Some(eseal_doc::PdfStampAt::Keyword("乙方".into()))),
        &k.signer,
    )
    .unwrap_err();
    assert!(e.to_string().contains("on no page"), "{e}");
}

fn opens_with_the_stamp_in_place(name: &str, signed: &[u8], (x, y): (f64, f64)) {
    let dir = std::env::temp_dir().join(format!("eseal-pdf-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("signed.pdf");
    std::fs::write(&file, signed).unwrap();
    let check = std::process::Command::new("qpdf")
        .arg("--check")
        .arg(&file)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&check.stdout).into_owned()
        + &String::from_utf8_lossy(&check.stderr);
    assert!(
        check.status.success() && !said.contains("WARNING"),
        "{said}"
    );
    let out = dir.join("page");
    let drawn = std::process::Command::new("pdftoppm")
        .args(["-r", "72", "-png", "-singlefile"])
        .arg(&file)
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        drawn.status.success(),
        "{}",
        String::from_utf8_lossy(&drawn.stderr)
    );
    let png = std::fs::read(dir.join("page.png")).unwrap();
    // Kept to look at: target/pdf/signed-page.png.
    let keep = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/pdf");
    std::fs::create_dir_all(&keep).unwrap();
    std::fs::write(keep.join(format!("signed-{name}.png")), &png).unwrap();
    let mut d = png::Decoder::new(std::io::Cursor::new(png));
    d.set_transformations(png::Transformations::normalize_to_color8());
    let mut r = d.read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let (w, _) = (info.width as usize, info.height as usize);
    let red = |x0: f64, y0: f64, x1: f64, y1: f64| {
        // mm → pixels at 72 dpi.
        let px = |mm: f64| (mm * 72.0 / 25.4) as usize;
        let mut n = 0;
        for y in px(y0)..px(y1) {
            for x in px(x0)..px(x1) {
                let i = (y * w + x) * channels;
                let (r, g, b) = (buf[i], buf[i + 1], buf[i + 2]);
                if r > 150 && g < 100 && b < 100 {
                    n += 1;
                }
            }
        }
        n
    };
    // The seal is 42 mm square at (x, y) mm: red inside, none below it.
    assert!(
        red(x + 1.0, y + 1.0, x + 41.0, y + 41.0) > 200,
        "the stamp is drawn"
    );
    assert_eq!(red(20.0, 100.0, 100.0, 200.0), 0, "nothing red elsewhere");
    assert_eq!(
        red(0.0, y + 44.0, 80.0, y + 60.0),
        0,
        "nothing red just below"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `file` with an incremental update of `objects` (number, body) and a classic table.
fn append_update(file: &[u8], objects: &[(u32, Vec<u8>)]) -> Vec<u8> {
    use std::io::Write;
    let pdf = eseal_pdf::Pdf::open(file).unwrap();
    let trailer = pdf.trailer().unwrap().clone();
    let prev = pdf.revisions.last().unwrap().xref_offset;
    let size = trailer[&b"Size"[..]].int().unwrap() as u32;
    let size = objects
        .iter()
        .map(|(n, _)| n + 1)
        .max()
        .unwrap_or(0)
        .max(size);
    let mut out = file.to_vec();
    let mut offsets = Vec::new();
    for (n, body) in objects {
        offsets.push((*n, out.len()));
        writeln!(out, "{n} 0 obj").unwrap();
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(b"xref\n");
    for (n, off) in &offsets {
        write!(out, "{n} 1\n{off:010} 00000 n\r\n").unwrap();
    }
    let root = trailer[&b"Root"[..]].reference().unwrap();
    write!(
        out,
        "trailer\n<< /Size {size} /Root {} 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n",
        root.number
    )
    .unwrap();
    out
}

/// After signing, an added comment is allowed and said; the page's content replaced fails
/// the signature (what the page shows is not what was signed).
#[test]
fn what_changed_after_signing_is_judged() {
    use eseal_pdf::{Object, Pdf};
    let k = seal_kit();
    let at = PdfPlacement {
        page: 1,
        x: 120.0,
        y: 30.0,
    };
    let signed = sign(&k, &base(), "eseal-1", Some(at));
    let pdf = Pdf::open(signed.as_slice()).unwrap();
    let page = eseal_pdf::update::pages(&pdf).unwrap()[0].clone();
    let size = pdf.trailer().unwrap()[&b"Size"[..]].int().unwrap() as u32;
    let page_with = |key: &str, value: Object| {
        let mut d = page.dict.clone();
        d.insert(key.as_bytes().to_vec(), value);
        let mut out = Vec::new();
        eseal_pdf::write::dict(&mut out, &d);
        out
    };
    // A comment added on the page.
    let mut annots = pdf
        .value(&page.dict, "Annots")
        .unwrap()
        .array()
        .unwrap()
        .to_vec();
    annots.push(Object::Ref(eseal_pdf::ObjectId {
        number: size,
        generation: 0,
    }));
    let commented = append_update(
        &signed,
        &[
            (page.id.number, page_with("Annots", Object::Array(annots))),
            (
                size,
                b"<< /Type /Annot /Subtype /Text /Rect [10 10 30 30] /Contents (ok) >>".to_vec(),
            ),
        ],
    );
    let r = verify(&k, &commented);
    let s = &r.signatures[0];
    assert_eq!(s.indication, Indication::Passed, "{:#?}", s.report);
    let said = serde_json::to_string(&s.report).unwrap();
    assert!(
        said.contains("新增注释") && said.contains("第 2 版（共 3 版）"),
        "{said}"
    );
    // The page's content replaced.
    let content = b"BT /F1 24 Tf 72 700 Td (changed) Tj ET";
    let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
    stream.extend_from_slice(content);
    stream.extend_from_slice(b"\nendstream");
    let replaced = append_update(
        &signed,
        &[
            (
                page.id.number,
                page_with(
                    "Contents",
                    Object::Ref(eseal_pdf::ObjectId {
                        number: size,
                        generation: 0,
                    }),
                ),
            ),
            (size, stream),
        ],
    );
    let r = verify(&k, &replaced);
    let s = &r.signatures[0];
    assert_eq!(s.indication, Indication::Failed, "{:#?}", s.report);
    let said = serde_json::to_string(&s.report).unwrap();
    assert!(
        said.contains("第 1 页") && said.contains("Contents"),
        "{said}"
    );
}

/// A certifying signature (DocMDP): at level 1 a later signature breaks it; at level 2 a
/// later signature is allowed and a comment is not.
#[test]
fn a_certification_limits_what_may_follow() {
    let k = seal_kit();
    let certify = |level: u8| {
        let update = sign_pdf(
            base().as_slice(),
            &PdfSignRequest {
                certify: Some(level),
                ..request(&k, "certified", None)
            },
            &k.signer,
        )
        .unwrap()
        .update;
        [base(), update].concat()
    };
    // Level 1: nothing may follow.
    let one = certify(1);
    assert_eq!(verify(&k, &one).indication(), Indication::Passed);
    let r = verify(&k, &sign(&k, &one, "later", None));
    assert_eq!(
        r.signatures[0].indication,
        Indication::Failed,
        "{:#?}",
        r.signatures[0].report
    );
    let said = serde_json::to_string(&r.signatures[0].report).unwrap();
    assert!(said.contains("DocMDP"), "{said}");
    assert_eq!(r.signatures[1].indication, Indication::Passed);
    // Level 2: a signature may follow.
    let two = certify(2);
    let r = verify(&k, &sign(&k, &two, "later", None));
    assert!(
        r.signatures
            .iter()
            .all(|s| s.indication == Indication::Passed),
        "{:#?}",
        r.signatures
    );
    // Only the first signature certifies.
    let signed = sign(&k, &base(), "first", None);
    let e = sign_pdf(
        signed.as_slice(),
        &PdfSignRequest {
            certify: Some(2),
            ..request(&k, "second", None)
        },
        &k.signer,
    )
    .unwrap_err();
    assert!(e.to_string().contains("first signature"), "{e}");
}

/// Form (a), read: a PDF whose /Contents holds a GB/T 35275 (GM/T 0010) SignedData with
/// SM2/SM3 over the ByteRange bytes verifies PASSED; a flipped covered byte FAILS it; a CMS
/// with a digest algorithm nobody knows is INDETERMINATE, never PASSED or FAILED. (OpenSSL
/// 3.0 cannot make SM2 CMS signatures — "illegal zero content" — so the SignedData is
/// eseal-ses's GM/T 0010 hash-as-content form; tests/pdf_cms.rs has the signed-attributes form.)
#[test]
fn a_gm_cms_signature_in_contents_verifies() {
    let k = seal_kit();
    let input = base();
    let pdf = eseal_pdf::Pdf::open(input.as_slice()).unwrap();
    let mut update = eseal_pdf::prepare(
        &pdf,
        &eseal_pdf::SignatureSpec {
            field_name: "cms".into(),
            filter: "Adobe.PPKLite".into(),
            sub_filter: "adbe.pkcs7.detached".into(),
            contents_len: 8192,
            signing_time: "D:20260601160000+08'00'".into(),
            stamp: None,
            more: Vec::new(),
            certify: None,
        },
    )
    .unwrap();
    let (before, after) = update.covered();
    let digest = eseal_gm::Sm3Digest::of(&[input.as_slice(), before, after].concat());
    let cms = eseal_ses::gbt35275::make_signed_data(&digest, &k.signer_cert, &k.signer).unwrap();
    update.fill(&cms).unwrap();
    let signed = [input.as_slice(), &update.bytes].concat();
    let r = verify(&k, &signed);
    let s = &r.signatures[0];
    assert_eq!(s.form, PdfSignatureForm::Cms);
    assert_eq!(s.indication, Indication::Passed, "{:#?}", s.report);
    // A covered byte flipped: what was signed is not these bytes.
    let mut t = signed.clone();
    t[100] ^= 1;
    assert_eq!(verify(&k, &t).signatures[0].indication, Indication::Failed);
    // The SM3 algorithm identifier replaced by a digest algorithm nobody knows (same
    // length, 1.2.156.10197.1.402): not verified, INDETERMINATE — neither PASSED nor FAILED.
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02X}")).collect::<String>();
    let sm3 = hex(&[0x06, 0x08, 0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x83, 0x11]);
    let unknown = hex(&[0x06, 0x08, 0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x83, 0x12]);
    let sm3_at = String::from_utf8_lossy(&signed).matches(&sm3).count();
    assert!(sm3_at >= 1);
    let mut other = signed.clone();
    while let Some(at) = other.windows(sm3.len()).position(|w| w == sm3.as_bytes()) {
        other[at..at + unknown.len()].copy_from_slice(unknown.as_bytes());
    }
    let r = verify(&k, &other);
    assert_eq!(
        r.signatures[0].indication,
        Indication::Indeterminate,
        "{:#?}",
        r.signatures[0].report
    );
}

/// A riding seal (骑缝章) across three pages: one signature field with a widget on each page,
/// each showing its third of the stamp at the page's right edge (checked in Poppler's
/// drawing of every page: red in the strip, none left of it); the signature verifies. A
/// one-page document cannot take one.
#[test]
fn a_riding_seal_spans_the_pages() {
    let k = seal_kit();
    let input = vector("three.pdf");
    let signed = sign_at(
        &k,
        &input,
        "riding",
        Some(eseal_doc::PdfStampAt::Riding { y: 100.0 }),
    );
    let r = verify(&k, &signed);
    assert_eq!(r.signatures.len(), 1);
    assert_eq!(
        r.signatures[0].indication,
        Indication::Passed,
        "{:#?}",
        r.signatures[0].report
    );
    let update = String::from_utf8_lossy(&signed[input.len()..]).into_owned();
    assert_eq!(update.matches("/Subtype /Widget").count(), 3, "{update}");
    assert!(update.contains("/Kids ["), "{update}");
    let e = sign_pdf(
        base().as_slice(),
        &request(&k, "x", Some(eseal_doc::PdfStampAt::Riding { y: 100.0 })),
        &k.signer,
    )
    .unwrap_err();
    assert!(e.to_string().contains("two pages"), "{e}");
    if std::process::Command::new("pdftoppm")
        .arg("-v")
        .output()
        .is_err()
    {
        assert!(std::env::var_os("CI").is_none(), "CI needs pdftoppm");
        return;
    }
    let dir = std::env::temp_dir().join(format!("eseal-riding-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("signed.pdf");
    std::fs::write(&file, &signed).unwrap();
    let keep = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/pdf");
    std::fs::create_dir_all(&keep).unwrap();
    // Letter pages, 215.9 mm wide; the 42 mm stamp in strips of 14 mm.
    let (page_w, strip) = (215.9, 14.0);
    for page in 1..=3 {
        let out = dir.join(format!("p{page}"));
        let o = std::process::Command::new("pdftoppm")
            .args([
                "-r",
                "72",
                "-png",
                "-singlefile",
                "-f",
                &page.to_string(),
                "-l",
                &page.to_string(),
            ])
            .arg(&file)
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{o:?}");
        let png = std::fs::read(dir.join(format!("p{page}.png"))).unwrap();
        std::fs::write(keep.join(format!("riding-{page}.png")), &png).unwrap();
        let mut d = png::Decoder::new(std::io::Cursor::new(png));
        d.set_transformations(png::Transformations::normalize_to_color8());
        let mut rd = d.read_info().unwrap();
        let mut buf = vec![0; rd.output_buffer_size().unwrap()];
        let info = rd.next_frame(&mut buf).unwrap();
        let (w, ch) = (info.width as usize, info.color_type.samples());
        let red = |x0: f64, y0: f64, x1: f64, y1: f64| {
            let px = |mm: f64| (mm * 72.0 / 25.4) as usize;
            let mut n = 0;
            for y in px(y0)..px(y1) {
                for x in px(x0)..px(x1).min(w) {
                    let i = (y * w + x) * ch;
                    if buf[i] > 150 && buf[i + 1] < 100 && buf[i + 2] < 100 {
                        n += 1;
                    }
                }
            }
            n
        };
        assert!(
            red(page_w - strip, 100.0, page_w, 142.0) > 50,
            "page {page}: the strip is drawn"
        );
        assert_eq!(
            red(page_w - 3.0 * strip, 95.0, page_w - strip - 0.5, 147.0),
            0,
            "page {page}: nothing left of the strip"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
