//! SM2 signatures (GB/T 32918.2) with the signer ID of GB/T 35276, and SM2 keys in the
//! encodings OpenSSL uses (PKCS#8 private keys, SubjectPublicKeyInfo public keys).

use crate::ec;
use crate::error::{Error, ErrorKind, SignatureDerError};
use crate::sm3::Sm3Digest;
use pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use sm2::elliptic_curve::sec1::ToSec1Point;
use spki::{DecodePublicKey, EncodePublicKey};
use std::fmt;
use zeroize::Zeroizing;

/// The default signer ID of GB/T 35276: the 16 ASCII bytes `1234567812345678`.
pub const DEFAULT_SIGNER_ID: &str = "1234567812345678";

/// The group order n of the SM2 curve, big-endian.
const ORDER_N: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0x72, 0x03, 0xDF, 0x6B, 0x21, 0xC6, 0x05, 0x2B, 0x53, 0xBB, 0xF4, 0x09, 0x39, 0xD5, 0x41, 0x23,
];

/// The distinguishing identifier (ID_A) hashed into Z. Valid when its bit length fits ENTL
/// (16 bits), i.e. at most 8191 bytes. The empty ID is what OpenSSL 3 uses when none is set
/// (`openssl req -x509 -newkey sm2` signs certificates with it); GB/T 35276 says
/// `1234567812345678`, the [`Default`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SignerId(String);

impl SignerId {
    /// A signer ID from text.
    pub fn new(id: &str) -> Result<Self, Error> {
        if id.len() > 8191 {
            return Err(Error::new(ErrorKind::InvalidSignerId, "signer ID"));
        }
        Ok(Self(id.to_owned()))
    }

    /// The empty ID (OpenSSL 3's default when none is configured).
    pub fn empty() -> Self {
        Self(String::new())
    }

    /// The ID as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for SignerId {
    fn default() -> Self {
        Self(DEFAULT_SIGNER_ID.to_owned())
    }
}

impl fmt::Debug for SignerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignerId({:?})", self.0)
    }
}

/// An SM2 public key (a point on the SM2 curve), with its coordinates ready for the
/// specialised arithmetic of [`crate::ec`].
#[derive(Clone)]
pub struct Sm2PublicKey(sm2::PublicKey, ec::Affine);

impl PartialEq for Sm2PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for Sm2PublicKey {}

impl fmt::Debug for Sm2PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.to_sec1_uncompressed();
        write!(f, "Sm2PublicKey(")?;
        for b in bytes.iter() {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

impl Sm2PublicKey {
    fn from_inner(key: sm2::PublicKey) -> Result<Self, Error> {
        let point = key.as_affine().to_sec1_point(false);
        let bytes = point.as_bytes();
        let (x, y) = bytes
            .get(1..33)
            .zip(bytes.get(33..65))
            .and_then(|(x, y)| Some((<[u8; 32]>::try_from(x).ok()?, <[u8; 32]>::try_from(y).ok()?)))
            .ok_or(Error::new(ErrorKind::InvalidKey, "SM2 public key point"))?;
        let affine = ec::Affine::from_be_xy(&x, &y)
            .ok_or(Error::new(ErrorKind::InvalidKey, "SM2 public key point"))?;
        Ok(Self(key, affine))
    }

    /// From SEC1 point bytes (`04‖X‖Y` or compressed).
    pub fn from_sec1(bytes: &[u8]) -> Result<Self, Error> {
        sm2::PublicKey::from_sec1_bytes(bytes)
            .map_err(|_| Error::new(ErrorKind::InvalidKey, "SM2 public key point"))
            .and_then(Self::from_inner)
    }

    /// From a DER SubjectPublicKeyInfo (id-ecPublicKey + sm2 curve, as OpenSSL writes it).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, Error> {
        sm2::PublicKey::from_public_key_der(der)
            .map_err(|_| Error::new(ErrorKind::InvalidKeyEncoding, "SM2 SubjectPublicKeyInfo"))
            .and_then(Self::from_inner)
    }

    /// From a PEM `PUBLIC KEY` block.
    pub fn from_spki_pem(pem: &str) -> Result<Self, Error> {
        sm2::PublicKey::from_public_key_pem(pem)
            .map_err(|_| Error::new(ErrorKind::InvalidKeyEncoding, "SM2 PUBLIC KEY PEM"))
            .and_then(Self::from_inner)
    }

    /// DER SubjectPublicKeyInfo.
    pub fn to_spki_der(&self) -> Result<Vec<u8>, Error> {
        self.0
            .to_public_key_der()
            .map(|d| d.as_bytes().to_vec())
            .map_err(|_| Error::new(ErrorKind::InvalidKeyEncoding, "encode SPKI"))
    }

    /// PEM `PUBLIC KEY`, as `openssl pkey -pubout` writes it.
    pub fn to_spki_pem(&self) -> Result<String, Error> {
        self.0
            .to_public_key_pem(LineEnding::LF)
            .map_err(|_| Error::new(ErrorKind::InvalidKeyEncoding, "encode SPKI PEM"))
    }

    /// The uncompressed point `04‖X‖Y` (65 bytes).
    pub fn to_sec1_uncompressed(&self) -> Vec<u8> {
        self.0.as_affine().to_sec1_point(false).as_bytes().to_vec()
    }

    /// Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) for this key and `id`.
    pub fn z(&self, id: &SignerId) -> Result<Sm3Digest, Error> {
        let point = self.to_sec1_uncompressed();
        let mut h = crate::sm3::Sm3Hasher::new();
        let entl = u16::try_from(id.0.len() * 8)
            .map_err(|_| Error::new(ErrorKind::InvalidSignerId, "signer ID"))?;
        h.update(&entl.to_be_bytes());
        h.update(id.0.as_bytes());
        h.update(&CURVE_A_B_G);
        h.update(point.get(1..).unwrap_or_default());
        Ok(h.finalize())
    }

    /// Verify `signature` over the message `msg` (Z is computed from this key and `id`).
    pub fn verify(&self, id: &SignerId, msg: &[u8], signature: &Sm2Signature) -> Result<(), Error> {
        self.verify_with(None, id, msg, signature)
    }

    fn verify_e(&self, e: &[u8; 32], signature: &Sm2Signature) -> Result<(), Error> {
        self.verify_e_with(None, e, signature)
    }

    /// [`Self::verify`] with this key's table of multiples, when the caller has one (the
    /// same answer, about a third of the work).
    pub(crate) fn verify_with(
        &self,
        table: Option<&ec::KeyTable>,
        id: &SignerId,
        msg: &[u8],
        signature: &Sm2Signature,
    ) -> Result<(), Error> {
        let mut h = crate::sm3::Sm3Hasher::new();
        h.update(self.z(id)?.as_bytes());
        h.update(msg);
        self.verify_e_with(table, h.finalize().as_bytes(), signature)
    }

    /// The point as x ‖ y, big-endian (the key of [`crate::keytables`]).
    pub(crate) fn xy(&self) -> [u8; 64] {
        let (x, y) = ec::affine_to_be(&self.1);
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&x);
        out[32..].copy_from_slice(&y);
        out
    }

    /// A table of this key's multiples (88 KiB; the cost of about ten verifications).
    pub(crate) fn table(&self) -> ec::KeyTable {
        ec::KeyTable::new(&self.1)
    }

    fn verify_e_with(
        &self,
        table: Option<&ec::KeyTable>,
        e: &[u8; 32],
        signature: &Sm2Signature,
    ) -> Result<(), Error> {
        if ec::verify_prehash_with(&self.1, table, e, &signature.r, &signature.s) {
            Ok(())
        } else {
            Err(Error::new(ErrorKind::SignatureMismatch, "SM2 verify"))
        }
    }

    /// Verify `signature` over an already computed e (no Z): the non-conformant
    /// "digest as e" style some vendors use (formats.md E18). Only for diagnosis.
    pub fn danger_verify_prehash(&self, e: &[u8], signature: &Sm2Signature) -> Result<(), Error> {
        let e = <[u8; 32]>::try_from(e)
            .map_err(|_| Error::new(ErrorKind::SignatureMismatch, "SM2 verify (prehash)"))?;
        self.verify_e(&e, signature)
            .map_err(|_| Error::new(ErrorKind::SignatureMismatch, "SM2 verify (prehash)"))
    }
}

/// a ‖ b ‖ xG ‖ yG of the SM2 recommended curve, as hashed into Z.
const CURVE_A_B_G: [u8; 128] = hex32x4(
    b"FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC",
    b"28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93",
    b"32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7",
    b"BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0",
);

const fn hex_nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

const fn hex32x4(a: &[u8; 64], b: &[u8; 64], c: &[u8; 64], d: &[u8; 64]) -> [u8; 128] {
    let parts = [a, b, c, d];
    let mut out = [0u8; 128];
    let mut p = 0;
    while p < 4 {
        let mut i = 0;
        while i < 32 {
            out[p * 32 + i] = hex_nibble(parts[p][2 * i]) << 4 | hex_nibble(parts[p][2 * i + 1]);
            i += 1;
        }
        p += 1;
    }
    out
}

/// An SM2 private key. Zeroized on drop; `Debug` does not print it.
///
/// What signing needs is computed once, when the key is made or read: the public key (a
/// scalar multiplication), (1 + d)⁻¹ mod n (an inversion), and Z for the default signer ID.
#[derive(Clone)]
pub struct Sm2PrivateKey {
    /// The key in the form the encodings (PKCS#8, SEC1) need; zeroizes itself.
    key: sm2::SecretKey,
    /// d and (1 + d)⁻¹ for [`crate::ec`]; zeroized on drop.
    scalar: ec::SecretScalar,
    public: Sm2PublicKey,
    /// Z for [`DEFAULT_SIGNER_ID`].
    z_default: Sm3Digest,
}

impl Sm2PrivateKey {
    fn wrap(k: sm2::SecretKey) -> Result<Self, Error> {
        let bytes = Zeroizing::new(<[u8; 32]>::from(k.to_bytes()));
        let scalar = ec::SecretScalar::new(&bytes)
            .ok_or(Error::new(ErrorKind::InvalidKey, "SM2 private scalar"))?;
        let (x, y) = ec::affine_to_be(&scalar.public());
        let mut sec1 = [0u8; 65];
        sec1[0] = 4;
        sec1[1..33].copy_from_slice(&x);
        sec1[33..].copy_from_slice(&y);
        let public = Sm2PublicKey::from_sec1(&sec1)?;
        let z_default = public.z(&SignerId::default())?;
        Ok(Self {
            key: k,
            scalar,
            public,
            z_default,
        })
    }
}

impl fmt::Debug for Sm2PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sm2PrivateKey")
            .field("public_key", &self.public_key())
            .finish_non_exhaustive()
    }
}

impl Sm2PrivateKey {
    /// Generate a key from the injected random source (rejection sampling in [1, n-1]).
    pub fn generate(random: &dyn crate::provider::SecureRandom) -> Result<Self, Error> {
        for _ in 0..64 {
            let mut bytes = Zeroizing::new([0u8; 32]);
            random.fill(bytes.as_mut())?;
            if let Ok(k) = sm2::SecretKey::from_slice(bytes.as_ref()) {
                return Self::wrap(k);
            }
        }
        Err(Error::new(ErrorKind::RandomFailure, "SM2 key generation"))
    }

    /// From the 32-byte big-endian scalar.
    pub fn from_scalar_bytes(bytes: &[u8]) -> Result<Self, Error> {
        sm2::SecretKey::from_slice(bytes)
            .map_err(|_| Error::new(ErrorKind::InvalidKey, "SM2 private scalar"))
            .and_then(Self::wrap)
    }

    /// From a PEM `PRIVATE KEY` (PKCS#8), as `openssl genpkey -algorithm SM2` writes it.
    /// Also accepts the SEC1 `EC PRIVATE KEY` form.
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        if pem.contains("BEGIN EC PRIVATE KEY") {
            return sm2::SecretKey::from_sec1_pem(pem)
                .map_err(|_| Error::new(ErrorKind::InvalidKeyEncoding, "SM2 EC PRIVATE KEY PEM"))
                .and_then(Self::wrap);
        }
        sm2::SecretKey::from_pkcs8_pem(pem)
            .map_err(|_| Error::new(ErrorKind::InvalidKeyEncoding, "SM2 PKCS#8 PRIVATE KEY PEM"))
            .and_then(Self::wrap)
    }

    /// From DER PKCS#8.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, Error> {
        sm2::SecretKey::from_pkcs8_der(der)
            .map_err(|_| Error::new(ErrorKind::InvalidKeyEncoding, "SM2 PKCS#8 DER"))
            .and_then(Self::wrap)
    }

    /// PKCS#8 PEM in a zeroizing buffer (the only way plain key bytes leave this crate).
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, Error> {
        self.key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|_| Error::new(ErrorKind::InvalidKeyEncoding, "encode PKCS#8"))
    }

    /// The public key.
    pub fn public_key(&self) -> Sm2PublicKey {
        self.public.clone()
    }

    /// Sign `msg`: e = SM3(Z ‖ msg); the nonce k is derived as in RFC 6979 with HMAC-SM3
    /// from d and e, hedged with 32 bytes from the operating system's random source (when
    /// that fails, the derivation alone still gives a unique nonce per message).
    pub fn sign(&self, id: &SignerId, msg: &[u8]) -> Result<Sm2Signature, Error> {
        let z = if id.as_str() == DEFAULT_SIGNER_ID {
            self.z_default
        } else {
            self.public.z(id)?
        };
        let mut h = crate::sm3::Sm3Hasher::new();
        h.update(z.as_bytes());
        h.update(msg);
        let e = h.finalize();
        let mut extra = Zeroizing::new([0u8; 32]);
        let extra: &[u8] = match getrandom::fill(extra.as_mut()) {
            Ok(()) => extra.as_ref(),
            Err(_) => &[],
        };
        self.sign_digest_with(e.as_bytes(), extra)
    }

    /// Sign the digest e with `extra` bytes hedging the nonce (empty: RFC 6979 alone,
    /// deterministic, as RustCrypto's `sm2` signs — the differential tests rely on it).
    pub fn sign_digest_with(&self, e: &[u8; 32], extra: &[u8]) -> Result<Sm2Signature, Error> {
        let (r, s) = self
            .scalar
            .sign_prehash(e, extra)
            .ok_or(Error::new(ErrorKind::SigningFailed, "SM2 sign"))?;
        Sm2Signature::from_scalars(r, s)
    }
}

/// An SM2 signature (r, s), each a 32-byte big-endian integer in [1, n-1].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sm2Signature {
    r: [u8; 32],
    s: [u8; 32],
}

impl fmt::Debug for Sm2Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sm2Signature(r=")?;
        for b in self.r {
            write!(f, "{b:02x}")?;
        }
        write!(f, ", s=")?;
        for b in self.s {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

/// How a signature value was encoded where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureEncoding {
    /// Strict DER `SEQUENCE { r INTEGER, s INTEGER }` (GB/T 35276).
    Der,
    /// Raw 64 bytes `r ‖ s` (a vendor variant, formats.md E9).
    RawRs,
}

impl Sm2Signature {
    /// r as 32 big-endian bytes.
    pub fn r(&self) -> &[u8; 32] {
        &self.r
    }

    /// s as 32 big-endian bytes.
    pub fn s(&self) -> &[u8; 32] {
        &self.s
    }

    /// From r and s (each 32 bytes big-endian), checking both are in [1, n-1].
    pub fn from_scalars(r: [u8; 32], s: [u8; 32]) -> Result<Self, Error> {
        for (v, pos) in [(&r, 0usize), (&s, 32)] {
            if v.iter().all(|b| *b == 0) || v.as_slice() >= ORDER_N.as_slice() {
                return Err(Error::at(
                    ErrorKind::InvalidSignatureEncoding(SignatureDerError::OutOfRange),
                    pos,
                    "SM2 signature scalar",
                ));
            }
        }
        Ok(Self { r, s })
    }

    /// From raw 64 bytes `r ‖ s`.
    pub fn from_raw(bytes: &[u8]) -> Result<Self, Error> {
        let (r, s) = bytes.split_at_checked(32).ok_or(Error::new(
            ErrorKind::InvalidSignatureEncoding(SignatureDerError::Truncated),
            "raw r‖s signature",
        ))?;
        let r = <[u8; 32]>::try_from(r).map_err(|_| {
            Error::new(
                ErrorKind::InvalidSignatureEncoding(SignatureDerError::Truncated),
                "raw r‖s signature",
            )
        })?;
        let s = <[u8; 32]>::try_from(s).map_err(|_| {
            Error::new(
                ErrorKind::InvalidSignatureEncoding(SignatureDerError::TrailingBytes),
                "raw r‖s signature",
            )
        })?;
        Self::from_scalars(r, s)
    }

    /// Tolerant decoding for signatures found in the wild: strict DER, or exactly 64 bytes
    /// that do not start with a SEQUENCE tag taken as raw `r ‖ s` (formats.md E9).
    pub fn from_der_or_raw(bytes: &[u8]) -> Result<(Self, SignatureEncoding), Error> {
        if bytes.len() == 64 && bytes.first() != Some(&0x30) {
            return Self::from_raw(bytes).map(|s| (s, SignatureEncoding::RawRs));
        }
        Self::from_der(bytes).map(|s| (s, SignatureEncoding::Der))
    }

    /// Strict DER: one SEQUENCE of two INTEGERs, minimal lengths, minimal non-negative
    /// integers, r and s in [1, n-1], nothing after the SEQUENCE.
    pub fn from_der(bytes: &[u8]) -> Result<Self, Error> {
        let mut p = StrictReader {
            input: bytes,
            pos: 0,
        };
        let seq_len = p.header(0x30)?;
        let seq_end = p.pos + seq_len;
        if seq_end != bytes.len() {
            return Err(p.err(SignatureDerError::TrailingBytes));
        }
        let r = p.integer()?;
        let s = p.integer()?;
        if p.pos != seq_end {
            return Err(p.err(SignatureDerError::TrailingBytes));
        }
        Self::from_scalars(r, s)
    }

    /// DER `SEQUENCE { r INTEGER, s INTEGER }`.
    pub fn to_der(&self) -> Vec<u8> {
        fn int(v: &[u8; 32]) -> Vec<u8> {
            let start = v.iter().position(|b| *b != 0).unwrap_or(31);
            let digits = v.get(start..).unwrap_or_default();
            let mut out = vec![0x02];
            let pad = digits.first().is_some_and(|b| b & 0x80 != 0);
            out.push((digits.len() + usize::from(pad)) as u8);
            if pad {
                out.push(0);
            }
            out.extend_from_slice(digits);
            out
        }
        let mut body = int(&self.r);
        body.extend(int(&self.s));
        // At most 2 × 35 bytes: the short length form always applies.
        let mut out = vec![0x30, body.len() as u8];
        out.extend(body);
        out
    }

    /// Raw 64 bytes `r ‖ s`.
    pub fn to_raw(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&self.r);
        out[32..].copy_from_slice(&self.s);
        out
    }
}

struct StrictReader<'a> {
    input: &'a [u8],
    pos: usize,
}

impl StrictReader<'_> {
    fn err(&self, e: SignatureDerError) -> Error {
        Error::at(
            ErrorKind::InvalidSignatureEncoding(e),
            self.pos,
            "SM2 signature DER",
        )
    }

    fn byte(&mut self) -> Result<u8, Error> {
        let b = *self
            .input
            .get(self.pos)
            .ok_or_else(|| self.err(SignatureDerError::Truncated))?;
        self.pos += 1;
        Ok(b)
    }

    /// Reads tag and length; returns the content length.
    fn header(&mut self, tag: u8) -> Result<usize, Error> {
        if self.byte()? != tag {
            self.pos -= 1;
            return Err(self.err(SignatureDerError::UnexpectedTag));
        }
        let first = self.byte()?;
        let len = match first {
            0x00..=0x7F => usize::from(first),
            0x81 => {
                let l = self.byte()?;
                if l < 0x80 {
                    return Err(self.err(SignatureDerError::NonMinimalLength));
                }
                usize::from(l)
            }
            // 0x80 is indefinite; 0x82.. would need more than 255 bytes, impossible for a
            // valid SM2 signature and non-minimal for anything shorter.
            _ => return Err(self.err(SignatureDerError::NonMinimalLength)),
        };
        if self.input.len() - self.pos < len {
            return Err(self.err(SignatureDerError::Truncated));
        }
        Ok(len)
    }

    fn integer(&mut self) -> Result<[u8; 32], Error> {
        let start = self.pos;
        let len = self.header(0x02)?;
        let content = self
            .input
            .get(self.pos..self.pos + len)
            .ok_or_else(|| self.err(SignatureDerError::Truncated))?;
        let first = *content
            .first()
            .ok_or_else(|| self.err(SignatureDerError::NonMinimalInteger))?;
        if first & 0x80 != 0 {
            return Err(Error::at(
                ErrorKind::InvalidSignatureEncoding(SignatureDerError::NegativeInteger),
                start,
                "SM2 signature DER",
            ));
        }
        let digits = match content {
            [0x00, next, ..] if next & 0x80 != 0 => content.get(1..).unwrap_or_default(),
            [0x00, _, ..] => {
                return Err(Error::at(
                    ErrorKind::InvalidSignatureEncoding(SignatureDerError::NonMinimalInteger),
                    start,
                    "SM2 signature DER",
                ));
            }
            _ => content,
        };
        if digits.len() > 32 {
            return Err(Error::at(
                ErrorKind::InvalidSignatureEncoding(SignatureDerError::OutOfRange),
                start,
                "SM2 signature DER",
            ));
        }
        let mut out = [0u8; 32];
        out[32 - digits.len()..].copy_from_slice(digits);
        self.pos += len;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::SeededRandom;

    fn key() -> Sm2PrivateKey {
        Sm2PrivateKey::generate(&SeededRandom::new(b"sm2 tests")).unwrap()
    }

    #[test]
    fn sign_verify_roundtrip_and_wrong_message_fails() {
        let k = key();
        let id = SignerId::default();
        let sig = k.sign(&id, b"hello").unwrap();
        k.public_key().verify(&id, b"hello", &sig).unwrap();
        let err = k.public_key().verify(&id, b"hellO", &sig).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
        // A different signer ID changes Z, so the signature must not verify.
        let other = SignerId::new("ALICE123@YAHOO.COM").unwrap();
        assert!(k.public_key().verify(&other, b"hello", &sig).is_err());
    }

    #[test]
    fn der_roundtrip() {
        let sig = key().sign(&SignerId::default(), b"x").unwrap();
        let der = sig.to_der();
        assert_eq!(Sm2Signature::from_der(&der).unwrap(), sig);
        assert_eq!(Sm2Signature::from_raw(&sig.to_raw()).unwrap(), sig);
    }

    fn kind(bytes: &[u8]) -> ErrorKind {
        Sm2Signature::from_der(bytes).unwrap_err().kind()
    }

    fn der_err(e: SignatureDerError) -> ErrorKind {
        ErrorKind::InvalidSignatureEncoding(e)
    }

    #[test]
    fn der_mutations_are_rejected_with_their_reason() {
        // r = 1, s = 1: the smallest valid signature.
        let ok = [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01];
        assert!(Sm2Signature::from_der(&ok).is_ok());
        // Long-form length where the short form would do.
        assert_eq!(
            kind(&[0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]),
            der_err(SignatureDerError::NonMinimalLength)
        );
        // Indefinite length.
        assert_eq!(
            kind(&[0x30, 0x80, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0, 0]),
            der_err(SignatureDerError::NonMinimalLength)
        );
        // Trailing byte after the SEQUENCE.
        assert_eq!(
            kind(&[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00]),
            der_err(SignatureDerError::TrailingBytes)
        );
        // Extra element inside the SEQUENCE.
        assert_eq!(
            kind(&[
                0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01
            ]),
            der_err(SignatureDerError::TrailingBytes)
        );
        // Non-minimal integer (superfluous leading zero).
        assert_eq!(
            kind(&[0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01]),
            der_err(SignatureDerError::NonMinimalInteger)
        );
        // Negative integer.
        assert_eq!(
            kind(&[0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01]),
            der_err(SignatureDerError::NegativeInteger)
        );
        // Zero r.
        assert_eq!(
            kind(&[0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01]),
            der_err(SignatureDerError::OutOfRange)
        );
        // Empty integer.
        assert_eq!(
            kind(&[0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x01]),
            der_err(SignatureDerError::NonMinimalInteger)
        );
        // Truncated.
        assert_eq!(
            kind(&[0x30, 0x06, 0x02, 0x01, 0x01]),
            der_err(SignatureDerError::Truncated)
        );
        // Wrong outer tag.
        assert_eq!(
            kind(&[0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]),
            der_err(SignatureDerError::UnexpectedTag)
        );
        // s = n (not below the order).
        let mut n_sig = vec![0x30, 0x26, 0x02, 0x01, 0x01, 0x02, 0x21, 0x00];
        n_sig.extend_from_slice(&ORDER_N);
        assert_eq!(kind(&n_sig), der_err(SignatureDerError::OutOfRange));
        // s = n - 1 is fine.
        let mut n1 = ORDER_N;
        n1[31] -= 1;
        let mut n1_sig = vec![0x30, 0x26, 0x02, 0x01, 0x01, 0x02, 0x21, 0x00];
        n1_sig.extend_from_slice(&n1);
        assert!(Sm2Signature::from_der(&n1_sig).is_ok());
    }

    #[test]
    fn tolerant_decoding_accepts_raw_rs() {
        let sig = key().sign(&SignerId::default(), b"x").unwrap();
        let raw = sig.to_raw();
        if raw[0] != 0x30 {
            let (decoded, enc) = Sm2Signature::from_der_or_raw(&raw).unwrap();
            assert_eq!(decoded, sig);
            assert_eq!(enc, SignatureEncoding::RawRs);
        }
        let (decoded, enc) = Sm2Signature::from_der_or_raw(&sig.to_der()).unwrap();
        assert_eq!((decoded, enc), (sig, SignatureEncoding::Der));
    }

    #[test]
    fn z_matches_the_sample_vector() {
        // formats.md §1.2: USER.p12 public key and its Z with the default ID.
        let x = hex::decode("0cd16493dc8522549d409103ead2d6666c3ae4bcc6f3b42c488599b7c89e9313")
            .unwrap();
        let y = hex::decode("9c4ef6233bda84b2d7e277667bf1c6f57a0b6d321c64542cf46c359a467e8a1e")
            .unwrap();
        let mut point = vec![4u8];
        point.extend(x);
        point.extend(y);
        let pk = Sm2PublicKey::from_sec1(&point).unwrap();
        assert_eq!(
            pk.z(&SignerId::default()).unwrap().to_hex(),
            "565bd8146e3c2b3568e37dadce4fa090aad1f044eba07b0714ecf92ab4508209"
        );
    }

    #[test]
    fn pkcs8_roundtrip() {
        let k = key();
        let pem = k.to_pkcs8_pem().unwrap();
        let back = Sm2PrivateKey::from_pem(&pem).unwrap();
        assert_eq!(back.public_key(), k.public_key());
        let spki = k.public_key().to_spki_pem().unwrap();
        assert_eq!(Sm2PublicKey::from_spki_pem(&spki).unwrap(), k.public_key());
    }
}
