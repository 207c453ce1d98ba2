#![doc = include_str!("../README.md")]

mod ec;
pub mod error;
pub mod keytables;
pub mod oid;
pub mod provider;
pub mod sm2;
pub mod sm3;
pub mod sm4;

pub use error::{Error, ErrorKind};
pub use sm2::{DEFAULT_SIGNER_ID, SignerId, Sm2PrivateKey, Sm2PublicKey, Sm2Signature};
pub use sm3::{Sm3Digest, Sm3Hasher};
