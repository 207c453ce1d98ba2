#![doc = include_str!("../README.md")]

pub mod error;
pub mod ofd;
pub mod package;
pub mod xml;

pub use error::DocError;
pub use ofd::{OfdReport, SignatureResult, verify_ofd};
pub use package::Package;
