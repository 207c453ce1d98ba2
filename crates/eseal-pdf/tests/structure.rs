//! The structure reader on PDFs written here byte by byte: a classic table with an
//! incremental update, a cross-reference stream (PNG predictor) with an object stream, a
//! hybrid file; and hostile files: loops, lying lengths, bombs, missing markers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use eseal_pdf::{Entry, Object, ObjectId, Pdf, PdfError};
use std::io::Write;

fn id(number: u32) -> ObjectId {
    ObjectId {
        number,
        generation: 0,
    }
}

/// Objects written in order with a classic table; `prev` makes it an update of `base`.
fn classic(base: &[u8], objects: &[(u32, &str)], trailer: &str) -> Vec<u8> {
    let mut out = base.to_vec();
    if out.is_empty() {
        out.extend_from_slice(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
    }
    let mut offsets = Vec::new();
    for (n, body) in objects {
        offsets.push((*n, out.len()));
        write!(out, "{n} 0 obj\n{body}\nendobj\n").unwrap();
    }
    let xref = out.len();
    out.extend_from_slice(b"xref\n");
    if base.is_empty() {
        out.extend_from_slice(b"0 1\n0000000000 65535 f\r\n");
    }
    for (n, off) in &offsets {
        write!(out, "{n} 1\n{off:010} 00000 n\r\n").unwrap();
    }
    write!(out, "trailer\n{trailer}\nstartxref\n{xref}\n%%EOF\n").unwrap();
    out
}

fn original() -> Vec<u8> {
    classic(
        &[],
        &[
            (1, "<< /Type /Catalog /Pages 2 0 R >>"),
            (2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
            (
                3,
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            ),
            (4, "<< /Length 5 0 R >>\nstream\nBT ET\nendstream"),
            (5, "5"),
        ],
        "<< /Size 6 /Root 1 0 R >>",
    )
}

#[test]
fn a_classic_file_and_its_incremental_update() {
    let base = original();
    let pdf = Pdf::open(base.as_slice()).unwrap();
    assert_eq!(pdf.revisions.len(), 1);
    assert_eq!(pdf.revisions[0].end, Some(base.len() as u64));
    let root = pdf.trailer().unwrap()[&b"Root"[..]].reference().unwrap();
    assert_eq!(
        pdf.get(root).unwrap().dict().unwrap()[&b"Type"[..]],
        Object::Name(b"Catalog".to_vec())
    );
    // A stream's /Length may be an indirect object.
    let Object::Stream(d, at) = pdf.get(id(4)).unwrap() else {
        panic!("not a stream")
    };
    assert_eq!(pdf.stream_data(&d, at).unwrap(), b"BT ET");

    // An update replaces the page and adds an object; the original bytes stay as they were.
    let prev = base.len() - base.windows(9).rposition(|w| w == b"startxref").unwrap();
    let xref_at = {
        let tail = &base[base.len() - prev + 9..];
        std::str::from_utf8(tail)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned()
    };
    let updated = classic(
        &base,
        &[
            (
                3,
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Annots [6 0 R] >>",
            ),
            (6, "<< /Type /Annot /Subtype /Widget /FT /Sig >>"),
        ],
        &format!("<< /Size 7 /Root 1 0 R /Prev {xref_at} >>"),
    );
    let pdf = Pdf::open(updated.as_slice()).unwrap();
    assert_eq!(pdf.revisions.len(), 2);
    assert_eq!(pdf.revisions[0].end, Some(base.len() as u64));
    assert_eq!(pdf.revisions[1].end, Some(updated.len() as u64));
    let page = pdf.get(id(3)).unwrap();
    assert!(
        page.dict().unwrap().contains_key(&b"Annots"[..]),
        "the newest page"
    );
    assert!(matches!(pdf.get(id(6)).unwrap(), Object::Dict(_)));
    assert_eq!(pdf.get(id(99)).unwrap(), Object::Null);
}

/// Zlib of `data`.
fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Rows of `w` = [1, 4, 2] encoded with PNG "Up" (filter 2) rows, as writers do.
fn png_up(rows: &[[u8; 7]]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut prev = [0u8; 7];
    for r in rows {
        out.push(2);
        for i in 0..7 {
            out.push(r[i].wrapping_sub(prev[i]));
        }
        prev = *r;
    }
    out
}

fn row(kind: u8, b: u32, c: u16) -> [u8; 7] {
    let b = b.to_be_bytes();
    let c = c.to_be_bytes();
    [kind, b[0], b[1], b[2], b[3], c[0], c[1]]
}

#[test]
fn a_cross_reference_stream_with_an_object_stream() {
    let mut out = b"%PDF-1.7\n".to_vec();
    let catalog = out.len();
    out.extend_from_slice(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    // Objects 2 and 3 in object stream 4.
    let objs = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >> << /Type /Page /Parent 2 0 R >>";
    let header = b"2 0 3 42 ";
    let mut body = header.to_vec();
    body.extend_from_slice(objs);
    let packed = deflate(&body);
    let objstm = out.len();
    write!(
        out,
        "4 0 obj\n<< /Type /ObjStm /N 2 /First {} /Filter /FlateDecode /Length {} >>\nstream\n",
        header.len(),
        packed.len()
    )
    .unwrap();
    out.extend_from_slice(&packed);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    let xref = out.len();
    let rows = [
        row(0, 0, 65535),
        row(1, catalog as u32, 0),
        row(2, 4, 0),
        row(2, 4, 1),
        row(1, objstm as u32, 0),
        row(1, xref as u32, 0),
    ];
    let data = deflate(&png_up(&rows));
    write!(
        out,
        "5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode \
         /DecodeParms << /Predictor 12 /Columns 7 >> /Length {} >>\nstream\r\n",
        data.len()
    )
    .unwrap();
    out.extend_from_slice(&data);
    write!(out, "\nendstream\nendobj\nstartxref\n{xref}\n%%EOF").unwrap();

    let pdf = Pdf::open(out.as_slice()).unwrap();
    assert_eq!(pdf.revisions.len(), 1);
    assert_eq!(pdf.revisions[0].end, Some(out.len() as u64));
    assert_eq!(
        pdf.entries[&2],
        Entry::InStream {
            stream: 4,
            index: 0
        }
    );
    let page = pdf.get(id(3)).unwrap();
    assert_eq!(
        page.dict().unwrap()[&b"Type"[..]],
        Object::Name(b"Page".to_vec())
    );
    let pages = pdf.get(id(2)).unwrap();
    assert_eq!(pages.dict().unwrap()[&b"Count"[..]], Object::Int(1));
}

/// `b` with the first `from` replaced by `to`, bytes kept as they are.
fn replace(b: &[u8], from: &str, to: &str) -> Vec<u8> {
    let at = b
        .windows(from.len())
        .position(|w| w == from.as_bytes())
        .unwrap();
    [&b[..at], to.as_bytes(), &b[at + from.len()..]].concat()
}

#[test]
fn hostile_files_are_errors() {
    // No startxref.
    assert!(matches!(
        Pdf::open(&b"%PDF-1.7\nhello"[..]),
        Err(PdfError::Truncated { .. })
    ));
    // A /Prev that points at itself.
    let base = original();
    let xref = String::from_utf8_lossy(&base)
        .rsplit("startxref\n")
        .next()
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    let looped = replace(
        &base,
        "<< /Size 6 /Root 1 0 R >>",
        &format!("<< /Size 6 /Root 1 0 R /Prev {xref} >>"),
    );
    let e = Pdf::open(looped.as_slice()).unwrap_err();
    assert!(e.to_string().contains("loop"), "{e}");
    // A startxref past the end.
    let mut far = base.clone();
    let at = far.windows(9).rposition(|w| w == b"startxref").unwrap();
    far.truncate(at);
    far.extend_from_slice(b"startxref\n99999999\n%%EOF\n");
    assert!(Pdf::open(far.as_slice()).is_err());
    // A stream that claims more bytes than the file has.
    // (The same length of text, so the table's offsets still hold.)
    let lying = replace(&base, "5 0 obj\n5\n", "5 0 obj\n9\n");
    let pdf = Pdf::open(lying.as_slice()).unwrap();
    let Object::Stream(d, at) = pdf.get(id(4)).unwrap() else {
        panic!()
    };
    assert!(pdf.stream_data(&d, at).is_err());
    // A compression bomb stops at the limit.
    let bomb = deflate(&vec![0u8; 4 << 20]);
    let mut f = b"%PDF-1.7\n".to_vec();
    let obj = f.len();
    write!(
        f,
        "1 0 obj\n<< /Filter /FlateDecode /Length {} >>\nstream\n",
        bomb.len()
    )
    .unwrap();
    f.extend_from_slice(&bomb);
    f.extend_from_slice(b"\nendstream\nendobj\n");
    let xref = f.len();
    write!(
        f,
        "xref\n0 2\n0000000000 65535 f\r\n{obj:010} 00000 n\r\ntrailer\n<< /Size 2 >>\nstartxref\n{xref}\n%%EOF\n"
    )
    .unwrap();
    let limits = eseal_pdf::Limits {
        decoded_stream: 1 << 20,
        ..Default::default()
    };
    let pdf = Pdf::open_with(f.as_slice(), limits).unwrap();
    let Object::Stream(d, at) = pdf.get(id(1)).unwrap() else {
        panic!()
    };
    assert!(matches!(
        pdf.stream_data(&d, at),
        Err(PdfError::TooLarge(_))
    ));
    // An entry that points at another object.
    let wrong = replace(&base, "1 0 obj", "7 0 obj");
    let pdf = Pdf::open(wrong.as_slice()).unwrap();
    assert!(pdf.get(id(1)).is_err());
    // Every prefix of a valid file is an error or a file, never a panic.
    for cut in 0..base.len() {
        let _ = Pdf::open(&base[..cut]).map(|p| p.get(id(3)));
    }
}
