//! Files the service writes in its data directory: the directory is the service's own
//! (mode 0700) and every file in it is readable by the service's user only (0600), whether
//! it holds a key, a certificate or a checkpoint (issue 14 item 10).

use std::io::Write;
use std::path::Path;

/// Creates `dir` (and its parents) if needed and makes it 0700.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn options(new: bool) -> std::fs::OpenOptions {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true);
    if new {
        opts.create_new(true);
    } else {
        opts.create(true).truncate(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts
}

fn write_with(path: &Path, bytes: &[u8], new: bool) -> std::io::Result<()> {
    let mut f = options(new).open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    f.write_all(bytes)?;
    f.sync_all()
}

/// Writes `bytes` to `path` (replacing it), mode 0600, synced.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_with(path, bytes, false)
}

/// Writes `bytes` to a new file `path` (an existing one is an error), mode 0600, synced.
pub fn write_new_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_with(path, bytes, true)
}

/// Makes every file under `dir` 0600 and every directory 0700 (a data directory made by an
/// earlier version, or files a library created with the default mode).
pub fn restrict_tree(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o700))?;
                restrict_tree(&entry.path())?;
            } else if kind.is_file() {
                std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    Ok(())
}

/// Most bytes read from one trust-store file.
const MAX_TRUST_FILE: u64 = 16 << 20;

/// A trust-store directory (`--trust DIR`): its certificates (self-issued ones are anchors)
/// and CRLs, from the files ending .pem, .crt, .cer, .der or .crl; with notes on files
/// skipped.
pub fn trust_dir(dir: &Path) -> Result<(eseal_pki::TrustStore, Vec<String>), String> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read trust store {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if !path.is_file() || !["pem", "crt", "cer", "der", "crl"].contains(&ext.as_str()) {
            continue;
        }
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if size > MAX_TRUST_FILE {
            return Err(format!(
                "{} is larger than {MAX_TRUST_FILE} bytes",
                path.display()
            ));
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        files.push((path.display().to_string(), bytes));
    }
    files.sort();
    eseal_pki::TrustStore::from_files(&files).map_err(|e| e.to_string())
}
