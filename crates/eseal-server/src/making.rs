//! Making a seal (制章, issue 6 item 2; R-MAKE-1..5, R-VALID-1): ties the libraries together.
//!
//! 1. The impression: official and legal-representative seals use the impression registered
//!    with the police (R-MAKE-3); if the applicant also brought one it must match it
//!    (eseal-image comparison). Other kinds use the applicant's impression.
//! 2. The certificate: either issued now for a key generated in the platform's key store (the
//!    development CA in the demo; a CSR to the agency's CA in production), or supplied by the
//!    holder whose key stays in their device. Either way it must validate now (chain, key
//!    usage, revocation) against the configured trust anchors, and the seal name must match
//!    its subject (R-MAKE-4).
//! 3. The seal data: GB/T 38540 v4, signed by the agency's maker key, valid exactly as long as
//!    the certificate (R-VALID-1).

use crate::failure::Failure;
use eseal_core::{Application, ApplicationState, KeyCustody, Seal, SealState};
use eseal_gm::Sm2PrivateKey;
use eseal_gm::provider::{SecureRandom, SoftwareSigner};
use eseal_pki::name::{NameMatch, seal_name_matches};
use eseal_pki::{Certificate, ChainStatus, Purpose, TrustStore};
use time::OffsetDateTime;

/// The agency's maker identity: the certificate and key that sign seal data.
#[derive(Debug)]
pub struct Maker {
    /// `Vid` written into seals.
    pub vid: String,
    /// The maker certificate (DER).
    pub cert: Vec<u8>,
    /// The maker key.
    pub key: SoftwareSigner,
}

/// The CA that certifies keys generated in the platform: making sends it a PKCS#10 request
/// (proof of possession of the new key) for the subject it names. The development CA
/// implements it in-process; an agency CA is reached through the same trait.
pub trait CertificateIssuer: Send + Sync {
    /// The subject the certificate for this application will carry.
    fn subject(&self, app: &Application) -> Result<x509_cert::name::Name, Failure>;

    /// Certifies the key of `csr` (DER) for a seal of `kind`.
    fn issue(
        &self,
        kind: &eseal_core::SealKind,
        csr: &[u8],
        now: OffsetDateTime,
    ) -> Result<Certificate, Failure>;
}

/// Where the signer key comes from.
#[derive(Debug)]
pub enum KeySource {
    /// Generate it in the platform's key store; the issuer certifies it.
    Platform,
    /// The holder's device holds it; this is its certificate (DER or PEM).
    Device(Vec<u8>),
}

/// What making produced, for the caller to store.
#[derive(Debug)]
pub struct Made {
    /// The seal record.
    pub seal: Seal,
    /// The DER seal data.
    pub seal_data: Vec<u8>,
    /// The bound certificate (DER).
    pub certificate: Vec<u8>,
    /// The impression used (PNG).
    pub impression: Vec<u8>,
    /// The generated private key (platform custody), to be sealed and stored.
    pub key: Option<Sm2PrivateKey>,
    /// The impression comparison, when one was made.
    pub comparison: Option<eseal_image::compare::Comparison>,
}

/// The inputs of one making.
#[derive(Debug)]
pub struct MakeInput<'a> {
    /// The approved application.
    pub app: &'a Application,
    /// The impression registered with the police, when the kind has one.
    pub registered: Option<Vec<u8>>,
    /// The applicant's impression (PNG), when given.
    pub applicant_impression: Option<Vec<u8>>,
    /// Key source.
    pub key: KeySource,
    /// Now.
    pub now: OffsetDateTime,
    /// The seal's id when remaking its data (renewal); `None` for a new seal.
    pub seal_id: Option<eseal_core::SealId>,
}

/// Checks that `cert` validates now for signing and names the seal.
pub fn check_certificate(
    cert: &Certificate,
    seal_name: &str,
    trust: &TrustStore,
    now: OffsetDateTime,
) -> Result<(), Failure> {
    let report = eseal_pki::validate(cert, &[], trust, &[], now, Purpose::Signing);
    if report.status() != ChainStatus::Valid {
        let first = report
            .first(eseal_pki::chain::ChainOutcome::Failed)
            .or_else(|| report.first(eseal_pki::chain::ChainOutcome::Indeterminate));
        let why_zh = first
            .map(|c| format!("{}（{}）：{}", c.check.label().0, c.subject, c.detail_zh))
            .unwrap_or_default();
        let why = first
            .map(|c| format!("{} on {}: {}", c.check.label().1, c.subject, c.detail))
            .unwrap_or_default();
        return Err(Failure::unprocessable(
            "certificate_invalid",
            format!(
                "证书 {} 当前无效（{}）：{why_zh}",
                cert.subject(),
                report.status().label().0
            ),
            format!(
                "certificate {} is not valid now ({}): {why}",
                cert.subject(),
                report.status().label().1
            ),
        ));
    }
    if let NameMatch::Mismatch { .. } = seal_name_matches(seal_name, cert.subject_name()) {
        return Err(Failure::unprocessable(
            "certificate_invalid",
            format!(
                "印章名称 {seal_name:?} 与证书主题 {} 不一致：印章上的名称须与其证书的持有者一致",
                cert.subject()
            ),
            format!(
                "the seal name {seal_name:?} does not match the certificate subject {}: the name on a seal must be the one its certificate is made out to",
                cert.subject()
            ),
        ));
    }
    Ok(())
}

fn picture_size_mm(png: &[u8]) -> Result<(i64, i64), Failure> {
    let img = eseal_image::output::decode(png).map_err(|e| {
        Failure::invalid(
            "impression",
            format!("不是可读的 PNG/JPEG 图片：{}", e.zh()),
            format!("not a readable PNG/JPEG: {e}"),
        )
    })?;
    let dpi = img.dpi.unwrap_or(300.0);
    let mm = |px: u32| ((px as f32) * 25.4 / dpi).round() as i64;
    Ok((mm(img.width).max(1), mm(img.height).max(1)))
}

/// A new seal id: `ES` + 24 hex digits of randomness.
pub fn new_seal_id(random: &dyn SecureRandom) -> Result<String, Failure> {
    let mut b = [0u8; 12];
    random
        .fill(&mut b)
        .map_err(|e| Failure::internal(format!("randomness: {e}")))?;
    Ok(format!("ES{}", hex::encode_upper(b)))
}

/// Makes the seal for an approved application. Nothing is stored here.
pub fn make(
    input: MakeInput<'_>,
    maker: &Maker,
    issuer: &dyn CertificateIssuer,
    trust: &TrustStore,
    random: &dyn SecureRandom,
) -> Result<Made, Failure> {
    let app = input.app;
    if !matches!(app.state, ApplicationState::Approved { .. }) {
        return Err(Failure::from(eseal_core::DomainError::IllegalTransition {
            what: "application",
            state: app.state.name().to_owned(),
            action: "making the seal",
        }));
    }
    // 1. The impression.
    let mut comparison = None;
    let impression = if app.kind.needs_registered_impression() {
        let registered = input.registered.ok_or_else(|| {
            Failure::unprocessable(
                "impression_not_registered",
                format!(
                    "公安系统中没有 {} 的 {} 类印模备案：单位印章和法定代表人印章须使用在公安备案的印模",
                    app.organisation_code.as_deref().unwrap_or("-"),
                    app.kind.wire_name()
                ),
                format!(
                    "no impression of kind {} is registered with the police for {}: official and legal-representative seals carry the impression registered there",
                    app.kind.wire_name(),
                    app.organisation_code.as_deref().unwrap_or("-")
                ),
            )
        })?;
        if let Some(own) = &input.applicant_impression {
            let c = eseal_image::compare::compare_images(&registered, own).map_err(|e| {
                Failure::invalid(
                    "impression",
                    format!("无法比对印模：{}", e.zh()),
                    format!("cannot compare impressions: {e}"),
                )
            })?;
            if !c.matches {
                return Err(Failure::unprocessable(
                    "impression_mismatch",
                    format!(
                        "申请人提供的印模与备案印模不一致（相似度 {:.3} < {:.3}）：{}",
                        c.score,
                        c.threshold,
                        c.differences_zh.join("；")
                    ),
                    format!(
                        "the applicant's impression differs from the registered one (score {:.3} < {:.3}): {}",
                        c.score,
                        c.threshold,
                        c.differences.join("; ")
                    ),
                ));
            }
            comparison = Some(c);
        }
        registered
    } else {
        input
            .applicant_impression
            .or(input.registered)
            .ok_or_else(|| {
                Failure::invalid(
                    "impression",
                    "须提供印模（PNG）",
                    "an impression (PNG) is required",
                )
            })?
    };
    let (width_mm, height_mm) = picture_size_mm(&impression)?;

    // 2. The certificate.
    let (cert, key, custody) = match input.key {
        KeySource::Platform => {
            let key = Sm2PrivateKey::generate(random)
                .map_err(|e| Failure::internal(format!("key generation: {e}")))?;
            let subject = issuer.subject(app)?;
            let csr = eseal_pki::csr::build_csr(subject, &SoftwareSigner::new(key.clone()))
                .map_err(|e| Failure::internal(format!("certificate request: {e}")))?;
            let cert = issuer.issue(&app.kind, &csr, input.now)?;
            let key_ref = eseal_gm::Sm3Digest::of(cert.der()).to_hex();
            (cert, Some(key), KeyCustody::Platform { key_ref })
        }
        KeySource::Device(bytes) => {
            let cert = eseal_pki::pem::der_or_blocks(&bytes, "CERTIFICATE", "the certificate")
                .map_err(|e| {
                    Failure::invalid(
                        "certificate",
                        format!("证书无法读取：{}", e.zh()),
                        e.to_string(),
                    )
                })?
                .into_iter()
                .next()
                .ok_or_else(|| {
                    Failure::invalid(
                        "certificate",
                        "不是 DER 或 PEM 格式的 X.509 证书",
                        "not a DER or PEM X.509 certificate",
                    )
                })
                .and_then(|der| {
                    Certificate::from_der(&der).map_err(|e| {
                        Failure::invalid(
                            "certificate",
                            format!("证书无法解析：{}", e.zh()),
                            e.to_string(),
                        )
                    })
                })?;
            if cert.sm2_public_key().is_none() {
                return Err(Failure::invalid(
                    "certificate",
                    "证书的密钥不是 SM2 密钥",
                    "the certificate's key is not an SM2 key",
                ));
            }
            (cert, None, KeyCustody::Device)
        }
    };
    check_certificate(&cert, &app.seal_name, trust, input.now)?;

    // 3. The seal data.
    let id = match input.seal_id {
        Some(id) => id,
        None => eseal_core::SealId::parse("seal_id", &new_seal_id(random)?)?,
    };
    let request = eseal_ses::SealRequest {
        version: eseal_ses::Version::V4,
        vid: maker.vid.clone(),
        es_id: id.to_string(),
        seal_type: app.kind.type_code(),
        name: app.seal_name.clone(),
        signer_certs: vec![cert.der().to_vec()],
        list_digests: false,
        picture_type: "PNG".into(),
        picture: impression.clone(),
        width_mm,
        height_mm,
        create_date: input.now,
        valid_start: cert.not_before(),
        valid_end: cert.not_after(),
        ext_datas: None,
    };
    let made = eseal_ses::make_seal(&request, &maker.cert, &maker.key).map_err(|e| {
        Failure::unprocessable(
            "forbidden",
            format!("制作印章数据失败：{}", e.zh()),
            format!("making the seal data: {e}"),
        )
    })?;
    let seal_data = made.raw().to_vec();
    let seal = Seal {
        id,
        kind: app.kind.clone(),
        name: app.seal_name.clone(),
        organisation_code: app.organisation_code.clone(),
        holder_id: app.holder_id.clone(),
        impression_sm3: eseal_core::Sm3Hex::of(&eseal_gm::Sm3Digest::of(&impression)),
        certificate_serial: cert.serial_hex(),
        valid_from: cert.not_before(),
        valid_to: cert.not_after(),
        state: SealState::Active,
        history: Vec::new(),
        seal_data_sm3: Some(eseal_core::Sm3Hex::of(&eseal_gm::Sm3Digest::of(&seal_data))),
        key_custody: custody,
    };
    Ok(Made {
        seal,
        seal_data,
        certificate: cert.der().to_vec(),
        impression,
        key,
        comparison,
    })
}
