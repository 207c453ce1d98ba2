//! What the seal checks need from an X.509 certificate: names, validity, the SM2 key.
//! Chain building, key usage and revocation belong to `eseal-pki`.

use der::Decode;
use eseal_gm::Sm2PublicKey;
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::report::Text;

/// How many decoded certificates [`CertificateInfo::from_der_remembered`] keeps.
pub const MEMO_ENTRIES: usize = 16;
/// The largest certificate it keeps (a seal's certificates are about 500 bytes to 2 KB).
pub const MEMO_MAX_DER: usize = 8 << 10;

/// The certificates decoded last, by their exact DER.
type Memo = std::sync::Mutex<std::collections::VecDeque<(Box<[u8]>, CertificateInfo)>>;
static MEMO: Memo = std::sync::Mutex::new(std::collections::VecDeque::new());

/// The parts of a certificate the seal checks use.
#[derive(Debug, Clone)]
pub struct CertificateInfo {
    /// Subject DN (RFC 4514 text).
    pub subject: String,
    /// Issuer DN (RFC 4514 text).
    pub issuer: String,
    /// Serial number, upper-case hex.
    pub serial: String,
    /// notBefore.
    pub not_before: OffsetDateTime,
    /// notAfter.
    pub not_after: OffsetDateTime,
    /// The SM2 public key, or why there is none (RSA / ECDSA certificates exist in the field).
    pub public_key: Result<Sm2PublicKey, Text>,
    /// Extended key usage OIDs, if the extension is present.
    pub extended_key_usage: Option<Vec<der::asn1::ObjectIdentifier>>,
    /// DER of the issuer Name (to match IssuerAndSerialNumber).
    pub issuer_der: Vec<u8>,
    /// Serial number bytes as encoded.
    pub serial_bytes: Vec<u8>,
}

impl CertificateInfo {
    /// Parse a DER certificate; why not, in Chinese and English.
    pub fn from_der(der: &[u8]) -> Result<Self, Text> {
        let cert = Certificate::from_der(der).map_err(|e| {
            let (zh, en) = eseal_asn1::der_text::describe("X.509", &e);
            Text::new(
                format!("不是 DER 编码的 X.509 证书（{zh}）"),
                format!("not a DER X.509 certificate ({en})"),
            )
        })?;
        let tbs = cert.tbs_certificate();
        let to_time = |t: x509_cert::time::Time| {
            let secs = i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
            OffsetDateTime::from_unix_timestamp(secs).map_err(|_| {
                Text::new(
                    "证书的有效期时间超出可表示范围",
                    "a validity time of the certificate is out of range",
                )
            })
        };
        let spki = tbs.subject_public_key_info();
        let alg = spki.algorithm.oid;
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok());
        let public_key = if alg == eseal_gm::oid::SM2
            || (alg == eseal_gm::oid::EC_PUBLIC_KEY && curve == Some(eseal_gm::oid::SM2))
        {
            Sm2PublicKey::from_sec1(spki.subject_public_key.raw_bytes())
                .map_err(|e| Text::new(e.zh(), e.to_string()))
        } else {
            let curve = curve.map_or_else(|| "-".to_owned(), |c| c.to_string());
            Err(Text::new(
                format!("不是 SM2 公钥（算法 {alg}，参数 {curve}）"),
                format!("not an SM2 key (algorithm {alg}, parameters {curve})"),
            ))
        };
        let extended_key_usage = tbs
            .get_extension::<x509_cert::ext::pkix::ExtendedKeyUsage>()
            .ok()
            .flatten()
            .map(|(_, eku)| eku.0);
        let issuer_der = der::Encode::to_der(tbs.issuer()).map_err(|e| {
            let (zh, en) = eseal_asn1::der_text::describe("issuer", &e);
            Text::new(zh, en)
        })?;
        Ok(Self {
            extended_key_usage,
            issuer_der,
            serial_bytes: tbs.serial_number().as_bytes().to_vec(),
            subject: eseal_asn1::dn::text(tbs.subject()),
            issuer: eseal_asn1::dn::text(tbs.issuer()),
            serial: tbs
                .serial_number()
                .as_bytes()
                .iter()
                .fold(String::new(), |mut s, b| {
                    use std::fmt::Write as _;
                    let _ = write!(s, "{b:02X}");
                    s
                }),
            not_before: to_time(tbs.validity().not_before)?,
            not_after: to_time(tbs.validity().not_after)?,
            public_key,
        })
    }

    /// [`CertificateInfo::from_der`], answered from the certificates decoded last when `der`
    /// is one of them. Verification decodes the same signer and maker certificates for every
    /// signature of a document (a hundred signatures: two hundred decodes of two
    /// certificates); the decode is a function of the bytes alone, so a remembered answer is
    /// what decoding would give. At most [`MEMO_ENTRIES`] certificates of at most
    /// [`MEMO_MAX_DER`] bytes are kept (the oldest given up first); a lookup compares at most
    /// that many byte strings, less work than the decode it saves.
    pub fn from_der_remembered(der: &[u8]) -> Result<Self, Text> {
        let fits = der.len() <= MEMO_MAX_DER;
        if fits
            && let Ok(memo) = MEMO.lock()
            && let Some((_, info)) = memo.iter().find(|(d, _)| **d == *der)
        {
            return Ok(info.clone());
        }
        let info = Self::from_der(der)?;
        if fits && let Ok(mut memo) = MEMO.lock() {
            if memo.len() >= MEMO_ENTRIES {
                memo.pop_front();
            }
            memo.push_back((der.into(), info.clone()));
        }
        Ok(info)
    }

    /// Is `at` inside [notBefore, notAfter]?
    pub fn valid_at(&self, at: OffsetDateTime) -> bool {
        self.not_before <= at && at <= self.not_after
    }
}
