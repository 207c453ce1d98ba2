//! PKCS#12 (RFC 7292) import of an SM2 key and its certificates, including the legacy
//! encryptions BouncyCastle and old OpenSSL write (pbeWithSHAAnd3-KeyTripleDES-CBC,
//! pbeWithSHAAnd40BitRC2-CBC, pbeWithSHAAnd128BitRC2-CBC) and BER encodings. The MAC
//! (HMAC-SHA1 with the PKCS#12 key derivation) is checked first: a wrong password is reported
//! as such, not as garbage.

use crate::cert::Certificate;
use crate::error::PkiError;
use cbc::cipher::{BlockModeDecrypt, InnerIvInit, KeyInit, KeyIvInit, block_padding::Pkcs7};
use eseal_asn1::ber::{Tlv, first_tlv, tag};
use eseal_gm::Sm2PrivateKey;
use hmac::{Hmac, Mac};
use pkcs12::kdf::{Pkcs12KeyType, derive_key_utf8};
use sha1::Sha1;
use zeroize::Zeroizing;

const DATA: &str = "1.2.840.113549.1.7.1";
const ENCRYPTED_DATA: &str = "1.2.840.113549.1.7.6";
const KEY_BAG: &str = "1.2.840.113549.1.12.10.1.1";
const SHROUDED_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.2";
const CERT_BAG: &str = "1.2.840.113549.1.12.10.1.3";
const X509_CERTIFICATE: &str = "1.2.840.113549.1.9.22.1";
const SHA1: &str = "1.3.14.3.2.26";
const PBE_3DES: &str = "1.2.840.113549.1.12.1.3";
const PBE_RC2_128: &str = "1.2.840.113549.1.12.1.5";
const PBE_RC2_40: &str = "1.2.840.113549.1.12.1.6";
/// Iteration counts above this are refused: a hostile file could otherwise keep the key
/// derivation busy for hours (the samples use 102 400; OpenSSL's default is 2 048).
const MAX_ITERATIONS: i64 = 10_000_000;

fn rounds(iterations: i64) -> Result<i32, PkiError> {
    if !(1..=MAX_ITERATIONS).contains(&iterations) {
        return Err(err(format!(
            "iteration count {iterations} is outside 1..={MAX_ITERATIONS}"
        )));
    }
    i32::try_from(iterations).map_err(|_| err("iteration count too large"))
}

/// What a PKCS#12 file holds.
#[derive(Debug)]
pub struct Pkcs12Contents {
    /// The private key (the first key bag).
    pub key: Option<Sm2PrivateKey>,
    /// Every certificate, in file order.
    pub certificates: Vec<Certificate>,
}

impl Pkcs12Contents {
    /// The certificate whose public key matches the private key.
    pub fn key_certificate(&self) -> Option<&Certificate> {
        let public = self.key.as_ref()?.public_key();
        self.certificates
            .iter()
            .find(|c| c.sm2_public_key().as_ref() == Some(&public))
    }
}

fn err(what: impl Into<String>) -> PkiError {
    PkiError::Pkcs12(what.into())
}

fn child<'a>(items: &[Tlv<'a>], i: usize, what: &str) -> Result<Tlv<'a>, PkiError> {
    items
        .get(i)
        .copied()
        .ok_or_else(|| err(format!("missing {what}")))
}

fn children<'a>(t: &Tlv<'a>, what: &str) -> Result<Vec<Tlv<'a>>, PkiError> {
    t.children().map_err(|e| err(format!("{what}: {e}")))
}

fn oid(t: &Tlv<'_>, what: &str) -> Result<String, PkiError> {
    t.oid(what)
        .map(|o| o.to_string())
        .map_err(|e| err(e.to_string()))
}

fn octets(t: &Tlv<'_>, what: &str) -> Result<Vec<u8>, PkiError> {
    t.string_bytes(what).map_err(|e| err(e.to_string()))
}

/// `[0] EXPLICIT` content of a ContentInfo or bag: the single child.
fn explicit<'a>(t: &Tlv<'a>, what: &str) -> Result<Tlv<'a>, PkiError> {
    if t.tag != tag::CONTEXT_0_CONSTRUCTED {
        return Err(err(format!("{what}: expected [0]")));
    }
    child(&children(t, what)?, 0, what)
}

fn integer(t: &Tlv<'_>, what: &str) -> Result<i64, PkiError> {
    t.integer(what).map_err(|e| err(e.to_string()))
}

/// Read a PKCS#12 file with `password`.
pub fn read_pkcs12(bytes: &[u8], password: &str) -> Result<Pkcs12Contents, PkiError> {
    let (pfx, _) = first_tlv(bytes).map_err(|e| err(e.to_string()))?;
    let f = pfx.sequence("PFX").map_err(|e| err(e.to_string()))?;
    if integer(&child(&f, 0, "version")?, "PFX.version")? != 3 {
        return Err(err("PFX version is not 3"));
    }
    let auth_safe = child(&f, 1, "authSafe")?;
    let ci = children(&auth_safe, "authSafe")?;
    if oid(&child(&ci, 0, "authSafe.contentType")?, "contentType")? != DATA {
        return Err(err(
            "authSafe is not data (public-key integrity mode is not supported)",
        ));
    }
    let auth_bytes = octets(
        &explicit(&child(&ci, 1, "authSafe.content")?, "authSafe.content")?,
        "authSafe",
    )?;
    match f.get(2) {
        Some(mac) => check_mac(mac, &auth_bytes, password)?,
        None => return Err(err("no MAC: the file's integrity cannot be checked")),
    }
    let (safe, _) = first_tlv(&auth_bytes).map_err(|e| err(e.to_string()))?;
    let mut out = Pkcs12Contents {
        key: None,
        certificates: Vec::new(),
    };
    for info in children(&safe, "AuthenticatedSafe")? {
        let ci = children(&info, "ContentInfo")?;
        let content_type = oid(&child(&ci, 0, "contentType")?, "contentType")?;
        let content = explicit(&child(&ci, 1, "content")?, "content")?;
        let safe_contents = match content_type.as_str() {
            DATA => octets(&content, "data")?,
            ENCRYPTED_DATA => {
                let ed = children(&content, "EncryptedData")?;
                let eci = children(
                    &child(&ed, 1, "encryptedContentInfo")?,
                    "EncryptedContentInfo",
                )?;
                let alg = child(&eci, 1, "contentEncryptionAlgorithm")?;
                let encrypted = child(&eci, 2, "encryptedContent")?;
                // [0] IMPLICIT OCTET STRING, primitive or (BER) constructed.
                let data = if encrypted.constructed() {
                    let mut v = Vec::new();
                    for seg in children(&encrypted, "encryptedContent")? {
                        v.extend(octets(&seg, "encryptedContent")?);
                    }
                    v
                } else {
                    encrypted.value.to_vec()
                };
                decrypt(&alg, &data, password)?.to_vec()
            }
            other => return Err(err(format!("unsupported content type {other}"))),
        };
        read_bags(&safe_contents, password, &mut out)?;
    }
    Ok(out)
}

fn check_mac(mac: &Tlv<'_>, data: &[u8], password: &str) -> Result<(), PkiError> {
    let m = children(mac, "MacData")?;
    let digest_info = children(&child(&m, 0, "mac")?, "DigestInfo")?;
    let alg = children(
        &child(&digest_info, 0, "digestAlgorithm")?,
        "AlgorithmIdentifier",
    )?;
    if oid(&child(&alg, 0, "algorithm")?, "algorithm")? != SHA1 {
        return Err(err("only SHA-1 MACs are supported"));
    }
    let expected = octets(&child(&digest_info, 1, "digest")?, "digest")?;
    let salt = octets(&child(&m, 1, "macSalt")?, "macSalt")?;
    let iterations = match m.get(2) {
        Some(i) => integer(i, "iterations")?,
        None => 1,
    };
    let rounds = rounds(iterations)?;
    let key = Zeroizing::new(
        derive_key_utf8::<Sha1>(password, &salt, Pkcs12KeyType::Mac, rounds, 20)
            .map_err(|e| err(e.to_string()))?,
    );
    let mut hmac =
        <Hmac<Sha1> as hmac::KeyInit>::new_from_slice(&key).map_err(|e| err(e.to_string()))?;
    hmac.update(data);
    hmac.verify_slice(&expected)
        .map_err(|_| err("wrong password (the MAC does not verify) or the file was altered"))
}

/// Decrypt with a PKCS#12 PBE algorithm identifier.
fn decrypt(alg: &Tlv<'_>, data: &[u8], password: &str) -> Result<Zeroizing<Vec<u8>>, PkiError> {
    let a = children(alg, "AlgorithmIdentifier")?;
    let id = oid(&child(&a, 0, "algorithm")?, "algorithm")?;
    let params = children(&child(&a, 1, "parameters")?, "PBE parameters")?;
    let salt = octets(&child(&params, 0, "salt")?, "salt")?;
    let rounds = rounds(integer(&child(&params, 1, "iterations")?, "iterations")?)?;
    let derive = |kind, len| -> Result<Zeroizing<Vec<u8>>, PkiError> {
        Ok(Zeroizing::new(
            derive_key_utf8::<Sha1>(password, &salt, kind, rounds, len)
                .map_err(|e| err(e.to_string()))?,
        ))
    };
    let bad = |_| err("decryption failed (bad padding): wrong password or damaged file");
    let out = match id.as_str() {
        PBE_3DES => {
            let key = derive(Pkcs12KeyType::EncryptionKey, 24)?;
            let iv = derive(Pkcs12KeyType::Iv, 8)?;
            cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
                .map_err(|e| err(e.to_string()))?
                .decrypt_padded_vec::<Pkcs7>(data)
                .map_err(bad)?
        }
        PBE_RC2_40 | PBE_RC2_128 => {
            let bytes = if id == PBE_RC2_40 { 5 } else { 16 };
            let key = derive(Pkcs12KeyType::EncryptionKey, bytes)?;
            let iv = derive(Pkcs12KeyType::Iv, 8)?;
            let cipher = rc2::Rc2::new_with_eff_key_len(&key, bytes * 8);
            cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(cipher, &iv)
                .map_err(|e| err(e.to_string()))?
                .decrypt_padded_vec::<Pkcs7>(data)
                .map_err(bad)?
        }
        other => {
            return Err(err(format!(
                "unsupported encryption {other} (PBES2 files: re-export with `openssl pkcs12 -legacy` or use PEM)"
            )));
        }
    };
    Ok(Zeroizing::new(out))
}

fn read_bags(bytes: &[u8], password: &str, out: &mut Pkcs12Contents) -> Result<(), PkiError> {
    let (contents, _) = first_tlv(bytes).map_err(|e| err(e.to_string()))?;
    for bag in children(&contents, "SafeContents")? {
        let b = children(&bag, "SafeBag")?;
        let bag_id = oid(&child(&b, 0, "bagId")?, "bagId")?;
        let value = explicit(&child(&b, 1, "bagValue")?, "bagValue")?;
        match bag_id.as_str() {
            CERT_BAG => {
                let c = children(&value, "CertBag")?;
                if oid(&child(&c, 0, "certId")?, "certId")? == X509_CERTIFICATE {
                    let der = octets(
                        &explicit(&child(&c, 1, "certValue")?, "certValue")?,
                        "certValue",
                    )?;
                    out.certificates.push(Certificate::from_der(&der)?);
                }
            }
            SHROUDED_KEY_BAG if out.key.is_none() => {
                let e = children(&value, "EncryptedPrivateKeyInfo")?;
                let data = octets(&child(&e, 1, "encryptedData")?, "encryptedData")?;
                let pkcs8 = decrypt(&child(&e, 0, "encryptionAlgorithm")?, &data, password)?;
                out.key = Some(
                    Sm2PrivateKey::from_pkcs8_der(&pkcs8)
                        .map_err(|e| err(format!("the key is not an SM2 PKCS#8 key: {e}")))?,
                );
            }
            KEY_BAG if out.key.is_none() => {
                out.key = Some(
                    Sm2PrivateKey::from_pkcs8_der(value.raw)
                        .map_err(|e| err(format!("the key is not an SM2 PKCS#8 key: {e}")))?,
                );
            }
            _ => {}
        }
    }
    Ok(())
}

#[allow(unused_imports)]
use {KeyInit as _, KeyIvInit as _};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iteration_counts_are_bounded() {
        assert_eq!(rounds(102_400).unwrap(), 102_400);
        for bad in [0, -1, MAX_ITERATIONS + 1, i64::MAX] {
            assert!(
                rounds(bad)
                    .unwrap_err()
                    .to_string()
                    .contains("iteration count"),
                "{bad}"
            );
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for input in [&b""[..], b"\x30\x80", b"\x30\x03\x02\x01\x03", b"not a pfx"] {
            assert!(read_pkcs12(input, "x").is_err());
        }
    }
}
