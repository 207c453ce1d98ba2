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

/// How [`put`] puts a finished file in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    /// Only where nothing is: a file at the path, even one that appeared while this one was
    /// being written, is never overwritten (`AlreadyExists`).
    Once,
    /// Replacing whatever is there, in one rename.
    Replace,
}

/// Writes a file in one step, the one writer of the project: `fill` writes a temporary file
/// beside `path` (mode 0600, or 0644 when not `private`), which is synced and then put in
/// place as `how` says (`persist_noclobber`, a hard link, for [`Put::Once`]; a rename for
/// [`Put::Replace`]). A failure or a crash leaves either the old state or the whole new
/// file, never half of one; the temporary file is removed on failure.
pub fn put(
    path: &Path,
    how: Put,
    private: bool,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if how == Put::Once && path.exists() {
        // Refused before any work; persist_noclobber refuses one that appears meanwhile.
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("{} exists; refusing to overwrite", path.display()),
        ));
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".eseal-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if private { 0o600 } else { 0o644 };
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    let _ = private;
    fill(tmp.as_file_mut())?;
    tmp.as_file_mut().flush()?;
    tmp.as_file().sync_all()?;
    let placed = match how {
        Put::Once => tmp.persist_noclobber(path),
        Put::Replace => tmp.persist(path),
    };
    placed.map(drop).map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} exists; refusing to overwrite", path.display()),
            )
        } else {
            e.error
        }
    })
}

/// [`put`] for a large output written as it is made (a signed 100 MB document): `fill`
/// writes through a [`SyncAhead`], which has the disk take the file's first parts while the
/// rest is still being made, so the final sync waits for the last few MiB instead of all.
pub fn put_large(
    path: &Path,
    how: Put,
    private: bool,
    fill: impl FnOnce(&mut SyncAhead<'_>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    put(path, how, private, |f| {
        let mut ahead = SyncAhead::new(f);
        let filled = fill(&mut ahead);
        // Waits for the background sync, and reports its failure: an fsync error is told
        // once, so it must not be dropped here and missed by the final sync.
        let synced = ahead.finish();
        filled.and(synced)
    })
}

/// Bytes written between two background syncs of a [`SyncAhead`].
pub const SYNC_EVERY: u64 = 16 << 20;

/// A file writer that, every [`SYNC_EVERY`] bytes, asks a thread of its own to
/// `fdatasync` what has been written so far (on a second handle of the same file), while
/// the writer goes on: writing to disk overlaps making the rest. A sync still running when
/// the next is due is not queued twice. [`SyncAhead::finish`] waits for the thread and
/// returns the first failure of its syncs.
#[derive(Debug)]
pub struct SyncAhead<'f> {
    file: &'f mut std::fs::File,
    since: u64,
    ahead: Option<Ahead>,
}

#[derive(Debug)]
struct Ahead {
    kick: std::sync::mpsc::SyncSender<()>,
    thread: std::thread::JoinHandle<std::io::Result<()>>,
}

impl<'f> SyncAhead<'f> {
    /// Writes to `file`; no thread until the first [`SYNC_EVERY`] bytes.
    pub fn new(file: &'f mut std::fs::File) -> Self {
        Self {
            file,
            since: 0,
            ahead: None,
        }
    }

    fn kick(&mut self) -> std::io::Result<()> {
        if self.ahead.is_none() {
            let handle = self.file.try_clone()?;
            let (kick, wait) = std::sync::mpsc::sync_channel::<()>(1);
            let thread = std::thread::Builder::new()
                .name("eseal-sync".into())
                .spawn(move || {
                    for () in wait {
                        handle.sync_data()?;
                    }
                    Ok(())
                })?;
            self.ahead = Some(Ahead { kick, thread });
        }
        if let Some(a) = &self.ahead {
            // Full: a sync is already waiting, which will cover these bytes too. Gone: the
            // thread stopped on an error, which `finish` reports.
            let _ = a.kick.try_send(());
        }
        Ok(())
    }

    /// Stops the background syncs and returns the first error one of them met.
    pub fn finish(mut self) -> std::io::Result<()> {
        match self.ahead.take() {
            None => Ok(()),
            Some(Ahead { kick, thread }) => {
                drop(kick);
                thread
                    .join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("the sync thread stopped")))
            }
        }
    }
}

impl Write for SyncAhead<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.since += n as u64;
        if self.since >= SYNC_EVERY {
            self.since = 0;
            self.kick()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl std::io::Seek for SyncAhead<'_> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.file.seek(pos)
    }
}

/// Writes `bytes` to `path` (replacing it atomically), mode 0600, synced.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    put(path, Put::Replace, true, |f| f.write_all(bytes))
}

/// Writes `bytes` to a new file `path` (an existing one is an error), mode 0600, synced.
pub fn write_new_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    put(path, Put::Once, true, |f| f.write_all(bytes))
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
pub fn trust_dir(
    dir: &Path,
) -> Result<(eseal_pki::TrustStore, Vec<eseal_core::Text>), eseal_core::Text> {
    use eseal_core::{Text, error::io_zh};
    let unreadable = |path: &Path, e: &std::io::Error| {
        Text::new(
            format!("无法读取 {}：{}", path.display(), io_zh(e)),
            format!("cannot read {}: {e}", path.display()),
        )
    };
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| unreadable(dir, &e))?;
    for entry in entries {
        let path = entry.map_err(|e| unreadable(dir, &e))?.path();
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
            return Err(Text::new(
                format!("{} 超过 {} MiB", path.display(), MAX_TRUST_FILE >> 20),
                format!("{} is larger than {MAX_TRUST_FILE} bytes", path.display()),
            ));
        }
        let bytes = std::fs::read(&path).map_err(|e| unreadable(&path, &e))?;
        files.push((path.display().to_string(), bytes));
    }
    files.sort();
    eseal_pki::TrustStore::from_files(&files).map_err(|e| Text::new(e.zh(), e.to_string()))
}

/// Where a log's checkpoint files go under the export directory.
pub fn checkpoint_dir(dir: &Path, log: eseal_store::transparency::Log) -> std::path::PathBuf {
    match log {
        eseal_store::transparency::Log::Audit => dir.to_path_buf(),
        eseal_store::transparency::Log::Seals => dir.join("seals"),
    }
}

#[cfg(test)]
mod tests {
    use super::{Put, SYNC_EVERY, put, put_large};
    use std::io::{Seek, Write};

    #[test]
    fn a_large_file_synced_ahead_is_whole_and_failures_still_count() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.bin");
        let chunk = vec![0x5Au8; 1 << 20];
        let n = (SYNC_EVERY >> 20) as usize * 3 + 1;
        put_large(&p, Put::Once, false, |f| {
            for _ in 0..n {
                f.write_all(&chunk)?;
            }
            // A writer that goes back (a ZIP header patched) still works.
            f.seek(std::io::SeekFrom::Start(0))?;
            f.write_all(b"head")?;
            f.seek(std::io::SeekFrom::End(0))?;
            Ok(())
        })
        .unwrap();
        let back = std::fs::read(&p).unwrap();
        assert_eq!(back.len(), n << 20);
        assert_eq!(&back[..4], b"head");
        assert!(back[4..].iter().all(|b| *b == 0x5A));
        // A failing fill after background syncs began: no file, no temporary file.
        let q = dir.path().join("failed.bin");
        let e = put_large(&q, Put::Once, false, |f| {
            for _ in 0..(SYNC_EVERY >> 20) + 1 {
                f.write_all(&chunk)?;
            }
            Err(std::io::Error::other("no more input"))
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "no more input");
        assert!(!q.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn once_never_overwrites_and_replace_is_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        put(&p, Put::Once, false, |f| f.write_all(b"first")).unwrap();
        let e = put(&p, Put::Once, false, |f| f.write_all(b"second")).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&p).unwrap(), b"first");
        // A file that appears while the new one is being written is kept, not overwritten.
        let q = dir.path().join("b.txt");
        let e = put(&q, Put::Once, true, |f| {
            std::fs::write(&q, b"theirs")?;
            f.write_all(b"ours")
        })
        .unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&q).unwrap(), b"theirs");
        // A failed fill leaves the old file and no temporary file.
        let e = put(&p, Put::Replace, false, |f| {
            f.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "disk full");
        assert_eq!(std::fs::read(&p).unwrap(), b"first");
        put(&p, Put::Replace, false, |f| f.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode =
                |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&p), 0o644);
            put(&dir.path().join("k"), Put::Once, true, |f| {
                f.write_all(b"k")
            })
            .unwrap();
            assert_eq!(mode(&dir.path().join("k")), 0o600);
        }
    }
}
