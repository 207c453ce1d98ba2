//! Signature updates on PDFs: the original bytes kept, the field, widget and appearance
//! written, `/ByteRange` covering all but `/Contents`, a second signature after the first,
//! files whose last section is a cross-reference stream, and refusals.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use eseal_pdf::update::{pages, signature_fields};
use eseal_pdf::{Object, Pdf, Picture, SignatureSpec, Stamp, prepare};

fn chromium_pdf() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/pdf/chromium.pdf"
    ))
    .unwrap()
}

fn spec(name: &str, stamp: Option<Stamp>) -> SignatureSpec {
    SignatureSpec {
        field_name: name.to_owned(),
        filter: "Adobe.PPKLite".into(),
        sub_filter: "ETSI.CAdES.detached".into(),
        contents_len: 64,
        signing_time: "D:20261206120000+08'00'".into(),
        stamp,
        more: Vec::new(),
        certify: None,
    }
}

fn red_square() -> Picture {
    let mut pixels = Vec::new();
    for y in 0..40u32 {
        for x in 0..40u32 {
            let edge = x < 4 || y < 4 || x >= 36 || y >= 36;
            pixels.extend_from_slice(&[220, 0, 0, if edge { 255 } else { 0 }]);
        }
    }
    Picture::Rgba {
        width: 40,
        height: 40,
        pixels,
    }
}

/// `base` with a signature of `spec`, its /Contents filled with `marker`.
fn signed(base: &[u8], spec: &SignatureSpec, marker: &[u8]) -> Vec<u8> {
    let pdf = Pdf::open(base).unwrap();
    let mut u = prepare(&pdf, spec).unwrap();
    // What the signature covers is everything but the /Contents value.
    let [a, b, c, d] = u.byte_range();
    assert_eq!((a, b), (0, base.len() as u64 + u.covered().0.len() as u64));
    assert_eq!(c + d, base.len() as u64 + u.bytes.len() as u64);
    u.fill(marker).unwrap();
    [base, &u.bytes].concat()
}

#[test]
fn a_visible_signature_is_appended_and_reads_back() {
    let base = chromium_pdf();
    let stamp = Stamp {
        page: 1,
        x_mm: 120.0,
        y_mm: 40.0,
        width_mm: 40.0,
        height_mm: 40.0,
        picture: red_square(),
        slice: None,
    };
    let out = signed(
        &base,
        &spec("Signature1", Some(stamp)),
        b"\x30\x03\x02\x01\x01",
    );
    assert_eq!(&out[..base.len()], &base[..], "the original bytes are kept");
    // Kept for a look (pdftoppm, qpdf --check): target/pdf/visible.pdf.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/pdf");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("visible.pdf"), &out).unwrap();
    let pdf = Pdf::open(out.as_slice()).unwrap();
    assert_eq!(pdf.revisions.len(), 2);
    assert_eq!(pdf.revisions[1].end, Some(out.len() as u64));
    let fields = signature_fields(&pdf).unwrap();
    assert_eq!(fields.len(), 1);
    let v = pdf.value(&fields[0].1, "V").unwrap();
    let v = v.dict().unwrap();
    let range: Vec<i64> = v[&b"ByteRange"[..]]
        .array()
        .unwrap()
        .iter()
        .map(|x| x.int().unwrap())
        .collect();
    let Object::String(contents) = &v[&b"Contents"[..]] else {
        panic!()
    };
    assert_eq!(contents.len(), 64);
    assert_eq!(&contents[..5], b"\x30\x03\x02\x01\x01");
    // The gap is exactly the hex string.
    let gap = &out[range[1] as usize..range[2] as usize];
    assert!(
        gap.starts_with(b"<3003020101") && gap.ends_with(b"0>"),
        "{}",
        String::from_utf8_lossy(&gap[..12])
    );
    assert_eq!(range[2] + range[3], out.len() as i64);
    // The page shows the widget; the rectangle is 40 mm square, 120 mm from the left.
    let page = &pages(&pdf).unwrap()[0];
    let annots = pdf.value(&page.dict, "Annots").unwrap();
    assert_eq!(annots.array().unwrap().len(), 1);
    let rect: Vec<f64> = fields[0].1[&b"Rect"[..]]
        .array()
        .unwrap()
        .iter()
        .map(|x| match x {
            Object::Real(r) => *r,
            Object::Int(i) => *i as f64,
            _ => panic!(),
        })
        .collect();
    let mm = 72.0 / 25.4;
    assert!((rect[0] - 120.0 * mm).abs() < 0.01 && (rect[2] - rect[0] - 40.0 * mm).abs() < 0.01);
    assert!((rect[3] - (page.media_box[3] - 40.0 * mm)).abs() < 0.01);

    // A second signature: appended after the first, which keeps its bytes.
    let twice = signed(&out, &spec("Signature2", None), b"\x30\x00");
    assert_eq!(&twice[..out.len()], &out[..]);
    let pdf = Pdf::open(twice.as_slice()).unwrap();
    assert_eq!(pdf.revisions.len(), 3);
    assert_eq!(signature_fields(&pdf).unwrap().len(), 2);
    // Refusals: the same name again, a page that does not exist, a signature too large.
    let e = prepare(&pdf, &spec("Signature2", None)).unwrap_err();
    assert!(e.to_string().contains("already"), "{e}");
    let far = Stamp {
        page: 9,
        x_mm: 0.0,
        y_mm: 0.0,
        width_mm: 10.0,
        height_mm: 10.0,
        picture: red_square(),
        slice: None,
    };
    assert!(prepare(&pdf, &spec("S3", Some(far))).is_err());
    let mut u = prepare(&pdf, &spec("S3", None)).unwrap();
    assert!(u.fill(&[0u8; 65]).is_err());
    let encrypted = {
        let mut t = chromium_pdf();
        let at = t.windows(7).rposition(|w| w == b"trailer").unwrap();
        t.splice(at + 8..at + 8, b"<</Encrypt 1 0 R".iter().copied());
        t
    };
    if let Ok(pdf) = Pdf::open(encrypted.as_slice()) {
        let e = prepare(&pdf, &spec("S", None)).unwrap_err();
        assert!(e.to_string().contains("encrypted"), "{e}");
    }
}

/// A PDF of `n` empty pages under one page-tree node, written here.
fn many_pages(n: u32) -> Vec<u8> {
    use std::io::Write;
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", i + 3)).collect();
    offsets.push(out.len());
    out.extend_from_slice(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    offsets.push(out.len());
    write!(
        out,
        "2 0 obj\n<< /Type /Pages /Count {n} /MediaBox [0 0 595 842] /Kids [{}] >>\nendobj\n",
        kids.join(" ")
    )
    .unwrap();
    for i in 0..n {
        offsets.push(out.len());
        write!(
            out,
            "{} 0 obj\n<< /Type /Page /Parent 2 0 R >>\nendobj\n",
            i + 3
        )
        .unwrap();
    }
    let xref = out.len();
    write!(out, "xref\n0 {}\n0000000000 65535 f\r\n", n + 3).unwrap();
    for o in offsets {
        write!(out, "{o:010} 00000 n\r\n").unwrap();
    }
    write!(
        out,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        n + 3
    )
    .unwrap();
    out
}

/// Five thousand pages (the media box inherited from the page tree): the stamp goes on the
/// last one, and the file reads back, quickly.
#[test]
fn a_stamp_on_page_5000() {
    let base = many_pages(5000);
    let started = std::time::Instant::now();
    let stamp = Stamp {
        page: 5000,
        x_mm: 10.0,
        y_mm: 10.0,
        width_mm: 20.0,
        height_mm: 20.0,
        picture: red_square(),
        slice: None,
    };
    let out = signed(&base, &spec("Signature1", Some(stamp)), b"\x30\x00");
    let pdf = Pdf::open(out.as_slice()).unwrap();
    let all = pages(&pdf).unwrap();
    assert_eq!(all.len(), 5000);
    let last = &all[4999];
    assert_eq!(last.media_box, [0.0, 0.0, 595.0, 842.0], "inherited");
    assert!(last.dict.contains_key(&b"Annots"[..]));
    assert_eq!(signature_fields(&pdf).unwrap().len(), 1);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}
