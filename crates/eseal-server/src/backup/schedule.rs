//! Scheduled backups from `eseal serve --backup-dir DIR --backup-every 6h --backup-keep 14
//! --backup-key FILE`: one archive per interval into DIR (the first a minute after start),
//! the oldest beyond the count removed, a log line per backup on standard error, and the
//! state in the system status, which raises an alert when the last backup failed or the
//! newest is older than two intervals.

use super::container::BackupKey;
use crate::state::AppState;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Where the archives go (made 0700 if missing).
    pub dir: PathBuf,
    /// How often.
    pub every: Duration,
    /// How many archives are kept (the newest); at least 1.
    pub keep: usize,
    /// The backup key.
    pub key: Arc<BackupKey>,
    /// The delay before the first backup.
    pub first_after: Duration,
}

/// Parses an interval: a number with `ms`, `s`, `m`, `h` or `d` (`30m`, `6h`, `1d`), or
/// seconds.
pub fn parse_interval(text: &str) -> Option<Duration> {
    let t = text.trim();
    if let Some(ms) = t.strip_suffix("ms") {
        let n: u64 = ms.trim().parse().ok()?;
        return (n > 0).then(|| Duration::from_millis(n));
    }
    let (num, unit) = match t.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => (&t[..i], c),
        _ => (t, 's'),
    };
    let n: u64 = num.trim().parse().ok()?;
    let secs = match unit {
        's' => n,
        'm' => n.checked_mul(60)?,
        'h' => n.checked_mul(3600)?,
        'd' => n.checked_mul(86_400)?,
        _ => return None,
    };
    (secs > 0).then(|| Duration::from_secs(secs))
}

/// The archives in `dir` made by the schedule (`eseal-….esbk`), oldest first.
pub fn archives(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("eseal-") && n.ends_with(super::SUFFIX))
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// One scheduled backup: made, logged, recorded in the status, old ones pruned.
pub async fn once(
    s: &AppState,
    sched: &Schedule,
    data: &std::path::Path,
    checkpoints: &std::path::Path,
) {
    let now = s.now();
    let started = std::time::Instant::now();
    let made = async {
        crate::files::private_dir(&sched.dir).map_err(|e| {
            super::failure(
                "backup_failed",
                format!("{}：{e}", sched.dir.display()),
                format!("{}: {e}", sched.dir.display()),
            )
        })?;
        let out = sched.dir.join(super::file_name(now));
        let signer = s.pki().audit_signer();
        super::create(
            super::Source {
                store: s.store(),
                data,
                checkpoints,
            },
            &sched.key,
            &signer,
            &out,
            now,
        )
        .await
    };
    let result = eseal_store::audit::ACTOR.scope("system".into(), made).await;
    match result {
        Ok(c) => {
            eprintln!(
                "backup: wrote {} ({} bytes, {}) in {:.1} s",
                c.path.display(),
                c.bytes,
                super::log_outcome(&c.manifest),
                started.elapsed().as_secs_f64()
            );
            s.update_backups(|b| {
                b.last_ok = Some((now.unix_timestamp(), c.path.display().to_string(), c.bytes));
            });
            let all = archives(&sched.dir);
            let excess = all.len().saturating_sub(sched.keep.max(1));
            for old in all.iter().take(excess) {
                match std::fs::remove_file(old) {
                    Ok(()) => {
                        eprintln!("backup: removed {} (keeping {})", old.display(), sched.keep)
                    }
                    Err(e) => eprintln!("backup: cannot remove {}: {e}", old.display()),
                }
            }
        }
        Err(e) => {
            eprintln!("backup FAILED: {}", e.detail.en);
            s.update_backups(|b| b.last_error = Some((now.unix_timestamp(), e.detail.clone())));
        }
    }
}

/// Removes what a backup killed half-way left in `dir`: the writer's temporary files
/// (`.eseal-*.tmp`; a finished archive is only ever renamed into place whole).
pub fn remove_leftovers(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(".eseal-") && name.ends_with(".tmp") {
            match std::fs::remove_file(e.path()) {
                Ok(()) => eprintln!(
                    "backup: removed {} left by an interrupted backup",
                    e.path().display()
                ),
                Err(err) => eprintln!("backup: cannot remove {}: {err}", e.path().display()),
            }
        }
    }
}

/// Runs the schedule until the process ends (one schedule per backup directory).
pub async fn worker(s: AppState, sched: Schedule, data: PathBuf, checkpoints: PathBuf) {
    remove_leftovers(&sched.dir);
    s.update_backups(|b| {
        b.schedule = Some((
            sched.dir.display().to_string(),
            sched.every.as_secs(),
            sched.keep,
        ));
        b.since = s.now().unix_timestamp();
    });
    tokio::time::sleep(sched.first_after).await;
    loop {
        once(&s, &sched, &data, &checkpoints).await;
        tokio::time::sleep(sched.every).await;
    }
}

#[cfg(test)]
mod tests {
    use super::parse_interval;
    use std::time::Duration;

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("6h"), Some(Duration::from_secs(21_600)));
        assert_eq!(parse_interval("30m"), Some(Duration::from_secs(1800)));
        assert_eq!(parse_interval("1d"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_interval("90"), Some(Duration::from_secs(90)));
        assert_eq!(parse_interval("250ms"), Some(Duration::from_millis(250)));
        for bad in ["", "0", "h", "6x", "-1h", "1.5h"] {
            assert_eq!(parse_interval(bad), None, "{bad}");
        }
    }
}
