#![no_main]
//! OFD pages drawn: the document reader, page content, images and nested seal documents
//! never panic, and the outputs are made within the renderer's bounds.
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

#[derive(Debug)]
struct NoFonts;

impl eseal_render::FontFiles for NoFonts {
    fn read(&self, _path: &str) -> Option<Vec<u8>> {
        None
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(mut pkg) = eseal_doc::Package::open(std::io::Cursor::new(data.to_vec())) else {
        return;
    };
    let Ok(mut doc) = eseal_render::Document::open(&mut pkg) else {
        return;
    };
    let fonts = eseal_render::FontBook::new(Arc::new(NoFonts));
    for n in 1..=doc.page_count().min(3) {
        if let Ok(page) = doc.render_page(&mut pkg, &fonts, n, &Default::default()) {
            let _ = page.to_svg();
            let _ = page.rasterize(10.0);
        }
    }
});
