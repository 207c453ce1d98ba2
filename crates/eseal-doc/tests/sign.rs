#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Signing OFDs: round trip, byte-identical unsigned parts, OpenSSL cross-check, a second
//! signature over the first, tampering after signing.

use eseal_doc::{OfdSignRequest, Package, Placement, SignatureKind, sign_ofd, verify_ofd};
use eseal_gm::provider::SoftwareVerifier;
use eseal_ses::{AnySignature, CheckId, Indication, Outcome};
use std::io::{Cursor, Read};
use time::macros::datetime;

use eseal_testkit::rawzip;

mod common;
use common::{Kit, kit, sign, sign_at, three_pages};

/// Copy a package, changing the content of the entries `edit` returns Some for.
fn edit_entries(bytes: &[u8], edit: impl Fn(&str, Vec<u8>) -> Vec<u8>) -> Vec<u8> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        let data = edit(&name, data);
        w.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut w, &data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn verify(k: &Kit, bytes: &[u8]) -> eseal_doc::OfdReport {
    verify_ofd(
        &mut Package::open(Cursor::new(bytes.to_vec())).unwrap(),
        &k.policy,
        &SoftwareVerifier,
    )
    .unwrap()
}

/// name → (raw compressed bytes, CRC) of every file entry.
fn raw_entries(bytes: &[u8]) -> std::collections::HashMap<String, (Vec<u8>, u32)> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut out = std::collections::HashMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index_raw(i).unwrap();
        let name = f.name().unwrap().to_string();
        let crc = f.crc32();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        out.insert(name, (data, crc));
    }
    out
}

#[test]
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
fn round_trip_and_unsigned_parts_unchanged() {
    let Some(dir) = eseal_testkit::samples() else {
        return;
    };
    let k = kit();
    let input = std::fs::read(dir.join("helloworld.ofd")).unwrap();
    let signed = sign(&k, &input, 1);
    let r = verify(&k, &signed);
    assert_eq!(r.signatures.len(), 1);
    assert_eq!(
        r.indication(),
        Indication::Passed,
        "{:#?}",
        r.signatures[0].report
    );
    // Every input entry except OFD.xml (which gains the Signatures pointer) is byte-identical.
    let (before, after) = (raw_entries(&input), raw_entries(&signed));
    for (name, data) in &before {
        if name != "OFD.xml" {
            assert_eq!(after.get(name), Some(data), "{name}");
        }
    }
    assert!(after.contains_key("Doc_0/Signs/Sign_0/SignedValue.dat"));
    // A missing page is refused.
    let err = sign_at(
        &k,
        &input,
        Placement::Page {
            page: 9,
            x: 1.0,
            y: 1.0,
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("page 9"), "{err}");
}

#[test]
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
fn a_second_signature_protects_the_first() {
    let Some(dir) = eseal_testkit::samples() else {
        return;
    };
    let k = kit();
    let once = sign(&k, &std::fs::read(dir.join("helloworld.ofd")).unwrap(), 1);
    let twice = sign(&k, &once, 1);
    let r = verify(&k, &twice);
    assert_eq!(r.signatures.len(), 2);
    assert_eq!(r.indication(), Indication::Passed);
    // Everything of the first signature is byte-identical in the second document.
    let (a, b) = (raw_entries(&once), raw_entries(&twice));
    for (name, data) in &a {
        if !name.ends_with("Signatures.xml") {
            assert_eq!(b.get(name), Some(data), "{name}");
        }
    }
    // Changing the first signature's value breaks it and the second one's references to it.
    let tampered = edit_entries(&twice, |name, mut data| {
        if name == "Doc_0/Signs/Sign_0/SignedValue.dat" {
            let n = data.len() - 5;
            data[n] ^= 1;
        }
        data
    });
    let r = verify(&k, &tampered);
    assert_eq!(r.signatures[0].indication, Indication::Failed);
    let second = &r.signatures[1];
    assert!(
        second
            .report
            .checks
            .iter()
            .any(|c| c.id == CheckId::DocumentReferences
                && c.outcome == Outcome::Failed
                && c.detail.contains("Sign_0/SignedValue.dat"))
    );
}

/// The SignedValue.dat eseal writes verifies with the OpenSSL CLI.
#[test]
#[cfg_attr(
    eseal_skip_openssl,
    ignore = "needs the openssl CLI (apt-get install openssl)"
)]
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
fn openssl_verifies_the_signed_value() {
    let Some(dir) = eseal_testkit::samples() else {
        return;
    };
    if !eseal_testkit::openssl_available() {
        return;
    }
    let k = kit();
    let signed = sign(&k, &std::fs::read(dir.join("helloworld.ofd")).unwrap(), 1);
    let mut pkg = Package::open(Cursor::new(signed)).unwrap();
    let value = pkg.read("Doc_0/Signs/Sign_0/SignedValue.dat").unwrap();
    let (AnySignature::V4(sig), _) = AnySignature::decode(&value).unwrap() else {
        panic!()
    };
    let tmp = std::env::temp_dir().join(format!("eseal-doc-openssl-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::write(tmp.join("tbs.der"), sig.to_sign.raw()).unwrap();
    std::fs::write(tmp.join("sig.der"), &sig.signature).unwrap();
    let pem = eseal_pki::Certificate::from_der(&sig.cert)
        .unwrap()
        .to_pem();
    std::fs::write(tmp.join("signer.pem"), pem).unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new("openssl")
            .current_dir(&tmp)
            .args(args)
            .output()
            .unwrap()
    };
    assert!(
        run(&[
            "x509",
            "-in",
            "signer.pem",
            "-pubkey",
            "-noout",
            "-out",
            "pub.pem"
        ])
        .status
        .success()
    );
    let o = run(&[
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        "pub.pem",
        "-rawin",
        "-digest",
        "sm3",
        "-pkeyopt",
        "distid:1234567812345678",
        "-in",
        "tbs.der",
        "-sigfile",
        "sig.der",
    ]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("Signature Verified Successfully"),
        "{o:?}"
    );
    let _ = std::fs::remove_dir_all(&tmp);
}

fn stamp_annots(signed: &[u8], sig: &str) -> Vec<(String, String, Option<String>)> {
    let mut pkg = Package::open(Cursor::new(signed.to_vec())).unwrap();
    let xml = eseal_doc::xml::Node::parse(&pkg.read(sig).unwrap(), sig).unwrap();
    xml.child("SignedInfo")
        .unwrap()
        .all("StampAnnot")
        .map(|s| {
            (
                s.attr("PageRef").unwrap().to_owned(),
                s.attr("Boundary").unwrap().to_owned(),
                s.attr("Clip").map(str::to_owned),
            )
        })
        .collect()
}

#[test]
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
fn keyword_and_riding_placement() {
    let k = kit();
    let doc = three_pages();
    // The keyword "甲方" is on page 2 (ID 12), at x = 20 + 5 × 5 = 45 mm; the 42 mm stamp is
    // centred on it.
    let signed = sign_at(&k, &doc, Placement::Keyword("甲方".into())).unwrap();
    let stamps = stamp_annots(&signed, "Doc_0/Signs/Sign_0/Signature.xml");
    assert_eq!(stamps.len(), 1);
    assert_eq!(stamps[0].0, "12");
    assert_eq!(
        stamps[0].1, "29 81.5 42 42",
        "centre (50, 102.5) minus half the seal"
    );
    assert_eq!(verify(&k, &signed).indication(), Indication::Passed);
    assert!(
        sign_at(&k, &doc, Placement::Keyword("乙方".into()))
            .unwrap_err()
            .to_string()
            .contains("on no page")
    );
    // A riding seal: one slice of 14 mm per page at the right edge (210 mm wide pages).
    let signed = sign_at(&k, &doc, Placement::Riding { y: 120.0 }).unwrap();
    let stamps = stamp_annots(&signed, "Doc_0/Signs/Sign_0/Signature.xml");
    assert_eq!(
        stamps,
        vec![
            (
                "11".into(),
                "196 120 42 42".into(),
                Some("0 0 14 42".into())
            ),
            (
                "12".into(),
                "182 120 42 42".into(),
                Some("14 0 14 42".into())
            ),
            (
                "13".into(),
                "168 120 42 42".into(),
                Some("28 0 14 42".into())
            ),
        ]
    );
    let r = verify(&k, &signed);
    assert_eq!(r.indication(), Indication::Passed);
    // Signature and annotation IDs share the counter: signature 1, stamps 2..4, MaxSignId 4.
    let mut pkg = Package::open(Cursor::new(signed)).unwrap();
    let list = String::from_utf8(pkg.read("Doc_0/Signs/Signatures.xml").unwrap()).unwrap();
    assert!(
        list.contains("<ofd:MaxSignId>4</ofd:MaxSignId>") && list.contains("ID=\"1\""),
        "{list}"
    );
    // A one-page document cannot take a riding seal.
    let Some(dir) = eseal_testkit::samples() else {
        return;
    };
    let one = std::fs::read(dir.join("helloworld.ofd")).unwrap();
    assert!(
        sign_at(&k, &one, Placement::Riding { y: 10.0 })
            .unwrap_err()
            .to_string()
            .contains("two pages")
    );
}

/// Type=Sign: a GB/T 35275 SignedData over Signature.xml, no seal, no stamp.
#[test]
fn a_plain_digital_signature() {
    let k = kit();
    let mut out = Cursor::new(Vec::new());
    sign_ofd(
        Cursor::new(three_pages()),
        &mut out,
        &OfdSignRequest {
            kind: SignatureKind::Sign,
            seal: None,
            signer_cert: &k.signer_cert,
            signing_time: datetime!(2026-06-01 08:00 UTC),
            placement: Placement::Page {
                page: 1,
                x: 0.0,
                y: 0.0,
            },
            timestamper: None,
        },
        &k.signer,
    )
    .unwrap();
    let signed = out.into_inner();
    let r = verify(&k, &signed);
    assert_eq!(r.signatures.len(), 1);
    assert_eq!(r.signatures[0].kind, "Sign");
    assert_eq!(
        r.indication(),
        Indication::Passed,
        "{:#?}",
        r.signatures[0].report
    );
    assert!(stamp_annots(&signed, "Doc_0/Signs/Sign_0/Signature.xml").is_empty());
    // Signature.xml changed after signing: the SignedData no longer covers it.
    let changed = edit_entries(&signed, |name, data| {
        if name.ends_with("Signature.xml") {
            String::from_utf8(data)
                .unwrap()
                .replace("eseal", "esea1")
                .into_bytes()
        } else {
            data
        }
    });
    let r = verify(&k, &changed);
    let c = r.signatures[0]
        .report
        .checks
        .iter()
        .find(|c| c.id == CheckId::DataHash)
        .unwrap();
    assert_eq!(c.outcome, Outcome::Failed);
    // A seal signature without a seal is refused.
    let mut out = Cursor::new(Vec::new());
    let err = sign_ofd(
        Cursor::new(three_pages()),
        &mut out,
        &OfdSignRequest {
            kind: SignatureKind::Seal,
            seal: None,
            signer_cert: &k.signer_cert,
            signing_time: datetime!(2026-06-01 08:00 UTC),
            placement: Placement::Page {
                page: 1,
                x: 0.0,
                y: 0.0,
            },
            timestamper: None,
        },
        &k.signer,
    )
    .unwrap_err();
    assert!(err.to_string().contains("needs a seal"));
}

/// Entries stored without compression are hashed while they are copied, like deflated ones.
#[test]
fn stored_entries_are_hashed_while_copied() {
    let k = kit();
    let deflated = three_pages();
    let mut z = zip::ZipArchive::new(Cursor::new(deflated)).unwrap();
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        let method = if i % 2 == 0 {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        w.start_file(
            name,
            zip::write::SimpleFileOptions::default().compression_method(method),
        )
        .unwrap();
        std::io::Write::write_all(&mut w, &data).unwrap();
    }
    let mixed = w.finish().unwrap().into_inner();
    let signed = sign_at(
        &k,
        &mixed,
        Placement::Page {
            page: 2,
            x: 10.0,
            y: 10.0,
        },
    )
    .unwrap();
    let r = verify(&k, &signed);
    assert_eq!(
        r.indication(),
        Indication::Passed,
        "{:#?}",
        r.signatures[0].report
    );
}

const PAGE: &str = "Doc_0/Pages/Page_1/Content.xml";

/// Why signing `input` on its first page is refused.
fn sign_refused(k: &Kit, input: &[u8]) -> String {
    let placement = Placement::Page {
        page: 1,
        x: 10.0,
        y: 10.0,
    };
    sign_at(k, input, placement).unwrap_err().to_string()
}

/// The signed three-page document and its raw entries.
fn signed_entries(k: &Kit) -> (Vec<u8>, Vec<rawzip::Entry>) {
    let signed = sign(k, &three_pages(), 1);
    assert_eq!(verify(k, &signed).indication(), Indication::Passed);
    let entries = rawzip::entries(&signed);
    assert!(entries.iter().any(|e| e.name == PAGE.as_bytes()));
    (signed, entries)
}

fn open_error(bytes: Vec<u8>) -> String {
    Package::open(Cursor::new(bytes)).unwrap_err().to_string()
}

/// Issue 14 item 1, as the review found it: a changed page inserted *before* the signed one
/// under the same name. The `zip` crate keeps the last entry of a name, so the signature
/// checked the original page and said PASSED, while a reader taking the first entry (or
/// streaming local headers) shows the forged one. Verifier and signer refuse the package.
#[test]
fn a_page_inserted_before_the_signed_one_under_its_name_is_refused() {
    let k = kit();
    let (_, mut entries) = signed_entries(&k);
    let at = entries
        .iter()
        .position(|e| e.name == PAGE.as_bytes())
        .unwrap();
    let forged = rawzip::Entry::stored(
        PAGE,
        b"<?xml version=\"1.0\"?><ofd:Page xmlns:ofd=\"http://www.ofdspec.org/2016\"><ofd:Content/></ofd:Page>",
    );
    entries.insert(at, forged);
    let attack = rawzip::assemble(&entries, b"", b"");
    // The library alone reads one entry of that name: the attack is invisible to it.
    let z = zip::ZipArchive::new(Cursor::new(attack.clone())).unwrap();
    assert_eq!(z.len() + 1, entries.len());
    let err = open_error(attack.clone());
    assert!(err.contains("two entries are named"), "{err}");
    assert!(err.contains(PAGE), "{err}");
    // Signing such a package is refused too (it used to sign, dropping the duplicate).
    let err = sign_refused(&k, &attack);
    assert!(err.contains("two entries are named"), "{err}");
}

/// The other ways two ZIP readers can see different files in one package.
#[test]
fn zip_structure_disagreements_are_refused() {
    let k = kit();
    let (signed, entries) = signed_entries(&k);
    // The assembler itself writes a package the verifier accepts.
    let clean = rawzip::assemble(&entries, b"", b"");
    assert_eq!(verify(&k, &clean).indication(), Indication::Passed);
    let page = entries
        .iter()
        .position(|e| e.name == PAGE.as_bytes())
        .unwrap();
    let with = |f: &dyn Fn(&mut rawzip::Entry)| {
        let mut v = entries.clone();
        f(&mut v[page]);
        rawzip::assemble(&v, b"", b"")
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "a local header naming another file",
            with(&|e| e.local_name = Some(b"Doc_0/Pages/Page_1/Content.XMX".to_vec())),
            "its local header names",
        ),
        (
            "a local header with another size",
            with(&|e| e.local_size = Some(e.size + 1)),
            "its local header says",
        ),
        (
            "a local header with another method",
            with(&|e| e.local_method = Some(if e.method == 8 { 0 } else { 8 })),
            "compression method",
        ),
        (
            "bytes hidden after an entry",
            with(&|e| e.hidden_after = b"PK\x03\x04 hidden page".to_vec()),
            "that no entry accounts for",
        ),
        (
            "a data descriptor that disagrees",
            with(&|e| e.descriptor = Some((e.crc ^ 1, e.data.len() as u32, e.size))),
            "its data descriptor says",
        ),
        (
            "bytes before the first entry",
            rawzip::assemble(&entries, b"MZ prefix", b""),
            "before the first entry",
        ),
        (
            "bytes after the end record",
            rawzip::assemble(&entries, b"", b"trailing"),
            "follow the end-of-central-directory record",
        ),
    ];
    for (what, bytes, expected) in cases {
        let err = open_error(bytes);
        assert!(err.contains(expected), "{what}: {err}");
    }
    // An honest data descriptor is read (as real encoders write them: v4signed.ofd has them).
    let described = with(&|e| e.descriptor = Some((e.crc, e.data.len() as u32, e.size)));
    assert_eq!(verify(&k, &described).indication(), Indication::Passed);
    // Overlap: a second central-directory entry for the same local header under another name
    // (one file's bytes read as two files).
    let mut alias = entries[page].clone();
    alias.name = b"Doc_0/Pages/Page_1/Alias.xml".to_vec();
    let err = open_error(rawzip::assemble_with(
        &entries,
        b"",
        b"",
        &[(page, alias, 0)],
    ));
    assert!(err.contains("its local header names"), "{err}");
    // A file hidden inside another entry's data and listed in the directory: the two entries'
    // bytes overlap.
    let inner = rawzip::Entry::stored("Doc_0/Hidden.xml", b"<x/>");
    let inner_zip = rawzip::assemble(std::slice::from_ref(&inner), b"", b"");
    let host = rawzip::Entry::stored(
        "Doc_0/Host.bin",
        &inner_zip[..30 + inner.name.len() + inner.data.len()],
    );
    let delta = (30 + host.name.len()) as u32;
    let mut v = entries.clone();
    v.push(host);
    let err = open_error(rawzip::assemble_with(
        &v,
        b"",
        b"",
        &[(v.len() - 1, inner, delta)],
    ));
    assert!(err.contains("overlap"), "{err}");
    // Sanity: the signed package itself opens.
    assert!(Package::open(Cursor::new(signed)).is_ok());
}

/// Issue 14 item 10: an entry whose declared size is false (the data inflates to fewer bytes
/// than the headers say, CRC of the real data) cannot verify; signing it is refused instead of
/// producing a package that never verifies, and the verifier names the entry.
#[test]
fn an_entry_with_a_false_size_is_refused() {
    let k = kit();
    let input = three_pages();
    let mut entries = rawzip::entries(&input);
    let page = entries
        .iter()
        .position(|e| e.name == PAGE.as_bytes())
        .unwrap();
    entries[page].size += 7;
    let lying = rawzip::assemble(&entries, b"", b"");
    let err = sign_refused(&k, &lying);
    assert!(err.contains(PAGE) && err.contains("declares"), "{err}");
    let mut pkg = Package::open(Cursor::new(lying)).unwrap();
    let err = pkg.read(PAGE).unwrap_err().to_string();
    assert!(err.contains("declares"), "{err}");
}

/// The structure walk on hostile headers: every byte of the central directory and end record
/// of a signed package, and of its first local headers, changed in turn — each either opens
/// (then the library agrees with the walk) or is refused with an error; nothing panics.
#[test]
fn every_header_byte_changed_is_refused_or_read_consistently() {
    let k = kit();
    let signed = sign(&k, &three_pages(), 1);
    let z = zip::ZipArchive::new(Cursor::new(signed.clone())).unwrap();
    let dir_start = z.central_directory_start() as usize;
    let mut positions: Vec<usize> = (dir_start..signed.len()).collect();
    positions.extend(0..200.min(dir_start));
    let (mut opened, mut refused) = (0, 0);
    for i in positions {
        for flip in [0x01u8, 0x80, 0xFF] {
            let mut t = signed.clone();
            t[i] ^= flip;
            match Package::open(Cursor::new(t)) {
                Ok(mut p) => {
                    opened += 1;
                    for f in p.files() {
                        let _ = p.read(&f);
                    }
                }
                Err(e) => {
                    refused += 1;
                    assert!(!e.to_string().is_empty());
                }
            }
        }
    }
    assert!(refused > opened, "{refused} refused, {opened} opened");
}

/// Issue 15 item 4: a stamp placed off the page (`--x 5000 --y 5000`) was signed and verified
/// PASSED, invisible. A stamp must lie on its page; the error names the page's size.
#[test]
fn a_stamp_off_the_page_is_refused() {
    let k = kit();
    let input = three_pages();
    for (x, y) in [
        (5000.0, 5000.0),
        (200.0, 10.0),
        (10.0, 280.0),
        (-1.0, 10.0),
        (f32::NAN, 1.0),
    ] {
        let err = sign_at(&k, &input, Placement::Page { page: 2, x, y })
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("does not lie on page 2, which is 210 × 297 mm"),
            "{x},{y}: {err}"
        );
    }
    // The last position that still fits is accepted.
    sign_at(
        &k,
        &input,
        Placement::Page {
            page: 2,
            x: 168.0,
            y: 255.0,
        },
    )
    .unwrap();
    // A riding seal must fit the page height too.
    let err = sign_at(&k, &input, Placement::Riding { y: 290.0 }).unwrap_err();
    assert!(err.to_string().contains("does not lie on page 1"), "{err}");
}
