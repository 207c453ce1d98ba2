//! The ZIP structure of a package, read from its bytes before any entry is trusted
//! (APPNOTE 6.3.10: end of central directory, ZIP64 records, central directory, local headers,
//! data descriptors).
//!
//! Why not only the `zip` crate: it keeps one entry per name (the last) while it reads the
//! central directory, so a second entry of the same name is gone before anyone can refuse it,
//! and a reader that takes the first entry, or streams the local headers, would then see a
//! different document than the verifier checked. This walk refuses every way two readers can
//! disagree about a package:
//!
//! * two central-directory entries with the same name (byte for byte; case and `\` variants
//!   are refused by [`crate::package`] on the decoded names);
//! * a local header that disagrees with its central-directory entry (name, method, flags,
//!   CRC-32, sizes), or a data descriptor that does;
//! * bytes that no entry accounts for: before the first entry, between entries, between the
//!   last entry and the central directory, between the directory and its end record, after
//!   the end record;
//! * overlapping entries, entries reaching into the central directory;
//! * encryption, several disks, a Unicode path field naming another file, compression other
//!   than stored or deflate.
//!
//! It reads headers only (a few hundred bytes per entry), never the data.

use crate::error::{DocError, Text};
use std::collections::HashSet;
use std::io::{Read, Seek, SeekFrom};

const EOCD_SIG: u32 = 0x0605_4b50;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const LOCAL_SIG: u32 = 0x0403_4b50;
const DESCRIPTOR_SIG: u32 = 0x0807_4b50;
/// General-purpose flag bits that must agree between the local header and the directory:
/// 0 encrypted, 3 sizes in a data descriptor, 11 UTF-8 names.
const FLAGS_COMPARED: u16 = 0x0001 | 0x0008 | 0x0800;

/// One entry as the central directory places it, checked against its local header.
#[derive(Debug, Clone)]
pub(crate) struct EntryLayout {
    /// The name's bytes as stored.
    pub name: Vec<u8>,
    /// Where its local header starts.
    pub local_offset: u64,
    /// Compressed size.
    pub compressed: u64,
    /// Uncompressed size.
    pub size: u64,
    /// CRC-32 of the uncompressed data.
    pub crc32: u32,
}

/// The checked layout: the entries in central-directory order.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub entries: Vec<EntryLayout>,
}

fn shown(name: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(name))
}

fn bad(zh: String, en: String) -> DocError {
    DocError::Package(Text::new(zh, en))
}

/// Little-endian fields from a byte slice, with the position named on a short read.
struct Fields<'a> {
    bytes: &'a [u8],
    at: usize,
    what: Text,
}

impl<'a> Fields<'a> {
    fn new(bytes: &'a [u8], what: Text) -> Self {
        Self { bytes, at: 0, what }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], DocError> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.bytes.len());
        let Some(end) = end else {
            return Err(bad(
                format!("{}被截断", self.what.zh),
                format!("{} is cut short", self.what.en),
            ));
        };
        let s = self.bytes.get(self.at..end).unwrap_or_default();
        self.at = end;
        Ok(s)
    }
    fn u16(&mut self) -> Result<u16, DocError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, DocError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, DocError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
}

fn read_at<R: Read + Seek>(r: &mut R, at: u64, n: u64, what: &Text) -> Result<Vec<u8>, DocError> {
    let wz = &what.zh;
    let n =
        usize::try_from(n).map_err(|_| bad(format!("{wz}过大"), format!("{what} is too large")))?;
    r.seek(SeekFrom::Start(at))
        .map_err(|e| DocError::io(&format!("读取{}", what.zh), &format!("reading {what}"), &e))?;
    let mut buf = vec![0u8; n];
    r.read_exact(&mut buf).map_err(|_| {
        DocError::Incomplete(Text::new(
            format!("第 {at} 字节处的{wz}超出了文件末尾"),
            format!("{what} at byte {at} runs past the end of the file"),
        ))
    })?;
    Ok(buf)
}

/// The extra fields of a header: (id, data) pairs; a field running past the area is an error.
fn extra_fields<'a>(extra: &'a [u8], what: &Text) -> Result<Vec<(u16, &'a [u8])>, DocError> {
    let mut out = Vec::new();
    let mut f = Fields::new(extra, what.clone());
    while f.at < extra.len() {
        if extra.len() - f.at < 4 {
            // Some writers pad the extra area; a tail shorter than a field header is padding.
            break;
        }
        let id = f.u16()?;
        let len = f.u16()?;
        out.push((id, f.take(usize::from(len))?));
    }
    Ok(out)
}

/// The Info-ZIP Unicode path field (0x7075) must not name another file than the header.
fn check_unicode_path(name: &[u8], extras: &[(u16, &[u8])], what: &Text) -> Result<(), DocError> {
    let wz = &what.zh;
    for (id, data) in extras {
        if *id != 0x7075 {
            continue;
        }
        // version (1), CRC-32 of the header name (4), the UTF-8 name.
        let other = data.get(5..).unwrap_or_default();
        if other != name {
            return Err(bad(
                format!(
                    "{wz}：其 Unicode 路径字段写的是另一个名称 {}（一个条目有两个名称是一种攻击手法）",
                    shown(other)
                ),
                format!(
                    "{what}: its Unicode path field names {} instead (two names for one entry are an attack)",
                    shown(other)
                ),
            ));
        }
    }
    Ok(())
}

/// The end-of-central-directory record: its offset in the file and fields.
struct End {
    entries: u64,
    dir_size: u64,
    dir_offset: u64,
    /// Where the directory must end: the ZIP64 end record, or this record.
    dir_end: u64,
}

fn find_end<R: Read + Seek>(r: &mut R, len: u64) -> Result<End, DocError> {
    let tail_len = len.min(22 + 0xFFFF);
    let tail = read_at(
        r,
        len - tail_len,
        tail_len,
        &Text::new("文件末尾", "the end of the file"),
    )?;
    let base = len - tail_len;
    // The record nearest the end whose comment reaches exactly to the end of the file.
    let mut trailing: Option<u64> = None;
    let mut found = None;
    let mut i = tail.len().saturating_sub(22);
    loop {
        if tail.get(i..i + 4) == Some(&EOCD_SIG.to_le_bytes()[..]) {
            let clen = tail
                .get(i + 20..i + 22)
                .map_or(0, |b| u64::from(u16::from_le_bytes([b[0], b[1]])));
            let end = i as u64 + 22 + clen;
            if end == tail.len() as u64 {
                found = Some(i);
                break;
            }
            if end < tail.len() as u64 && trailing.is_none() {
                trailing = Some(tail.len() as u64 - end);
            }
        }
        if i == 0 {
            break;
        }
        i -= 1;
    }
    let Some(i) = found else {
        return Err(match trailing {
            Some(n) => bad(
                format!("中央目录结束记录之后还有 {n} 字节（ZIP 结构之外的数据）"),
                format!(
                    "{n} bytes follow the end-of-central-directory record (data outside the ZIP structure)"
                ),
            ),
            None => DocError::Incomplete(Text::new(
                "没有中央目录结束记录：不是 ZIP 文件，或文件被截断",
                "no end-of-central-directory record: not a ZIP file, or one cut short",
            )),
        });
    };
    let at = base + i as u64;
    let rec = tail.get(i..i + 22).unwrap_or_default();
    let mut f = Fields::new(
        rec,
        Text::new("中央目录结束记录", "the end-of-central-directory record"),
    );
    let _sig = f.u32()?;
    let disk = f.u16()?;
    let dir_disk = f.u16()?;
    let on_disk = f.u16()?;
    let total = f.u16()?;
    let dir_size = f.u32()?;
    let dir_offset = f.u32()?;
    let mut end = End {
        entries: u64::from(total),
        dir_size: u64::from(dir_size),
        dir_offset: u64::from(dir_offset),
        dir_end: at,
    };
    let zip64 = at >= 20
        && read_at(
            r,
            at - 20,
            4,
            &Text::new("ZIP64 定位记录", "the ZIP64 locator"),
        )? == ZIP64_LOCATOR_SIG.to_le_bytes();
    if zip64 {
        let loc = read_at(
            r,
            at - 20,
            20,
            &Text::new("ZIP64 定位记录", "the ZIP64 locator"),
        )?;
        let mut f = Fields::new(&loc, Text::new("ZIP64 定位记录", "the ZIP64 locator"));
        let _sig = f.u32()?;
        let z_disk = f.u32()?;
        let z_at = f.u64()?;
        let disks = f.u32()?;
        if z_disk != 0 || disks > 1 {
            return Err(bad(
                "ZIP 被分成了多个分卷".into(),
                "a ZIP split over several disks".into(),
            ));
        }
        let head = read_at(
            r,
            z_at,
            56,
            &Text::new(
                "ZIP64 中央目录结束记录",
                "the ZIP64 end-of-central-directory record",
            ),
        )?;
        let mut f = Fields::new(
            &head,
            Text::new(
                "ZIP64 中央目录结束记录",
                "the ZIP64 end-of-central-directory record",
            ),
        );
        if f.u32()? != ZIP64_EOCD_SIG {
            return Err(bad(
                format!("ZIP64 定位记录指向第 {z_at} 字节，那里没有 ZIP64 中央目录结束记录"),
                format!(
                    "the ZIP64 locator points at byte {z_at}, where there is no ZIP64 end record"
                ),
            ));
        }
        let rest = f.u64()?;
        if z_at.checked_add(12).and_then(|v| v.checked_add(rest)) != Some(at - 20) {
            return Err(bad(
                "ZIP64 中央目录结束记录与其定位记录之间有不属于任何记录的字节".into(),
                "bytes between the ZIP64 end record and its locator that no record accounts for"
                    .into(),
            ));
        }
        let _made_by = f.u16()?;
        let _needed = f.u16()?;
        let disk64 = f.u32()?;
        let dir_disk64 = f.u32()?;
        let on_disk64 = f.u64()?;
        let total64 = f.u64()?;
        let size64 = f.u64()?;
        let offset64 = f.u64()?;
        if disk64 != 0 || dir_disk64 != 0 || on_disk64 != total64 {
            return Err(bad(
                "ZIP 被分成了多个分卷".into(),
                "a ZIP split over several disks".into(),
            ));
        }
        end.entries = total64;
        end.dir_size = size64;
        end.dir_offset = offset64;
        end.dir_end = z_at;
    } else {
        if disk != 0 || dir_disk != 0 || on_disk != total {
            return Err(bad(
                "ZIP 被分成了多个分卷".into(),
                "a ZIP split over several disks".into(),
            ));
        }
        if total == 0xFFFF || dir_size == 0xFFFF_FFFF || dir_offset == 0xFFFF_FFFF {
            return Err(bad(
                "中央目录结束记录指向并不存在的 ZIP64 记录".into(),
                "the end record points to ZIP64 records that are not there".into(),
            ));
        }
    }
    if end.dir_offset.checked_add(end.dir_size) != Some(end.dir_end) {
        return Err(bad(
            format!(
                "中央目录（第 {}..{} 字节）没有在其结束记录开始处（第 {} 字节）结束：有不属于任何条目的数据，或记录互相重叠",
                end.dir_offset,
                end.dir_offset.saturating_add(end.dir_size),
                end.dir_end
            ),
            format!(
                "the central directory (bytes {}..{}) does not end where its end record begins (byte {}): data no entry accounts for, or overlapping records",
                end.dir_offset,
                end.dir_offset.saturating_add(end.dir_size),
                end.dir_end
            ),
        ));
    }
    Ok(end)
}

/// The fields local and central-directory headers share, in the same order: flags, method,
/// time, date, CRC-32, compressed size, size, name length, extra length.
struct Shared {
    flags: u16,
    method: u16,
    crc32: u32,
    csize: u32,
    usize_: u32,
    name_len: u16,
    extra_len: u16,
}

fn shared(f: &mut Fields<'_>) -> Result<Shared, DocError> {
    let flags = f.u16()?;
    let method = f.u16()?;
    let _time = f.u16()?;
    let _date = f.u16()?;
    Ok(Shared {
        flags,
        method,
        crc32: f.u32()?,
        csize: f.u32()?,
        usize_: f.u32()?,
        name_len: f.u16()?,
        extra_len: f.u16()?,
    })
}

/// One parsed central-directory header.
struct Central {
    layout: EntryLayout,
    method: u16,
    flags: u16,
    zip64_sizes: bool,
}

fn parse_central(f: &mut Fields<'_>, n: u64) -> Result<Central, DocError> {
    if f.u32()? != CENTRAL_SIG {
        return Err(bad(
            format!("中央目录第 {n} 项没有头部签名（目录已损坏）"),
            format!(
                "central directory entry {n} has no header signature (the directory is damaged)"
            ),
        ));
    }
    let _made_by = f.u16()?;
    let _needed = f.u16()?;
    let Shared {
        flags,
        method,
        crc32,
        csize,
        usize_,
        name_len,
        extra_len,
    } = shared(f)?;
    let comment_len = f.u16()?;
    let disk = f.u16()?;
    let _internal = f.u16()?;
    let _external = f.u32()?;
    let offset = f.u32()?;
    let name = f.take(usize::from(name_len))?.to_vec();
    let extra = f.take(usize::from(extra_len))?;
    let _comment = f.take(usize::from(comment_len))?;
    let what = Text::new(
        format!("条目 {}", shown(&name)),
        format!("entry {}", shown(&name)),
    );
    let wz = &what.zh;
    let extras = extra_fields(extra, &what)?;
    check_unicode_path(&name, &extras, &what)?;
    let (mut size, mut compressed, mut local_offset, mut disk_start) = (
        u64::from(usize_),
        u64::from(csize),
        u64::from(offset),
        u32::from(disk),
    );
    let mut zip64_sizes = false;
    if let Some((_, data)) = extras.iter().find(|(id, _)| *id == 0x0001) {
        let mut z = Fields::new(data, Text::new("ZIP64 扩展字段", "a ZIP64 extra field"));
        if usize_ == 0xFFFF_FFFF {
            size = z.u64()?;
            zip64_sizes = true;
        }
        if csize == 0xFFFF_FFFF {
            compressed = z.u64()?;
            zip64_sizes = true;
        }
        if offset == 0xFFFF_FFFF {
            local_offset = z.u64()?;
        }
        if disk == 0xFFFF {
            disk_start = z.u32()?;
        }
    } else if usize_ == 0xFFFF_FFFF || csize == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
        return Err(bad(
            format!("{wz}：其大小或偏移指向并不存在的 ZIP64 字段"),
            format!("{what}: its sizes or offset point to a ZIP64 field that is not there"),
        ));
    }
    if disk_start != 0 {
        return Err(bad(
            format!("{wz}：位于另一个分卷"),
            format!("{what}: on another disk"),
        ));
    }
    if flags & 0x0001 != 0 || flags & 0x0040 != 0 || flags & 0x2000 != 0 {
        return Err(bad(
            format!("{wz}已加密（OFD 文件包从不加密）"),
            format!("{what} is encrypted (an OFD package is never encrypted)"),
        ));
    }
    if method != 0 && method != 8 {
        return Err(bad(
            format!("{wz}：压缩方法为 {method}（OFD 文件包只用不压缩或 deflate）"),
            format!("{what}: compression method {method} (OFD packages use stored or deflate)"),
        ));
    }
    Ok(Central {
        layout: EntryLayout {
            name,
            local_offset,
            compressed,
            size,
            crc32,
        },
        method,
        flags,
        zip64_sizes,
    })
}

/// Checks the local header (and data descriptor) of `c` and returns the end of its bytes.
fn check_local<R: Read + Seek>(r: &mut R, c: &Central, dir_offset: u64) -> Result<u64, DocError> {
    let e = &c.layout;
    let what = Text::new(
        format!("条目 {}", shown(&e.name)),
        format!("entry {}", shown(&e.name)),
    );
    let wz = &what.zh;
    if e.local_offset
        .checked_add(30)
        .is_none_or(|v| v > dir_offset)
    {
        return Err(bad(
            format!(
                "{wz}：其本地文件头（第 {} 字节）不在中央目录之前",
                e.local_offset
            ),
            format!(
                "{what}: its local header (byte {}) is not before the central directory",
                e.local_offset
            ),
        ));
    }
    let head = read_at(
        r,
        e.local_offset,
        30,
        &what.suffixed(" 的本地文件头", "'s local header"),
    )?;
    let mut f = Fields::new(&head, Text::new("本地文件头", "a local header"));
    if f.u32()? != LOCAL_SIG {
        return Err(bad(
            format!(
                "{wz}：中央目录所指的第 {} 字节处没有本地文件头",
                e.local_offset
            ),
            format!(
                "{what}: no local header at byte {} where the central directory places it",
                e.local_offset
            ),
        ));
    }
    let _needed = f.u16()?;
    let Shared {
        flags,
        method,
        crc32,
        csize,
        usize_,
        name_len,
        extra_len,
    } = shared(&mut f)?;
    let (name_len, extra_len) = (u64::from(name_len), u64::from(extra_len));
    let var = read_at(
        r,
        e.local_offset + 30,
        name_len + extra_len,
        &what.suffixed(" 的本地文件头", "'s local header"),
    )?;
    let (name, extra) = var.split_at(
        usize::try_from(name_len)
            .unwrap_or(usize::MAX)
            .min(var.len()),
    );
    if name != e.name.as_slice() {
        return Err(bad(
            format!(
                "{wz}：其本地文件头写的名称是 {}（按本地文件头顺序读取的程序会看到另一个文件）",
                shown(name)
            ),
            format!(
                "{what}: its local header names {} (a reader that streams the local headers sees another file)",
                shown(name)
            ),
        ));
    }
    let extras = extra_fields(extra, &what)?;
    check_unicode_path(&e.name, &extras, &what)?;
    if method != c.method {
        return Err(bad(
            format!(
                "{wz}：本地文件头的压缩方法为 {method}，中央目录中为 {}",
                c.method
            ),
            format!(
                "{what}: compression method {method} in its local header, {} in the central directory",
                c.method
            ),
        ));
    }
    if flags & FLAGS_COMPARED != c.flags & FLAGS_COMPARED {
        return Err(bad(
            format!(
                "{wz}：本地文件头的标志位为 {flags:#06x}，中央目录中为 {:#06x}",
                c.flags
            ),
            format!(
                "{what}: flags {flags:#06x} in its local header, {:#06x} in the central directory",
                c.flags
            ),
        ));
    }
    let (mut lsize, mut lcompressed) = (u64::from(usize_), u64::from(csize));
    let mut local_zip64 = false;
    if let Some((_, data)) = extras.iter().find(|(id, _)| *id == 0x0001)
        && (usize_ == 0xFFFF_FFFF || csize == 0xFFFF_FFFF)
    {
        let mut z = Fields::new(data, Text::new("ZIP64 扩展字段", "a ZIP64 extra field"));
        lsize = z.u64()?;
        lcompressed = z.u64()?;
        local_zip64 = true;
    }
    let descriptor = flags & 0x0008 != 0;
    let agrees = crc32 == e.crc32 && lsize == e.size && lcompressed == e.compressed;
    let zeroed = crc32 == 0 && lsize == 0 && lcompressed == 0;
    if !(agrees || descriptor && zeroed) {
        return Err(bad(
            format!(
                "{wz}：本地文件头记载压缩后 {lcompressed} / 原始 {lsize} 字节、CRC {crc32:08x}；中央目录记载 {} / {}、CRC {:08x}",
                e.compressed, e.size, e.crc32
            ),
            format!(
                "{what}: its local header says {lcompressed} compressed / {lsize} bytes, CRC {crc32:08x}; the central directory {} / {}, CRC {:08x}",
                e.compressed, e.size, e.crc32
            ),
        ));
    }
    let data_end = (e.local_offset + 30 + name_len + extra_len)
        .checked_add(e.compressed)
        .filter(|end| *end <= dir_offset)
        .ok_or_else(|| {
            bad(
                format!("{wz}：其 {} 字节数据伸入了中央目录", e.compressed),
                format!(
                    "{what}: its {} bytes of data reach into the central directory",
                    e.compressed
                ),
            )
        })?;
    if !descriptor {
        return Ok(data_end);
    }
    // Data descriptor: [signature] CRC-32, compressed size, size (8-byte sizes for ZIP64).
    let wide = c.zip64_sizes || local_zip64;
    let sizes = if wide { 16 } else { 8 };
    let avail = dir_offset - data_end;
    let first = read_at(
        r,
        data_end,
        4.min(avail),
        &what.suffixed(" 的数据描述符", "'s data descriptor"),
    )?;
    let signed = first == DESCRIPTOR_SIG.to_le_bytes();
    let len = if signed { 4 } else { 0 } + 4 + sizes;
    let desc = read_at(
        r,
        data_end,
        len.min(avail),
        &what.suffixed(" 的数据描述符", "'s data descriptor"),
    )?;
    let mut f = Fields::new(&desc, Text::new("数据描述符", "a data descriptor"));
    if signed {
        f.u32()?;
    }
    let dcrc = f.u32()?;
    let (dcompressed, dsize) = if wide {
        (f.u64()?, f.u64()?)
    } else {
        (u64::from(f.u32()?), u64::from(f.u32()?))
    };
    if dcrc != e.crc32 || dcompressed != e.compressed || dsize != e.size {
        return Err(bad(
            format!(
                "{wz}：数据描述符记载压缩后 {dcompressed} / 原始 {dsize} 字节、CRC {dcrc:08x}；中央目录记载 {} / {}、CRC {:08x}",
                e.compressed, e.size, e.crc32
            ),
            format!(
                "{what}: its data descriptor says {dcompressed} compressed / {dsize} bytes, CRC {dcrc:08x}; the central directory {} / {}, CRC {:08x}",
                e.compressed, e.size, e.crc32
            ),
        ));
    }
    Ok(data_end + len)
}

/// Walks and checks the whole structure; `max_entries` bounds the work before any entry is
/// read.
pub(crate) fn check<R: Read + Seek>(r: &mut R, max_entries: usize) -> Result<Layout, DocError> {
    let len = r
        .seek(SeekFrom::End(0))
        .map_err(|e| DocError::io("读取文件包", "reading the package", &e))?;
    if len < 22 {
        return Err(bad(
            "没有中央目录结束记录：不是 ZIP 文件".into(),
            "no end-of-central-directory record: not a ZIP file".into(),
        ));
    }
    let end = find_end(r, len)?;
    if end.entries > max_entries as u64 {
        return Err(bad(
            format!("共 {} 个条目（最多 {max_entries} 个）", end.entries),
            format!("{} entries (at most {max_entries})", end.entries),
        ));
    }
    if end.entries.saturating_mul(46) > end.dir_size {
        return Err(bad(
            format!(
                "中央目录结束记录声称有 {} 个条目，超过其 {} 字节的中央目录所能容纳的数量",
                end.entries, end.dir_size
            ),
            format!(
                "the end record claims {} entries, more than its {}-byte central directory can hold",
                end.entries, end.dir_size
            ),
        ));
    }
    let dir = read_at(
        r,
        end.dir_offset,
        end.dir_size,
        &Text::new("中央目录", "the central directory"),
    )?;
    let mut f = Fields::new(&dir, Text::new("中央目录", "the central directory"));
    let mut centrals = Vec::new();
    let mut names = HashSet::new();
    for n in 0..end.entries {
        let c = parse_central(&mut f, n)?;
        if !names.insert(c.layout.name.clone()) {
            return Err(bad(
                format!(
                    "有两个条目都名为 {}（重复条目是一种攻击手法：不同阅读器会采用不同的那一个）",
                    shown(&c.layout.name)
                ),
                format!(
                    "two entries are named {} (duplicate entries are an attack: readers disagree on which one counts)",
                    shown(&c.layout.name)
                ),
            ));
        }
        centrals.push(c);
    }
    if f.at != dir.len() {
        return Err(bad(
            format!(
                "中央目录中有 {} 字节位于其 {} 个条目之后",
                dir.len() - f.at,
                end.entries
            ),
            format!(
                "{} bytes in the central directory after its {} entries",
                dir.len() - f.at,
                end.entries
            ),
        ));
    }
    let mut spans = Vec::with_capacity(centrals.len());
    for c in &centrals {
        let stop = check_local(r, c, end.dir_offset)?;
        spans.push((c.layout.local_offset, stop, c.layout.name.clone()));
    }
    spans.sort();
    let mut cursor = 0u64;
    let mut previous: Option<&[u8]> = None;
    for (start, stop, name) in &spans {
        if *start < cursor {
            return Err(bad(
                format!(
                    "条目 {} 与 {} 互相重叠（同一段字节被读作两个文件）",
                    shown(previous.unwrap_or_default()),
                    shown(name)
                ),
                format!(
                    "entries {} and {} overlap (one file's bytes read as two)",
                    shown(previous.unwrap_or_default()),
                    shown(name)
                ),
            ));
        }
        if *start > cursor {
            return Err(bad(
                match previous {
                    None => format!("第一个条目之前有 {start} 字节不属于任何条目"),
                    Some(p) => format!(
                        "{} bytes between entries {} and {} that no entry accounts for (a hidden entry?)",
                        start - cursor,
                        shown(p),
                        shown(name)
                    ),
                },
                match previous {
                    None => {
                        format!("{start} bytes before the first entry that no entry accounts for")
                    }
                    Some(p) => format!(
                        "{} bytes between entries {} and {} that no entry accounts for (a hidden entry?)",
                        start - cursor,
                        shown(p),
                        shown(name)
                    ),
                },
            ));
        }
        cursor = *stop;
        previous = Some(name);
    }
    if cursor != end.dir_offset {
        return Err(bad(
            format!(
                "最后一个条目与中央目录之间有 {} 字节不属于任何条目（可能藏有条目）",
                end.dir_offset.saturating_sub(cursor)
            ),
            format!(
                "{} bytes between the last entry and the central directory that no entry accounts for (a hidden entry?)",
                end.dir_offset.saturating_sub(cursor)
            ),
        ));
    }
    Ok(Layout {
        entries: centrals.into_iter().map(|c| c.layout).collect(),
    })
}
