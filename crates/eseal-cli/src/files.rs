//! File input and output with errors that say which file and what was wrong.

use anyhow::{Context, Result, bail};
use base64ct::{Base64, Encoding};
use eseal_gm::{Sm2PrivateKey, Sm3Digest, Sm3Hasher};
use eseal_server::files::Put;
use std::io::{Read, Write};
use std::path::Path;

/// Refuse files larger than this where they are read whole (seals, keys, certificates).
const MAX_WHOLE_FILE: u64 = 64 * 1024 * 1024;

pub fn read(path: &Path) -> Result<Vec<u8>> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.len() > MAX_WHOLE_FILE {
        bail!(
            "{} is {} bytes, more than the {} allowed here",
            path.display(),
            meta.len(),
            MAX_WHOLE_FILE
        );
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// SM3 of a file, streamed (the file is never loaded whole).
pub fn sm3_file(path: &Path) -> Result<Sm3Digest> {
    let mut f =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut h = Sm3Hasher::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f
            .read(&mut buf)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n).unwrap_or_default());
    }
    Ok(h.finalize())
}

/// A certificate from PEM or DER; returns DER.
pub fn read_certificate(path: &Path) -> Result<Vec<u8>> {
    let bytes = read(path)?;
    if bytes.starts_with(&[0x30]) {
        return Ok(bytes);
    }
    let text = String::from_utf8(bytes)
        .with_context(|| format!("{} is neither DER nor PEM", path.display()))?;
    pem_block(&text, "CERTIFICATE")
        .with_context(|| format!("{}: no CERTIFICATE PEM block", path.display()))
}

fn pem_block(text: &str, label: &str) -> Result<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin).context("missing BEGIN line")? + begin.len();
    let stop = text
        .get(start..)
        .and_then(|t| t.find(&end))
        .context("missing END line")?
        + start;
    let b64: String = text
        .get(start..stop)
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    Base64::decode_vec(&b64).map_err(|e| anyhow::anyhow!("bad base64 in PEM: {e}"))
}

/// An SM2 private key from PEM (PKCS#8 or SEC1).
pub fn read_private_key(path: &Path) -> Result<Sm2PrivateKey> {
    // The key file's bytes are wiped when dropped.
    let bytes = zeroize::Zeroizing::new(read(path)?);
    let text = std::str::from_utf8(&bytes)
        .with_context(|| format!("{} is not a PEM key", path.display()))?;
    if text.contains("ENCRYPTED PRIVATE KEY") {
        bail!(
            "{}: encrypted keys are not supported here; decrypt with `openssl pkey` first",
            path.display()
        );
    }
    Sm2PrivateKey::from_pem(text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Write a new file; refuses to overwrite (also a file that appears meanwhile), and a
/// failure never leaves a half-written output (`eseal_server::files::put`).
pub fn write_new(path: &Path, data: &[u8]) -> Result<()> {
    put(path, Put::Once, false, |f| f.write_all(data))
}

/// As [`write_new`], with owner-only permissions (keys).
pub fn write_secret(path: &Path, data: &[u8]) -> Result<()> {
    put(path, Put::Once, true, |f| f.write_all(data))
}

/// Write a new file through `fill` (for large outputs), to a temporary file first; refuses to
/// overwrite and removes the temporary file on failure.
/// Written through [`eseal_server::files::SyncAhead`]: the disk takes the first parts of a
/// large output while the rest is made.
pub fn write_new_with(
    path: &Path,
    fill: impl FnOnce(&mut eseal_server::files::SyncAhead<'_>) -> Result<()>,
) -> Result<()> {
    let mut failed = None;
    let result = eseal_server::files::put_large(path, Put::Once, false, |f| {
        fill(f).map_err(|e| {
            let io = std::io::Error::other(format!("{e:#}"));
            failed = Some(e);
            io
        })
    });
    match (result, failed) {
        (Err(_), Some(e)) => Err(e),
        (Err(e), None) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(anyhow::anyhow!("{e}"))
        }
        (Err(e), None) => Err(anyhow::anyhow!("cannot write {}: {e}", path.display())),
        (Ok(()), _) => Ok(()),
    }
}

/// Replace a file atomically (state files such as ca.json and crl.pem).
pub fn write_replace(path: &Path, data: &[u8]) -> Result<()> {
    put(path, Put::Replace, false, |f| f.write_all(data))
}

/// Refuses an output that exists, before any work is done for it.
pub fn ensure_new(path: Option<&Path>) -> Result<()> {
    match path {
        Some(p) if p.exists() => bail!("{} exists; refusing to overwrite", p.display()),
        _ => Ok(()),
    }
}

fn put(
    path: &Path,
    how: Put,
    private: bool,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<()> {
    eseal_server::files::put(path, how, private, fill).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!("{e}")
        } else {
            anyhow::anyhow!("cannot write {}: {e}", path.display())
        }
    })
}

/// The picture type for the seal from the bytes (and the extension as a hint).
pub fn picture_type(path: &Path, data: &[u8]) -> Result<String> {
    let t = if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        "PNG"
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "JPG"
    } else if data.starts_with(b"GIF8") {
        "GIF"
    } else if data.starts_with(b"BM") {
        "BMP"
    } else if data.starts_with(b"PK\x03\x04") {
        "ofd"
    } else if String::from_utf8_lossy(data.get(..data.len().min(2048)).unwrap_or_default())
        .contains("<svg")
    {
        "SVG"
    } else {
        bail!(
            "{}: not a PNG, JPG, GIF, BMP, SVG or OFD picture",
            path.display()
        );
    };
    Ok(t.to_owned())
}
