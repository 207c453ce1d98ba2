#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Hostile packages that would make the verifier read far more than they hold: the same
//! entry referenced thousands of times, shared seal files, signature values and
//! Signature.xml files, entries that cannot be read, values beyond any signature's size.
//! Each is read once (or refused) and the bytes the verifier read are bounded.

use eseal_doc::{Package, verify_ofd};
use eseal_gm::provider::SoftwareVerifier;
use eseal_ses::{CheckId, Indication, Outcome};
use std::io::Cursor;

use eseal_testkit::rawzip;

mod common;
use common::{entry_text, kit, sign, three_pages};

const LIST: &str = "Doc_0/Signs/Signatures.xml";

/// `n` records copied from the one signature of `signed` (in Doc_0/Signs/Sign_0): copy `i`
/// (1..=n) in Doc_0/Signs/Sign_{i} with `ID` i + 1, its own Signature.xml (the first's text
/// through `edit`, naming its own SignedValue) and a copy of the SignedValue. Returns their
/// entries and the signature list naming them after the first record (`keep_first`) or in
/// its place.
fn copies_of_the_first(
    signed: &[u8],
    n: usize,
    keep_first: bool,
    edit: impl Fn(&str) -> String,
) -> (Vec<rawzip::Entry>, String) {
    let list_text = entry_text(signed, LIST);
    let sig_text = edit(&entry_text(signed, "Doc_0/Signs/Sign_0/Signature.xml"));
    let value = rawzip::entries(signed)
        .into_iter()
        .find(|e| e.name == b"Doc_0/Signs/Sign_0/SignedValue.dat")
        .unwrap();
    let record =
        "<ofd:Signature ID=\"1\" Type=\"Seal\" BaseLoc=\"/Doc_0/Signs/Sign_0/Signature.xml\"/>";
    assert!(list_text.contains(record), "{list_text}");
    let (mut entries, mut records) = (Vec::new(), String::new());
    for i in 1..=n {
        let dir = format!("Doc_0/Signs/Sign_{i}");
        records += &record
            .replace("ID=\"1\"", &format!("ID=\"{}\"", i + 1))
            .replace("Sign_0", &format!("Sign_{i}"));
        let own = sig_text.replace(
            "Sign_0/SignedValue.dat",
            &format!("Sign_{i}/SignedValue.dat"),
        );
        entries.push(rawzip::Entry::stored(
            &format!("{dir}/Signature.xml"),
            own.as_bytes(),
        ));
        let mut v = value.clone();
        v.name = format!("{dir}/SignedValue.dat").into_bytes();
        entries.push(v);
    }
    let first = if keep_first { record } else { "" };
    (
        entries,
        list_text.replace(record, &(first.to_owned() + &records)),
    )
}

/// The review's amplification (issue 14 item 4): a signature listing one 1 MiB entry 8,000
/// times, in a package of a few KB. Each file is hashed once, so the verifier reads about
/// 1 MiB instead of 8 GiB; the repetition is named.
#[test]
fn thousands_of_references_to_one_entry_hash_it_once() {
    let k = kit();
    let signed = sign(&k, &three_pages(), 1);
    let big = "Doc_0/Res/big.bin";
    let mut entries = rawzip::entries(&signed);
    let sig_xml = "Doc_0/Signs/Sign_0/Signature.xml";
    let text = entry_text(&signed, sig_xml);
    let one = format!(
        "<ofd:Reference FileRef=\"/{big}\"><ofd:CheckValue>AAAA</ofd:CheckValue></ofd:Reference>"
    );
    let text = text.replace(
        "</ofd:References>",
        &format!("{}</ofd:References>", one.repeat(8000)),
    );
    rawzip::put(&mut entries, rawzip::deflated(sig_xml, text.as_bytes()));
    entries.push(rawzip::deflated(big, &vec![0u8; 1 << 20]));
    let attack = rawzip::assemble(&entries, b"", b"");
    assert!(attack.len() < 64 * 1024, "{} bytes", attack.len());
    let mut pkg = Package::open(Cursor::new(attack.clone())).unwrap();
    let r = verify_ofd(&mut pkg, &k.policy, &SoftwareVerifier).unwrap();
    assert_eq!(r.indication(), Indication::Failed);
    assert!(
        pkg.bytes_read() < 3 << 20,
        "{} bytes read",
        pkg.bytes_read()
    );
    let checks = &r.signatures[0].report.checks;
    assert!(
        checks
            .iter()
            .any(|c| c.detail.contains("referenced more than once") && c.detail.contains(big)),
        "{checks:#?}"
    );
    // A budget below what the document needs stops the work with no verdict.
    let mut pkg = Package::open(Cursor::new(attack.clone())).unwrap();
    pkg.set_budget(eseal_doc::Budget {
        max_bytes: Some(512 * 1024),
        cancel: None,
    });
    let err = verify_ofd(&mut pkg, &k.policy, &SoftwareVerifier).unwrap_err();
    assert!(matches!(err, eseal_doc::DocError::Limit(_)), "{err}");
    // So does a caller that stopped waiting.
    let mut pkg = Package::open(Cursor::new(attack)).unwrap();
    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    pkg.set_budget(eseal_doc::Budget {
        max_bytes: None,
        cancel: Some(cancel),
    });
    let err = verify_ofd(&mut pkg, &k.policy, &SoftwareVerifier).unwrap_err();
    assert!(matches!(err, eseal_doc::DocError::Cancelled), "{err}");
    // More references than a package may have entries are refused outright.
    let many =
        "<ofd:Reference FileRef=\"/OFD.xml\"><ofd:CheckValue>AAAA</ofd:CheckValue></ofd:Reference>"
            .repeat(eseal_doc::ofd::MAX_REFERENCES + 1);
    let mut entries = rawzip::entries(&signed);
    let text = entry_text(&signed, sig_xml);
    let text = text.replace("</ofd:References>", &format!("{many}</ofd:References>"));
    rawzip::put(&mut entries, rawzip::deflated(sig_xml, text.as_bytes()));
    let mut pkg = Package::open(Cursor::new(rawzip::assemble(&entries, b"", b""))).unwrap();
    let err = verify_ofd(&mut pkg, &k.policy, &SoftwareVerifier).unwrap_err();
    assert!(err.to_string().contains("references"), "{err}");
}

/// The seal file beside each signature is compared with the seal inside it. A package with
/// two hundred signature records, each with its own Signature.xml and SignedValue but all
/// naming one 2 MiB entry as their seal file, must not have the verifier read that entry two
/// hundred times: the seal file is compared by its SM3, computed once per document.
#[test]
fn a_large_seal_file_named_by_many_records_is_read_once() {
    let k = kit();
    let signed = sign(&k, &three_pages(), 1);
    let mut entries = rawzip::entries(&signed);
    let big = "Doc_0/big.bin";
    let seal_loc = "<ofd:BaseLoc>/Doc_0/Signs/Sign_0/Seal.esl</ofd:BaseLoc>";
    let (copies, list_text) = copies_of_the_first(&signed, 200, false, |text| {
        assert!(text.contains(seal_loc), "{text}");
        text.replace(seal_loc, &format!("<ofd:BaseLoc>/{big}</ofd:BaseLoc>"))
    });
    entries.extend(copies);
    entries.retain(|e| !e.name.starts_with(b"Doc_0/Signs/Sign_0/") && e.name != LIST.as_bytes());
    entries.push(rawzip::Entry::stored(LIST, list_text.as_bytes()));
    entries.push(rawzip::Entry::stored(big, &vec![1u8; 2 << 20]));
    let mut pkg = Package::open(Cursor::new(rawzip::assemble(&entries, b"", b""))).unwrap();
    let r = verify_ofd(&mut pkg, &k.policy, &SoftwareVerifier).unwrap();
    assert_eq!(r.signatures.len(), 200);
    assert!(
        pkg.bytes_read() < 8 << 20,
        "{} bytes read",
        pkg.bytes_read()
    );
    for s in &r.signatures {
        let seal = s
            .report
            .checks
            .iter()
            .find(|c| c.id == CheckId::SealFile)
            .unwrap();
        assert_eq!(seal.outcome, Outcome::Failed);
        assert!(seal.detail.contains("differs from the seal"), "{seal:#?}");
    }
}

/// An entry that cannot be read to its end (its CRC is wrong) fails the same way each time:
/// a signature listing it hundreds of times must not have the verifier inflate it hundreds
/// of times. Its failure is remembered like a digest; each reference still names it.
#[test]
fn an_unreadable_entry_referenced_many_times_is_read_once() {
    let k = kit();
    let signed = sign(&k, &three_pages(), 1);
    let bad = "Doc_0/Res/bad.bin";
    let mut entries = rawzip::entries(&signed);
    let sig_xml = "Doc_0/Signs/Sign_0/Signature.xml";
    let text = entry_text(&signed, sig_xml);
    let one = format!(
        "<ofd:Reference FileRef=\"/{bad}\"><ofd:CheckValue>AAAA</ofd:CheckValue></ofd:Reference>"
    );
    let text = text.replace(
        "</ofd:References>",
        &format!("{}</ofd:References>", one.repeat(300)),
    );
    rawzip::put(&mut entries, rawzip::deflated(sig_xml, text.as_bytes()));
    let mut corrupt = rawzip::deflated(bad, &vec![7u8; 1 << 20]);
    corrupt.crc ^= 1;
    entries.push(corrupt);
    let mut pkg = Package::open(Cursor::new(rawzip::assemble(&entries, b"", b""))).unwrap();
    let r = verify_ofd(&mut pkg, &k.policy, &SoftwareVerifier).unwrap();
    assert_eq!(r.indication(), Indication::Failed);
    assert!(
        pkg.bytes_read() < 3 << 20,
        "{} bytes read",
        pkg.bytes_read()
    );
    let refs = r.signatures[0]
        .report
        .checks
        .iter()
        .find(|c| c.id == CheckId::DocumentReferences && c.outcome == Outcome::Failed)
        .unwrap();
    assert!(refs.detail.contains(bad), "{refs:#?}");
    // Said in Chinese in the Chinese evidence (not the CRC checker's English).
    assert!(
        refs.detail_zh.contains("压缩数据损坏或与校验值（CRC）不符"),
        "{refs:#?}"
    );
    assert!(!refs.detail_zh.contains("checksum"), "{refs:#?}");
}

/// Issue 22 item 4: verification reads each package entry once, however many signatures
/// reference it. Forty signatures over a 1 MiB attachment (each covering it): the verifier
/// reads about the package's content once plus each signature's own files, not forty times
/// the attachment; every signature passes.
#[test]
fn many_signatures_read_each_entry_once() {
    let k = kit();
    let mut entries = rawzip::entries(&three_pages());
    let attachment: Vec<u8> = (0..1u32 << 20).map(|i| (i % 251) as u8).collect();
    entries.push(rawzip::deflated("Doc_0/Attachs/data.bin", &attachment));
    let mut doc = rawzip::assemble(&entries, b"", b"");
    for _ in 0..40 {
        doc = sign(&k, &doc, 1);
    }
    let mut z = zip::ZipArchive::new(Cursor::new(doc.clone())).unwrap();
    let content: u64 = (0..z.len()).map(|i| z.by_index(i).unwrap().size()).sum();
    let mut pkg = Package::open(Cursor::new(doc.clone())).unwrap();
    let r = verify_ofd(&mut pkg, &k.policy, &SoftwareVerifier).unwrap();
    assert_eq!(r.signatures.len(), 40);
    // The same in windows of 16 records (the default holds 128): the same results.
    let mut small = Package::open(Cursor::new(doc)).unwrap();
    let windowed =
        eseal_doc::ofd::verify_ofd_in_windows(&mut small, &k.policy, &SoftwareVerifier, 16)
            .unwrap();
    assert_eq!(
        format!("{:?}", windowed.signatures),
        format!("{:?}", r.signatures)
    );
    assert_eq!(
        r.indication(),
        Indication::Passed,
        "{:#?}",
        r.signatures[0].report
    );
    // In document order.
    let dirs: Vec<String> = r
        .signatures
        .iter()
        .map(|s| {
            s.signature_xml
                .trim_end_matches("/Signature.xml")
                .to_owned()
        })
        .collect();
    for (k, d) in dirs.iter().enumerate() {
        assert!(d.ends_with(&format!("/Sign_{k}")), "{dirs:?}");
    }
    // Each Signature.xml is read for its signature and hashed for later references; the
    // signature list once per signature (it is small): well under twice the content.
    assert!(
        pkg.bytes_read() < 2 * content,
        "{} bytes read for {content} bytes of content",
        pkg.bytes_read()
    );
}

/// A hostile package whose every signature names one large entry as its SignedValue: each
/// record would hold its own copy of it while its window is checked (32 × 64 MiB from a
/// package of a few MB). A SignedValue over `MAX_SIGNED_VALUE` is refused for its record,
/// with the bound named, before it is held.
#[test]
fn a_signed_value_larger_than_any_signature_is_refused_not_held() {
    let k = kit();
    let signed = sign(&k, &sign(&k, &three_pages(), 1), 1);
    let mut entries = rawzip::entries(&signed);
    let big = "Doc_0/big.dat";
    for e in entries.iter_mut() {
        if !e.name.ends_with(b"/Signature.xml") {
            continue;
        }
        let name = String::from_utf8(e.name.clone()).unwrap();
        let xml = entry_text(&signed, &name);
        let (head, rest) = xml.split_once("SignedValue>").unwrap();
        let (_, tail) = rest.split_once('<').unwrap();
        let forged = format!("{head}SignedValue>/{big}<{tail}");
        *e = rawzip::Entry::stored(&name, forged.as_bytes());
    }
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let junk: Vec<u8> = (0..(eseal_doc::ofd::MAX_SIGNED_VALUE as usize + (1 << 20)))
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    entries.push(rawzip::Entry::stored(big, &junk));
    let mut pkg = Package::open(Cursor::new(rawzip::assemble(&entries, b"", b""))).unwrap();
    let r = verify_ofd(&mut pkg, &k.policy, &SoftwareVerifier).unwrap();
    // Refused by its declared size: not one byte of it inflated, for either record.
    assert!(
        pkg.bytes_read() < eseal_doc::ofd::MAX_SIGNED_VALUE,
        "{} bytes read",
        pkg.bytes_read()
    );
    assert_eq!(r.signatures.len(), 2);
    // The first record is refused for the size; the second, naming the first one's value,
    // for sharing it.
    let larger = format!("is larger than {} bytes", eseal_doc::ofd::MAX_SIGNED_VALUE);
    for (s, why) in r
        .signatures
        .iter()
        .zip([larger.as_str(), "already belongs to signature 1 (ID 1)"])
    {
        assert_eq!(s.indication, Indication::Failed);
        assert!(
            s.report.checks.iter().any(|c| c.id == CheckId::Structure
                && c.outcome == Outcome::Failed
                && c.detail.contains(why)),
            "{why}: {:#?}",
            s.report.checks
        );
    }
}

/// A record's Signature.xml padded with a 2 MiB comment (about 100 KB compressed), listed a
/// hundred times: without the rule that a file belongs to one signature, the verifier
/// inflated it a hundred times (200 MiB from a package of about 100 KB; with the bounds, 1,000
/// records × 64 MiB). The first record reads it; the others are refused without reading it.
#[test]
fn a_signature_file_listed_by_many_records_is_read_once() {
    let k = kit();
    let signed = sign(&k, &three_pages(), 1);
    let mut entries = rawzip::entries(&signed);
    let list = LIST;
    let sig_xml = "Doc_0/Signs/Sign_0/Signature.xml";
    let record = format!("<ofd:Signature ID=\"1\" Type=\"Seal\" BaseLoc=\"/{sig_xml}\"/>");
    let list_text = entry_text(&signed, list);
    assert!(list_text.contains(&record), "{list_text}");
    let padded = entry_text(&signed, sig_xml).replacen(
        "?>",
        &format!("?><!--{}-->", rawzip::filler(2 << 20)),
        1,
    );
    let many = list_text.replace(&record, &record.repeat(100));
    rawzip::put(&mut entries, rawzip::Entry::stored(list, many.as_bytes()));
    rawzip::put(&mut entries, rawzip::deflated(sig_xml, padded.as_bytes()));
    let mut pkg = Package::open(Cursor::new(rawzip::assemble(&entries, b"", b""))).unwrap();
    let r = verify_ofd(&mut pkg, &k.policy, &SoftwareVerifier).unwrap();
    assert_eq!(r.signatures.len(), 100);
    assert!(
        pkg.bytes_read() < 4 << 20,
        "{} bytes read",
        pkg.bytes_read()
    );
    // The first is checked (the padding changed the signed bytes, so it fails its value);
    // each later record fails on its structure, naming the first.
    assert!(
        !r.signatures[0]
            .report
            .checks
            .iter()
            .any(|c| c.id == CheckId::Structure && c.outcome == Outcome::Failed)
    );
    for s in &r.signatures[1..] {
        assert_eq!(s.indication, Indication::Failed);
        let why = s
            .report
            .checks
            .iter()
            .find(|c| c.id == CheckId::Structure && c.outcome == Outcome::Failed)
            .unwrap();
        assert!(
            why.detail
                .contains(&format!("{sig_xml} already belongs to signature 1 (ID 1)")),
            "{why:#?}"
        );
    }
}

/// A hundred records, each with its own Signature.xml, naming one 3 MiB SignedValue (under
/// the 4 MiB bound, about 150 KB compressed): the verifier read it once per record (300
/// MiB). It belongs to the first record; the others are refused without reading it, and the
/// real signature beside them still passes.
#[test]
fn a_signed_value_shared_by_many_records_is_read_once() {
    let k = kit();
    let signed = sign(&k, &three_pages(), 1);
    let mut entries = rawzip::entries(&signed);
    let list = LIST;
    let sig_text = entry_text(&signed, "Doc_0/Signs/Sign_0/Signature.xml");
    let shared = "Doc_0/shared.dat";
    let value_loc = "/Doc_0/Signs/Sign_0/SignedValue.dat";
    assert!(sig_text.contains(value_loc), "{sig_text}");
    let forged = sig_text.replace(value_loc, &format!("/{shared}"));
    let mut records = String::new();
    for i in 1..=100 {
        let path = format!("Doc_0/Signs/Forged_{i}/Signature.xml");
        records += &format!("<ofd:Signature ID=\"f{i}\" Type=\"Seal\" BaseLoc=\"/{path}\"/>");
        entries.push(rawzip::Entry::stored(&path, forged.as_bytes()));
    }
    entries.push(rawzip::deflated(shared, rawzip::filler(3 << 20).as_bytes()));
    let list_text = entry_text(&signed, list)
        .replace("</ofd:Signatures>", &format!("{records}</ofd:Signatures>"));
    assert!(list_text.contains("Forged_100"), "{list_text}");
    rawzip::put(
        &mut entries,
        rawzip::Entry::stored(list, list_text.as_bytes()),
    );
    let mut pkg = Package::open(Cursor::new(rawzip::assemble(&entries, b"", b""))).unwrap();
    let r = verify_ofd(&mut pkg, &k.policy, &SoftwareVerifier).unwrap();
    assert_eq!(r.signatures.len(), 101);
    assert!(
        pkg.bytes_read() < 5 << 20,
        "{} bytes read",
        pkg.bytes_read()
    );
    assert_eq!(r.signatures[0].indication, Indication::Passed);
    for s in &r.signatures[2..] {
        let why = s
            .report
            .checks
            .iter()
            .find(|c| c.id == CheckId::Structure && c.outcome == Outcome::Failed)
            .unwrap();
        assert!(
            why.detail.contains(&format!(
                "SignedValue: {shared} already belongs to signature 2 (ID f1)"
            )),
            "{why:#?}"
        );
        assert!(why.detail_zh.contains("已属于第 2 个签名"), "{why:#?}");
    }
}

/// OFD.xml naming one signature list (padded to 1 MiB by a comment) in two hundred
/// `DocBody` elements: each list was read and parsed once per naming, and a padded list
/// with no records counts toward no bound (200 MiB here; an OFD.xml of 64 MiB names it a
/// million times). Each list is read once, and its signatures are reported once.
#[test]
fn a_signature_list_named_by_many_documents_is_read_once() {
    let k = kit();
    let signed = sign(&k, &three_pages(), 1);
    let mut entries = rawzip::entries(&signed);
    let list = LIST;
    let ofd = entry_text(&signed, "OFD.xml");
    let start = ofd.find("<ofd:DocBody>").unwrap();
    let end = ofd.find("</ofd:DocBody>").unwrap() + "</ofd:DocBody>".len();
    let body = &ofd[start..end];
    assert!(body.contains(list), "{body}");
    // The same list by other spellings of its name, too.
    let other = body.replace(list, "/doc_0/signs/../Signs/SIGNATURES.xml");
    let ofd = ofd.replace(body, &(body.repeat(150) + &other.repeat(50)));
    let padded = entry_text(&signed, list).replacen(
        "?>",
        &format!("?><!--{}-->", rawzip::filler(1 << 20)),
        1,
    );
    rawzip::put(&mut entries, rawzip::deflated("OFD.xml", ofd.as_bytes()));
    rawzip::put(&mut entries, rawzip::deflated(list, padded.as_bytes()));
    let mut pkg = Package::open(Cursor::new(rawzip::assemble(&entries, b"", b""))).unwrap();
    let r = verify_ofd(&mut pkg, &k.policy, &SoftwareVerifier).unwrap();
    assert!(
        pkg.bytes_read() < 3 << 20,
        "{} bytes read",
        pkg.bytes_read()
    );
    // One signature, checked once; it covers OFD.xml, which the attack changed.
    assert_eq!(r.signatures.len(), 1);
    let refs = r.signatures[0]
        .report
        .checks
        .iter()
        .find(|c| c.id == CheckId::DocumentReferences)
        .unwrap();
    assert_eq!(refs.outcome, Outcome::Failed);
    assert!(refs.detail.contains("OFD.xml"), "{refs:#?}");
}

/// Coverage (which files a signature leaves unprotected) was worked out for each signature
/// over every file of the package, and each signature's report named every such file: 300
/// records over 20,000 small entries made 6 million filter steps and a report of tens of
/// megabytes (every signature naming all 20,000 files, in two languages); at the bounds
/// (1,000 records, 100,000 entries) 10^8 steps and gigabytes of text from a package of
/// about 15 MB. Now the work is linear in the files and each report names at most
/// `COVERAGE_NAMES` files with their number.
#[test]
fn coverage_of_many_signatures_over_many_files_is_bounded() {
    let k = kit();
    let signed = sign(&k, &three_pages(), 1);
    let mut entries = rawzip::entries(&signed);
    const RECORDS: usize = 300;
    const JUNK: usize = 20_000;
    let (copies, listed) = copies_of_the_first(&signed, RECORDS - 1, true, str::to_owned);
    entries.extend(copies);
    for i in 0..JUNK {
        entries.push(rawzip::Entry::stored(&format!("Doc_0/Res/j{i}"), b"x"));
    }
    rawzip::put(&mut entries, rawzip::Entry::stored(LIST, listed.as_bytes()));
    let mut pkg = Package::open(Cursor::new(rawzip::assemble(&entries, b"", b""))).unwrap();
    let r = verify_ofd(&mut pkg, &k.policy, &SoftwareVerifier).unwrap();
    assert_eq!(r.signatures.len(), RECORDS);
    let mut detail_bytes = 0;
    for (i, s) in r.signatures.iter().enumerate() {
        let cover = s
            .report
            .checks
            .iter()
            .find(|c| c.id == CheckId::DocumentCoverage && c.detail.contains("not protected"))
            .unwrap_or_else(|| panic!("{i}: {:#?}", s.report.checks));
        assert_eq!(cover.outcome, Outcome::Warning, "{i}");
        detail_bytes += cover.detail.len() + cover.detail_zh.len();
        // (Only the start of a text in a failure message: before the fix each named 20,000
        // files.)
        let (en, zh): (String, String) = (
            cover.detail.chars().take(300).collect(),
            cover.detail_zh.chars().take(300).collect(),
        );
        // What signature i leaves out: the junk, and the files of the signatures before it
        // (their Signature.xml and SignedValue; every copy protects the first one's seal
        // file). The signature list and the later signatures' directories are not counted.
        let expected = JUNK + 2 * i;
        assert!(
            cover
                .detail
                .contains(&format!("{expected} files not protected")),
            "{i}: {en}"
        );
        assert!(
            cover.detail_zh.contains(&format!("{expected} 个文件")),
            "{i}: {zh}"
        );
    }
    assert!(
        detail_bytes < RECORDS * 4096,
        "{detail_bytes} bytes of coverage text"
    );
}
