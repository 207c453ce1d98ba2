//! The rendering benchmark (scripts/bench-render.sh runs it in release mode):
//!
//!   bench_render invoice FILE.ofd ROUNDS   the invoice's page listed twice (a 2-page
//!                                          invoice), every page drawn to PNG ROUNDS times
//!   bench_render generated PAGES ROUNDS    a generated text-and-lines document
//!
//! Prints the median and p90 milliseconds per page (render + PNG at 150 dpi), and the
//! time of the first page (fonts loaded cold). Peak memory is measured outside, by
//! /usr/bin/time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use eseal_render::{Document, FontBook, FontFiles, RenderOptions};
use std::io::{Cursor, Read, Write};
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug)]
struct Disk;
impl FontFiles for Disk {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        std::fs::read(path).ok()
    }
}

/// The package with Document.xml's first page listed twice.
fn two_pages(bytes: &[u8]) -> Vec<u8> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        if name.ends_with("Document.xml") {
            let s = String::from_utf8(data).unwrap();
            let at = s.find("<ofd:Page ").unwrap();
            let end = at + s[at..].find("/>").unwrap() + 2;
            let page = s[at..end].replacen("ID=\"", "ID=\"9", 1);
            data = format!("{}{}{}", &s[..end], page, &s[end..]).into_bytes();
        }
        w.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(&data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// A document of `n` A4 pages, each with 40 lines of Chinese text, a table of 60 lines and a
/// heading.
fn generated(n: usize) -> Vec<u8> {
    let ns = "xmlns:ofd=\"http://www.ofdspec.org/2016\"";
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opt = zip::write::SimpleFileOptions::default();
    let mut put = |name: &str, data: String| {
        w.start_file(name, opt).unwrap();
        w.write_all(data.as_bytes()).unwrap();
    };
    put(
        "OFD.xml",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:OFD {ns} Version=\"1.1\" DocType=\"OFD\"><ofd:DocBody><ofd:DocInfo><ofd:DocID>bench</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
        ),
    );
    let pages: String = (0..n)
        .map(|i| {
            format!(
                "<ofd:Page ID=\"{}\" BaseLoc=\"Pages/Page_{i}/Content.xml\"/>",
                i + 1
            )
        })
        .collect();
    put(
        "Doc_0/Document.xml",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Document {ns}><ofd:CommonData><ofd:MaxUnitID>1</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData><ofd:Pages>{pages}</ofd:Pages></ofd:Document>"
        ),
    );
    put(
        "Doc_0/PublicRes.xml",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Res {ns}><ofd:Fonts><ofd:Font ID=\"1\" FontName=\"宋体\"/><ofd:Font ID=\"2\" FontName=\"黑体\"/></ofd:Fonts></ofd:Res>"
        ),
    );
    let line = "威海市电子印章管理暂行办法规定电子印章与实物印章具有同等法律效力第十六条";
    for i in 0..n {
        let mut c = format!(
            "<ofd:TextObject Boundary=\"20 15 170 10\" Font=\"2\" Size=\"7\"><ofd:TextCode X=\"0\" Y=\"7\" DeltaX=\"g 11 7.5\">第{}页电子印章测试文档</ofd:TextCode></ofd:TextObject>",
            i + 1
        );
        for l in 0..40 {
            let y = 30.0 + l as f32 * 6.0;
            c.push_str(&format!("<ofd:TextObject Boundary=\"20 {y} 170 6\" Font=\"1\" Size=\"4.2\"><ofd:TextCode X=\"0\" Y=\"4.2\" DeltaX=\"g 35 4.6\">{line}</ofd:TextCode></ofd:TextObject>"));
            c.push_str(&format!("<ofd:PathObject Boundary=\"20 {} 170 1\" LineWidth=\"0.2\"><ofd:StrokeColor Value=\"120 120 120\"/><ofd:AbbreviatedData>M 0 0 L 170 0</ofd:AbbreviatedData></ofd:PathObject>", y + 5.6));
        }
        for k in 0..20 {
            c.push_str(&format!("<ofd:PathObject Boundary=\"{} 270 1 20\" LineWidth=\"0.3\"><ofd:AbbreviatedData>M 0 0 L 0 20</ofd:AbbreviatedData></ofd:PathObject>", 20.0 + k as f32 * 8.5));
        }
        put(
            &format!("Doc_0/Pages/Page_{i}/Content.xml"),
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Page {ns}><ofd:Content><ofd:Layer>{c}</ofd:Layer></ofd:Content></ofd:Page>"
            ),
        );
    }
    w.finish().unwrap().into_inner()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rounds: usize = args.get(3).map_or(5, |r| r.parse().unwrap());
    let bytes = match args.get(1).map(String::as_str) {
        Some("invoice") => two_pages(&std::fs::read(&args[2]).unwrap()),
        Some("generated") => generated(args[2].parse().unwrap()),
        _ => panic!("usage: bench_render invoice FILE.ofd ROUNDS | generated PAGES ROUNDS"),
    };
    if let Ok(path) = std::env::var("BENCH_SAVE") {
        std::fs::write(path, &bytes).unwrap();
    }
    let fonts = FontBook::new(Arc::new(Disk));
    let mut pkg = eseal_doc::Package::open(Cursor::new(bytes)).unwrap();
    let mut doc = Document::open(&mut pkg).unwrap();
    let opts = RenderOptions::default();
    let mut times = Vec::new();
    let mut first = None;
    let mut size = 0usize;
    for _ in 0..rounds {
        for n in 1..=doc.page_count() {
            let t = Instant::now();
            let page = doc.render_page(&mut pkg, &fonts, n, &opts).unwrap();
            let png = page.to_png(150.0).unwrap();
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            size = png.len();
            if first.is_none() {
                first = Some(ms);
            } else {
                times.push(ms);
            }
        }
    }
    times.sort_by(f64::total_cmp);
    let q = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    println!(
        "pages={} drawn={} first_ms={:.1} median_ms={:.1} p90_ms={:.1} png_bytes={}",
        doc.page_count(),
        times.len() + 1,
        first.unwrap_or(0.0),
        q(0.5),
        q(0.9),
        size
    );
}
