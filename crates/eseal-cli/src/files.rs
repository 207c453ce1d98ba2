//! File input and output with errors that say which file and what was wrong.

use crate::said::{self, said};
use anyhow::{Context, Result};
use base64ct::{Base64, Encoding};
use eseal_gm::{Sm2PrivateKey, Sm3Digest, Sm3Hasher};
use eseal_server::files::Put;
use std::io::{Read, Write};
use std::path::Path;

/// The verbs of [`said::io`].
pub const READ: (&str, &str) = ("读取", "read");
pub const OPEN: (&str, &str) = ("打开", "open");

/// Refuse files larger than this where they are read whole (seals, keys, certificates).
const MAX_WHOLE_FILE: u64 = 64 * 1024 * 1024;

pub fn read(path: &Path) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).map_err(|e| said::io(READ, path, &e))?;
    if meta.len() > MAX_WHOLE_FILE {
        return Err(said(
            format!(
                "{} 有 {} 字节，超过此处允许的 {MAX_WHOLE_FILE} 字节",
                path.display(),
                meta.len()
            ),
            format!(
                "{} is {} bytes, more than the {MAX_WHOLE_FILE} allowed here",
                path.display(),
                meta.len()
            ),
        ));
    }
    std::fs::read(path).map_err(|e| said::io(READ, path, &e))
}

/// SM3 of a file, streamed (the file is never loaded whole).
pub fn sm3_file(path: &Path) -> Result<Sm3Digest> {
    let mut f = std::fs::File::open(path).map_err(|e| said::io(OPEN, path, &e))?;
    let mut h = Sm3Hasher::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf).map_err(|e| said::io(READ, path, &e))?;
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
    let text = String::from_utf8(bytes).map_err(|_| {
        said(
            format!("{} 既不是 DER 也不是 PEM 格式的证书", path.display()),
            format!("{} is neither DER nor PEM", path.display()),
        )
    })?;
    pem_block(&text, "CERTIFICATE").map_err(|e| {
        said(
            format!("{}：没有可读的 CERTIFICATE PEM 块", path.display()),
            format!("{}: no CERTIFICATE PEM block: {e:#}", path.display()),
        )
    })
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
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        said(
            format!("{} 不是 PEM 格式的私钥", path.display()),
            format!("{} is not a PEM key", path.display()),
        )
    })?;
    if text.contains("ENCRYPTED PRIVATE KEY") {
        return Err(said(
            format!(
                "{}：此处不支持加密的私钥；请先用 `openssl pkey` 解密",
                path.display()
            ),
            format!(
                "{}: encrypted keys are not supported here; decrypt with `openssl pkey` first",
                path.display()
            ),
        ));
    }
    Sm2PrivateKey::from_pem(text).map_err(|e| {
        said(
            format!("{}：不是可用的 SM2 私钥", path.display()),
            format!("{}: {e}", path.display()),
        )
    })
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
        (Err(e), None) => Err(written(path, &e)),
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
        Some(p) if p.exists() => Err(exists(p)),
        _ => Ok(()),
    }
}

fn put(
    path: &Path,
    how: Put,
    private: bool,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<()> {
    eseal_server::files::put(path, how, private, fill).map_err(|e| written(path, &e))
}

/// Why `path` could not be written.
fn written(path: &Path, e: &std::io::Error) -> anyhow::Error {
    if e.kind() == std::io::ErrorKind::AlreadyExists {
        exists(path)
    } else {
        said::io(("写入", "write"), path, e)
    }
}

fn exists(path: &Path) -> anyhow::Error {
    said(
        format!("{} 已存在；不会覆盖它", path.display()),
        format!("{} exists; refusing to overwrite", path.display()),
    )
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
        return Err(said(
            format!(
                "{}：不是 PNG、JPG、GIF、BMP、SVG 或 OFD 图片",
                path.display()
            ),
            format!(
                "{}: not a PNG, JPG, GIF, BMP, SVG or OFD picture",
                path.display()
            ),
        ));
    };
    Ok(t.to_owned())
}
