//! Identity materials at rest (R-APP-1, R-SEC-1): each file is kept under its SM3 digest and
//! encrypted with SM4-GCM under a data key. The digest is the additional authenticated data, so a
//! stored blob cannot be swapped for another one's; opening checks the tag and then the digest.
//!
//! Randomness comes in through [`SecureRandom`]; no I/O here. Materials are never deleted: the
//! store keeps the sealed form for as long as the seal's records are kept (R-KEEP-1).

use crate::error::DomainError;
use eseal_gm::provider::SecureRandom;
use eseal_gm::sm3::Sm3Digest;
use eseal_gm::sm4::{self, Sm4Key};

/// The format version written in front of every sealed material.
const VERSION: u8 = 1;
/// version ‖ key id (4 bytes, big endian) ‖ nonce (12) ‖ ciphertext ‖ tag (16)
const HEADER_LEN: usize = 1 + 4 + 12;
const TAG_LEN: usize = 16;

/// A data key with the identifier stored beside every blob it sealed, so keys can be rotated:
/// old blobs name the key that opens them.
/// During a rotation it also holds the keys it replaces (`older`): everything is sealed
/// under the current key, and opened under whichever key sealed it.
#[derive(Debug)]
pub struct DataKey {
    /// Identifier (stored in clear in each blob) of the current key.
    pub id: u32,
    key: Sm4Key,
    older: Vec<(u32, Sm4Key)>,
}

impl DataKey {
    /// A data key from its bytes (unwrapped by the key store).
    pub fn new(id: u32, bytes: [u8; 16]) -> Self {
        Self {
            id,
            key: Sm4Key::from_bytes(bytes),
            older: Vec::new(),
        }
    }

    /// The same key, still opening what the `older` keys sealed (a rotation in progress).
    pub fn with_older(mut self, older: Vec<DataKey>) -> Self {
        self.older.extend(
            older
                .into_iter()
                .filter(|k| k.id != self.id)
                .map(|k| (k.id, k.key)),
        );
        self
    }

    /// The ids of the keys it opens with, the current one first.
    pub fn ids(&self) -> Vec<u32> {
        std::iter::once(self.id)
            .chain(self.older.iter().map(|(id, _)| *id))
            .collect()
    }

    fn key_for(&self, id: u32) -> Option<&Sm4Key> {
        if id == self.id {
            return Some(&self.key);
        }
        self.older.iter().find(|(i, _)| *i == id).map(|(_, k)| k)
    }
}

/// A material ready for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedMaterial {
    /// SM3 of the plaintext: the material's identity.
    pub sm3: Sm3Digest,
    /// Size of the plaintext in bytes.
    pub size: u64,
    /// version ‖ key id ‖ nonce ‖ SM4-GCM ciphertext ‖ tag.
    pub blob: Vec<u8>,
}

/// Encrypts `plaintext` under `key` with a fresh random nonce.
pub fn seal(
    key: &DataKey,
    random: &dyn SecureRandom,
    plaintext: &[u8],
) -> Result<SealedMaterial, DomainError> {
    let sm3 = Sm3Digest::of(plaintext);
    let mut nonce = [0u8; 12];
    random.fill(&mut nonce).map_err(|e| {
        DomainError::forbidden(
            format!("无法为材料生成随机数：{e}"),
            format!("no random nonce for a material: {e}"),
        )
    })?;
    let ct = sm4::gcm_seal(&key.key, &nonce, sm3.as_bytes(), plaintext).map_err(|e| {
        DomainError::forbidden(
            format!("材料未能加密：{e}"),
            format!("material not encrypted: {e}"),
        )
    })?;
    let mut blob = Vec::with_capacity(HEADER_LEN + ct.len());
    blob.push(VERSION);
    blob.extend_from_slice(&key.id.to_be_bytes());
    blob.extend_from_slice(&nonce);
    blob.extend_from_slice(&ct);
    Ok(SealedMaterial {
        sm3,
        size: plaintext.len() as u64,
        blob,
    })
}

/// The data key id a blob was sealed under, so the caller can fetch that key.
pub fn key_id(blob: &[u8]) -> Result<u32, DomainError> {
    parse_header(blob).map(|(id, _, _)| id)
}

fn parse_header(blob: &[u8]) -> Result<(u32, [u8; 12], &[u8]), DomainError> {
    let invalid = |zh: String, en: String| DomainError::invalid("material", zh, en);
    if blob.len() < HEADER_LEN + TAG_LEN {
        return Err(invalid(
            "存储的材料不完整".into(),
            "stored material is truncated".into(),
        ));
    }
    if blob[0] != VERSION {
        return Err(invalid(
            format!("存储的材料格式版本为 {}，应为 {VERSION}", blob[0]),
            format!(
                "stored material has format version {}, expected {VERSION}",
                blob[0]
            ),
        ));
    }
    let mut id = [0u8; 4];
    id.copy_from_slice(&blob[1..5]);
    let mut nonce = [0u8; 12];
    nonce.copy_from_slice(&blob[5..HEADER_LEN]);
    Ok((u32::from_be_bytes(id), nonce, &blob[HEADER_LEN..]))
}

/// Decrypts a blob that should hold the material with digest `sm3`. Fails if the blob was
/// changed, belongs to another digest, or was sealed under another key.
pub fn open(key: &DataKey, sm3: &Sm3Digest, blob: &[u8]) -> Result<Vec<u8>, DomainError> {
    let (id, nonce, ct) = parse_header(blob)?;
    let Some(k) = key.key_for(id) else {
        return Err(DomainError::Invalid {
            field: "material",
            why: crate::Text::new(
                format!("材料由数据密钥 {id} 加密，而不是 {}", key.id),
                format!("sealed under data key {id}, not {}", key.id),
            ),
        });
    };
    let plain = sm4::gcm_open(k, &nonce, sm3.as_bytes(), ct).map_err(|_| DomainError::Invalid {
        field: "material",
        why: crate::Text::new(
            format!("材料 {sm3} 未通过完整性校验（已被改动或不是该文件）"),
            format!("material {sm3} fails its integrity check (changed or not this file)"),
        ),
    })?;
    if Sm3Digest::of(&plain) != *sm3 {
        return Err(DomainError::Invalid {
            field: "material",
            why: crate::Text::new(
                format!("材料 {sm3} 解密后的摘要不一致"),
                format!("material {sm3} decrypts to a different digest"),
            ),
        });
    }
    Ok(plain)
}

/// A blob sealed under an older key, sealed again under the current one (the same plaintext
/// and digest); `None` when it already is under the current key.
pub fn rewrap(
    key: &DataKey,
    random: &dyn SecureRandom,
    sm3: &Sm3Digest,
    blob: &[u8],
) -> Result<Option<Vec<u8>>, DomainError> {
    if key_id(blob)? == key.id {
        return Ok(None);
    }
    let plain = zeroize::Zeroizing::new(open(key, sm3, blob)?);
    Ok(Some(seal(key, random, &plain)?.blob))
}

/// [`rewrap`] of a secret kept as text, `<sm3 hex>:<blob hex>` (TOTP secrets, platform seal
/// keys' outer layer, the installation's key check value).
pub fn rewrap_text(
    key: &DataKey,
    random: &dyn SecureRandom,
    sealed: &str,
) -> Result<Option<String>, DomainError> {
    let bad = || {
        DomainError::invalid(
            "material",
            "密封的密文格式不对",
            "a sealed secret is not <sm3>:<blob>",
        )
    };
    let (digest, blob) = sealed.split_once(':').ok_or_else(bad)?;
    let sm3 = hex::decode(digest)
        .ok()
        .and_then(|b| Sm3Digest::from_slice(&b))
        .ok_or_else(bad)?;
    let blob = hex::decode(blob).map_err(|_| bad())?;
    Ok(rewrap(key, random, &sm3, &blob)?.map(|b| format!("{digest}:{}", hex::encode(b))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use eseal_gm::provider::SeededRandom;

    fn key() -> DataKey {
        DataKey::new(7, *b"0123456789abcdef")
    }

    #[test]
    fn a_rotation_opens_old_blobs_and_rewraps_them() {
        let rng = SeededRandom::new(b"rotation");
        let old = seal(&key(), &rng, b"id card").unwrap();
        let rotated = DataKey::new(8, *b"fedcba9876543210").with_older(vec![key()]);
        assert_eq!(rotated.ids(), [8, 7]);
        assert_eq!(open(&rotated, &old.sm3, &old.blob).unwrap(), b"id card");
        let new = rewrap(&rotated, &rng, &old.sm3, &old.blob)
            .unwrap()
            .unwrap();
        assert_eq!(key_id(&new).unwrap(), 8);
        assert_eq!(rewrap(&rotated, &rng, &old.sm3, &new).unwrap(), None);
        // Once retired, only the new key opens it; the old key alone does not.
        let only_new = DataKey::new(8, *b"fedcba9876543210");
        assert_eq!(open(&only_new, &old.sm3, &new).unwrap(), b"id card");
        assert!(open(&key(), &old.sm3, &new).is_err());
        let text = format!("{}:{}", old.sm3.to_hex(), hex::encode(&old.blob));
        let again = rewrap_text(&rotated, &rng, &text).unwrap().unwrap();
        assert!(again.starts_with(&old.sm3.to_hex()));
    }

    #[test]
    fn round_trip_and_fresh_nonces() {
        let rng = SeededRandom::new(b"material");
        let a = seal(&key(), &rng, b"licence scan").unwrap();
        let b = seal(&key(), &rng, b"licence scan").unwrap();
        assert_eq!(a.sm3, b.sm3);
        assert_ne!(a.blob, b.blob, "nonce must differ");
        assert_eq!(a.size, 12);
        assert_eq!(key_id(&a.blob).unwrap(), 7);
        assert_eq!(open(&key(), &a.sm3, &a.blob).unwrap(), b"licence scan");
    }

    #[test]
    fn every_change_is_refused() {
        let rng = SeededRandom::new(b"material");
        let m = seal(&key(), &rng, b"agent id card").unwrap();
        for i in 0..m.blob.len() {
            let mut b = m.blob.clone();
            b[i] ^= 0x01;
            assert!(open(&key(), &m.sm3, &b).is_err(), "flip at {i} accepted");
        }
        let other = seal(&key(), &rng, b"another file").unwrap();
        assert!(
            open(&key(), &other.sm3, &m.blob).is_err(),
            "swapped blob accepted"
        );
        assert!(open(&DataKey::new(7, [9; 16]), &m.sm3, &m.blob).is_err());
        assert!(open(&DataKey::new(8, *b"0123456789abcdef"), &m.sm3, &m.blob).is_err());
        assert!(open(&key(), &m.sm3, &m.blob[..10]).is_err());
        assert!(open(&key(), &m.sm3, &[]).is_err());
    }
}
