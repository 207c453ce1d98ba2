//! `eseal audit export | verify` (issue 8, item 5, first part): the audit log written out with
//! a signed checkpoint, and checked offline by anyone holding the log's public key.
//!
//! An export directory holds `log.jsonl` (one entry per line, its canonical JSON — the Merkle
//! leaf — in sequence order), `checkpoint` (a signed note: origin, size, SM3 Merkle root) and
//! `audit-key.pem` (the public key, for convenience; a verifier should take it from elsewhere).

use anyhow::{Context, Result, anyhow, bail};
use clap::Subcommand;
use eseal_gm::Sm2PublicKey;
use eseal_gm::provider::SoftwareSigner;
use eseal_store::Store;
use std::path::{Path, PathBuf};

/// `eseal audit`.
#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Write the audit log and a checkpoint signed with the audit key into a new directory.
    Export {
        /// The service's data directory (SQLite).
        #[arg(long, conflicts_with = "database")]
        data: Option<PathBuf>,
        /// Or its PostgreSQL database.
        #[arg(long, env = "ESEAL_DATABASE")]
        database: Option<String>,
        /// The PostgreSQL schema.
        #[arg(long)]
        database_schema: Option<String>,
        /// The audit signing key (SM2 PKCS#8 PEM).
        #[arg(long)]
        key: PathBuf,
        /// The log's name in the checkpoint.
        #[arg(long, default_value = "eseal/audit")]
        origin: String,
        /// The directory to create.
        #[arg(long)]
        out: PathBuf,
    },
    /// Recompute an export offline: entries well-formed and numbered without gaps, the tree's
    /// root equal to the signed checkpoint's, and (with --checkpoint) the log an extension of
    /// an earlier checkpoint. Exit 0 when all holds; 1 naming the first bad entry otherwise.
    Verify {
        /// The export directory.
        export: PathBuf,
        /// The log's public key (SPKI PEM).
        #[arg(long)]
        key: PathBuf,
        /// The log's name.
        #[arg(long, default_value = "eseal/audit")]
        origin: String,
        /// An earlier checkpoint kept outside the database (truncation and rewrites show).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
    },
}

/// Runs `eseal audit`.
pub fn run(cmd: AuditCommand) -> Result<u8> {
    match cmd {
        AuditCommand::Export {
            data,
            database,
            database_schema,
            key,
            origin,
            out,
        } => {
            let signer = SoftwareSigner::new(crate::files::read_private_key(&key)?);
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            let (size, root) = rt.block_on(async {
                let store = match (data, database, database_schema) {
                    (Some(dir), None, _) => Store::open_sqlite(&dir).await?,
                    (None, Some(url), Some(schema)) => {
                        Store::open_postgres_in_schema(&url, &schema).await?
                    }
                    (None, Some(url), None) => Store::open_url(&url).await?,
                    _ => bail!("give --data DIR or --database URL"),
                };
                let done = eseal_server::audit::export(
                    &store,
                    &signer,
                    &origin,
                    &out,
                    time::OffsetDateTime::now_utc(),
                )
                .await;
                store.close().await;
                done.map_err(|e| anyhow!("{}", e.detail))
            })?;
            println!("{size} entries, root {}", hex::encode(root));
            Ok(0)
        }
        AuditCommand::Verify {
            export,
            key,
            origin,
            checkpoint,
        } => {
            let pem = std::fs::read_to_string(&key)
                .with_context(|| format!("cannot read {}", key.display()))?;
            let key =
                Sm2PublicKey::from_spki_pem(&pem).map_err(|e| anyhow!("{}: {e}", key.display()))?;
            match verify(&export, &key, &origin, checkpoint.as_deref()) {
                Ok(size) => {
                    println!("OK: {size} entries, consistent with the signed checkpoint(s)");
                    Ok(0)
                }
                Err(why) => {
                    println!("FAILED: {why}");
                    Ok(1)
                }
            }
        }
    }
}

/// Checks an export directory: see [`eseal_store::audit::verify_export`].
fn verify(
    export: &Path,
    key: &Sm2PublicKey,
    origin: &str,
    earlier: Option<&Path>,
) -> Result<u64, String> {
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let note = read(&export.join("checkpoint"))?;
    let log = read(&export.join("log.jsonl"))?;
    let old = earlier.map(read).transpose()?;
    eseal_store::audit::verify_export(&log, &note, key, origin, old.as_deref())
}
