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

/// A one-page contract (采购合同) in 宋体 with a few lines of text and "甲方（盖章）：" where a
/// stamp goes: what the console's screenshots and placing tests show.
pub fn contract() -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    let ns = "xmlns:ofd=\"http://www.ofdspec.org/2016\"";
    z.start_file("OFD.xml", o).unwrap();
    write!(z, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:OFD {ns} Version=\"1.0\" DocType=\"OFD\"><ofd:DocBody><ofd:DocInfo><ofd:DocID>contract</ofd:DocID><ofd:Title>采购合同</ofd:Title></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>").unwrap();
    z.start_file("Doc_0/Document.xml", o).unwrap();
    write!(z, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Document {ns}><ofd:CommonData><ofd:MaxUnitID>100</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData><ofd:Pages><ofd:Page ID=\"1\" BaseLoc=\"Pages/Page_0/Content.xml\"/></ofd:Pages></ofd:Document>").unwrap();
    z.start_file("Doc_0/PublicRes.xml", o).unwrap();
    write!(z, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Res {ns} BaseLoc=\"Res\"><ofd:Fonts><ofd:Font ID=\"2\" FontName=\"宋体\" FamilyName=\"宋体\"/><ofd:Font ID=\"3\" FontName=\"黑体\" FamilyName=\"黑体\"/></ofd:Fonts></ofd:Res>").unwrap();
    let lines: [(f32, f32, &str, u32, f32); 12] = [
        (80.0, 30.0, "采购合同", 3, 10.0),
        (25.0, 50.0, "合同编号：WH-2026-0701", 2, 4.2),
        (25.0, 60.0, "甲方：威海市示例科技有限公司", 2, 4.2),
        (25.0, 68.0, "乙方：威海某贸易有限公司", 2, 4.2),
        (
            25.0,
            82.0,
            "一、甲方向乙方采购办公设备一批，明细见附件。",
            2,
            4.2,
        ),
        (
            25.0,
            90.0,
            "二、合同总价为人民币壹拾贰万元整（¥120,000.00）。",
            2,
            4.2,
        ),
        (
            25.0,
            98.0,
            "三、乙方于二〇二六年七月三十一日前交货至甲方指定地点。",
            2,
            4.2,
        ),
        (
            25.0,
            106.0,
            "四、本合同以电子形式签订，加盖电子印章后生效。",
            2,
            4.2,
        ),
        (25.0, 200.0, "甲方（盖章）：", 2, 4.2),
        (120.0, 200.0, "乙方（盖章）：", 2, 4.2),
        (25.0, 250.0, "签订日期：2026年7月1日", 2, 4.2),
        (120.0, 250.0, "签订日期：2026年7月1日", 2, 4.2),
    ];
    z.start_file("Doc_0/Pages/Page_0/Content.xml", o).unwrap();
    write!(
        z,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Page {ns}><ofd:Content><ofd:Layer ID=\"4\">"
    )
    .unwrap();
    for (i, (x, y, text, font, size)) in lines.iter().enumerate() {
        // Full width for Chinese, half for ASCII.
        let advance = |c: char| if c.is_ascii() { size * 0.55 } else { *size };
        let chars: Vec<char> = text.chars().collect();
        let width: f32 = chars.iter().map(|c| advance(*c)).sum();
        let delta: Vec<String> = chars
            .iter()
            .take(chars.len() - 1)
            .map(|c| format!("{:.2}", advance(*c)))
            .collect();
        write!(
            z,
            "<ofd:TextObject ID=\"{}\" Boundary=\"{x} {} {width} {}\" Font=\"{font}\" Size=\"{size}\"><ofd:FillColor Value=\"0 0 0\"/><ofd:TextCode X=\"0\" Y=\"{size}\" DeltaX=\"{}\">{text}</ofd:TextCode></ofd:TextObject>",
            10 + i,
            y - size,
            size * 1.4,
            delta.join(" ")
        )
        .unwrap();
    }
    write!(z, "</ofd:Layer></ofd:Content></ofd:Page>").unwrap();
    z.finish().unwrap().into_inner()
}

/// An OFD of `n` blank A4 pages (each its own content file): what a riding seal (骑缝章) is
/// placed across.
pub fn pages(n: usize) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    let ns = "xmlns:ofd=\"http://www.ofdspec.org/2016\"";
    z.start_file("OFD.xml", o).unwrap();
    write!(z, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:OFD {ns} Version=\"1.0\" DocType=\"OFD\"><ofd:DocBody><ofd:DocInfo><ofd:DocID>pages</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>").unwrap();
    z.start_file("Doc_0/Document.xml", o).unwrap();
    let list: String = (0..n)
        .map(|i| {
            format!(
                "<ofd:Page ID=\"{}\" BaseLoc=\"Pages/Page_{i}/Content.xml\"/>",
                i + 1
            )
        })
        .collect();
    write!(z, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Document {ns}><ofd:CommonData><ofd:MaxUnitID>{}</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData><ofd:Pages>{list}</ofd:Pages></ofd:Document>", 2 * n + 10).unwrap();
    for i in 0..n {
        z.start_file(format!("Doc_0/Pages/Page_{i}/Content.xml"), o)
            .unwrap();
        write!(z, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Page {ns}><ofd:Content><ofd:Layer ID=\"{}\"/></ofd:Content></ofd:Page>", n + 2 + i).unwrap();
    }
    z.finish().unwrap().into_inner()
}
