//! `eseal demo`: everything from keys to a verified signature, with files a person can look at.

use crate::files;
use crate::i18n::Lang;
use anyhow::Result;
use eseal_gm::provider::{
    Clock, OsRandom, SecureRandom, SoftwareSigner, SoftwareVerifier, SystemClock,
};
use eseal_gm::{Sm2PrivateKey, Sm3Digest};
use eseal_pki::name::name_from_slashes;
use eseal_pki::{CertificateKind, IssueRequest, Issuer, issue_certificate};
use eseal_ses::{SealRequest, SignRequest, SignedData, Version};
use std::path::Path;
use time::Duration;

fn pem(label: &str, der: &[u8]) -> String {
    use base64ct::{Base64, Encoding};
    let b64 = Base64::encode_string(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A simple round official-seal impression as SVG (the full renderer is `eseal-image`).
fn demo_impression(name: &str) -> String {
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="42mm" height="42mm" viewBox="0 0 42 42"><circle cx="21" cy="21" r="19.5" fill="none" stroke="#e60012" stroke-width="1.2"/><text x="21" y="25" font-size="9" text-anchor="middle" fill="#e60012">★</text><text x="21" y="34" font-size="3.2" text-anchor="middle" fill="#e60012">{name}</text></svg>"##
    )
}

struct Party {
    key: Sm2PrivateKey,
    cert: Vec<u8>,
}

fn serial(random: &dyn SecureRandom) -> Result<Vec<u8>> {
    let mut s = vec![0u8; 16];
    random.fill(&mut s)?;
    if let Some(first) = s.first_mut() {
        *first &= 0x7F;
        *first |= 0x01;
    }
    Ok(s)
}

pub fn run(dir: &Path, lang: Lang) -> Result<u8> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        return Err(crate::said::said(
            format!("{} 已存在且不为空；请用 --dir 另选目录", dir.display()),
            format!(
                "{} exists and is not empty; choose another --dir",
                dir.display()
            ),
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| crate::said::io(("创建", "create"), dir, &e))?;
    let clock = SystemClock;
    let random = OsRandom;
    let now = clock.now();
    let org = "威海市示例科技有限公司";

    // A development root that certifies the maker and the signer.
    let root_key = Sm2PrivateKey::generate(&random)?;
    let root_signer = SoftwareSigner::new(root_key.clone());
    let root_cert = issue_certificate(
        &IssueRequest {
            subject: name_from_slashes("/C=CN/O=eseal/CN=eseal Demo Root CA")?,
            crl_distribution_point: None,
            ocsp_url: None,
            public_key: root_key.public_key(),
            kind: CertificateKind::Root,
            not_before: now - Duration::hours(1),
            not_after: now + Duration::days(3650),
            serial: serial(&random)?,
        },
        Issuer {
            certificate: None,
            signer: &root_signer,
        },
    )?;
    let issue = |subject: &str, kind| -> Result<Party> {
        let key = Sm2PrivateKey::generate(&random)?;
        let cert = issue_certificate(
            &IssueRequest {
                subject: name_from_slashes(subject)?,
                crl_distribution_point: None,
                ocsp_url: None,
                public_key: key.public_key(),
                kind,
                not_before: now - Duration::hours(1),
                not_after: now + Duration::days(730),
                serial: serial(&random)?,
            },
            Issuer {
                certificate: Some(&root_cert),
                signer: &root_signer,
            },
        )?;
        Ok(Party { key, cert })
    };
    let maker = issue(
        "/C=CN/O=eseal/CN=eseal Demo Seal Maker",
        CertificateKind::Maker,
    )?;
    let signer = issue(
        &format!("/C=CN/O={org}/CN={org}"),
        CertificateKind::Organisation,
    )?;

    files::write_new(
        &dir.join("root.pem"),
        pem("CERTIFICATE", &root_cert).as_bytes(),
    )?;
    // The root's CRL, so that the signer's and maker's revocation status is known.
    let root = eseal_pki::Certificate::from_der(&root_cert)?;
    let crl = eseal_pki::crl::build_crl(
        &root,
        &root_signer,
        1,
        now - Duration::hours(1),
        now + Duration::days(30),
        &[],
    )?;
    files::write_new(&dir.join("root-crl.pem"), crl.to_pem().as_bytes())?;
    files::write_new(
        &dir.join("maker.pem"),
        pem("CERTIFICATE", &maker.cert).as_bytes(),
    )?;
    files::write_secret(&dir.join("maker.key"), maker.key.to_pkcs8_pem()?.as_bytes())?;
    files::write_new(
        &dir.join("signer.pem"),
        pem("CERTIFICATE", &signer.cert).as_bytes(),
    )?;
    files::write_secret(
        &dir.join("signer.key"),
        signer.key.to_pkcs8_pem()?.as_bytes(),
    )?;
    let svg = demo_impression(org);
    files::write_new(&dir.join("impression.svg"), svg.as_bytes())?;

    let seal = eseal_ses::make_seal(
        &SealRequest {
            version: Version::V4,
            vid: "eseal".into(),
            es_id: Sm3Digest::of(&signer.cert)
                .to_hex()
                .get(..16)
                .unwrap_or_default()
                .to_owned(),
            seal_type: 1,
            name: org.into(),
            signer_certs: vec![signer.cert.clone()],
            list_digests: false,
            picture_type: "SVG".into(),
            picture: svg.into_bytes(),
            width_mm: 42,
            height_mm: 42,
            create_date: now,
            valid_start: now - Duration::minutes(5),
            valid_end: now + Duration::days(365),
            ext_datas: None,
        },
        &maker.cert,
        &SoftwareSigner::new(maker.key.clone()),
    )?;
    files::write_new(&dir.join("seal.esl"), seal.raw())?;

    let document = "威海市电子印章演示文件 / eseal demo document\n".as_bytes();
    files::write_new(&dir.join("document.txt"), document)?;
    let prepared = eseal_ses::prepare_signature(
        &seal,
        &signer.cert,
        &SignRequest {
            data_hash: Sm3Digest::of(document),
            signing_time: now,
            property_info: "document.txt".into(),
        },
    )?;
    let signature = prepared.sign(&SoftwareSigner::new(signer.key.clone()))?;
    files::write_new(&dir.join("document.txt.sig"), signature.raw())?;

    // The demo folder is the trust store: root.pem is the anchor, root-crl.pem its CRL.
    let report = eseal_ses::verify_signature(
        &signature,
        SignedData::Digest(Sm3Digest::of(document)),
        &crate::trust::policy(Some(dir))?,
        &SoftwareVerifier,
    );
    outln!(
        "{} {}",
        lang.t("演示材料已写入", "demo material written to"),
        dir.display()
    );
    crate::output::print_report(
        &dir.join("document.txt.sig"),
        signature.version(),
        &report,
        false,
        lang,
    )?;
    outln!();
    outln!("{}", lang.t("可以再运行：", "try next:"));
    let d = dir.display();
    outln!("  eseal seal inspect {d}/seal.esl");
    outln!("  eseal seal verify {d}/seal.esl --trust {d}");
    outln!("  eseal verify data --sig {d}/document.txt.sig --in {d}/document.txt --trust {d}");
    outln!("  eseal cert verify {d}/signer.pem --trust {d}");
    Ok(crate::output::indication_code(report.indication()))
}
