//! The server seal key store (R-KEY-1, R-PIN-1; issue 7 item 1): each platform-held seal key
//! is encrypted twice — SM4-GCM under a key derived from the holder's PIN (Argon2id over the
//! PIN and a per-key salt), then under the platform's data key — so neither a stolen database
//! nor a stolen data key alone opens it, and the PIN is never stored: a PIN is right exactly
//! when the key opens. Derived keys and the plain key are zeroized after use.

use crate::failure::Failure;
use eseal_core::{DataKey, PinState};
use eseal_gm::Sm2PrivateKey;
use eseal_gm::provider::SecureRandom;
use eseal_gm::sm4::{Sm4Key, gcm_open, gcm_seal};
use eseal_store::{Column, Record};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

const AAD: &[u8] = b"eseal seal key v1";

/// A platform-held seal key with its PIN state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealKey {
    /// The seal.
    pub seal_id: String,
    /// Argon2id salt, hex.
    pub salt: String,
    /// The doubly sealed key: `<sm3 hex>:<data-key blob hex>` around nonce ‖ PIN-sealed PKCS#8.
    pub sealed: String,
    /// The PIN's state.
    pub pin: PinState,
}

impl Record for SealKey {
    const TABLE: &'static str = "seal_keys";
    fn key(&self) -> &str {
        &self.seal_id
    }
    fn columns(&self) -> Vec<(&'static str, Column)> {
        Vec::new()
    }
    /// PIN events show as the PIN's state: failures counted, locked, initial, when set.
    fn audit_outcome(&self) -> Option<String> {
        Some(format!(
            "pin failures={} locked={} initial={} set_at={}",
            self.pin.failures,
            self.pin.locked,
            self.pin.initial,
            self.pin.set_at.unix_timestamp()
        ))
    }
}

fn pin_key(pin: &str, salt: &[u8]) -> Result<Sm4Key, Failure> {
    let mut out = Zeroizing::new([0u8; 16]);
    argon2::Argon2::default()
        .hash_password_into(pin.as_bytes(), salt, out.as_mut())
        .map_err(|e| Failure::internal(format!("PIN key derivation: {e}")))?;
    Ok(Sm4Key::from_bytes(*out))
}

/// Why a key did not open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unlock {
    /// The PIN is wrong (the inner layer does not open).
    WrongPin,
    /// The outer layer or the stored form is damaged, or another data key sealed it.
    Damaged(String),
}

/// Seals `key` under `pin` and the data key.
pub fn lock(
    seal_id: &str,
    key: &Sm2PrivateKey,
    pin: &str,
    data_key: &DataKey,
    random: &dyn SecureRandom,
    now: time::OffsetDateTime,
) -> Result<SealKey, Failure> {
    eseal_core::pin::check_pin_form(pin)?;
    let mut salt = [0u8; 16];
    let mut nonce = [0u8; 12];
    random
        .fill(&mut salt)
        .and_then(|()| random.fill(&mut nonce))
        .map_err(|e| Failure::internal(format!("randomness: {e}")))?;
    let pem = key
        .to_pkcs8_pem()
        .map_err(|e| Failure::internal(e.to_string()))?;
    let inner_ct = gcm_seal(&pin_key(pin, &salt)?, &nonce, AAD, pem.as_bytes())
        .map_err(|e| Failure::internal(e.to_string()))?;
    let mut inner = Zeroizing::new(nonce.to_vec());
    inner.extend_from_slice(&inner_ct);
    let outer = eseal_core::material::seal(data_key, random, &inner)?;
    Ok(SealKey {
        seal_id: seal_id.to_owned(),
        salt: hex::encode(salt),
        sealed: format!("{}:{}", outer.sm3.to_hex(), hex::encode(&outer.blob)),
        pin: PinState::initial(now),
    })
}

/// Opens the key with `pin`.
pub fn unlock(rec: &SealKey, pin: &str, data_key: &DataKey) -> Result<Sm2PrivateKey, Unlock> {
    let damaged = |why: &str| Unlock::Damaged(format!("seal key {}: {why}", rec.seal_id));
    let (digest, blob) = rec.sealed.split_once(':').ok_or_else(|| damaged("form"))?;
    let sm3 = hex::decode(digest)
        .ok()
        .and_then(|b| eseal_gm::Sm3Digest::from_slice(&b))
        .ok_or_else(|| damaged("digest"))?;
    let blob = hex::decode(blob).map_err(|_| damaged("hex"))?;
    let inner = Zeroizing::new(
        eseal_core::material::open(data_key, &sm3, &blob).map_err(|e| damaged(&e.to_string()))?,
    );
    let salt = hex::decode(&rec.salt).map_err(|_| damaged("salt"))?;
    let (nonce, ct) = inner.split_at_checked(12).ok_or_else(|| damaged("short"))?;
    let nonce: [u8; 12] = nonce.try_into().map_err(|_| damaged("nonce"))?;
    let key = pin_key(pin, &salt).map_err(|e| damaged(&e.detail.en))?;
    let pem = Zeroizing::new(gcm_open(&key, &nonce, AAD, ct).map_err(|_| Unlock::WrongPin)?);
    let text = std::str::from_utf8(&pem).map_err(|_| damaged("utf-8"))?;
    Sm2PrivateKey::from_pem(text).map_err(|e| damaged(&e.to_string()))
}

/// `<id>:<hex>`: the key id and the bytes.
pub(crate) fn key_line(text: &str, from: &str) -> Result<(u32, Zeroizing<Vec<u8>>), Failure> {
    let (id, hexkey) = text
        .trim()
        .split_once(':')
        .ok_or_else(|| Failure::internal(format!("{from}: expected <id>:<hex digits>")))?;
    let id: u32 = id
        .parse()
        .map_err(|_| Failure::internal(format!("{from}: key id is not a number")))?;
    let bytes = hex::decode(hexkey)
        .map_err(|_| Failure::internal(format!("{from}: the key is not hex")))?;
    Ok((id, Zeroizing::new(bytes)))
}

/// `<id>:<32 hex digits>`.
pub(crate) fn parse_data_key(
    text: &str,
    from: &str,
) -> Result<(u32, Zeroizing<[u8; 16]>), Failure> {
    let (id, bytes) = key_line(text, from)?;
    let bytes = <[u8; 16]>::try_from(bytes.as_slice())
        .map_err(|_| Failure::internal(format!("{from}: key is not 32 hex digits")))?;
    Ok((id, Zeroizing::new(bytes)))
}

/// A data key file's text: one `<id>:<32 hex>` per line (or comma), the last the current
/// key, the ones before it keys being rotated out (`eseal backup rotate-data-key`).
pub fn parse_keyring(text: &str, from: &str) -> Result<DataKey, Failure> {
    let mut keys = text
        .split(['\n', ','])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| parse_data_key(l, from).map(|(id, bytes)| DataKey::new(id, *bytes)))
        .collect::<Result<Vec<_>, _>>()?;
    let current = keys
        .pop()
        .ok_or_else(|| Failure::internal(format!("{from}: no key")))?;
    Ok(current.with_older(keys))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
    use super::*;
    use time::macros::datetime;

    #[test]
    fn opens_with_the_pin_only() {
        let r = eseal_gm::provider::SeededRandom::new(b"k");
        let key = Sm2PrivateKey::generate(&r).unwrap();
        let dk = DataKey::new(1, [3; 16]);
        let rec = lock(
            "S1",
            &key,
            "480213",
            &dk,
            &r,
            datetime!(2026-01-01 0:00 UTC),
        )
        .unwrap();
        assert!(!rec.sealed.contains("PRIVATE"));
        let opened = unlock(&rec, "480213", &dk).unwrap();
        assert_eq!(opened.public_key(), key.public_key());
        assert_eq!(unlock(&rec, "480214", &dk).unwrap_err(), Unlock::WrongPin);
        assert!(matches!(
            unlock(&rec, "480213", &DataKey::new(1, [4; 16])),
            Err(Unlock::Damaged(_))
        ));
        assert!(
            lock(
                "S1",
                &key,
                "123456",
                &dk,
                &r,
                datetime!(2026-01-01 0:00 UTC)
            )
            .is_err()
        );
    }
}
