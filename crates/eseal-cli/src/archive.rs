//! `eseal archive create|renew|verify` (issue 16 item 6, R-ARCH-1): archive packages for
//! long-term validation. Creating and renewing ask a registry (its verification, its TSA);
//! verifying is offline, by `eseal-archive` (no store, no network).

use crate::i18n::Lang;
use anyhow::{Result, anyhow};
use base64ct::{Base64, Encoding};
use clap::Subcommand;
use eseal_ses::{Indication, Outcome};
use std::path::{Path, PathBuf};

/// `eseal archive`.
#[derive(Subcommand, Debug)]
pub enum ArchiveCommand {
    /// Make an archive package of a signed OFD (or of a detached signature with --data): the
    /// registry verifies it, adds the report, certificates, CRLs, status answers and seal log
    /// proofs, and timestamps the whole package.
    Create {
        /// The signed OFD, or the detached signature.
        file: PathBuf,
        /// The data a detached signature signs.
        #[arg(long)]
        data: Option<PathBuf>,
        /// The registry (e.g. http://127.0.0.1:8080).
        #[arg(long)]
        registry: String,
        /// Where to write the package.
        #[arg(long)]
        out: PathBuf,
    },
    /// Add a new timestamp (and current certificates and CRLs) to a package, before its last
    /// timestamp's certificate expires.
    Renew {
        /// The package.
        archive: PathBuf,
        /// The registry whose TSA stamps it.
        #[arg(long)]
        registry: String,
        /// Where to write the renewed package.
        #[arg(long)]
        out: PathBuf,
    },
    /// Verify a package offline, as of the time its first timestamp proves: exit 0 PASSED,
    /// 1 FAILED, 2 INDETERMINATE.
    Verify {
        /// The package.
        archive: PathBuf,
        /// Trust anchors (a directory of CA certificates).
        #[arg(long)]
        trust: Option<PathBuf>,
        /// Accept a root certificate carried in the package whose SM3 (hex) is this (the
        /// fingerprint the agency publishes); repeatable.
        #[arg(long = "root-sm3")]
        root_sm3: Vec<String>,
        /// The seal log's public key (SPKI PEM), obtained out of band.
        #[arg(long)]
        log_key: Option<PathBuf>,
        /// Verify as of this time instead of now (RFC 3339).
        #[arg(long)]
        now: Option<String>,
        /// The report as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| crate::said::io(crate::files::READ, path, &e))
}

/// A new package file: never over an existing one (a renewed package goes beside the old).
fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::files::write_new(path, bytes)
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn http() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(300))
        .build()
        .map_err(|e| anyhow!("{e}"))
}

/// Runs `eseal archive`.
pub fn run(cmd: ArchiveCommand, lang: Lang) -> Result<u8> {
    match cmd {
        ArchiveCommand::Create {
            file,
            data,
            registry,
            out,
        } => {
            crate::files::ensure_new(Some(&out))?;
            let bytes = read(&file)?;
            let body = match &data {
                None => {
                    serde_json::json!({"ofd": Base64::encode_string(&bytes), "name": name_of(&file)})
                }
                Some(d) => serde_json::json!({
                    "signature": Base64::encode_string(&bytes),
                    "data": Base64::encode_string(&read(d)?),
                    "name": name_of(d),
                }),
            };
            let url = format!("{}/api/v1/archives", registry.trim_end_matches('/'));
            let package = crate::audit::runtime()?
                .block_on(async { crate::http::post_json(&http()?, &url, &body).await })?;
            write(&out, &package)?;
            outln!(
                "{} {} ({} {})",
                lang.t("已写出归档包", "wrote the archive package"),
                out.display(),
                package.len(),
                lang.t("字节", "bytes")
            );
            Ok(0)
        }
        ArchiveCommand::Renew {
            archive,
            registry,
            out,
        } => {
            crate::files::ensure_new(Some(&out))?;
            let bytes = read(&archive)?;
            let body = serde_json::json!({"archive": Base64::encode_string(&bytes)});
            let url = format!("{}/api/v1/archives/renew", registry.trim_end_matches('/'));
            let package = crate::audit::runtime()?
                .block_on(async { crate::http::post_json(&http()?, &url, &body).await })?;
            write(&out, &package)?;
            outln!(
                "{} {} ({} {})",
                lang.t("已写出续期后的归档包", "wrote the renewed archive package"),
                out.display(),
                package.len(),
                lang.t("字节", "bytes")
            );
            Ok(0)
        }
        ArchiveCommand::Verify {
            archive,
            trust,
            root_sm3,
            log_key,
            now,
            json,
        } => {
            let bytes = read(&archive)?;
            let store = match &trust {
                Some(dir) => {
                    let (store, notes) = crate::pki::load_trust_store(dir)?;
                    for n in &notes {
                        errln!("{}", crate::stdout::in_lang(n));
                    }
                    store
                }
                None => eseal_pki::TrustStore::new(),
            };
            let log_key = match &log_key {
                Some(p) => {
                    let pem = String::from_utf8(read(p)?).map_err(|_| {
                        crate::said::said(
                            format!("{}：不是 PEM 文件", p.display()),
                            format!("{}: not a PEM file", p.display()),
                        )
                    })?;
                    Some(
                        eseal_gm::Sm2PublicKey::from_spki_pem(&pem)
                            .map_err(|e| crate::said::about(p, e.zh(), &e))?,
                    )
                }
                None => None,
            };
            let now = match &now {
                Some(t) => crate::parse_time(t, "--now")?,
                None => time::OffsetDateTime::now_utc(),
            };
            let report = eseal_archive::verify(
                &bytes,
                &eseal_archive::VerifyOptions {
                    trust: store,
                    root_sm3,
                    log_key,
                    now,
                },
            );
            if json {
                outln!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print(&report, lang);
            }
            Ok(match report.indication {
                Indication::Passed => 0,
                Indication::Failed => 1,
                Indication::Indeterminate => 2,
            })
        }
    }
}

fn print(r: &eseal_archive::ArchiveReport, lang: Lang) {
    for c in &r.checks {
        let mark = match c.outcome {
            Outcome::Passed => lang.t("通过", "PASSED"),
            Outcome::Failed => lang.t("失败", "FAILED"),
            Outcome::Indeterminate => lang.t("无法确定", "INDETERMINATE"),
            Outcome::Warning => lang.t("警告", "WARNING"),
            Outcome::NotChecked => lang.t("未检查", "NOT CHECKED"),
            Outcome::NotApplicable => lang.t("不适用", "N/A"),
        };
        let detail = match lang {
            Lang::Zh => &c.detail_zh,
            Lang::En => &c.detail,
        };
        outln!("[{mark}] {detail}");
    }
    outln!(
        "{}{}",
        lang.t("原始时间：", "original time: "),
        r.original_time.as_deref().unwrap_or("-")
    );
    outln!(
        "{}{}{}",
        lang.t("时间戳：", "timestamps: "),
        r.generations,
        lang.t(" 个", "")
    );
    outln!(
        "{}{}",
        lang.t("结论：", "verdict: "),
        crate::i18n::indication_label(lang, r.indication)
    );
}
