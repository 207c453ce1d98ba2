//! Archive packages (issue 16 item 6; R-ARCH-1, long-term validation): a signed document with
//! everything needed to verify it again in thirty years without the registry — the
//! verification report, the certificates and CRLs, the seals' status answers and
//! transparency proofs — under a timestamp over the whole package, renewed before the last
//! timestamp's certificate expires (the archive-timestamp idea of EN 319 102-1).
//!
//! The container is an ASiC-E-style ZIP (docs/archive.md has the layout and the reasons):
//! `mimetype`, `document/…`, `evidence/NNNN/…` (what generation N added), and for every
//! generation `META-INF/manifest-NNNN.json` (the SM3 of every file before it, the earlier
//! manifests and timestamps included) with `META-INF/timestamp-NNNN.tst` (an RFC 3161 token
//! over that manifest's bytes). The ZIP is a strict subset written and read here, every header
//! field fixed, so that a package is judged byte for byte by a written rule rather than by what
//! some ZIP library version emits: any changed byte either breaks that rule or a hash.
//!
//! The rules live here once, with no store and no network: the registry service
//! (`eseal_server::archive`, `POST /api/v1/archives`, `…/renew`) creates and renews packages
//! with its evidence and TSA through [`create`] and [`renew`]; anyone verifies one offline
//! with [`verify`] (`eseal archive verify`).
//!
//! container.rs: the ZIP rule; package.rs: manifests, generations, create and renew;
//! verify.rs: the offline check.

use eseal_gm::Sm3Digest;
use eseal_gm::provider::SoftwareVerifier;
use eseal_pki::chain::{ChainOutcome, ChainStatus, Purpose, TrustStore, validate};
use eseal_pki::{Certificate, crl::Crl};
use eseal_ses::{Indication, Outcome};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The `mimetype` entry and the media type of the HTTP answers.
pub const MEDIA_TYPE: &str = "application/vnd.eseal.archive+zip";
/// The manifests' `format`.
pub const FORMAT: &str = "eseal-archive/1";
/// Largest package read or written.
pub const MAX_ARCHIVE: usize = 64 << 20;
/// Most files in a package.
pub const MAX_FILES: usize = 4096;
/// Most generations (the creation and its renewals: one a decade is plenty).
pub const MAX_GENERATIONS: u32 = 100;
/// Longest file name in a package, in bytes.
pub(crate) const MAX_NAME: usize = 255;

/// Something wrong with a package, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad {
    /// 中文.
    pub zh: String,
    /// English.
    pub en: String,
}

/// Why a JSON part of the package cannot be read, in Chinese and English, with its line and
/// column (the parser's own message is English only).
pub(crate) fn json_error(e: &serde_json::Error) -> (String, String) {
    use serde_json::error::Category;
    let (zh, en) = match e.classify() {
        Category::Syntax => ("不是合法的 JSON", "not well-formed JSON"),
        Category::Eof => ("内容不完整", "the text ends too early"),
        Category::Data | Category::Io => (
            "字段或取值不符合规定格式",
            "a field or value is not in the documented form",
        ),
    };
    (
        format!("{zh}（第 {} 行第 {} 列）", e.line(), e.column()),
        format!("{en} at line {}, column {} ({e})", e.line(), e.column()),
    )
}

pub(crate) fn bad(zh: impl Into<String>, en: impl Into<String>) -> Bad {
    Bad {
        zh: zh.into(),
        en: en.into(),
    }
}

/// Why a package could not be made or renewed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveError {
    /// The package, or what is put into it, breaks the format.
    Invalid(Bad),
    /// The package has all the generations it may have ([`MAX_GENERATIONS`]).
    Full,
    /// The timestamp authority gave no timestamp.
    Timestamp(Bad),
}

impl From<Bad> for ArchiveError {
    fn from(b: Bad) -> Self {
        ArchiveError::Invalid(b)
    }
}

impl ArchiveError {
    /// What a person reads, in Chinese and English.
    pub fn text(&self) -> Bad {
        match self {
            ArchiveError::Invalid(b) => b.clone(),
            ArchiveError::Full => bad(
                format!("归档包已有 {MAX_GENERATIONS} 代，不能再续期"),
                format!("the package already has {MAX_GENERATIONS} generations"),
            ),
            ArchiveError::Timestamp(b) => bad(
                format!("时间戳服务未能签发时间戳：{}", b.zh),
                format!("the timestamp authority gave no timestamp: {}", b.en),
            ),
        }
    }
}

impl std::fmt::Display for ArchiveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text().en)
    }
}

impl std::error::Error for ArchiveError {}

/// Most bytes read and hashed while the archived document is verified (its signatures' data).
pub const MAX_DOCUMENT_READ: u64 = 256 << 20;

mod container;
mod package;
mod verify;

#[allow(unused_imports)] // the parts use each other's items through `super::*`
use self::{container::*, package::*, verify::*};
pub use self::{
    container::{read_zip, write_zip},
    package::{
        Document, DocumentKind, DocumentRef, Evidence, FileRef, Manifest, Stamp, create, renew,
        safe_name,
    },
    verify::{ArchiveCheck, ArchiveReport, StatusAnswer, VerifyOptions, verify},
};

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn sample() -> BTreeMap<String, Vec<u8>> {
        let mut f = BTreeMap::new();
        f.insert("mimetype".to_owned(), MEDIA_TYPE.as_bytes().to_vec());
        f.insert("document/合同.ofd".to_owned(), b"PK fake".to_vec());
        f.insert("evidence/0001/report.json".to_owned(), b"{}".to_vec());
        f
    }

    #[test]
    fn the_zip_subset_reads_back_and_refuses_every_changed_header_byte() {
        let files = sample();
        let zip = write_zip(&files).unwrap();
        assert_eq!(read_zip(&zip).unwrap(), files);
        // Standard tools read it.
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip.clone())).unwrap();
        assert_eq!(z.len(), 3);
        assert_eq!(z.by_index(0).unwrap().name().unwrap(), "mimetype");
        for i in 0..zip.len() {
            let mut changed = zip.clone();
            changed[i] ^= 0x01;
            let back = read_zip(&changed);
            assert!(
                back.as_ref().ok() != Some(&files),
                "byte {i} changed and the same files came out"
            );
        }
    }

    #[test]
    fn names_that_escape_or_collide_are_refused() {
        for name in ["../x", "/abs", "a//b", "a\\b", "evidence/./x", "a\u{7}"] {
            let mut f = sample();
            f.insert(name.to_owned(), vec![1]);
            assert!(write_zip(&f).is_err(), "{name}");
        }
        let mut f = sample();
        f.insert("document/A.ofd".into(), vec![]);
        f.insert("document/a.ofd".into(), vec![]);
        let zip = write_zip(&f).unwrap();
        assert!(read_zip(&zip).unwrap_err().en.contains("letter case"));
    }

    #[test]
    fn generations_come_from_names() {
        assert_eq!(generation("document/x.ofd"), Some(1));
        assert_eq!(generation("evidence/0003/certs/a.der"), Some(3));
        assert_eq!(generation("META-INF/manifest-0002.json"), Some(2));
        assert_eq!(generation("META-INF/timestamp-0010.tst"), Some(10));
        assert_eq!(generation("evidence/0000/x"), None);
        assert_eq!(generation("evidence/12/x"), None);
        assert_eq!(generation("other.txt"), None);
        assert!(covered_by(2, "META-INF/timestamp-0001.tst"));
        assert!(!covered_by(2, "META-INF/manifest-0002.json"));
        assert!(covered_by(2, "evidence/0002/crls/x.crl"));
        assert!(!covered_by(1, "evidence/0002/crls/x.crl"));
    }
}
