//! What the signing tests share: a test root, a maker, a signer and a seal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use eseal_doc::{OfdSignRequest, PkiValidator, Placement, SignatureKind, sign_ofd};
use eseal_gm::Sm2PrivateKey;
use eseal_gm::provider::{SeededRandom, SoftwareSigner};
use eseal_pki::name::name_from_slashes;
use eseal_pki::{
    Certificate, CertificateKind, IssueRequest, Issuer, TrustStore, issue_certificate,
};
use eseal_ses::{AnySeal, SealRequest, VerifyPolicy, Version, make_seal};
use std::io::{Cursor, Read};
use time::macros::datetime;

pub struct Kit {
    pub seal: AnySeal,
    pub signer_cert: Vec<u8>,
    pub signer: SoftwareSigner,
    pub policy: VerifyPolicy,
    /// A timestamp authority under the same root: its certificate and key.
    #[allow(dead_code)]
    pub tsa_cert: Vec<u8>,
    #[allow(dead_code)]
    pub tsa: SoftwareSigner,
}

/// The seal of the tests (an SVG picture) and its signer, trusted.
#[allow(dead_code)]
pub fn kit() -> Kit {
    kit_with("SVG", b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>")
}

/// A test seal with this picture, its signer certificate and key under a test root, and a
/// policy that trusts the root.
pub fn kit_with(picture_type: &str, picture: &[u8]) -> Kit {
    let random = SeededRandom::new(b"eseal-doc sign tests");
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
        "/C=CN/CN=Doc Test Root",
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
            picture: picture.to_vec(),
            width_mm: 42,
            height_mm: 42,
            create_date: t0,
            valid_start: t0,
            valid_end: t1,
            ext_datas: None,
        },
        &maker,
        &SoftwareSigner::new(maker_key),
    )
    .unwrap();
    let tsa_key = Sm2PrivateKey::generate(&random).unwrap();
    let tsa_cert = issue(
        "/C=CN/CN=Doc Test TSA",
        &tsa_key,
        CertificateKind::TimestampAuthority,
        Some(&root),
        4,
    );
    let root_cert = Certificate::from_der(&root).unwrap();
    let mut store = TrustStore::new();
    store.add_crl(eseal_pki::crl::build_crl(&root_cert, &root_signer, 1, t0, t1, &[]).unwrap());
    store.add_anchor(root_cert);
    let policy = VerifyPolicy {
        chain_validator: Some(std::sync::Arc::new(PkiValidator { store })),
        now: Some(t0 + time::Duration::days(1)),
        ..VerifyPolicy::default()
    };
    Kit {
        seal,
        signer_cert,
        signer: SoftwareSigner::new(signer_key),
        policy,
        tsa_cert,
        tsa: SoftwareSigner::new(tsa_key),
    }
}

/// `input` signed with the test seal on `page` (at 20, 30 mm).
#[allow(dead_code)]
pub fn sign(k: &Kit, input: &[u8], page: usize) -> Vec<u8> {
    sign_at(
        k,
        input,
        Placement::Page {
            page,
            x: 20.0,
            y: 30.0,
        },
    )
    .unwrap()
}

/// `input` signed with the test seal at `placement`, or why it cannot be.
pub fn sign_at(
    k: &Kit,
    input: &[u8],
    placement: Placement,
) -> Result<Vec<u8>, eseal_doc::DocError> {
    let mut out = Cursor::new(Vec::new());
    sign_ofd(
        Cursor::new(input.to_vec()),
        &mut out,
        &OfdSignRequest {
            kind: SignatureKind::Seal,
            seal: Some(&k.seal),
            signer_cert: &k.signer_cert,
            signing_time: datetime!(2026-06-01 08:00 UTC),
            placement,
            timestamper: None,
        },
        &k.signer,
    )?;
    Ok(out.into_inner())
}

/// A three-page OFD with text, built here (no sample has several pages).
#[allow(dead_code)]
pub fn three_pages() -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    let ns = "xmlns:ofd=\"http://www.ofdspec.org/2016\"";
    let mut put = |name: &str, body: String| {
        w.start_file(name, o).unwrap();
        w.write_all(body.as_bytes()).unwrap();
    };
    put(
        "OFD.xml",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:OFD {ns} Version=\"1.0\"><ofd:DocBody><ofd:DocInfo><ofd:DocID>t</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
        ),
    );
    put(
        "Doc_0/Document.xml",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Document {ns}><ofd:CommonData><ofd:MaxUnitID>20</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData><ofd:Pages><ofd:Page ID=\"11\" BaseLoc=\"Pages/Page_0/Content.xml\"/><ofd:Page ID=\"12\" BaseLoc=\"Pages/Page_1/Content.xml\"/><ofd:Page ID=\"13\" BaseLoc=\"Pages/Page_2/Content.xml\"/></ofd:Pages></ofd:Document>"
        ),
    );
    for (i, text) in ["第一页", "合同签订 甲方（盖章）", "第三页"]
        .iter()
        .enumerate()
    {
        put(
            &format!("Doc_0/Pages/Page_{i}/Content.xml"),
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Page {ns}><ofd:Content><ofd:Layer ID=\"{}\"><ofd:TextObject ID=\"{}\" Boundary=\"20 100 120 10\" Font=\"1\" Size=\"5\"><ofd:TextCode X=\"0\" Y=\"5\" DeltaX=\"g 20 5\">{text}</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>",
                i + 1,
                i + 4
            ),
        );
    }
    w.finish().unwrap().into_inner()
}

/// The text of a package's entry.
#[allow(dead_code)]
pub fn entry_text(package: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(Cursor::new(package.to_vec())).unwrap();
    let mut text = String::new();
    z.by_name(name).unwrap().read_to_string(&mut text).unwrap();
    text
}
