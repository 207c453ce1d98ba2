#![no_main]
//! PDF structure and signatures: the bounded reader (cross-reference tables and streams,
//! object streams, filters), the page tree, the signature fields, the page text for keyword
//! placement and `verify_pdf` never panic;
//! and a signature update prepared for any PDF that opens reads back (what eseal writes, it
//! reads).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = eseal_pdf::Limits {
        decoded_stream: 4 << 20,
        ..Default::default()
    };
    let Ok(pdf) = eseal_pdf::Pdf::open_with(data, limits) else {
        return;
    };
    let _ = eseal_pdf::update::pages(&pdf);
    let _ = eseal_pdf::update::signature_fields(&pdf);
    // The page text (content streams, fonts, ToUnicode maps) for keyword placement.
    let _ = eseal_pdf::text::find_text(&pdf, "甲方");
    let _ = eseal_doc::verify_pdf(
        data,
        &eseal_ses::VerifyPolicy::default(),
        &eseal_gm::provider::SoftwareVerifier,
    );
    let spec = eseal_pdf::SignatureSpec {
        field_name: "fuzz".into(),
        filter: "Adobe.PPKLite".into(),
        sub_filter: "ETSI.CAdES.detached".into(),
        contents_len: 16,
        signing_time: "D:20260101000000+08'00'".into(),
        stamp: None,
        more: Vec::new(),
        certify: None,
    };
    if let Ok(mut update) = eseal_pdf::prepare(&pdf, &spec) {
        update.fill(&[0x30, 0x00]).ok();
        let signed = [data, &update.bytes].concat();
        let again = eseal_pdf::Pdf::open_with(signed.as_slice(), limits)
            .expect("a signed update of a PDF that opened opens");
        assert_eq!(again.revisions.len(), pdf.revisions.len() + 1);
    }
});
