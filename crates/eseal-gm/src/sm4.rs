//! SM4 (GB/T 32907) in CBC mode with PKCS#7 padding and in GCM mode (the AEAD used to wrap
//! keys and encrypt records at rest).

use crate::error::{Error, ErrorKind};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A 128-bit SM4 key, zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Sm4Key([u8; 16]);

impl fmt::Debug for Sm4Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sm4Key(..)")
    }
}

impl Sm4Key {
    /// From 16 bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// A fresh random key.
    pub fn generate(random: &dyn crate::provider::SecureRandom) -> Result<Self, Error> {
        let mut k = [0u8; 16];
        random.fill(&mut k)?;
        Ok(Self(k))
    }
}

type Sm4Gcm = aes_gcm::AesGcm<sm4::Sm4, aes_gcm::aead::consts::U12>;

/// SM4-CBC encryption with PKCS#7 padding.
pub fn cbc_encrypt(key: &Sm4Key, iv: &[u8; 16], plaintext: &[u8]) -> Vec<u8> {
    cbc::Encryptor::<sm4::Sm4>::new(&key.0.into(), &(*iv).into())
        .encrypt_padded_vec::<Pkcs7>(plaintext)
}

/// SM4-CBC decryption; fails on a bad length or bad padding.
pub fn cbc_decrypt(key: &Sm4Key, iv: &[u8; 16], ciphertext: &[u8]) -> Result<Vec<u8>, Error> {
    cbc::Decryptor::<sm4::Sm4>::new(&key.0.into(), &(*iv).into())
        .decrypt_padded_vec::<Pkcs7>(ciphertext)
        .map_err(|_| Error::new(ErrorKind::CipherFailure, "SM4-CBC decrypt"))
}

/// SM4-GCM encryption: returns ciphertext ‖ 16-byte tag. The nonce must never repeat for a key.
pub fn gcm_seal(
    key: &Sm4Key,
    nonce: &[u8; 12],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    let cipher = Sm4Gcm::new(&key.0.into());
    cipher
        .encrypt(
            &(*nonce).into(),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| Error::new(ErrorKind::CipherFailure, "SM4-GCM encrypt"))
}

/// SM4-GCM decryption of ciphertext ‖ tag; fails if anything was changed.
pub fn gcm_open(
    key: &Sm4Key,
    nonce: &[u8; 12],
    aad: &[u8],
    sealed: &[u8],
) -> Result<Vec<u8>, Error> {
    let cipher = Sm4Gcm::new(&key.0.into());
    cipher
        .decrypt(&(*nonce).into(), Payload { msg: sealed, aad })
        .map_err(|_| Error::new(ErrorKind::CipherFailure, "SM4-GCM decrypt"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    #[test]
    fn sm4_cbc_matches_openssl() {
        // testdata/gm/NOTES.md: `openssl enc -sm4-cbc` with this key and IV.
        let key = Sm4Key::from_bytes(h("0123456789abcdeffedcba9876543210").try_into().unwrap());
        let iv: [u8; 16] = h("000102030405060708090a0b0c0d0e0f").try_into().unwrap();
        let ct = cbc_encrypt(&key, &iv, b"eseal SM4-CBC test vector");
        assert_eq!(
            hex::encode(&ct),
            include_str!("../../../testdata/gm/sm4-cbc.hex").trim()
        );
        assert_eq!(
            cbc_decrypt(&key, &iv, &ct).unwrap(),
            b"eseal SM4-CBC test vector"
        );
        let mut bad = ct.clone();
        bad.truncate(bad.len() - 1);
        assert!(cbc_decrypt(&key, &iv, &bad).is_err());
    }

    #[test]
    fn sm4_gcm_rfc8998_vector() {
        // RFC 8998 appendix A.1 (SM4-GCM).
        let key = Sm4Key::from_bytes(h("0123456789ABCDEFFEDCBA9876543210").try_into().unwrap());
        let nonce: [u8; 12] = h("00001234567800000000ABCD").try_into().unwrap();
        let aad = h("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");
        let pt = h(
            "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDDEEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
        );
        let sealed = gcm_seal(&key, &nonce, &aad, &pt).unwrap();
        let expected_ct = "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D";
        let expected_tag = "83DE3541E4C2B58177E065A9BF7B62EC";
        assert_eq!(
            hex::encode_upper(&sealed),
            format!("{expected_ct}{expected_tag}")
        );
        assert_eq!(gcm_open(&key, &nonce, &aad, &sealed).unwrap(), pt);
        let mut tampered = sealed.clone();
        tampered[0] ^= 1;
        assert!(gcm_open(&key, &nonce, &aad, &tampered).is_err());
        assert!(gcm_open(&key, &nonce, b"other aad", &sealed).is_err());
    }
}
