#![doc = include_str!("../README.md")]

mod coverage;
mod digests;
pub mod error;
pub mod integrity;
pub mod kind;
pub mod ofd;
pub mod package;
mod par;
pub mod pdf;
mod pdf_changes;
mod pdf_cms;
mod pdf_picture;
mod pdf_place;
mod remember;
pub mod sign;
pub mod trust;
pub mod xml;
mod zipcheck;

pub use error::DocError;
pub use integrity::{ProtectRequest, protect_ofd};
pub use kind::FileKind;
pub use ofd::{OfdReport, SignatureResult, verify_ofd};
pub use package::{Budget, Package};
pub use pdf::{
    HashedPdf, PdfForm, PdfPlacement, PdfReport, PdfSignRequest, PdfSigned, PdfStampAt, sign_pdf,
    sign_pdf_hashed, sign_pdf_to, verify_pdf, verify_pdf_with,
};
pub use sign::{OfdSignRequest, Placement, SignatureKind, sign_ofd};
pub use trust::PkiValidator;
