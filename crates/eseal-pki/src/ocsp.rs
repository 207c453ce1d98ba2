//! OCSP (RFC 6960) with SM2/SM3 as the national CAs run it: the request a verifier sends, the
//! checks on the answer (responder authorised by the issuer, signature over the exact
//! ResponseData bytes, the CertID is the one asked about, the nonce echoed when sent, times),
//! and the responder side for the development CA. No I/O.
//!
//! ```text
//! OCSPRequest ::= SEQUENCE { tbsRequest SEQUENCE { [0] version OPTIONAL, [1] requestorName
//!     OPTIONAL, requestList SEQUENCE OF Request, [2] EXPLICIT Extensions OPTIONAL }, … }
//! Request ::= SEQUENCE { reqCert CertID, [0] EXPLICIT Extensions OPTIONAL }
//! CertID ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, issuerNameHash OCTET STRING,
//!     issuerKeyHash OCTET STRING, serialNumber INTEGER }
//! OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, [0] EXPLICIT ResponseBytes OPTIONAL }
//! ResponseBytes ::= SEQUENCE { responseType OID (id-pkix-ocsp-basic), response OCTET STRING }
//! BasicOCSPResponse ::= SEQUENCE { tbsResponseData ResponseData, signatureAlgorithm,
//!     signature BIT STRING, [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
//! ResponseData ::= SEQUENCE { [0] EXPLICIT version OPTIONAL, responderID CHOICE { [1] Name,
//!     [2] KeyHash }, producedAt GeneralizedTime, responses SEQUENCE OF SingleResponse,
//!     [1] EXPLICIT Extensions OPTIONAL }
//! SingleResponse ::= SEQUENCE { certID, certStatus CHOICE { [0] good, [1] revoked
//!     RevokedInfo, [2] unknown }, thisUpdate, [0] EXPLICIT nextUpdate OPTIONAL, … }
//! ```
//! CertIDs are made with SM3 (GM/T 0014 practice); answers using SHA-1 CertIDs are read too.

use crate::cert::Certificate;
use crate::crl::RevocationReason;
use der::asn1::ObjectIdentifier;
use eseal_asn1::ber::{Tlv, first_tlv, tag};
use eseal_asn1::der_out;
use eseal_gm::provider::Sm2Signer;
use eseal_gm::{SignerId, Sm2PublicKey, Sm2Signature, Sm3Digest};
use time::OffsetDateTime;

/// id-pkix-ocsp-basic.
const OCSP_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
/// id-pkix-ocsp-nonce.
const OCSP_NONCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");
/// id-kp-OCSPSigning.
pub const OCSP_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");
const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
/// An answer's thisUpdate may be this far ahead of the verifier's clock (clock skew).
const SKEW_SECS: i64 = 300;

/// What the responder says about the certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OcspStatus {
    /// Not revoked.
    Good,
    /// Revoked at that time, for that reason.
    Revoked(OffsetDateTime, RevocationReason),
    /// The responder does not know the certificate.
    Unknown,
}

/// A checked answer about one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcspAnswer {
    /// The status.
    pub status: OcspStatus,
    /// The certificate's serial number asked about.
    pub serial: Vec<u8>,
    /// The issuer's subject (DER) the answer is about.
    pub issuer_der: Vec<u8>,
    /// producedAt.
    pub produced_at: OffsetDateTime,
    /// thisUpdate.
    pub this_update: OffsetDateTime,
    /// nextUpdate (absent: the responder always has newer information).
    pub next_update: Option<OffsetDateTime>,
    /// Who signed: the issuer itself, or its delegated responder's subject.
    pub responder: String,
    /// The DER OCSPResponse, for archiving.
    pub der: Vec<u8>,
}

/// Why an answer cannot be used (each in Chinese and English).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcspError {
    /// In Chinese.
    pub zh: String,
    /// In English.
    pub en: String,
}

impl std::fmt::Display for OcspError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

impl std::error::Error for OcspError {}

fn err(zh: impl Into<String>, en: impl Into<String>) -> OcspError {
    OcspError {
        zh: zh.into(),
        en: en.into(),
    }
}

fn asn1(e: eseal_asn1::Asn1Error) -> OcspError {
    err(
        format!("OCSP 应答不是有效的 DER：{}", e.zh()),
        format!("the OCSP answer is not valid DER: {e}"),
    )
}

fn hash(alg: &ObjectIdentifier, data: &[u8]) -> Option<Vec<u8>> {
    use sha1::Digest as _;
    if *alg == eseal_gm::oid::SM3 {
        Some(Sm3Digest::of(data).as_bytes().to_vec())
    } else if *alg == SHA1 {
        Some(sha1::Sha1::digest(data).to_vec())
    } else {
        None
    }
}

fn issuer_key_bytes(issuer: &Certificate) -> Option<Vec<u8>> {
    issuer.sm2_public_key().map(|k| k.to_sec1_uncompressed())
}

fn generalized(t: OffsetDateTime) -> Result<Vec<u8>, eseal_asn1::Asn1Error> {
    let t = t.to_offset(time::UtcOffset::UTC);
    let s = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    der_out::tlv(tag::GENERALIZED_TIME, s.as_bytes())
}

fn parse_time(t: &Tlv<'_>, what: &str) -> Result<OffsetDateTime, OcspError> {
    let bad = || {
        err(
            format!("OCSP 应答中的时间 {what} 无法读取"),
            format!("the OCSP answer's {what} is not a GeneralizedTime"),
        )
    };
    if t.tag != tag::GENERALIZED_TIME {
        return Err(bad());
    }
    let s = std::str::from_utf8(t.value).map_err(|_| bad())?;
    let s = s.strip_suffix('Z').ok_or_else(bad)?;
    let s = s.split('.').next().unwrap_or_default();
    if s.len() != 14 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n = |a: usize, b: usize| s.get(a..b).and_then(|x| x.parse::<u32>().ok());
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(se)) =
        (n(0, 4), n(4, 6), n(6, 8), n(8, 10), n(10, 12), n(12, 14))
    else {
        return Err(bad());
    };
    let month = time::Month::try_from(u8::try_from(mo).map_err(|_| bad())?).map_err(|_| bad())?;
    let date = time::Date::from_calendar_date(
        i32::try_from(y).map_err(|_| bad())?,
        month,
        u8::try_from(d).map_err(|_| bad())?,
    )
    .map_err(|_| bad())?;
    let tod = time::Time::from_hms(
        u8::try_from(h).map_err(|_| bad())?,
        u8::try_from(mi).map_err(|_| bad())?,
        u8::try_from(se).map_err(|_| bad())?,
    )
    .map_err(|_| bad())?;
    Ok(date.with_time(tod).assume_utc())
}

fn cert_id(issuer: &Certificate, serial: &[u8]) -> Result<Vec<u8>, OcspError> {
    let key = issuer_key_bytes(issuer).ok_or_else(|| {
        err(
            "签发者的公钥不是 SM2 公钥",
            "the issuer's key is not an SM2 key",
        )
    })?;
    let enc = |e: eseal_asn1::Asn1Error| err(e.zh(), e.to_string());
    der_out::sequence(&[
        &der_out::sequence(&[&der_out::oid(&eseal_gm::oid::SM3).map_err(enc)?]).map_err(enc)?,
        &der_out::octet_string(Sm3Digest::of(&issuer.subject_der()).as_bytes()).map_err(enc)?,
        &der_out::octet_string(Sm3Digest::of(&key).as_bytes()).map_err(enc)?,
        &der_out::tlv(tag::INTEGER, serial).map_err(enc)?,
    ])
    .map_err(enc)
}

/// The DER OCSPRequest for `cert` issued by `issuer`, with `nonce` (16–32 random bytes).
pub fn request(
    cert: &Certificate,
    issuer: &Certificate,
    nonce: &[u8],
) -> Result<Vec<u8>, OcspError> {
    let enc = |e: eseal_asn1::Asn1Error| err(e.zh(), e.to_string());
    let id = cert_id(issuer, cert.serial_bytes())?;
    let one = der_out::sequence(&[&id]).map_err(enc)?;
    let ext = der_out::sequence(&[
        &der_out::oid(&OCSP_NONCE).map_err(enc)?,
        &der_out::octet_string(&der_out::octet_string(nonce).map_err(enc)?).map_err(enc)?,
    ])
    .map_err(enc)?;
    let tbs = der_out::sequence(&[
        &der_out::sequence(&[&one]).map_err(enc)?,
        &der_out::tlv(0xA2, &der_out::sequence(&[&ext]).map_err(enc)?).map_err(enc)?,
    ])
    .map_err(enc)?;
    der_out::sequence(&[&tbs]).map_err(enc)
}

/// A CertID as read: algorithm, name hash, key hash, serial.
struct CertIdRead {
    alg: ObjectIdentifier,
    name_hash: Vec<u8>,
    key_hash: Vec<u8>,
    serial: Vec<u8>,
}

fn read_cert_id(t: &Tlv<'_>) -> Result<CertIdRead, eseal_asn1::Asn1Error> {
    let f = t.sequence("CertID")?;
    let get = |i: usize| {
        f.get(i).copied().ok_or_else(|| {
            eseal_asn1::Asn1Error::at(
                eseal_asn1::Asn1ErrorKind::UnexpectedTag,
                t.offset,
                "CertID: too few fields",
            )
        })
    };
    let alg = get(0)?.sequence("hashAlgorithm")?;
    let alg = alg
        .first()
        .ok_or_else(|| {
            eseal_asn1::Asn1Error::at(
                eseal_asn1::Asn1ErrorKind::UnexpectedTag,
                t.offset,
                "hashAlgorithm: empty",
            )
        })?
        .oid("hashAlgorithm")?;
    get(1)?.expect(tag::OCTET_STRING, "issuerNameHash")?;
    get(2)?.expect(tag::OCTET_STRING, "issuerKeyHash")?;
    get(3)?.expect(tag::INTEGER, "serialNumber")?;
    Ok(CertIdRead {
        alg,
        name_hash: get(1)?.value.to_vec(),
        key_hash: get(2)?.value.to_vec(),
        serial: get(3)?.value.to_vec(),
    })
}

impl CertIdRead {
    fn is_for(&self, issuer: &Certificate, serial: &[u8]) -> bool {
        let (Some(n), Some(k)) = (
            hash(&self.alg, &issuer.subject_der()),
            issuer_key_bytes(issuer).and_then(|key| hash(&self.alg, &key)),
        ) else {
            return false;
        };
        self.name_hash == n && self.key_hash == k && self.serial == serial
    }
}

fn nonce_of(exts: Option<&Tlv<'_>>) -> Result<Option<Vec<u8>>, eseal_asn1::Asn1Error> {
    let Some(wrap) = exts else { return Ok(None) };
    for list in wrap.children()? {
        for ext in list.sequence("Extensions")? {
            let f = ext.sequence("Extension")?;
            if let (Some(id), Some(v)) = (f.first(), f.last())
                && id.oid("extnID")? == OCSP_NONCE
            {
                let (inner, _) = first_tlv(v.value)?;
                return Ok(Some(if inner.tag == tag::OCTET_STRING {
                    inner.value.to_vec()
                } else {
                    v.value.to_vec()
                }));
            }
        }
    }
    Ok(None)
}

/// Check a DER OCSPResponse about `cert` (issued by `issuer`) at `now`; `nonce` is what the
/// request carried. Refused: a non-successful status, a signature that does not verify, a
/// responder the issuer did not authorise, an answer about another certificate, a nonce that
/// differs, an answer from the future or past its nextUpdate.
pub fn check_response(
    der: &[u8],
    cert: &Certificate,
    issuer: &Certificate,
    nonce: Option<&[u8]>,
    now: OffsetDateTime,
) -> Result<OcspAnswer, OcspError> {
    let (top, trailing) = first_tlv(der).map_err(asn1)?;
    if trailing != 0 {
        return Err(err(
            "OCSP 应答后面还有多余的字节",
            "bytes after the OCSP answer",
        ));
    }
    let f = top.sequence("OCSPResponse").map_err(asn1)?;
    let status = f
        .first()
        .filter(|s| s.tag == 0x0A && s.value.len() == 1)
        .map(|s| s.value[0])
        .ok_or_else(|| err("OCSP 应答没有状态", "the OCSP answer has no responseStatus"))?;
    if status != 0 {
        let (zh, en) = match status {
            1 => ("请求格式错误（malformedRequest）", "malformedRequest"),
            2 => ("应答服务内部错误（internalError）", "internalError"),
            3 => ("应答服务忙，请稍后再试（tryLater）", "tryLater"),
            5 => ("应答服务要求签名的请求（sigRequired）", "sigRequired"),
            6 => ("请求未获授权（unauthorized）", "unauthorized"),
            _ => ("未知的应答状态", "an unknown responseStatus"),
        };
        return Err(err(
            format!("OCSP 应答服务没有给出状态：{zh}"),
            format!("the OCSP responder gave no status: {en}"),
        ));
    }
    let bytes = f
        .get(1)
        .filter(|b| b.tag == 0xA0)
        .ok_or_else(|| err("OCSP 应答没有内容", "the OCSP answer has no responseBytes"))?;
    let rb = bytes
        .children()
        .map_err(asn1)?
        .first()
        .copied()
        .ok_or_else(|| err("OCSP 应答没有内容", "empty responseBytes"))?
        .sequence("ResponseBytes")
        .map_err(asn1)?;
    let (Some(kind), Some(octets)) = (rb.first(), rb.get(1)) else {
        return Err(err("OCSP 应答内容不完整", "incomplete ResponseBytes"));
    };
    if kind.oid("responseType").map_err(asn1)? != OCSP_BASIC {
        return Err(err(
            "OCSP 应答不是 id-pkix-ocsp-basic 类型",
            "the OCSP answer is not id-pkix-ocsp-basic",
        ));
    }
    octets.expect(tag::OCTET_STRING, "response").map_err(asn1)?;
    let (basic, _) = first_tlv(octets.value).map_err(asn1)?;
    let b = basic.sequence("BasicOCSPResponse").map_err(asn1)?;
    let (Some(tbs), Some(alg), Some(sig)) = (b.first(), b.get(1), b.get(2)) else {
        return Err(err(
            "BasicOCSPResponse 不完整",
            "incomplete BasicOCSPResponse",
        ));
    };
    if b.get(3).is_some_and(|c| c.tag != 0xA0) || b.len() > 4 {
        return Err(err(
            "BasicOCSPResponse 不完整",
            "incomplete BasicOCSPResponse",
        ));
    };
    let alg = alg
        .sequence("signatureAlgorithm")
        .map_err(asn1)?
        .first()
        .map(|o| o.oid("signatureAlgorithm"))
        .transpose()
        .map_err(asn1)?;
    if alg != Some(eseal_gm::oid::SM2_WITH_SM3) {
        return Err(err(
            "OCSP 应答的签名算法不是 SM2-SM3",
            "the OCSP answer is not signed with SM2-SM3",
        ));
    }
    if sig.value.first() != Some(&0) {
        return Err(err(
            "OCSP 应答的签名值不是规范的 BIT STRING",
            "the OCSP signature is not a plain BIT STRING (unused bits must be 0)",
        ));
    }
    let signature = sig.bit_string("signature").map_err(asn1)?;
    let signature = Sm2Signature::from_der_or_raw(&signature)
        .map(|(s, _)| s)
        .map_err(|_| {
            err(
                "OCSP 应答的签名值无法读取",
                "the OCSP signature value is unreadable",
            )
        })?;
    let embedded: Vec<Certificate> = match b.get(3) {
        Some(c) => {
            let mut v = Vec::new();
            for list in c.children().map_err(asn1)? {
                for one in list.children().map_err(asn1)? {
                    let raw = one.raw;
                    v.push(Certificate::from_der(raw).map_err(|e| {
                        err(
                            "OCSP 应答所附的证书不是有效的 DER X.509 证书".to_owned(),
                            format!("a certificate in the OCSP answer cannot be read: {e}"),
                        )
                    })?);
                }
            }
            v
        }
        None => Vec::new(),
    };
    let tbs_raw = tbs.raw;
    let rd = tbs.sequence("ResponseData").map_err(asn1)?;
    let mut i = 0;
    if rd.first().is_some_and(|t| t.tag == 0xA0) {
        i = 1;
    }
    let (Some(_responder_id), Some(produced), Some(responses)) =
        (rd.get(i), rd.get(i + 1), rd.get(i + 2))
    else {
        return Err(err("ResponseData 不完整", "incomplete ResponseData"));
    };
    let produced_at = parse_time(produced, "producedAt")?;
    // Who signed: the issuer, or a certificate the issuer gave id-kp-OCSPSigning.
    let issuer_key = issuer.sm2_public_key().ok_or_else(|| {
        err(
            "签发者的公钥不是 SM2 公钥",
            "the issuer's key is not an SM2 key",
        )
    })?;
    let verifies = |k: &Sm2PublicKey| k.verify(&SignerId::default(), tbs_raw, &signature).is_ok();
    let responder = if verifies(&issuer_key) {
        issuer.subject()
    } else {
        let delegate = embedded.iter().find(|c| {
            c.issuer_der() == issuer.subject_der()
                && c.verify_signed_by(&issuer_key).is_some()
                && c.extended_key_usage()
                    .is_some_and(|e| e.contains(&OCSP_SIGNING))
                && c.valid_at(produced_at)
                && c.sm2_public_key().as_ref().is_some_and(verifies)
        });
        match delegate {
            Some(d) => d.subject(),
            None => {
                return Err(err(
                    format!(
                        "OCSP 应答的签名既不是签发者 {} 的，也不是它授权（id-kp-OCSPSigning）的应答者的",
                        issuer.subject()
                    ),
                    format!(
                        "the OCSP answer is signed neither by the issuer {} nor by a responder it authorised (id-kp-OCSPSigning)",
                        issuer.subject()
                    ),
                ));
            }
        }
    };
    // The nonce, when the responder echoes one.
    let exts = rd.get(i + 3).filter(|t| t.tag == 0xA1);
    if let (Some(sent), Some(got)) = (nonce, nonce_of(exts).map_err(asn1)?)
        && sent != got.as_slice()
    {
        return Err(err(
            "OCSP 应答中的随机数（nonce）不是请求中的：可能是重放的旧应答",
            "the OCSP answer's nonce is not the request's: possibly a replayed answer",
        ));
    }
    // The single response about this certificate.
    for single in responses.sequence("responses").map_err(asn1)? {
        let s = single.sequence("SingleResponse").map_err(asn1)?;
        let (Some(id), Some(st), Some(this)) = (s.first(), s.get(1), s.get(2)) else {
            continue;
        };
        let id = read_cert_id(id).map_err(asn1)?;
        if !id.is_for(issuer, cert.serial_bytes()) {
            continue;
        }
        let this_update = parse_time(this, "thisUpdate")?;
        let next_update = match s.get(3).filter(|t| t.tag == 0xA0) {
            Some(n) => Some(parse_time(
                n.children()
                    .map_err(asn1)?
                    .first()
                    .ok_or_else(|| err("nextUpdate 为空", "empty nextUpdate"))?,
                "nextUpdate",
            )?),
            None => None,
        };
        if this_update > now + time::Duration::seconds(SKEW_SECS) {
            return Err(err(
                "OCSP 应答的 thisUpdate 晚于当前时间",
                "the OCSP answer's thisUpdate is in the future",
            ));
        }
        if next_update.is_some_and(|n| n < now) {
            return Err(err(
                "OCSP 应答已过 nextUpdate（过期的应答）",
                "the OCSP answer is past its nextUpdate (stale)",
            ));
        }
        let status = match st.tag {
            0x80 => OcspStatus::Good,
            0x82 => OcspStatus::Unknown,
            0xA1 => {
                let r = st.children().map_err(asn1)?;
                let when = parse_time(
                    r.first()
                        .ok_or_else(|| err("撤销时间缺失", "no revocationTime"))?,
                    "revocationTime",
                )?;
                let reason = r
                    .get(1)
                    .and_then(|w| w.children().ok())
                    .and_then(|c| c.first().map(|e| e.value.first().copied().unwrap_or(0)))
                    .map_or(RevocationReason::Unspecified, RevocationReason::from_code);
                OcspStatus::Revoked(when, reason)
            }
            _ => {
                return Err(err(
                    "OCSP 应答的证书状态无法读取",
                    "the OCSP answer's certStatus is unreadable",
                ));
            }
        };
        return Ok(OcspAnswer {
            status,
            serial: cert.serial_bytes().to_vec(),
            issuer_der: issuer.subject_der(),
            produced_at,
            this_update,
            next_update,
            responder,
            der: der.to_vec(),
        });
    }
    Err(err(
        "OCSP 应答说的不是所查询的证书",
        "the OCSP answer is not about the certificate asked for",
    ))
}

/// The responder side: answer a DER OCSPRequest for certificates of `issuer` with `status`
/// (by serial; `None` = unknown), signed by the issuer's key. A request that cannot be read
/// gets malformedRequest.
pub fn respond(
    request_der: &[u8],
    issuer: &Certificate,
    signer: &dyn Sm2Signer,
    status: &dyn Fn(&[u8]) -> Option<OcspStatus>,
    now: OffsetDateTime,
    next_update: OffsetDateTime,
) -> Result<Vec<u8>, OcspError> {
    let enc = |e: eseal_asn1::Asn1Error| err(e.zh(), e.to_string());
    let malformed = || der_out::sequence(&[&der_out::tlv(0x0A, &[1]).map_err(enc)?]).map_err(enc);
    let parsed = (|| -> Result<(Vec<CertIdRead>, Option<Vec<u8>>), eseal_asn1::Asn1Error> {
        let (top, trailing) = first_tlv(request_der)?;
        if trailing != 0 {
            return Err(eseal_asn1::Asn1Error::new(
                eseal_asn1::Asn1ErrorKind::BadLength,
                "OCSPRequest",
            ));
        }
        let f = top.sequence("OCSPRequest")?;
        let tbs = f.first().copied().ok_or_else(|| {
            eseal_asn1::Asn1Error::new(eseal_asn1::Asn1ErrorKind::UnexpectedTag, "tbsRequest")
        })?;
        let t = tbs.sequence("TBSRequest")?;
        let list = t
            .iter()
            .find(|x| x.tag == tag::SEQUENCE)
            .copied()
            .ok_or_else(|| {
                eseal_asn1::Asn1Error::new(eseal_asn1::Asn1ErrorKind::UnexpectedTag, "requestList")
            })?;
        let mut ids = Vec::new();
        for r in list.sequence("requestList")?.iter().take(16) {
            let rf = r.sequence("Request")?;
            if let Some(id) = rf.first() {
                ids.push(read_cert_id(id)?);
            }
        }
        let nonce = nonce_of(t.iter().find(|x| x.tag == 0xA2))?;
        Ok((ids, nonce))
    })();
    let Ok((ids, nonce)) = parsed else {
        return malformed();
    };
    if ids.is_empty() {
        return malformed();
    }
    let key = issuer_key_bytes(issuer).unwrap_or_default();
    let mut singles = Vec::new();
    for id in &ids {
        let ours = hash(&id.alg, &issuer.subject_der()).as_ref() == Some(&id.name_hash)
            && hash(&id.alg, &key).as_ref() == Some(&id.key_hash);
        let st = if ours { status(&id.serial) } else { None };
        let cert_status = match st {
            Some(OcspStatus::Good) => der_out::tlv(0x80, &[]).map_err(enc)?,
            Some(OcspStatus::Revoked(when, reason)) => der_out::tlv(
                0xA1,
                &[
                    generalized(when).map_err(enc)?,
                    der_out::tlv(0xA0, &der_out::tlv(0x0A, &[reason.code()]).map_err(enc)?)
                        .map_err(enc)?,
                ]
                .concat(),
            )
            .map_err(enc)?,
            Some(OcspStatus::Unknown) | None => der_out::tlv(0x82, &[]).map_err(enc)?,
        };
        let alg_oid = if id.alg == SHA1 {
            SHA1
        } else {
            eseal_gm::oid::SM3
        };
        let cid = der_out::sequence(&[
            &der_out::sequence(&[&der_out::oid(&alg_oid).map_err(enc)?]).map_err(enc)?,
            &der_out::octet_string(&id.name_hash).map_err(enc)?,
            &der_out::octet_string(&id.key_hash).map_err(enc)?,
            &der_out::tlv(tag::INTEGER, &id.serial).map_err(enc)?,
        ])
        .map_err(enc)?;
        singles.push(
            der_out::sequence(&[
                &cid,
                &cert_status,
                &generalized(now).map_err(enc)?,
                &der_out::tlv(0xA0, &generalized(next_update).map_err(enc)?).map_err(enc)?,
            ])
            .map_err(enc)?,
        );
    }
    let refs: Vec<&[u8]> = singles.iter().map(Vec::as_slice).collect();
    let mut rd_parts = vec![
        der_out::tlv(
            0xA2,
            &der_out::octet_string(Sm3Digest::of(&key).as_bytes()).map_err(enc)?,
        )
        .map_err(enc)?,
        generalized(now).map_err(enc)?,
        der_out::sequence(&refs).map_err(enc)?,
    ];
    if let Some(n) = nonce {
        let ext = der_out::sequence(&[
            &der_out::oid(&OCSP_NONCE).map_err(enc)?,
            &der_out::octet_string(&der_out::octet_string(&n).map_err(enc)?).map_err(enc)?,
        ])
        .map_err(enc)?;
        rd_parts.push(der_out::tlv(0xA1, &der_out::sequence(&[&ext]).map_err(enc)?).map_err(enc)?);
    }
    let rd_refs: Vec<&[u8]> = rd_parts.iter().map(Vec::as_slice).collect();
    let rd = der_out::sequence(&rd_refs).map_err(enc)?;
    let sig = signer
        .sign(&rd)
        .map_err(|e| err(format!("签名失败：{e}"), format!("signing failed: {e}")))?;
    let basic = der_out::sequence(&[
        &rd,
        &der_out::sequence(&[&der_out::oid(&eseal_gm::oid::SM2_WITH_SM3).map_err(enc)?])
            .map_err(enc)?,
        &der_out::bit_string(&sig.to_der()).map_err(enc)?,
    ])
    .map_err(enc)?;
    let bytes = der_out::sequence(&[
        &der_out::oid(&OCSP_BASIC).map_err(enc)?,
        &der_out::octet_string(&basic).map_err(enc)?,
    ])
    .map_err(enc)?;
    der_out::sequence(&[
        &der_out::tlv(0x0A, &[0]).map_err(enc)?,
        &der_out::tlv(0xA0, &bytes).map_err(enc)?,
    ])
    .map_err(enc)
}
