//! A ZIP assembler for attack tests: it writes what the `zip` crate's writer refuses to
//! (duplicate names, lying headers, hidden bytes), from entries taken raw from a real package.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::io::{Cursor, Read};

/// One entry, its data as stored (compressed when `method` is 8).
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: Vec<u8>,
    pub method: u16,
    pub crc: u32,
    pub size: u32,
    pub data: Vec<u8>,
    /// What the local header says instead of the central directory's values, when set.
    pub local_name: Option<Vec<u8>>,
    pub local_size: Option<u32>,
    pub local_method: Option<u16>,
    /// Bytes written after this entry's data that no entry accounts for.
    pub hidden_after: Vec<u8>,
    /// Sizes in a data descriptor (flag bit 3) rather than the local header, with these
    /// (crc, compressed, size) in it.
    pub descriptor: Option<(u32, u32, u32)>,
}

impl Entry {
    /// A stored entry holding `data`.
    pub fn stored(name: &str, data: &[u8]) -> Self {
        let mut crc = flate2::Crc::new();
        crc.update(data);
        Self {
            name: name.as_bytes().to_vec(),
            method: 0,
            crc: crc.sum(),
            size: data.len() as u32,
            data: data.to_vec(),
            local_name: None,
            local_size: None,
            local_method: None,
            hidden_after: Vec::new(),
            descriptor: None,
        }
    }
}

/// The entries of a package, raw, in central-directory order.
pub fn entries(zip_bytes: &[u8]) -> Vec<Entry> {
    let mut z = zip::ZipArchive::new(Cursor::new(zip_bytes.to_vec())).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index_raw(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            Entry {
                name: f.name_raw().to_vec(),
                method: match f.compression() {
                    zip::CompressionMethod::Stored => 0,
                    _ => 8,
                },
                crc: f.crc32(),
                size: f.size() as u32,
                data,
                local_name: None,
                local_size: None,
                local_method: None,
                hidden_after: Vec::new(),
                descriptor: None,
            }
        })
        .collect()
}

/// A ZIP of `entries` in this order, with `prefix` before the first and `trailer` after the
/// end record.
pub fn assemble(entries: &[Entry], prefix: &[u8], trailer: &[u8]) -> Vec<u8> {
    assemble_with(entries, prefix, trailer, &[])
}

/// [`assemble`], with central-directory entries `(i, entry, delta)` added that point `delta`
/// bytes after entry `i`'s local header.
pub fn assemble_with(
    entries: &[Entry],
    prefix: &[u8],
    trailer: &[u8],
    extra_central: &[(usize, Entry, u32)],
) -> Vec<u8> {
    let mut out = prefix.to_vec();
    let mut offsets = Vec::new();
    for e in entries {
        offsets.push(out.len() as u32);
        let flags: u16 = if e.descriptor.is_some() { 0x0008 } else { 0 };
        let name = e.local_name.as_ref().unwrap_or(&e.name);
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&e.local_method.unwrap_or(e.method).to_le_bytes());
        out.extend_from_slice(&[0, 0, 0x21, 0]); // time, date
        if e.descriptor.is_some() {
            out.extend_from_slice(&[0; 12]);
        } else {
            out.extend_from_slice(&e.crc.to_le_bytes());
            out.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
            out.extend_from_slice(&e.local_size.unwrap_or(e.size).to_le_bytes());
        }
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name);
        out.extend_from_slice(&e.data);
        if let Some((crc, c, u)) = e.descriptor {
            out.extend_from_slice(&0x0807_4b50u32.to_le_bytes());
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&c.to_le_bytes());
            out.extend_from_slice(&u.to_le_bytes());
        }
        out.extend_from_slice(&e.hidden_after);
    }
    let dir_start = out.len() as u32;
    let mut count = 0u16;
    let all = entries
        .iter()
        .zip(offsets.iter().copied())
        .chain(extra_central.iter().map(|(i, e, d)| (e, offsets[*i] + d)));
    for (e, offset) in all {
        let flags: u16 = if e.descriptor.is_some() { 0x0008 } else { 0 };
        out.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&e.method.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0x21, 0]);
        out.extend_from_slice(&e.crc.to_le_bytes());
        out.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
        out.extend_from_slice(&e.size.to_le_bytes());
        out.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0; 8]); // extra, comment, disk, internal attributes
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&e.name);
        count += 1;
    }
    let dir_size = out.len() as u32 - dir_start;
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&dir_size.to_le_bytes());
    out.extend_from_slice(&dir_start.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(trailer);
    out
}

/// A deflated entry holding `data`.
pub fn deflated(name: &str, data: &[u8]) -> Entry {
    let mut e = Entry::stored(name, data);
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut enc, data).unwrap();
    e.data = enc.finish().unwrap();
    e.method = 8;
    e
}

/// Put `entry` in the place of the entry of the same name (which must be there).
pub fn put(entries: &mut [Entry], entry: Entry) {
    let slot = entries
        .iter_mut()
        .find(|e| e.name == entry.name)
        .unwrap_or_else(|| panic!("no entry {}", String::from_utf8_lossy(&entry.name)));
    *slot = entry;
}

/// The content of entry `name` (the first of that name the `zip` crate keeps).
pub fn read(zip_bytes: &[u8], name: &str) -> Vec<u8> {
    let mut z = zip::ZipArchive::new(Cursor::new(zip_bytes.to_vec())).unwrap();
    let mut out = Vec::new();
    z.by_name(name).unwrap().read_to_end(&mut out).unwrap();
    out
}

/// Rewrite a package, changing entries with `edit` (name, bytes) → Some(new bytes) or None to drop.
pub fn rewrite(
    bytes: &[u8],
    edit: impl Fn(&str, &[u8]) -> Option<Vec<u8>>,
    extra: &[(&str, &[u8])],
) -> Vec<u8> {
    let mut zin = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        if f.is_dir() {
            continue;
        }
        let mut data = Vec::new();
        Read::read_to_end(&mut f, &mut data).unwrap();
        if let Some(new) = edit(&name, &data) {
            out.start_file(name, opts).unwrap();
            std::io::Write::write_all(&mut out, &new).unwrap();
        }
    }
    for (name, data) in extra {
        out.start_file(*name, opts).unwrap();
        std::io::Write::write_all(&mut out, data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// `n` bytes that deflate about 20 to 1: under the package's bound on the ratio (200),
/// as a hostile file must be to be opened at all (for the tests of
/// read amplification).
pub fn filler(n: usize) -> String {
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if i % 64 == 0 {
                char::from(b'a' + (x % 26) as u8)
            } else {
                'x'
            }
        })
        .collect()
}
