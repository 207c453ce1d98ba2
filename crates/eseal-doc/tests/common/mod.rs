//! What the signing tests share: a test root, a maker, a signer and a seal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use eseal_doc::PkiValidator;
use eseal_gm::Sm2PrivateKey;
use eseal_gm::provider::{SeededRandom, SoftwareSigner};
use eseal_pki::name::name_from_slashes;
use eseal_pki::{
    Certificate, CertificateKind, IssueRequest, Issuer, TrustStore, issue_certificate,
};
use eseal_ses::{AnySeal, SealRequest, VerifyPolicy, Version, make_seal};
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
