#![allow(clippy::unwrap_used, clippy::expect_used)] // a generator run by hand
//! Writes the GM/T 0099 integrity-protection test vectors of `testdata/ofd/integrity/`
//! (NOTES.md there says what each file is):
//!
//! ```sh
//! cargo run -p eseal-doc --example integrity_vectors -- testdata/ofd/integrity
//! ```

use eseal_doc::{ProtectRequest, protect_ofd};
use eseal_gm::Sm2PrivateKey;
use eseal_gm::provider::{SeededRandom, SoftwareSigner};
use eseal_pki::name::name_from_slashes;
use eseal_pki::{Certificate, CertificateKind, IssueRequest, Issuer, issue_certificate};
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use time::macros::datetime;

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
    println!("{name}: {} bytes", bytes.len());
}

/// The ofdrw form of the same protection: root `DocEntries`, no CheckValue, signed again.
fn ofdrw_form(protected: &[u8], signer_cert: &[u8], signer: &SoftwareSigner) -> Vec<u8> {
    let mut zin = zip::ZipArchive::new(Cursor::new(protected)).unwrap();
    let mut entries = String::new();
    zin.by_name("OFDEntries.xml")
        .unwrap()
        .read_to_string(&mut entries)
        .unwrap();
    let mut e = entries.replace("ofd:OFDEntries", "ofd:DocEntries");
    while let Some(at) = e.find(" CheckValue=\"") {
        let end = e[at + 13..].find('"').unwrap() + at + 14;
        e.replace_range(at..end, "");
    }
    let value = eseal_ses::gbt35275::make_signed_data(
        &eseal_gm::Sm3Digest::of(e.as_bytes()),
        signer_cert,
        signer,
    )
    .unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        let data = match name.as_str() {
            "OFDEntries.xml" => e.clone().into_bytes(),
            "signedvalue.dat" => value.clone(),
            _ => data,
        };
        out.start_file(name, opts).unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn main() {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "testdata/ofd/integrity".into()),
    );
    std::fs::create_dir_all(dir.join("trust")).unwrap();
    let random = SeededRandom::new(b"eseal GM/T 0099 integrity vectors");
    let (t0, t1) = (
        datetime!(2026-01-01 00:00 UTC),
        datetime!(2046-01-01 00:00 UTC),
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
        "/C=CN/CN=eseal Integrity Vector Root",
        &root_key,
        CertificateKind::Root,
        None,
        1,
    );
    let signer_key = Sm2PrivateKey::generate(&random).unwrap();
    let signer_cert = issue(
        "/C=CN/O=威海市测试文档中心/CN=威海市测试文档中心",
        &signer_key,
        CertificateKind::Organisation,
        Some(&root),
        2,
    );
    let crl = eseal_pki::crl::build_crl(
        &Certificate::from_der(&root).unwrap(),
        &root_signer,
        1,
        t0,
        t1,
        &[],
    )
    .unwrap();
    write(&dir, "trust/root.der", &root);
    write(&dir, "trust/root.crl", crl.der());
    write(&dir, "signer.der", &signer_cert);
    write(
        &dir,
        "signer.key.pem",
        signer_key.to_pkcs8_pem().unwrap().as_bytes(),
    );
    let base = eseal_testkit::ofd::ofd_of(4096);
    write(&dir, "unprotected.ofd", &base);
    let signer = SoftwareSigner::new(signer_key);
    let mut out = Cursor::new(Vec::new());
    protect_ofd(
        Cursor::new(base),
        &mut out,
        &ProtectRequest {
            signer_cert: &signer_cert,
            time: datetime!(2026-12-02 08:00 UTC),
            creator: "eseal integrity vectors",
        },
        &signer,
    )
    .unwrap();
    let protected = out.into_inner();
    write(&dir, "protected.ofd", &protected);
    write(
        &dir,
        "protected-ofdrw-form.ofd",
        &ofdrw_form(&protected, &signer_cert, &signer),
    );
}
