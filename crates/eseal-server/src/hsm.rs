//! The platform's key-encryption key in a hardware security module, through PKCS#11 (issue 7
//! item 1; R-KEY-1, R-SEC-3).
//!
//! What it covers: the root of the platform's key hierarchy. The data key (SM4) that seals
//! identity materials, TOTP secrets and — under each holder's PIN — the platform-held seal
//! keys is kept on disk only wrapped by an AES-256 key that lives in the HSM
//! (`CKA_SENSITIVE`, not `CKA_EXTRACTABLE`), with AES-GCM (`CKM_AES_GCM`, 96-bit IV from the
//! HSM's generator, 128-bit tag, the key's purpose as AAD). Stealing the data directory or a
//! database backup then yields nothing without the HSM and its user PIN.
//!
//! What it does not cover: SM2 signing and SM4 inside the HSM. PKCS#11 (2.40 and 3.x) defines
//! no SM2/SM3/SM4 mechanisms; Chinese HSMs expose them through the GM/T 0018 SDF interface or
//! vendor-defined PKCS#11 mechanisms, which differ per vendor, and SoftHSM2 — the HSM the
//! tests run against — has none. Seal keys are therefore used in the server's memory (opened
//! by the PIN, zeroized after use) or stay in the holder's device (external signer).
//!
//! Tested against SoftHSM2 from Debian (`eseal-cli/tests/hsm.rs`).

use cryptoki::context::{CInitializeArgs, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use std::path::PathBuf;
use zeroize::Zeroizing;

/// Where the key-encryption key is.
#[derive(Clone)]
pub struct HsmConfig {
    /// The PKCS#11 module (e.g. `/usr/lib/softhsm/libsofthsm2.so`).
    pub module: PathBuf,
    /// The token's label.
    pub token: String,
    /// The token's user PIN.
    pub pin: Zeroizing<String>,
    /// The key's label in the token (created on first use).
    pub key_label: String,
}

impl std::fmt::Debug for HsmConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HsmConfig")
            .field("module", &self.module)
            .field("token", &self.token)
            .field("key_label", &self.key_label)
            .finish_non_exhaustive()
    }
}

/// The associated data under which the data key with id `id` is wrapped.
pub fn data_key_aad(id: u32) -> Vec<u8> {
    format!("eseal data key {id}").into_bytes()
}

/// The default label of the key-encryption key.
pub const DEFAULT_KEY_LABEL: &str = "eseal-kek";

/// Why the HSM could not be used.
#[derive(Debug, thiserror::Error)]
pub enum HsmError {
    /// Loading or talking to the module failed.
    #[error("HSM ({what}): {why}")]
    Pkcs11 {
        /// What was being done.
        what: &'static str,
        /// The module's answer (in the message, not a `source`, so it is printed once).
        why: cryptoki::error::Error,
    },
    /// No token with that label.
    #[error("HSM: no token labelled {0:?} (initialise it first, e.g. softhsm2-util --init-token)")]
    NoToken(String),
    /// No key with that label in the token.
    #[error("HSM: the token holds no key labelled {0:?}")]
    NoKey(String),
    /// Wrapped data that does not open with the key (tampered, or another key).
    #[error("HSM: the wrapped data key does not open with {0:?} (tampered, or another HSM key)")]
    Unwrap(String),
}

fn p11(what: &'static str) -> impl FnOnce(cryptoki::error::Error) -> HsmError {
    move |why| HsmError::Pkcs11 { what, why }
}

/// A logged-in handle on the key-encryption key.
#[derive(Debug)]
pub struct Kek {
    // Field order: the session closes before the module is finalised.
    session: Session,
    key: ObjectHandle,
    label: String,
    _ctx: Pkcs11,
}

/// What `eseal hsm status` shows about the key.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KekStatus {
    /// The token.
    pub token: String,
    /// The key's label.
    pub key_label: String,
    /// CKA_SENSITIVE.
    pub sensitive: bool,
    /// CKA_EXTRACTABLE.
    pub extractable: bool,
    /// CKA_VALUE_LEN in bytes.
    pub length: u64,
}

impl Kek {
    /// Loads the module, logs in to the token and finds the key, creating it if `create`.
    pub fn open(cfg: &HsmConfig, create: bool) -> Result<Self, HsmError> {
        let ctx = Pkcs11::new(&cfg.module).map_err(p11("loading the module"))?;
        ctx.initialize(CInitializeArgs::OsThreads)
            .map_err(p11("initialising the module"))?;
        let slot = find_token(&ctx, &cfg.token)?;
        let session = ctx
            .open_rw_session(slot)
            .map_err(p11("opening a session"))?;
        session
            .login(UserType::User, Some(&AuthPin::from(cfg.pin.to_string())))
            .map_err(p11("logging in with the user PIN"))?;
        let template = [
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::Label(cfg.key_label.as_bytes().to_vec()),
        ];
        let found = session
            .find_objects(&template)
            .map_err(p11("finding the key"))?;
        let key = match found.first() {
            Some(k) => *k,
            None if create => session
                .generate_key(
                    &Mechanism::AesKeyGen,
                    &[
                        Attribute::Token(true),
                        Attribute::Private(true),
                        Attribute::Sensitive(true),
                        Attribute::Extractable(false),
                        Attribute::Encrypt(true),
                        Attribute::Decrypt(true),
                        Attribute::KeyType(KeyType::AES),
                        Attribute::ValueLen(32.into()),
                        Attribute::Label(cfg.key_label.as_bytes().to_vec()),
                    ],
                )
                .map_err(p11("generating the AES-256 key"))?,
            None => return Err(HsmError::NoKey(cfg.key_label.clone())),
        };
        Ok(Self {
            session,
            key,
            label: cfg.key_label.clone(),
            _ctx: ctx,
        })
    }

    /// Encrypts `plain` in the HSM: `IV (12) ‖ ciphertext ‖ tag (16)`.
    pub fn wrap(&self, plain: &[u8], aad: &[u8]) -> Result<Vec<u8>, HsmError> {
        let mut iv = self
            .session
            .generate_random_vec(12)
            .map_err(p11("drawing an IV"))?;
        let params = GcmParams::new(&mut iv, aad, 128.into()).map_err(p11("GCM parameters"))?;
        let sealed = self
            .session
            .encrypt(&Mechanism::AesGcm(params), self.key, plain)
            .map_err(p11("encrypting with AES-GCM"))?;
        let mut out = iv;
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypts what [`Kek::wrap`] made; a wrong key, AAD or any changed byte is refused.
    pub fn unwrap(&self, wrapped: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, HsmError> {
        if wrapped.len() < 12 + 16 {
            return Err(HsmError::Unwrap(self.label.clone()));
        }
        let (iv, sealed) = wrapped.split_at(12);
        let mut iv = iv.to_vec();
        let params = GcmParams::new(&mut iv, aad, 128.into()).map_err(p11("GCM parameters"))?;
        self.session
            .decrypt(&Mechanism::AesGcm(params), self.key, sealed)
            .map(Zeroizing::new)
            .map_err(|_| HsmError::Unwrap(self.label.clone()))
    }

    /// The key's protection attributes, as the token reports them.
    pub fn status(&self, token: &str) -> Result<KekStatus, HsmError> {
        let attrs = self
            .session
            .get_attributes(
                self.key,
                &[
                    AttributeType::Sensitive,
                    AttributeType::Extractable,
                    AttributeType::ValueLen,
                ],
            )
            .map_err(p11("reading the key's attributes"))?;
        let mut st = KekStatus {
            token: token.to_owned(),
            key_label: self.label.clone(),
            sensitive: false,
            extractable: true,
            length: 0,
        };
        for a in attrs {
            match a {
                Attribute::Sensitive(v) => st.sensitive = v,
                Attribute::Extractable(v) => st.extractable = v,
                Attribute::ValueLen(v) => st.length = u64::from(v),
                _ => {}
            }
        }
        Ok(st)
    }
}

fn find_token(ctx: &Pkcs11, label: &str) -> Result<Slot, HsmError> {
    for slot in ctx
        .get_slots_with_token()
        .map_err(p11("listing the slots"))?
    {
        let info = ctx
            .get_token_info(slot)
            .map_err(p11("reading token information"))?;
        if info.label().trim_end() == label {
            return Ok(slot);
        }
    }
    Err(HsmError::NoToken(label.to_owned()))
}
