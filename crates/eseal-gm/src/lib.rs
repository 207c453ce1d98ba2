//! # eseal-gm
//!
//! The national-cryptography core of eseal: SM2 signatures with the signer ID
//! (GB/T 32918.2, usage rules GB/T 35276), SM3 (GB/T 32905), SM4 (GB/T 32907) in CBC and GCM
//! mode for key wrapping, and the traits through which crypto, time and randomness reach the
//! rest of the platform (style rule 3): [`provider::Sm2Signer`], [`provider::Clock`] and
//! [`provider::SecureRandom`]. A software provider built on the RustCrypto crates is included;
//! an HSM or a USB key implements the same traits.
//!
//! This crate does no I/O of its own, except that [`provider::OsRandom`] asks the operating
//! system for random bytes and [`provider::SystemClock`] reads the system clock; tests use
//! [`provider::FixedClock`] and [`provider::SeededRandom`].
//!
//! Private keys never leave this crate in plain form except through the explicit PKCS#8 export,
//! which returns a zeroizing buffer; all key types zeroize on drop.

pub mod error;
pub mod oid;
pub mod provider;
pub mod sm2;
pub mod sm3;
pub mod sm4;

pub use error::{Error, ErrorKind};
pub use sm2::{DEFAULT_SIGNER_ID, SignerId, Sm2PrivateKey, Sm2PublicKey, Sm2Signature};
pub use sm3::{Sm3Digest, Sm3Hasher};
