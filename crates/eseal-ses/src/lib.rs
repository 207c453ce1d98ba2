#![doc = include_str!("../README.md")]

pub mod any;
pub mod asn1_time;
pub use eseal_asn1::ber;
pub mod cert;
pub mod cms_sign;
pub mod common;
mod der_out;
pub mod error;
pub mod gbt35275;
pub mod make;
pub mod report;
pub mod sigvalue;
pub mod timestamp;
pub mod v1;
pub mod v4;
pub mod v5;
pub mod verify;

pub use any::{AnySeal, AnySignature, StructureKind, Version, detect};
pub use error::{SesError, SesErrorKind};
pub use make::{PreparedSignature, SealRequest, SignRequest, make_seal, prepare_signature};
pub use report::{Advice, Check, CheckId, Indication, Outcome, Report, SubIndication, Text};
pub use verify::{
    CertificateRole, CertificateValidator, ChainVerdict, SignedData, VerifyPolicy, verify_seal,
    verify_signature,
};
