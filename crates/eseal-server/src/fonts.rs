//! Installed fonts for drawing pages (eseal-render reads no file itself): read from the disk
//! when first needed, at most 64 MiB a file. One [`FontBook`] per process, shared by the
//! console's verification page and `eseal render`.

use eseal_render::{FontBook, FontFiles};
use std::sync::{Arc, OnceLock};

/// Font files read from the disk.
#[derive(Debug)]
pub struct DiskFonts;

impl FontFiles for DiskFonts {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        let meta = std::fs::metadata(path).ok()?;
        if !meta.is_file() || meta.len() > 64 << 20 {
            return None;
        }
        std::fs::read(path).ok()
    }
}

/// The process's font book with the built-in rules (Debian's fonts).
pub fn book() -> &'static FontBook {
    static BOOK: OnceLock<FontBook> = OnceLock::new();
    BOOK.get_or_init(|| FontBook::new(Arc::new(DiskFonts)))
}
