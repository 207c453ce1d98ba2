#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! eseal-pki against the samples, its own development CA, and the OpenSSL 3 CLI
//! (testdata/pki/NOTES.md records the commands).

use eseal_gm::Sm2PrivateKey;
use eseal_gm::provider::{SeededRandom, SoftwareSigner};
use eseal_pki::ca::{CaSignatureId, DevCa};
use eseal_pki::chain::{ChainCheck, ChainOutcome, ChainStatus, Purpose, TrustStore, validate};
use eseal_pki::crl::{Crl, RevocationReason};
use eseal_pki::name::{NameMatch, name_from_slashes, seal_name_matches, subject_info};
use eseal_pki::{Certificate, CertificateKind, IssueRequest, Issuer, issue_certificate};
use eseal_testkit::openssl_available;
use eseal_testkit::samples;
use std::path::Path;
use std::process::Command;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2026-06-01 00:00 UTC);

fn openssl(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "openssl {args:?}: {text}");
    text
}

struct Ca {
    root: Certificate,
    root_key: Sm2PrivateKey,
    issuing_key: Sm2PrivateKey,
    ca: DevCa,
    random: SeededRandom,
}

fn dev_ca(seed: &[u8], id: CaSignatureId) -> Ca {
    let random = SeededRandom::new(seed);
    let made = eseal_pki::ca::init(
        &random,
        NOW - Duration::days(30),
        "Test CA",
        Some("http://127.0.0.1/crl".into()),
        id,
    )
    .unwrap();
    Ca {
        root: made.root,
        root_key: made.root_key,
        issuing_key: made.issuing_key.clone(),
        ca: DevCa::open(made.issuing, made.issuing_key, made.state).unwrap(),
        random,
    }
}

fn issue(ca: &mut Ca, kind: &str, subject: &str) -> (Certificate, Sm2PrivateKey) {
    let key = Sm2PrivateKey::generate(&ca.random).unwrap();
    let cert = ca
        .ca
        .issue(
            &ca.random,
            NOW - Duration::days(1),
            kind,
            name_from_slashes(subject).unwrap(),
            &key.public_key(),
            365,
        )
        .unwrap();
    (cert, key)
}

fn store(ca: &mut Ca, with_crls: bool) -> TrustStore {
    let mut s = TrustStore::new();
    s.add_anchor(ca.root.clone());
    s.add_intermediate(ca.ca.issuing.clone());
    if with_crls {
        s.add_crl(ca.ca.crl(NOW - Duration::hours(1)).unwrap());
    }
    s
}

fn check(report: &eseal_pki::ChainReport, depth: usize, check: ChainCheck) -> ChainOutcome {
    report
        .outcome(depth, check)
        .unwrap_or_else(|| panic!("{check:?} at {depth} did not run: {report:#?}"))
}

#[test]
fn dev_ca_chain_is_valid_with_crls_and_indeterminate_without() {
    let mut ca = dev_ca(b"valid", CaSignatureId::Standard);
    let (leaf, _) = issue(
        &mut ca,
        "org",
        "/C=CN/O=威海市示例科技有限公司/OU=91350100M000100Y43/CN=威海市示例科技有限公司",
    );
    assert_eq!(
        leaf.crl_distribution_points(),
        vec!["http://127.0.0.1/crl".to_owned()]
    );
    assert!(
        leaf.subject_key_id().is_some()
            && leaf.authority_key_id() == ca.ca.issuing.subject_key_id()
    );
    let mut s = store(&mut ca, true);
    // The root's CRL, as `eseal ca init` publishes it.
    let without_root_crl = validate(&leaf, &[], &s, &[], NOW, Purpose::Signing);
    assert_eq!(
        check(&without_root_crl, 1, ChainCheck::Revocation),
        ChainOutcome::Indeterminate
    );
    s.add_crl(
        eseal_pki::ca::root_crl(
            &ca.root,
            ca.root_key.clone(),
            CaSignatureId::Standard,
            1,
            NOW - Duration::hours(1),
        )
        .unwrap(),
    );
    let r = validate(&leaf, &[], &s, &[], NOW, Purpose::Signing);
    assert_eq!(r.status(), ChainStatus::Valid, "{r:#?}");
    assert_eq!(r.path.len(), 3);
    // No CRL at all: revocation unknown, so INDETERMINATE, not VALID.
    let r = validate(
        &leaf,
        &[],
        &store(&mut ca, false),
        &[],
        NOW,
        Purpose::Signing,
    );
    assert_eq!(
        check(&r, 0, ChainCheck::Revocation),
        ChainOutcome::Indeterminate
    );
    assert_eq!(r.status(), ChainStatus::Indeterminate);
    // Subject helpers on the issued certificate.
    let info = subject_info(leaf.subject_name());
    assert_eq!(
        info.social_credit_code.as_deref(),
        Some("91350100M000100Y43")
    );
    assert_eq!(
        seal_name_matches("威海市示例科技有限公司财务专用章", leaf.subject_name()),
        NameMatch::WithSuffix("财务专用章".into())
    );
}

#[test]
fn revoked_expired_and_not_yet_valid() {
    let mut ca = dev_ca(b"revoke", CaSignatureId::Empty);
    let (leaf, _) = issue(
        &mut ca,
        "person",
        "/C=CN/CN=张三/SERIALNUMBER=11010519491231002X",
    );
    ca.ca
        .revoke(
            &leaf.serial_hex(),
            RevocationReason::KeyCompromise,
            NOW - Duration::hours(2),
        )
        .unwrap();
    assert!(
        ca.ca
            .revoke(&leaf.serial_hex(), RevocationReason::KeyCompromise, NOW)
            .is_err(),
        "twice"
    );
    assert!(
        ca.ca
            .revoke("0102", RevocationReason::Unspecified, NOW)
            .is_err(),
        "unknown serial"
    );
    let s = store(&mut ca, true);
    let r = validate(&leaf, &[], &s, &[], NOW, Purpose::Signing);
    assert_eq!(check(&r, 0, ChainCheck::Revocation), ChainOutcome::Failed);
    assert_eq!(r.status(), ChainStatus::Invalid);
    // Before the revocation it was good (e.g. verifying a signature made then).
    let r = validate(
        &leaf,
        &[],
        &s,
        &[],
        NOW - Duration::hours(3),
        Purpose::Signing,
    );
    assert_eq!(check(&r, 0, ChainCheck::Revocation), ChainOutcome::Passed);
    let r = validate(
        &leaf,
        &[],
        &s,
        &[],
        NOW + Duration::days(400),
        Purpose::Signing,
    );
    assert_eq!(check(&r, 0, ChainCheck::Validity), ChainOutcome::Failed);
    assert!(r.checks.iter().any(|c| c.detail.contains("expired")));
    let r = validate(
        &leaf,
        &[],
        &s,
        &[],
        NOW - Duration::days(10),
        Purpose::Signing,
    );
    assert_eq!(check(&r, 0, ChainCheck::Validity), ChainOutcome::Failed);
    assert!(r.checks.iter().any(|c| c.detail.contains("not yet valid")));
}

#[test]
fn wrong_issuer_and_bad_signature() {
    let mut a = dev_ca(b"ca a", CaSignatureId::Standard);
    let mut b = dev_ca(b"ca b", CaSignatureId::Standard);
    let (leaf, _) = issue(&mut a, "org", "/C=CN/CN=A org");
    // Same CA names, other keys: the key identifiers differ, so no path to B's anchor.
    let r = validate(&leaf, &[], &store(&mut b, true), &[], NOW, Purpose::Signing);
    assert_eq!(
        check(&r, 0, ChainCheck::PathFound),
        ChainOutcome::Indeterminate
    );
    assert_eq!(r.status(), ChainStatus::Indeterminate);
    // A changed signature value.
    let mut der = leaf.der().to_vec();
    let last = der.len() - 1;
    der[last] ^= 0x01;
    let tampered = Certificate::from_der(&der).unwrap();
    let r = validate(
        &tampered,
        &[],
        &store(&mut a, true),
        &[],
        NOW,
        Purpose::Signing,
    );
    assert_eq!(check(&r, 0, ChainCheck::Signature), ChainOutcome::Failed);
    assert_eq!(r.status(), ChainStatus::Invalid);
}

#[test]
fn ca_flag_key_usage_and_path_length() {
    let mut ca = dev_ca(b"constraints", CaSignatureId::Standard);
    // A leaf used as an issuer: cA = FALSE and no keyCertSign.
    let (leaf, leaf_key) = issue(&mut ca, "org", "/C=CN/CN=Not a CA");
    let child_key = Sm2PrivateKey::generate(&ca.random).unwrap();
    let signer = SoftwareSigner::new(leaf_key);
    let child = Certificate::from_der(
        &issue_certificate(
            &IssueRequest {
                subject: name_from_slashes("/C=CN/CN=Child").unwrap(),
                public_key: child_key.public_key(),
                kind: CertificateKind::Person,
                not_before: NOW - Duration::days(1),
                not_after: NOW + Duration::days(10),
                serial: vec![9],
                crl_distribution_point: None,
                ocsp_url: None,
            },
            Issuer {
                certificate: Some(leaf.der()),
                signer: &signer,
            },
        )
        .unwrap(),
    )
    .unwrap();
    let r = validate(
        &child,
        std::slice::from_ref(&leaf),
        &store(&mut ca, true),
        &[],
        NOW,
        Purpose::Signing,
    );
    assert_eq!(
        check(&r, 1, ChainCheck::BasicConstraints),
        ChainOutcome::Failed
    );
    assert_eq!(check(&r, 1, ChainCheck::KeyUsage), ChainOutcome::Failed);

    // A sub-CA under the issuing CA (pathLenConstraint 0), then a leaf: path too long.
    let sub_key = Sm2PrivateKey::generate(&ca.random).unwrap();
    let issuing_key_signer = SoftwareSigner::new(ca.issuing_key.clone());
    let sub = Certificate::from_der(
        &issue_certificate(
            &IssueRequest {
                subject: name_from_slashes("/C=CN/CN=Sub CA").unwrap(),
                public_key: sub_key.public_key(),
                kind: CertificateKind::IssuingCa,
                not_before: NOW - Duration::days(1),
                not_after: NOW + Duration::days(10),
                serial: vec![10],
                crl_distribution_point: None,
                ocsp_url: None,
            },
            Issuer {
                certificate: Some(ca.ca.issuing.der()),
                signer: &issuing_key_signer,
            },
        )
        .unwrap(),
    )
    .unwrap();
    let end_key = Sm2PrivateKey::generate(&ca.random).unwrap();
    let end = Certificate::from_der(
        &issue_certificate(
            &IssueRequest {
                subject: name_from_slashes("/C=CN/CN=End").unwrap(),
                public_key: end_key.public_key(),
                kind: CertificateKind::Person,
                not_before: NOW - Duration::days(1),
                not_after: NOW + Duration::days(10),
                serial: vec![11],
                crl_distribution_point: None,
                ocsp_url: None,
            },
            Issuer {
                certificate: Some(sub.der()),
                signer: &SoftwareSigner::new(sub_key),
            },
        )
        .unwrap(),
    )
    .unwrap();
    let r = validate(
        &end,
        &[sub],
        &store(&mut ca, true),
        &[],
        NOW,
        Purpose::Signing,
    );
    assert_eq!(r.path.len(), 4);
    assert_eq!(check(&r, 2, ChainCheck::PathLength), ChainOutcome::Failed);
    assert_eq!(r.status(), ChainStatus::Invalid);

    // A CA certificate used to sign documents: no digitalSignature.
    let r = validate(
        &ca.ca.issuing.clone(),
        &[],
        &store(&mut ca, true),
        &[],
        NOW,
        Purpose::Signing,
    );
    assert_eq!(check(&r, 0, ChainCheck::KeyUsage), ChainOutcome::Failed);
    // A TSA certificate needs the timeStamping extended key usage.
    let (tsa, _) = issue(&mut ca, "tsa", "/C=CN/CN=TSA");
    let (org, _) = issue(&mut ca, "org", "/C=CN/CN=Org");
    let s = store(&mut ca, true);
    assert_eq!(
        check(
            &validate(&tsa, &[], &s, &[], NOW, Purpose::TimeStamping),
            0,
            ChainCheck::ExtendedKeyUsage
        ),
        ChainOutcome::Passed
    );
    assert_eq!(
        check(
            &validate(&org, &[], &s, &[], NOW, Purpose::TimeStamping),
            0,
            ChainCheck::ExtendedKeyUsage
        ),
        ChainOutcome::Failed
    );
}

#[test]
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
fn sample_p12_files_import_and_their_chain_is_reported_honestly() {
    let Some(dir) = samples() else { return };
    let read = |n: &str, pw: &str| {
        eseal_pki::p12::read_pkcs12(&std::fs::read(dir.join(n)).unwrap(), pw).unwrap()
    };
    let user = read("USER.p12", "777777");
    let maker = read("SealBuilder.p12", "777777");
    let root = read("ROOT.p12", "123456");
    for (p, serial) in [(&user, "01719D2DAB60"), (&maker, "01719D2E201D")] {
        let cert = p
            .key_certificate()
            .expect("the key's certificate is in the file");
        assert_eq!(cert.serial_hex(), serial);
    }
    let root_cert = root.key_certificate().unwrap().clone();
    assert_eq!(
        root_cert.subject(),
        "CN=OFD Reader and WriterROOT Certificate,L=Hangzhou,ST=Zhejiang,O=OFD R&W,C=CN"
    );
    // The USER key matches formats.md §1.2's public key.
    let pk = user
        .key
        .as_ref()
        .unwrap()
        .public_key()
        .to_sec1_uncompressed();
    assert!(pk.starts_with(&[0x04, 0x0c, 0xd1, 0x64, 0x93]));
    let err = eseal_pki::p12::read_pkcs12(&std::fs::read(dir.join("USER.p12")).unwrap(), "000000")
        .unwrap_err();
    assert!(err.to_string().contains("wrong password"), "{err}");

    // The chain to ofdrw's test root: signatures verify (ID 1234567812345678); the root lacks
    // keyCertSign (reported, not enforced, for an anchor); no CRL exists, so INDETERMINATE.
    let mut s = TrustStore::new();
    s.add_anchor(root_cert);
    for (p, name) in [(&user, "USER"), (&maker, "SealBuilder")] {
        let r = validate(
            p.key_certificate().unwrap(),
            &[],
            &s,
            &[],
            datetime!(2021-01-01 00:00 UTC),
            Purpose::Signing,
        );
        assert_eq!(
            check(&r, 0, ChainCheck::Signature),
            ChainOutcome::Passed,
            "{name}"
        );
        assert_eq!(
            check(&r, 1, ChainCheck::KeyUsage),
            ChainOutcome::Warning,
            "{name}"
        );
        assert_eq!(
            check(&r, 0, ChainCheck::Revocation),
            ChainOutcome::Indeterminate,
            "{name}"
        );
        assert_eq!(r.status(), ChainStatus::Indeterminate, "{name}");
        // Without the test root in the store there is no chain.
        let r = validate(
            p.key_certificate().unwrap(),
            &[],
            &TrustStore::new(),
            &[],
            datetime!(2021-01-01 00:00 UTC),
            Purpose::Signing,
        );
        assert_eq!(
            check(&r, 0, ChainCheck::PathFound),
            ChainOutcome::Indeterminate
        );
    }
    // sign_cert.pem parses too.
    let certs = Certificate::parse_all(&std::fs::read(dir.join("sign_cert.pem")).unwrap()).unwrap();
    assert_eq!(certs[0].serial_hex(), "017AF20E3374");
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// The stock OpenSSL commands accept what `eseal ca` issues (empty-ID CA, the default).
#[test]
#[cfg_attr(
    eseal_skip_openssl,
    ignore = "needs the openssl CLI (apt-get install openssl)"
)]
fn openssl_accepts_dev_ca_certificates_and_crls() {
    if !openssl_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let random = SeededRandom::new(b"openssl accepts");
    let now = OffsetDateTime::now_utc();
    let made =
        eseal_pki::ca::init(&random, now, "OpenSSL check CA", None, CaSignatureId::Empty).unwrap();
    write(d, "root.pem", &made.root.to_pem());
    write(d, "issuing.pem", &made.issuing.to_pem());
    let arl = eseal_pki::ca::root_crl(
        &made.root,
        made.root_key.clone(),
        CaSignatureId::Empty,
        1,
        now,
    )
    .unwrap();
    write(d, "root-crl.pem", &arl.to_pem());
    let mut ca = DevCa::open(made.issuing, made.issuing_key, made.state).unwrap();
    let key = Sm2PrivateKey::generate(&random).unwrap();
    let leaf = ca
        .issue(
            &random,
            now,
            "org",
            name_from_slashes("/C=CN/O=测试/CN=测试").unwrap(),
            &key.public_key(),
            30,
        )
        .unwrap();
    write(d, "leaf.pem", &leaf.to_pem());
    ca.revoke(&leaf.serial_hex(), RevocationReason::Superseded, now)
        .unwrap();
    write(d, "crl.pem", &ca.crl(now).unwrap().to_pem());
    assert!(
        openssl(
            d,
            &[
                "verify",
                "-CAfile",
                "root.pem",
                "-untrusted",
                "issuing.pem",
                "leaf.pem"
            ]
        )
        .contains("leaf.pem: OK")
    );
    assert!(
        openssl(
            d,
            &[
                "crl",
                "-verify",
                "-CAfile",
                "issuing.pem",
                "-in",
                "crl.pem",
                "-noout"
            ]
        )
        .contains("verify OK")
    );
    assert!(
        openssl(
            d,
            &[
                "crl",
                "-verify",
                "-CAfile",
                "root.pem",
                "-in",
                "root-crl.pem",
                "-noout"
            ]
        )
        .contains("verify OK")
    );
    let text = openssl(d, &["crl", "-in", "crl.pem", "-noout", "-text"]);
    assert!(
        text.contains(&leaf.serial_hex()) && text.contains("Superseded"),
        "{text}"
    );
    // With the CRLs, OpenSSL also sees the revocation.
    let all = format!("{}{}", made.root.to_pem(), ca.issuing.to_pem());
    write(d, "chain.pem", &all);
    let o = Command::new("openssl")
        .current_dir(d)
        .args([
            "verify",
            "-crl_check",
            "-CAfile",
            "chain.pem",
            "-CRLfile",
            "crl.pem",
            "leaf.pem",
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("revoked")
            || String::from_utf8_lossy(&o.stderr).contains("revoked")
    );

    // A GB/T 35276 (standard-ID) CA: OpenSSL checks the end certificate only with -vfyopt.
    let std_ca =
        eseal_pki::ca::init(&random, now, "Standard CA", None, CaSignatureId::Standard).unwrap();
    write(d, "std-issuing.pem", &std_ca.issuing.to_pem());
    write(d, "std-root.pem", &std_ca.root.to_pem());
    openssl(
        d,
        &[
            "verify",
            "-vfyopt",
            "distid:1234567812345678",
            "-CAfile",
            "std-root.pem",
            "std-issuing.pem",
        ],
    );
    let o = Command::new("openssl")
        .current_dir(d)
        .args(["verify", "-CAfile", "std-root.pem", "std-issuing.pem"])
        .output()
        .unwrap();
    assert!(
        !o.status.success(),
        "without the ID OpenSSL 3 fails: proof the standard ID is used"
    );
}

/// eseal validates a chain and a CRL that OpenSSL made (empty SM2 ID), and reports the
/// revoked certificate as revoked.
#[test]
#[cfg_attr(
    eseal_skip_openssl,
    ignore = "needs the openssl CLI (apt-get install openssl)"
)]
fn eseal_validates_openssl_made_chain_and_crl() {
    if !openssl_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(
        d,
        "ca.ext",
        "basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
    );
    write(
        d,
        "leaf.ext",
        "basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature,nonRepudiation\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
    );
    write(d, "noca.ext", "keyUsage=critical,keyCertSign\n");
    write(
        d,
        "noku.ext",
        "basicConstraints=critical,CA:true\nkeyUsage=critical,digitalSignature\n",
    );
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "sm2",
            "-nodes",
            "-keyout",
            "root.key",
            "-subj",
            "/C=CN/O=OpenSSL Test/CN=OpenSSL Root",
            "-days",
            "3650",
            "-addext",
            "basicConstraints=critical,CA:true",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            "root.pem",
        ],
    );
    for (name, ext, issuer) in [
        ("inter", "ca.ext", "root"),
        ("noca", "noca.ext", "root"),
        ("noku", "noku.ext", "root"),
    ] {
        openssl(
            d,
            &[
                "req",
                "-new",
                "-newkey",
                "sm2",
                "-nodes",
                "-keyout",
                &format!("{name}.key"),
                "-subj",
                &format!("/C=CN/O=OpenSSL Test/CN={name}"),
                "-out",
                &format!("{name}.csr"),
            ],
        );
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                &format!("{issuer}.pem"),
                "-CAkey",
                &format!("{issuer}.key"),
                "-set_serial",
                "0x1001",
                "-days",
                "365",
                "-extfile",
                ext,
                "-out",
                &format!("{name}.pem"),
            ],
        );
    }
    for (name, serial, issuer) in [
        ("good", "0x2001", "inter"),
        ("bad", "0x2002", "inter"),
        ("undernoca", "0x2003", "noca"),
        ("undernoku", "0x2004", "noku"),
    ] {
        openssl(
            d,
            &[
                "req",
                "-new",
                "-newkey",
                "sm2",
                "-nodes",
                "-keyout",
                &format!("{name}.key"),
                "-subj",
                &format!("/C=CN/O=OpenSSL Test/CN={name}"),
                "-out",
                &format!("{name}.csr"),
            ],
        );
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                &format!("{issuer}.pem"),
                "-CAkey",
                &format!("{issuer}.key"),
                "-set_serial",
                serial,
                "-days",
                "365",
                "-extfile",
                "leaf.ext",
                "-out",
                &format!("{name}.pem"),
            ],
        );
    }
    // An `openssl ca` database that revokes "bad", then a CRL for the intermediate.
    write(d, "index.txt", "");
    write(d, "crlnumber", "01\n");
    write(
        d,
        "ca.cnf",
        "[ca]\ndefault_ca=c\n[c]\ndatabase=index.txt\ncrlnumber=crlnumber\ndefault_md=sm3\ndefault_crl_days=7\ncertificate=inter.pem\nprivate_key=inter.key\n",
    );
    openssl(
        d,
        &[
            "ca",
            "-config",
            "ca.cnf",
            "-revoke",
            "bad.pem",
            "-crl_reason",
            "keyCompromise",
        ],
    );
    openssl(
        d,
        &["ca", "-config", "ca.cnf", "-gencrl", "-out", "inter.crl"],
    );
    let cert = |n: &str| {
        Certificate::parse_all(&std::fs::read(d.join(format!("{n}.pem"))).unwrap())
            .unwrap()
            .remove(0)
    };
    let crl = Crl::parse_all(&std::fs::read(d.join("inter.crl")).unwrap())
        .unwrap()
        .remove(0);
    let mut s = TrustStore::new();
    s.add_anchor(cert("root"));
    s.add_intermediate(cert("inter"));
    s.add_crl(crl);
    let now = OffsetDateTime::now_utc();
    let good = validate(&cert("good"), &[], &s, &[], now, Purpose::Signing);
    assert_eq!(check(&good, 0, ChainCheck::Signature), ChainOutcome::Passed);
    assert!(good.checks.iter().any(|c| c.detail.contains("empty ID")));
    assert_eq!(
        check(&good, 0, ChainCheck::Revocation),
        ChainOutcome::Passed,
        "{good:#?}"
    );
    // The intermediate has no CRL from the root: indeterminate, as it should be.
    assert_eq!(good.status(), ChainStatus::Indeterminate);
    let bad = validate(&cert("bad"), &[], &s, &[], now, Purpose::Signing);
    let revoked = bad
        .checks
        .iter()
        .find(|c| c.depth == 0 && c.check == ChainCheck::Revocation)
        .unwrap();
    assert_eq!(revoked.outcome, ChainOutcome::Failed);
    // The reason by its RFC 5280 name (no Rust enum name), and in Chinese.
    assert!(
        revoked.detail.contains("(keyCompromise)"),
        "{}",
        revoked.detail
    );
    assert!(
        revoked.detail_zh.contains("密钥泄露"),
        "{}",
        revoked.detail_zh
    );
    // An issuer without basicConstraints, and one without keyCertSign.
    let r = validate(
        &cert("undernoca"),
        &[cert("noca")],
        &s,
        &[],
        now,
        Purpose::Signing,
    );
    assert_eq!(
        check(&r, 1, ChainCheck::BasicConstraints),
        ChainOutcome::Failed
    );
    assert!(
        r.checks
            .iter()
            .any(|c| c.detail.contains("CA flag is missing"))
    );
    let r = validate(
        &cert("undernoku"),
        &[cert("noku")],
        &s,
        &[],
        now,
        Purpose::Signing,
    );
    assert_eq!(check(&r, 1, ChainCheck::KeyUsage), ChainOutcome::Failed);
}

/// A CSR made by eseal is accepted by OpenSSL and certified by `openssl x509 -req`; a CSR made
/// by OpenSSL is read by eseal.
#[test]
#[cfg_attr(
    eseal_skip_openssl,
    ignore = "needs the openssl CLI (apt-get install openssl)"
)]
fn csr_interoperates_with_openssl() {
    if !openssl_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let key = Sm2PrivateKey::generate(&SeededRandom::new(b"csr")).unwrap();
    let der = eseal_pki::csr::build_csr(
        name_from_slashes("/C=CN/O=威海市示例科技有限公司/CN=张三").unwrap(),
        &SoftwareSigner::new(key.clone()),
    )
    .unwrap();
    write(
        d,
        "eseal.csr",
        &eseal_pki::pem::encode("CERTIFICATE REQUEST", &der),
    );
    assert!(
        openssl(
            d,
            &[
                "req",
                "-in",
                "eseal.csr",
                "-verify",
                "-vfyopt",
                "distid:1234567812345678",
                "-noout"
            ]
        )
        .contains("verify OK")
    );
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "sm2",
            "-nodes",
            "-keyout",
            "ca.key",
            "-subj",
            "/CN=Outside CA",
            "-days",
            "30",
            "-addext",
            "basicConstraints=critical,CA:true",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            "ca.pem",
        ],
    );
    // OpenSSL checks the request's self-signature with its own empty ID unless told.
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-vfyopt",
            "distid:1234567812345678",
            "-in",
            "eseal.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-set_serial",
            "7",
            "-days",
            "30",
            "-out",
            "issued.pem",
        ],
    );
    let issued = Certificate::parse_all(&std::fs::read(d.join("issued.pem")).unwrap())
        .unwrap()
        .remove(0);
    assert_eq!(issued.sm2_public_key(), Some(key.public_key()));
    assert!(issued.subject().contains("张三"));
    openssl(
        d,
        &[
            "req",
            "-new",
            "-newkey",
            "sm2",
            "-nodes",
            "-keyout",
            "o.key",
            "-subj",
            "/C=CN/CN=openssl",
            "-out",
            "o.csr",
        ],
    );
    let (subject, _) = eseal_pki::csr::read_csr(&std::fs::read(d.join("o.csr")).unwrap()).unwrap();
    assert_eq!(subject.to_string(), "CN=openssl,C=CN");
    // A damaged CSR is refused.
    let mut bad = der.clone();
    let n = bad.len() - 1;
    bad[n] ^= 1;
    assert!(eseal_pki::csr::read_csr(&bad).is_err());
}

/// RSA and ECDSA P-256 certificates exist in the field: they are read; an RSA issuer's
/// signature on a certificate is verified (eseal_pki::intl, for other tools' PAdES PDFs), and
/// a changed signature fails; a non-SM2 end certificate cannot sign seal data.
#[test]
#[cfg_attr(
    eseal_skip_openssl,
    ignore = "needs the openssl CLI (apt-get install openssl)"
)]
fn rsa_and_p256_certificates_are_read() {
    if !openssl_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    openssl(
        d,
        &[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rsa.key", "-subj",
            "/CN=RSA", "-days", "30", "-out", "rsa.pem",
        ],
    );
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ec.key",
            "-subj",
            "/CN=P256",
            "-days",
            "30",
            "-out",
            "ec.pem",
        ],
    );
    let rsa = Certificate::parse_all(&std::fs::read(d.join("rsa.pem")).unwrap())
        .unwrap()
        .remove(0);
    let ec = Certificate::parse_all(&std::fs::read(d.join("ec.pem")).unwrap())
        .unwrap()
        .remove(0);
    assert_eq!(rsa.key_algorithm(), eseal_pki::cert::KeyAlgorithm::Rsa);
    assert_eq!(ec.key_algorithm(), eseal_pki::cert::KeyAlgorithm::EcP256);
    assert!(rsa.sm2_public_key().is_none() && ec.sm2_public_key().is_none());
    // Issued by an RSA CA: the signature cannot be checked, so the chain is indeterminate.
    let mut s = TrustStore::new();
    s.add_anchor(rsa.clone());
    openssl(
        d,
        &[
            "req", "-new", "-newkey", "sm2", "-nodes", "-keyout", "leaf.key", "-subj", "/CN=leaf",
            "-out", "leaf.csr",
        ],
    );
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "rsa.pem",
            "-CAkey",
            "rsa.key",
            "-set_serial",
            "5",
            "-days",
            "30",
            "-out",
            "leaf.pem",
        ],
    );
    let leaf = Certificate::parse_all(&std::fs::read(d.join("leaf.pem")).unwrap())
        .unwrap()
        .remove(0);
    let r = validate(
        &leaf,
        &[],
        &s,
        &[],
        OffsetDateTime::now_utc(),
        Purpose::Signing,
    );
    assert_eq!(check(&r, 0, ChainCheck::Signature), ChainOutcome::Passed);
    // The same certificate with its signature's last byte changed: FAILED, not unsupported.
    let mut der = leaf.der().to_vec();
    let last = der.len() - 1;
    der[last] ^= 1;
    let forged = Certificate::from_der(&der).unwrap();
    let r = validate(
        &forged,
        &[],
        &s,
        &[],
        OffsetDateTime::now_utc(),
        Purpose::Signing,
    );
    assert_eq!(check(&r, 0, ChainCheck::Signature), ChainOutcome::Failed);
    // And a P-256 end certificate cannot sign seal data.
    let mut s = TrustStore::new();
    s.add_anchor(ec.clone());
    let r = validate(
        &ec,
        &[],
        &s,
        &[],
        OffsetDateTime::now_utc(),
        Purpose::Signing,
    );
    assert!(
        r.checks
            .iter()
            .any(|c| c.outcome == ChainOutcome::Indeterminate && c.detail.contains("not SM2")),
        "{r:#?}"
    );
}
