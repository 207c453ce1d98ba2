//! Helpers for the renderer's tests: installed fonts, an OFD builder, pixel checks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use eseal_render::{Document, FontBook, FontFiles, Page, RenderOptions};
use std::io::{Cursor, Write};
use std::sync::{Arc, OnceLock};

/// Fonts read from the disk.
#[derive(Debug)]
pub struct Disk;

impl FontFiles for Disk {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        std::fs::read(path).ok()
    }
}

/// The fonts the tests draw with (Debian's fonts-noto-cjk, fonts-arphic-ukai,
/// fonts-arphic-uming, fonts-liberation, which `.ci/run` installs). Missing: a printed skip,
/// or a failure under CI.
pub fn fonts() -> Option<&'static FontBook> {
    static BOOK: OnceLock<FontBook> = OnceLock::new();
    let needed = [
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
        "/usr/share/fonts/truetype/arphic/ukai.ttc",
        "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
    ];
    if let Some(missing) = needed.iter().find(|p| !std::path::Path::new(p).exists()) {
        if std::env::var_os("CI").is_some() {
            panic!(
                "font {missing} is missing (apt-get install fonts-noto-cjk fonts-arphic-ukai fonts-arphic-uming fonts-liberation)"
            );
        }
        eprintln!("SKIPPED: font {missing} is missing");
        return None;
    }
    Some(BOOK.get_or_init(|| FontBook::new(Arc::new(Disk))))
}

/// Opens `bytes` and draws page `n`.
pub fn render(bytes: &[u8], n: usize, opts: &RenderOptions) -> Page {
    let fonts = fonts().expect("fonts checked by the caller");
    let mut pkg = eseal_doc::Package::open(Cursor::new(bytes.to_vec())).unwrap();
    let mut doc = Document::open(&mut pkg).unwrap();
    doc.render_page(&mut pkg, fonts, n, opts).unwrap()
}

/// An OFD package: the pages' XML (`<ofd:Page>` bodies), extra files, and the document's
/// CommonData additions (templates, resources).
pub struct OfdBuilder {
    pub pages: Vec<String>,
    pub files: Vec<(String, Vec<u8>)>,
    pub common: String,
    pub annotations: Vec<(usize, String)>,
    pub size: (f32, f32),
    pub stored: bool,
}

pub const NS: &str = "xmlns:ofd=\"http://www.ofdspec.org/2016\"";

impl OfdBuilder {
    pub fn new(w: f32, h: f32) -> Self {
        Self {
            pages: Vec::new(),
            files: Vec::new(),
            common: String::new(),
            annotations: Vec::new(),
            size: (w, h),
            stored: false,
        }
    }

    /// A page whose `<ofd:Content>` holds `layers` (page-level elements before it in `head`).
    pub fn page(mut self, head: &str, layers: &str) -> Self {
        self.pages.push(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Page {NS}>{head}<ofd:Content>{layers}</ofd:Content></ofd:Page>"
        ));
        self
    }

    pub fn file(mut self, name: &str, bytes: Vec<u8>) -> Self {
        self.files.push((name.to_owned(), bytes));
        self
    }

    pub fn common(mut self, xml: &str) -> Self {
        self.common.push_str(xml);
        self
    }

    /// An annotation file for page `n` (1-based), holding `annots` (`<ofd:Annot>` elements).
    pub fn annotations(mut self, n: usize, annots: &str) -> Self {
        self.annotations.push((n, annots.to_owned()));
        self
    }

    /// Entries stored, not deflated (a large repetitive file is not taken for a ZIP bomb).
    pub fn stored(mut self) -> Self {
        self.stored = true;
        self
    }

    /// The package (fixed times: the same bytes every time).
    pub fn build(self) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opt = zip::write::SimpleFileOptions::default()
            .compression_method(if self.stored {
                zip::CompressionMethod::Stored
            } else {
                zip::CompressionMethod::Deflated
            })
            .last_modified_time(zip::DateTime::default());
        let mut put = |name: &str, data: &[u8]| {
            z.start_file(name, opt).unwrap();
            z.write_all(data).unwrap();
        };
        put(
            "OFD.xml",
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:OFD {NS} Version=\"1.1\" DocType=\"OFD\"><ofd:DocBody><ofd:DocInfo><ofd:DocID>render-test</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>").as_bytes(),
        );
        let pages: String = (0..self.pages.len())
            .map(|i| {
                format!(
                    "<ofd:Page ID=\"{}\" BaseLoc=\"Pages/Page_{i}/Content.xml\"/>",
                    i + 1
                )
            })
            .collect();
        let annots = if self.annotations.is_empty() {
            String::new()
        } else {
            "<ofd:Annotations>Annots/Annotations.xml</ofd:Annotations>".to_owned()
        };
        put(
            "Doc_0/Document.xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Document {NS}><ofd:CommonData><ofd:MaxUnitID>1000</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 {} {}</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>{}</ofd:CommonData><ofd:Pages>{pages}</ofd:Pages>{annots}</ofd:Document>",
                self.size.0, self.size.1, self.common
            )
            .as_bytes(),
        );
        put(
            "Doc_0/PublicRes.xml",
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Res {NS} BaseLoc=\"Res\"><ofd:Fonts><ofd:Font ID=\"900\" FontName=\"宋体\" FamilyName=\"宋体\"/><ofd:Font ID=\"901\" FontName=\"楷体\"/><ofd:Font ID=\"902\" FontName=\"Courier New\"/><ofd:Font ID=\"903\" FontName=\"黑体\"/></ofd:Fonts></ofd:Res>").as_bytes(),
        );
        for (i, p) in self.pages.iter().enumerate() {
            put(&format!("Doc_0/Pages/Page_{i}/Content.xml"), p.as_bytes());
        }
        if !self.annotations.is_empty() {
            let list: String = self
                .annotations
                .iter()
                .map(|(n, _)| format!("<ofd:Page PageID=\"{n}\"><ofd:FileLoc>Page_{n}/Annotation.xml</ofd:FileLoc></ofd:Page>"))
                .collect();
            put(
                "Doc_0/Annots/Annotations.xml",
                format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Annotations {NS}>{list}</ofd:Annotations>").as_bytes(),
            );
            for (n, a) in &self.annotations {
                put(
                    &format!("Doc_0/Annots/Page_{n}/Annotation.xml"),
                    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:PageAnnot {NS}>{a}</ofd:PageAnnot>").as_bytes(),
                );
            }
        }
        for (name, data) in &self.files {
            put(name, data);
        }
        z.finish().unwrap().into_inner()
    }
}

/// A page drawn in pixels at `dpi`, with a way to read the pixel at a point in mm.
pub struct Pixels {
    pub pixmap: tiny_skia::Pixmap,
    pub dpi: f32,
}

impl Pixels {
    pub fn of(page: &Page, dpi: f32) -> Self {
        let r = page.rasterize(dpi).unwrap();
        Self {
            pixmap: r.pixmap,
            dpi: r.dpi,
        }
    }

    /// The colour (r, g, b) at (x, y) mm from the page's corner.
    pub fn at(&self, x: f32, y: f32) -> [u8; 3] {
        let k = self.dpi / 25.4;
        let px = (x * k) as u32;
        let py = (y * k) as u32;
        let c = self.pixmap.pixel(px, py).unwrap().demultiply();
        [c.red(), c.green(), c.blue()]
    }

    /// How many pixels in the rectangle (mm) satisfy `f`.
    pub fn count(&self, x: f32, y: f32, w: f32, h: f32, f: impl Fn([u8; 3]) -> bool) -> usize {
        let k = self.dpi / 25.4;
        let mut n = 0;
        for py in (y * k) as u32..((y + h) * k) as u32 {
            for px in (x * k) as u32..((x + w) * k) as u32 {
                if let Some(c) = self.pixmap.pixel(px, py) {
                    let c = c.demultiply();
                    if f([c.red(), c.green(), c.blue()]) {
                        n += 1;
                    }
                }
            }
        }
        n
    }
}

pub fn red(c: [u8; 3]) -> bool {
    c[0] > 180 && c[1] < 90 && c[2] < 90
}

pub fn white(c: [u8; 3]) -> bool {
    c.iter().all(|v| *v > 235)
}

pub fn dark(c: [u8; 3]) -> bool {
    c.iter().all(|v| *v < 100)
}

/// Whether two colours are within `tol` per channel.
pub fn near(c: [u8; 3], want: [u8; 3], tol: u8) -> bool {
    c.iter().zip(want).all(|(a, b)| a.abs_diff(b) <= tol)
}
