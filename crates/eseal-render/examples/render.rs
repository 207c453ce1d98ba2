//! Renders the pages of an OFD to PNG and SVG beside it: `cargo run -p eseal-render --example
//! render -- FILE.ofd OUTDIR [DPI]` (a development aid; the command for people is `eseal render`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use eseal_render::{Document, FontBook, FontFiles, RenderOptions};
use std::sync::Arc;

#[derive(Debug)]
struct Disk;
impl FontFiles for Disk {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        std::fs::read(path).ok()
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let file = std::fs::File::open(&args[1]).unwrap();
    let out = std::path::Path::new(&args[2]);
    let dpi: f32 = args.get(3).map_or(150.0, |d| d.parse().unwrap());
    std::fs::create_dir_all(out).unwrap();
    let mut pkg = eseal_doc::Package::open(file).unwrap();
    let fonts = FontBook::new(Arc::new(Disk));
    let mut doc = Document::open(&mut pkg).unwrap();
    for w in doc.warnings() {
        eprintln!("doc: {}: {}", w.file, w.text.zh);
    }
    for n in 1..=doc.page_count() {
        let t = std::time::Instant::now();
        let page = doc
            .render_page(&mut pkg, &fonts, n, &RenderOptions::default())
            .unwrap();
        let png = page.to_png(dpi).unwrap();
        eprintln!(
            "page {n}: {:?}, {} items, {:?}",
            t.elapsed(),
            page.items.len(),
            page.stamps
        );
        for w in &page.warnings {
            eprintln!("  {}: {}", w.file, w.text.zh);
        }
        std::fs::write(out.join(format!("page-{n}.png")), png).unwrap();
        std::fs::write(out.join(format!("page-{n}.svg")), page.to_svg()).unwrap();
    }
}
