//! A generated one-page OFD, for the tests and the signing benchmark.
#![allow(clippy::unwrap_used)] // test code

use std::io::Write;

/// A one-page OFD with an incompressible attachment, so the package is about `size` bytes.
pub fn ofd_of(size: usize) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflate = zip::write::SimpleFileOptions::default();
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let ns = "xmlns:ofd=\"http://www.ofdspec.org/2016\"";
    z.start_file("OFD.xml", deflate).unwrap();
    write!(z, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:OFD {ns} Version=\"1.0\" DocType=\"OFD\"><ofd:DocBody><ofd:DocInfo><ofd:DocID>bench</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>").unwrap();
    z.start_file("Doc_0/Document.xml", deflate).unwrap();
    write!(z, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Document {ns}><ofd:CommonData><ofd:MaxUnitID>10</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData><ofd:Pages><ofd:Page ID=\"1\" BaseLoc=\"Pages/Page_0/Content.xml\"/></ofd:Pages></ofd:Document>").unwrap();
    z.start_file("Doc_0/Pages/Page_0/Content.xml", deflate)
        .unwrap();
    write!(z, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Page {ns}><ofd:Content><ofd:Layer ID=\"2\"/></ofd:Content></ofd:Page>").unwrap();
    z.start_file("Doc_0/Res/attachment.bin", stored).unwrap();
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut buf = Vec::with_capacity(size);
    while buf.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf.extend_from_slice(&x.to_le_bytes());
    }
    z.write_all(&buf).unwrap();
    z.finish().unwrap().into_inner()
}
