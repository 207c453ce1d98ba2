//! Archive packages on the registry's side (issue 16 item 6; R-ARCH-1): the format, its
//! creation and renewal and the offline verification are `eseal-archive`'s (no store, no
//! network); here the platform's evidence (its certificates and CRLs, the trust list, each
//! seal's status answer and seal-log proof) and its TSA go in.

use crate::failure::{Failure, Kind};
use crate::state::AppState;
pub use eseal_archive::*;
use eseal_gm::Sm3Digest;
use eseal_pki::Certificate;
use eseal_ses::Indication;
use std::collections::BTreeSet;

impl From<Bad> for Failure {
    fn from(b: Bad) -> Self {
        Failure::invalid("archive", b.zh, b.en)
    }
}

impl From<ArchiveError> for Failure {
    fn from(e: ArchiveError) -> Self {
        let t = e.text();
        match e {
            ArchiveError::Invalid(b) => b.into(),
            ArchiveError::Full => Failure::unprocessable("forbidden", t.zh, t.en),
            ArchiveError::Timestamp(_) => Failure::new(
                Kind::Unavailable,
                "connector_failed",
                eseal_core::Text::new(t.zh, t.en),
            ),
        }
    }
}

mod service;

pub use service::{create_for, renew_for};
