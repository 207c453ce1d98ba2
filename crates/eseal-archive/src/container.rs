//! The ZIP subset: stored entries only, UTF-8 names, every other field fixed.

use super::*;

pub(super) const LOCAL: u32 = 0x0403_4b50;
pub(super) const CENTRAL: u32 = 0x0201_4b50;
pub(super) const END: u32 = 0x0605_4b50;
pub(super) const VERSION: u16 = 20;
pub(super) const FLAGS: u16 = 0x0800;
pub(super) const DOS_TIME: u16 = 0;
pub(super) const DOS_DATE: u16 = 0x0021; // 1980-01-01

pub(super) fn valid_name(name: &str) -> Result<(), Bad> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && !name.starts_with('/')
        && !name
            .chars()
            .any(|c| c.is_control() || c == '\\' || c == ':')
        && name
            .split('/')
            .all(|p| !p.is_empty() && p != "." && p != "..");
    if ok {
        Ok(())
    } else {
        Err(bad(
            format!(
                "文件名 {name:?} 不符合归档包的规则（相对路径，不含 ..、\\、控制字符，至多 {MAX_NAME} 字节）"
            ),
            format!(
                "file name {name:?} breaks the package's rule (a relative path without .., \\ or control characters, at most {MAX_NAME} bytes)"
            ),
        ))
    }
}

/// The files in package order: `mimetype` first, then by name (bytes).
pub(super) fn ordered(files: &BTreeMap<String, Vec<u8>>) -> Vec<(&String, &Vec<u8>)> {
    let mut v: Vec<_> = files.iter().filter(|(n, _)| *n == "mimetype").collect();
    v.extend(files.iter().filter(|(n, _)| *n != "mimetype"));
    v
}

pub(super) fn u16le(v: usize, what: &str) -> Result<[u8; 2], Bad> {
    u16::try_from(v)
        .map(u16::to_le_bytes)
        .map_err(|_| bad(format!("{what} 过大"), format!("{what} too large")))
}

pub(super) fn u32le(v: usize, what: &str) -> Result<[u8; 4], Bad> {
    u32::try_from(v)
        .map(u32::to_le_bytes)
        .map_err(|_| bad(format!("{what} 过大"), format!("{what} too large")))
}

/// Writes `files` as a package ZIP.
pub fn write_zip(files: &BTreeMap<String, Vec<u8>>) -> Result<Vec<u8>, Bad> {
    if files.len() > MAX_FILES {
        return Err(bad(
            format!("归档包至多 {MAX_FILES} 个文件"),
            format!("a package holds at most {MAX_FILES} files"),
        ));
    }
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in ordered(files) {
        valid_name(name)?;
        let offset = out.len();
        let crc = crc32fast::hash(data);
        let fixed = |buf: &mut Vec<u8>| -> Result<(), Bad> {
            buf.extend_from_slice(&VERSION.to_le_bytes());
            buf.extend_from_slice(&FLAGS.to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes());
            buf.extend_from_slice(&DOS_TIME.to_le_bytes());
            buf.extend_from_slice(&DOS_DATE.to_le_bytes());
            buf.extend_from_slice(&crc.to_le_bytes());
            buf.extend_from_slice(&u32le(data.len(), name)?);
            buf.extend_from_slice(&u32le(data.len(), name)?);
            buf.extend_from_slice(&u16le(name.len(), name)?);
            buf.extend_from_slice(&0u16.to_le_bytes());
            Ok(())
        };
        out.extend_from_slice(&LOCAL.to_le_bytes());
        fixed(&mut out)?;
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend_from_slice(&CENTRAL.to_le_bytes());
        central.extend_from_slice(&VERSION.to_le_bytes());
        fixed(&mut central)?;
        central.extend_from_slice(&[0u8; 12][..2]); // comment length
        central.extend_from_slice(&[0u8; 2]); // disk
        central.extend_from_slice(&[0u8; 2]); // internal attributes
        central.extend_from_slice(&[0u8; 4]); // external attributes
        central.extend_from_slice(&u32le(offset, "offset")?);
        central.extend_from_slice(name.as_bytes());
        if out.len() + central.len() > MAX_ARCHIVE {
            return Err(bad(
                format!("归档包超过 {} MiB", MAX_ARCHIVE >> 20),
                format!("the package exceeds {} MiB", MAX_ARCHIVE >> 20),
            ));
        }
    }
    let cd_offset = out.len();
    out.extend_from_slice(&central);
    out.extend_from_slice(&END.to_le_bytes());
    out.extend_from_slice(&[0u8; 4]); // disk numbers
    out.extend_from_slice(&u16le(files.len(), "entries")?);
    out.extend_from_slice(&u16le(files.len(), "entries")?);
    out.extend_from_slice(&u32le(central.len(), "central directory")?);
    out.extend_from_slice(&u32le(cd_offset, "central directory")?);
    out.extend_from_slice(&[0u8; 2]); // comment length
    Ok(out)
}

pub(super) struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

/// A ZIP field's name (`local header: CRC-32`) in Chinese, for the reader of a report.
pub(super) fn field_zh(what: &str) -> String {
    let (part, field) = what.split_once(": ").unwrap_or(("", what));
    let part = match part {
        "local header" => "本地文件头",
        "central directory" => "中央目录",
        "end of central directory" => "中央目录结束记录",
        other => other,
    };
    let field = match field {
        "signature" => "签名标记",
        "version needed" => "所需版本",
        "version made by" => "制作版本",
        "flags" => "标志位",
        "compression method" => "压缩方法",
        "compression method (stored)" => "压缩方法（须为不压缩）",
        "modification time" => "修改时间",
        "modification date" => "修改日期",
        "CRC-32" => "CRC-32",
        "compressed size" => "压缩后大小",
        "size" => "大小",
        "name length" => "名称长度",
        "name" => "名称",
        "extra field length" => "扩展字段长度",
        "comment length" => "注释长度",
        "disk number" => "分卷号",
        "internal attributes" => "内部属性",
        "external attributes" => "外部属性",
        "local header offset" => "本地文件头偏移",
        "central directory disk" => "中央目录所在分卷",
        "central directory offset" => "中央目录偏移",
        "central directory size" => "中央目录大小",
        "entries on this disk" => "本分卷条目数",
        "entries" => "条目数",
        "file name" => "文件名",
        other => match other.strip_prefix("the content of ") {
            Some(name) => return format!("{name} 的内容"),
            None => other,
        },
    };
    if part.is_empty() {
        field.to_owned()
    } else {
        format!("{part}的{field}")
    }
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], Bad> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.bytes.len());
        match end {
            Some(end) => {
                let s = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => Err(bad(
                format!("第 {} 字节处：{} 超出文件末尾", self.pos, field_zh(what)),
                format!("at byte {}: {what} runs past the end of the file", self.pos),
            )),
        }
    }
    fn u16(&mut self, what: &str) -> Result<u16, Bad> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self, what: &str) -> Result<u32, Bad> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn peek_u32(&self) -> Option<u32> {
        self.bytes
            .get(self.pos..self.pos + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// A field that must hold `want`.
    fn expect16(&mut self, want: u16, what: &str) -> Result<(), Bad> {
        let at = self.pos;
        let got = self.u16(what)?;
        if got == want {
            Ok(())
        } else {
            Err(bad(
                format!(
                    "第 {at} 字节处：{} 为 {got:#06x}，归档包格式要求 {want:#06x}",
                    field_zh(what)
                ),
                format!(
                    "at byte {at}: {what} is {got:#06x} where the package format has {want:#06x}"
                ),
            ))
        }
    }
    fn expect32(&mut self, want: u32, what: &str) -> Result<(), Bad> {
        let at = self.pos;
        let got = self.u32(what)?;
        if got == want {
            Ok(())
        } else {
            Err(bad(
                format!(
                    "第 {at} 字节处：{} 为 {got:#010x}，应为 {want:#010x}",
                    field_zh(what)
                ),
                format!("at byte {at}: {what} is {got:#010x} where {want:#010x} belongs"),
            ))
        }
    }
}

pub(super) struct Entry {
    offset: usize,
    name: String,
    crc: u32,
    size: usize,
}

/// Reads a package ZIP, refusing anything outside the subset [`write_zip`] writes: the files
/// by name, or what is wrong and at which byte.
pub fn read_zip(bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, Bad> {
    if bytes.len() > MAX_ARCHIVE {
        return Err(bad(
            format!("归档包超过 {} MiB", MAX_ARCHIVE >> 20),
            format!("the package exceeds {} MiB", MAX_ARCHIVE >> 20),
        ));
    }
    // Another kind of file altogether (an OFD, a PDF): say so rather than name a header field.
    if bytes.get(..4) != Some(&LOCAL.to_le_bytes()[..]) || bytes.get(30..38) != Some(b"mimetype") {
        return Err(bad(
            "不是 eseal 归档包：文件不以 mimetype 条目开头",
            "not an eseal archive package: the file does not begin with its mimetype entry",
        ));
    }
    let mut c = Cursor { bytes, pos: 0 };
    let mut entries: Vec<Entry> = Vec::new();
    let mut files = BTreeMap::new();
    while c.peek_u32() == Some(LOCAL) {
        if entries.len() >= MAX_FILES {
            return Err(bad(
                format!("归档包至多 {MAX_FILES} 个文件"),
                format!("a package holds at most {MAX_FILES} files"),
            ));
        }
        let offset = c.pos;
        c.take(4, "signature")?;
        c.expect16(VERSION, "local header: version needed")?;
        c.expect16(FLAGS, "local header: flags")?;
        c.expect16(0, "local header: compression method (stored)")?;
        c.expect16(DOS_TIME, "local header: modification time")?;
        c.expect16(DOS_DATE, "local header: modification date")?;
        let crc = c.u32("local header: CRC-32")?;
        let csize = c.u32("local header: compressed size")? as usize;
        let at = c.pos;
        let size = c.u32("local header: size")? as usize;
        if size != csize {
            return Err(bad(
                format!(
                    "第 {at} 字节处：压缩前后大小不同（{csize} 与 {size}），而归档包只存不压缩"
                ),
                format!(
                    "at byte {at}: compressed size {csize} differs from size {size} in a stored-only package"
                ),
            ));
        }
        let name_len = c.u16("local header: name length")? as usize;
        c.expect16(0, "local header: extra field length")?;
        let name_at = c.pos;
        let name = std::str::from_utf8(c.take(name_len, "file name")?)
            .map_err(|_| {
                bad(
                    format!("第 {name_at} 字节处：文件名不是 UTF-8"),
                    format!("at byte {name_at}: the file name is not UTF-8"),
                )
            })?
            .to_owned();
        valid_name(&name)?;
        let data = c.take(size, &format!("the content of {name:?}"))?;
        if crc32fast::hash(data) != crc {
            return Err(bad(
                format!("{name:?}：内容与其 CRC-32 不符"),
                format!("{name:?}: its content does not match its CRC-32"),
            ));
        }
        if let Some(prev) = entries.last() {
            let in_order = if prev.name == "mimetype" {
                true
            } else {
                prev.name.as_bytes() < name.as_bytes()
            };
            if !in_order || name == "mimetype" {
                return Err(bad(
                    format!("{name:?}：文件不按规定顺序（mimetype 在先，其余按名称）或重复"),
                    format!(
                        "{name:?}: files out of the package order (mimetype first, then by name) or repeated"
                    ),
                ));
            }
        } else if name != "mimetype" {
            return Err(bad(
                "第一个文件必须是 mimetype",
                "the first file must be mimetype",
            ));
        }
        files.insert(name.clone(), data.to_vec());
        entries.push(Entry {
            offset,
            name,
            crc,
            size,
        });
    }
    let folded: BTreeSet<String> = files.keys().map(|n| n.to_lowercase()).collect();
    if folded.len() != files.len() {
        return Err(bad(
            "有只差大小写的同名文件",
            "two files differ only in letter case",
        ));
    }
    let cd_start = c.pos;
    for e in &entries {
        let at = c.pos;
        c.expect32(CENTRAL, "central directory: signature")?;
        c.expect16(VERSION, "central directory: version made by")?;
        c.expect16(VERSION, "central directory: version needed")?;
        c.expect16(FLAGS, "central directory: flags")?;
        c.expect16(0, "central directory: compression method")?;
        c.expect16(DOS_TIME, "central directory: modification time")?;
        c.expect16(DOS_DATE, "central directory: modification date")?;
        c.expect32(e.crc, "central directory: CRC-32")?;
        let size = u32::try_from(e.size).unwrap_or(u32::MAX);
        c.expect32(size, "central directory: compressed size")?;
        c.expect32(size, "central directory: size")?;
        let name_len = u16::try_from(e.name.len()).unwrap_or(u16::MAX);
        c.expect16(name_len, "central directory: name length")?;
        c.expect16(0, "central directory: extra field length")?;
        c.expect16(0, "central directory: comment length")?;
        c.expect16(0, "central directory: disk number")?;
        c.expect16(0, "central directory: internal attributes")?;
        c.expect32(0, "central directory: external attributes")?;
        let offset = u32::try_from(e.offset).unwrap_or(u32::MAX);
        c.expect32(offset, "central directory: local header offset")?;
        if c.take(e.name.len(), "central directory: name")? != e.name.as_bytes() {
            return Err(bad(
                format!(
                    "第 {at} 字节处：中央目录中的文件名与本地文件头不同（{}）",
                    e.name
                ),
                format!(
                    "at byte {at}: the central directory names {} differently than its local header",
                    e.name
                ),
            ));
        }
    }
    let cd_len = c.pos - cd_start;
    let n = u16::try_from(entries.len()).unwrap_or(u16::MAX);
    c.expect32(END, "end of central directory: signature")?;
    c.expect16(0, "end of central directory: disk number")?;
    c.expect16(0, "end of central directory: central directory disk")?;
    c.expect16(n, "end of central directory: entries on this disk")?;
    c.expect16(n, "end of central directory: entries")?;
    c.expect32(
        u32::try_from(cd_len).unwrap_or(u32::MAX),
        "end of central directory: central directory size",
    )?;
    c.expect32(
        u32::try_from(cd_start).unwrap_or(u32::MAX),
        "end of central directory: central directory offset",
    )?;
    c.expect16(0, "end of central directory: comment length")?;
    if c.pos != bytes.len() {
        return Err(bad(
            format!(
                "第 {} 字节之后还有 {} 字节多余数据",
                c.pos,
                bytes.len() - c.pos
            ),
            format!("{} stray bytes after byte {}", bytes.len() - c.pos, c.pos),
        ));
    }
    if files.get("mimetype").map(Vec::as_slice) != Some(MEDIA_TYPE.as_bytes()) {
        return Err(bad(
            format!("mimetype 不是 {MEDIA_TYPE}：这不是 eseal 归档包"),
            format!("mimetype is not {MEDIA_TYPE}: not an eseal archive package"),
        ));
    }
    Ok(files)
}
