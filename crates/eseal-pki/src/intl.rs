//! Signatures of international algorithms — RSA (PKCS#1 v1.5 and PSS) and ECDSA on P-256 and
//! P-384, with SHA-256/384/512 — verified (never made) so that certificates and CMS signatures
//! made by other tools (a PDF's RSA or ECDSA PAdES signature, say) get a report. SHA-1 is not
//! accepted. The arithmetic is RustCrypto's (`rsa`, `p256`, `p384`, `sha2`).

use der::asn1::ObjectIdentifier;
use sha2::Digest;
use spki::DecodePublicKey;

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const SHA1_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
const RSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const SHA384_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const SHA512_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const ECDSA_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.1");
const ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ECDSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
/// SHA-256.
pub const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
/// SHA-384.
pub const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
/// SHA-512.
pub const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");

/// A SHA-2 digest algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Hash {
    /// The digest algorithm of `oid`, if it is one of these.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        match *oid {
            SHA256 => Some(Self::Sha256),
            SHA384 => Some(Self::Sha384),
            SHA512 => Some(Self::Sha512),
            _ => None,
        }
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
            Self::Sha512 => "SHA-512",
        }
    }

    /// A hasher for streaming input.
    pub fn hasher(self) -> Hasher {
        match self {
            Self::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            Self::Sha384 => Hasher::Sha384(sha2::Sha384::new()),
            Self::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
        }
    }

    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut h = self.hasher();
        h.update(data);
        h.finalize()
    }
}

/// A running SHA-2 digest.
#[derive(Debug, Clone)]
pub enum Hasher {
    /// SHA-256.
    Sha256(sha2::Sha256),
    /// SHA-384.
    Sha384(sha2::Sha384),
    /// SHA-512.
    Sha512(sha2::Sha512),
}

impl Hasher {
    /// Add `data`.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Self::Sha256(h) => h.update(data),
            Self::Sha384(h) => h.update(data),
            Self::Sha512(h) => h.update(data),
        }
    }

    /// The digest.
    pub fn finalize(self) -> Vec<u8> {
        match self {
            Self::Sha256(h) => h.finalize().to_vec(),
            Self::Sha384(h) => h.finalize().to_vec(),
            Self::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

/// Why a signature was not verified: `unsupported` when the algorithm or key is not one this
/// module verifies (an INDETERMINATE result), otherwise the signature is wrong (FAILED).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotVerified {
    /// In Chinese.
    pub zh: String,
    /// In English.
    pub en: String,
    /// The algorithm, key or encoding is not supported (rather than wrong).
    pub unsupported: bool,
}

fn unsupported(zh: String, en: String) -> NotVerified {
    NotVerified {
        zh,
        en,
        unsupported: true,
    }
}

fn wrong(what: &str) -> NotVerified {
    NotVerified {
        zh: format!("{what} 签名验证不通过"),
        en: format!("the {what} signature does not verify"),
        unsupported: false,
    }
}

/// Is `oid` an algorithm of this module (RSA or ECDSA, with or without its digest)?
pub fn is_international(oid: &ObjectIdentifier) -> bool {
    [
        RSA_ENCRYPTION,
        SHA1_WITH_RSA,
        RSA_PSS,
        SHA256_WITH_RSA,
        SHA384_WITH_RSA,
        SHA512_WITH_RSA,
        EC_PUBLIC_KEY,
        ECDSA_SHA1,
        ECDSA_SHA256,
        ECDSA_SHA384,
        ECDSA_SHA512,
    ]
    .contains(oid)
}

#[derive(Clone, Copy)]
enum Scheme {
    Pkcs1,
    Pss,
    Ecdsa,
}

/// The scheme and digest of signature algorithm `algorithm`; `digest` is the digest named
/// beside it (a CMS SignerInfo's digestAlgorithm) for algorithms that do not name one.
fn scheme(
    algorithm: &ObjectIdentifier,
    digest: Option<&ObjectIdentifier>,
) -> Result<(Scheme, Hash), NotVerified> {
    let named = |d: Option<&ObjectIdentifier>| match d {
        Some(d) if *d == SHA1 => Err(unsupported(
            "SHA-1 摘要已不安全，不予接受".into(),
            "SHA-1 is no longer secure and is not accepted".into(),
        )),
        Some(d) => Hash::from_oid(d).ok_or_else(|| {
            unsupported(
                format!("不支持摘要算法 {d}"),
                format!("digest algorithm {d} is not supported"),
            )
        }),
        None => Ok(Hash::Sha256),
    };
    Ok(match *algorithm {
        SHA256_WITH_RSA => (Scheme::Pkcs1, Hash::Sha256),
        SHA384_WITH_RSA => (Scheme::Pkcs1, Hash::Sha384),
        SHA512_WITH_RSA => (Scheme::Pkcs1, Hash::Sha512),
        RSA_ENCRYPTION => (Scheme::Pkcs1, named(digest)?),
        RSA_PSS => (Scheme::Pss, named(digest)?),
        ECDSA_SHA256 => (Scheme::Ecdsa, Hash::Sha256),
        ECDSA_SHA384 => (Scheme::Ecdsa, Hash::Sha384),
        ECDSA_SHA512 => (Scheme::Ecdsa, Hash::Sha512),
        EC_PUBLIC_KEY => (Scheme::Ecdsa, named(digest)?),
        SHA1_WITH_RSA | ECDSA_SHA1 => {
            return Err(unsupported(
                "SHA-1 签名已不安全，不予接受".into(),
                "SHA-1 signatures are no longer secure and are not accepted".into(),
            ));
        }
        other => {
            return Err(unsupported(
                format!("不支持签名算法 {other}"),
                format!("signature algorithm {other} is not supported"),
            ));
        }
    })
}

/// The digest algorithm signature algorithm `algorithm` uses (`digest` as in [`verify`]).
pub fn digest_of(
    algorithm: &ObjectIdentifier,
    digest: Option<&ObjectIdentifier>,
) -> Result<Hash, NotVerified> {
    scheme(algorithm, digest).map(|(_, h)| h)
}

/// Verify `signature` over `message` with the key of `spki` (a DER SubjectPublicKeyInfo),
/// by signature algorithm `algorithm` (`digest`: the digest named beside it, for
/// rsaEncryption, RSASSA-PSS and id-ecPublicKey). Returns the algorithm's name
/// ("RSA-2048 PKCS#1 v1.5 SHA-256", "ECDSA P-256 SHA-256" …).
pub fn verify(
    spki: &[u8],
    algorithm: &ObjectIdentifier,
    digest: Option<&ObjectIdentifier>,
    message: &[u8],
    signature: &[u8],
) -> Result<String, NotVerified> {
    let (scheme, hash) = scheme(algorithm, digest)?;
    verify_prehashed(spki, scheme, hash, &hash.digest(message), signature)
}

fn verify_prehashed(
    spki: &[u8],
    scheme: Scheme,
    hash: Hash,
    hashed: &[u8],
    signature: &[u8],
) -> Result<String, NotVerified> {
    let info = spki::SubjectPublicKeyInfoRef::try_from(spki).map_err(|e| {
        unsupported(
            "公钥无法读取".into(),
            format!("the public key cannot be read: {e}"),
        )
    })?;
    let key_alg = info.algorithm.oid;
    match scheme {
        Scheme::Pkcs1 | Scheme::Pss => {
            if key_alg != RSA_ENCRYPTION && key_alg != RSA_PSS {
                return Err(unsupported(
                    format!("RSA 签名的公钥不是 RSA 公钥（{key_alg}）"),
                    format!("an RSA signature with a key that is not RSA ({key_alg})"),
                ));
            }
            let key = rsa::PublicKey::from_public_key_der(spki).map_err(|e| {
                unsupported(
                    "RSA 公钥无法读取".into(),
                    format!("the RSA key cannot be read: {e}"),
                )
            })?;
            let bits = rsa::traits::PublicKeyParts::size(&key) * 8;
            if bits < 2048 {
                return Err(unsupported(
                    format!("RSA 密钥只有 {bits} 位（至少 2048 位）"),
                    format!("the RSA key has {bits} bits (at least 2048 are required)"),
                ));
            }
            let (name, ok) = match scheme {
                Scheme::Pss => (
                    format!("RSA-{bits} PSS {}", hash.name()),
                    match hash {
                        Hash::Sha256 => {
                            key.verify(rsa::Pss::<sha2::Sha256>::new(), hashed, signature)
                        }
                        Hash::Sha384 => {
                            key.verify(rsa::Pss::<sha2::Sha384>::new(), hashed, signature)
                        }
                        Hash::Sha512 => {
                            key.verify(rsa::Pss::<sha2::Sha512>::new(), hashed, signature)
                        }
                    },
                ),
                _ => (
                    format!("RSA-{bits} PKCS#1 v1.5 {}", hash.name()),
                    key.verify(
                        match hash {
                            Hash::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                            Hash::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                            Hash::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
                        },
                        hashed,
                        signature,
                    ),
                ),
            };
            ok.map(|()| name.clone()).map_err(|_| wrong(&name))
        }
        Scheme::Ecdsa => {
            use signature::hazmat::PrehashVerifier;
            if key_alg != EC_PUBLIC_KEY {
                return Err(unsupported(
                    format!("ECDSA 签名的公钥不是椭圆曲线公钥（{key_alg}）"),
                    format!("an ECDSA signature with a key that is not EC ({key_alg})"),
                ));
            }
            let curve = info
                .algorithm
                .parameters
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
            let cannot = |e: &dyn std::fmt::Display| {
                unsupported(
                    "ECDSA 公钥或签名无法读取".into(),
                    format!("the ECDSA key or signature cannot be read: {e}"),
                )
            };
            match curve {
                Some(P256) => {
                    let name = format!("ECDSA P-256 {}", hash.name());
                    let key = p256::ecdsa::VerifyingKey::from_public_key_der(spki)
                        .map_err(|e| cannot(&e))?;
                    let sig =
                        p256::ecdsa::Signature::from_der(signature).map_err(|_| wrong(&name))?;
                    key.verify_prehash(hashed, &sig)
                        .map(|()| name.clone())
                        .map_err(|_| wrong(&name))
                }
                Some(P384) => {
                    let name = format!("ECDSA P-384 {}", hash.name());
                    let key = p384::ecdsa::VerifyingKey::from_public_key_der(spki)
                        .map_err(|e| cannot(&e))?;
                    let sig =
                        p384::ecdsa::Signature::from_der(signature).map_err(|_| wrong(&name))?;
                    key.verify_prehash(hashed, &sig)
                        .map(|()| name.clone())
                        .map_err(|_| wrong(&name))
                }
                other => Err(unsupported(
                    format!(
                        "不支持的椭圆曲线 {}",
                        other.map(|c| c.to_string()).unwrap_or_default()
                    ),
                    format!(
                        "the elliptic curve {} is not supported",
                        other.map(|c| c.to_string()).unwrap_or_default()
                    ),
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_and_unknown_algorithms_are_unsupported_not_wrong() {
        let e = verify(&[], &SHA1_WITH_RSA, None, b"m", b"s").unwrap_err();
        assert!(e.unsupported && e.en.contains("SHA-1"), "{e:?}");
        let e = verify(&[], &EC_PUBLIC_KEY, Some(&SHA1), b"m", b"s").unwrap_err();
        assert!(e.unsupported, "{e:?}");
        let other = ObjectIdentifier::new_unwrap("1.2.3.4");
        assert!(
            verify(&[], &other, None, b"m", b"s")
                .unwrap_err()
                .unsupported
        );
        // A key that cannot be read: unsupported, not a wrong signature.
        assert!(
            verify(&[1, 2, 3], &ECDSA_SHA256, None, b"m", b"s")
                .unwrap_err()
                .unsupported
        );
    }
}
