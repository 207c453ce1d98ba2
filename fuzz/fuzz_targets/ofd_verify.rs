#![no_main]
//! OFD packages: the ZIP reader, the XML parser and the whole verification never panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(mut pkg) = eseal_doc::Package::open(std::io::Cursor::new(data.to_vec())) {
        let _ = eseal_doc::verify_ofd(&mut pkg, &Default::default(), &eseal_gm::provider::SoftwareVerifier);
    }
    let _ = eseal_doc::xml::Node::parse(data, "fuzz.xml");
});
