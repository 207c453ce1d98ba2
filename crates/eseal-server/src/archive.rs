//! Archive packages (issue 16 item 6; R-ARCH-1, long-term validation): a signed document with
//! everything needed to verify it again in thirty years without the registry — the
//! verification report, the certificates and CRLs, the seals' status answers and
//! transparency proofs — under a timestamp over the whole package, renewed before the last
//! timestamp's certificate expires (the archive-timestamp idea of EN 319 102-1).
//!
//! The container is an ASiC-E-style ZIP (docs/archive.md has the layout and the reasons):
//! `mimetype`, `document/…`, `evidence/NNNN/…` (what generation N added), and for every
//! generation `META-INF/manifest-NNNN.json` (the SM3 of every file before it, the earlier
//! manifests and timestamps included) with `META-INF/timestamp-NNNN.tst` (an RFC 3161 token
//! over that manifest's bytes). The ZIP is a strict subset written and read here, every header
//! field fixed, so that a package is judged byte for byte by a written rule rather than by what
//! some ZIP library version emits: any changed byte either breaks that rule or a hash.
//!
//! The rules live here once: the API (`POST /api/v1/archives`, `…/renew`) and the CLI
//! (`eseal archive create|renew|verify`) call [`create_for`], [`renew_for`] and [`verify`].

use crate::problem::ApiError;
use crate::state::AppState;
use eseal_gm::Sm3Digest;
use eseal_gm::provider::SoftwareVerifier;
use eseal_pki::chain::{ChainOutcome, ChainStatus, Purpose, TrustStore, validate};
use eseal_pki::{Certificate, crl::Crl};
use eseal_ses::{Indication, Outcome};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The `mimetype` entry and the media type of the HTTP answers.
pub const MEDIA_TYPE: &str = "application/vnd.eseal.archive+zip";
/// The manifests' `format`.
pub const FORMAT: &str = "eseal-archive/1";
/// Largest package read or written.
pub const MAX_ARCHIVE: usize = 64 << 20;
/// Most files in a package.
pub const MAX_FILES: usize = 4096;
/// Most generations (the creation and its renewals: one a decade is plenty).
pub const MAX_GENERATIONS: u32 = 100;
/// Longest file name in a package, in bytes.
const MAX_NAME: usize = 255;

/// Something wrong with a package, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad {
    /// 中文.
    pub zh: String,
    /// English.
    pub en: String,
}

/// Why a JSON part of the package cannot be read, in Chinese and English, with its line and
/// column (the parser's own message is English only).
fn json_error(e: &serde_json::Error) -> (String, String) {
    use serde_json::error::Category;
    let (zh, en) = match e.classify() {
        Category::Syntax => ("不是合法的 JSON", "not well-formed JSON"),
        Category::Eof => ("内容不完整", "the text ends too early"),
        Category::Data | Category::Io => (
            "字段或取值不符合规定格式",
            "a field or value is not in the documented form",
        ),
    };
    (
        format!("{zh}（第 {} 行第 {} 列）", e.line(), e.column()),
        format!("{en} at line {}, column {} ({e})", e.line(), e.column()),
    )
}

fn bad(zh: impl Into<String>, en: impl Into<String>) -> Bad {
    Bad {
        zh: zh.into(),
        en: en.into(),
    }
}

impl From<Bad> for ApiError {
    fn from(b: Bad) -> Self {
        ApiError::invalid("archive", b.en)
    }
}

// ---------------------------------------------------------------------------------------
// The ZIP subset: stored entries only, UTF-8 names, every other field fixed.

const LOCAL: u32 = 0x0403_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const END: u32 = 0x0605_4b50;
const VERSION: u16 = 20;
const FLAGS: u16 = 0x0800;
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = 0x0021; // 1980-01-01

fn valid_name(name: &str) -> Result<(), Bad> {
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
fn ordered(files: &BTreeMap<String, Vec<u8>>) -> Vec<(&String, &Vec<u8>)> {
    let mut v: Vec<_> = files.iter().filter(|(n, _)| *n == "mimetype").collect();
    v.extend(files.iter().filter(|(n, _)| *n != "mimetype"));
    v
}

fn u16le(v: usize, what: &str) -> Result<[u8; 2], Bad> {
    u16::try_from(v)
        .map(u16::to_le_bytes)
        .map_err(|_| bad(format!("{what} 过大"), format!("{what} too large")))
}

fn u32le(v: usize, what: &str) -> Result<[u8; 4], Bad> {
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

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

/// A ZIP field's name (`local header: CRC-32`) in Chinese, for the reader of a report.
fn field_zh(what: &str) -> String {
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

struct Entry {
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

// ---------------------------------------------------------------------------------------
// Manifests and generations.

/// What the package preserves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// An OFD with its signatures inside.
    Ofd,
    /// A detached SES_Signature and the data it signs.
    Detached,
}

/// Where the document is in the package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentRef {
    /// OFD or detached.
    pub kind: DocumentKind,
    /// The OFD, or the signature.
    pub file: String,
    /// The signed data of a detached signature.
    pub data: Option<String>,
}

/// One file a manifest covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRef {
    /// Its name in the package.
    pub path: String,
    /// SM3 of its bytes (hex).
    pub sm3: String,
    /// Its size in bytes.
    pub size: u64,
}

/// `META-INF/manifest-NNNN.json`: what generation N's timestamp covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// N (1: the creation).
    pub sequence: u32,
    /// The document.
    pub document: DocumentRef,
    /// Every file before this manifest, by name.
    pub files: Vec<FileRef>,
}

fn manifest_path(k: u32) -> String {
    format!("META-INF/manifest-{k:04}.json")
}

fn token_path(k: u32) -> String {
    format!("META-INF/timestamp-{k:04}.tst")
}

fn evidence_dir(k: u32) -> String {
    format!("evidence/{k:04}/")
}

/// The generation a file belongs to, from its name (`None`: no place in a package).
fn generation(path: &str) -> Option<u32> {
    if path == "mimetype" || path.starts_with("document/") {
        return Some(1);
    }
    let num = |s: &str| {
        (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
            .filter(|k| *k >= 1)
    };
    if let Some(rest) = path.strip_prefix("evidence/") {
        return rest.split_once('/').and_then(|(k, _)| num(k));
    }
    if let Some(k) = path
        .strip_prefix("META-INF/manifest-")
        .and_then(|r| r.strip_suffix(".json"))
    {
        return num(k);
    }
    path.strip_prefix("META-INF/timestamp-")
        .and_then(|r| r.strip_suffix(".tst"))
        .and_then(num)
}

/// Whether manifest `k` must cover `path`.
fn covered_by(k: u32, path: &str) -> bool {
    match generation(path) {
        Some(g) if g < k => true,
        Some(g) if g == k => path != manifest_path(k) && path != token_path(k),
        _ => false,
    }
}

/// Adds generation `k`'s manifest and its timestamp (from `stamp`, over the manifest's bytes).
fn seal_generation(
    files: &mut BTreeMap<String, Vec<u8>>,
    k: u32,
    document: &DocumentRef,
    stamp: Stamp<'_>,
) -> Result<(), ApiError> {
    let manifest = Manifest {
        format: FORMAT.into(),
        sequence: k,
        document: document.clone(),
        files: files
            .iter()
            .filter(|(p, _)| covered_by(k, p))
            .map(|(p, b)| FileRef {
                path: p.clone(),
                sm3: Sm3Digest::of(b).to_hex(),
                size: b.len() as u64,
            })
            .collect(),
    };
    let bytes =
        serde_json::to_vec_pretty(&manifest).map_err(|e| ApiError::internal(e.to_string()))?;
    let token = stamp(&bytes)?;
    files.insert(manifest_path(k), bytes);
    files.insert(token_path(k), token);
    Ok(())
}

/// A timestamp authority: a token over the manifest's bytes.
pub type Stamp<'a> = &'a dyn Fn(&[u8]) -> Result<Vec<u8>, ApiError>;

/// Validation material a generation adds.
#[derive(Debug, Default)]
pub struct Evidence {
    /// Certificates (CA chains, TSA certificates).
    pub certificates: Vec<Certificate>,
    /// CRLs.
    pub crls: Vec<Crl>,
    /// Other files by name under the generation's evidence folder (`report.json`,
    /// `status/<esID>.json`, `transparency/<esID>.json`, `transparency-key.pem`).
    pub files: Vec<(String, Vec<u8>)>,
}

fn add_evidence(
    files: &mut BTreeMap<String, Vec<u8>>,
    k: u32,
    ev: Evidence,
) -> Result<(), ApiError> {
    let dir = evidence_dir(k);
    let held: BTreeSet<String> = files.values().map(|b| Sm3Digest::of(b).to_hex()).collect();
    let mut put = |name: String, bytes: Vec<u8>, dedupe: bool| -> Result<(), ApiError> {
        let sm3 = Sm3Digest::of(&bytes).to_hex();
        if dedupe && held.contains(&sm3) {
            return Ok(());
        }
        let path = format!("{dir}{name}");
        valid_name(&path)?;
        files.insert(path, bytes);
        Ok(())
    };
    for c in ev.certificates {
        let sm3 = Sm3Digest::of(c.der()).to_hex();
        put(format!("certs/{}.der", &sm3[..16]), c.der().to_vec(), true)?;
    }
    for c in ev.crls {
        let sm3 = Sm3Digest::of(c.der()).to_hex();
        put(format!("crls/{}.crl", &sm3[..16]), c.der().to_vec(), true)?;
    }
    for (name, bytes) in ev.files {
        put(name, bytes, false)?;
    }
    Ok(())
}

/// What to preserve.
#[derive(Debug, Clone)]
pub struct Document {
    /// OFD or detached.
    pub kind: DocumentKind,
    /// A file name for it (made safe).
    pub name: String,
    /// The OFD, or the SES_Signature.
    pub bytes: Vec<u8>,
    /// The data of a detached signature, with a file name.
    pub data: Option<(String, Vec<u8>)>,
}

/// A file name a person gave, safe as one path segment (at most 100 characters).
fn safe_name(name: &str, fallback: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && *c != ':')
        .take(100)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        fallback.to_owned()
    } else {
        cleaned
    }
}

/// A new package: the document, generation 1's evidence, its manifest and timestamp.
pub fn create(doc: Document, evidence: Evidence, stamp: Stamp<'_>) -> Result<Vec<u8>, ApiError> {
    let mut files = BTreeMap::new();
    files.insert("mimetype".to_owned(), MEDIA_TYPE.as_bytes().to_vec());
    let (file, default) = match doc.kind {
        DocumentKind::Ofd => (safe_name(&doc.name, "document.ofd"), "document.ofd"),
        DocumentKind::Detached => (safe_name(&doc.name, "signature.ses"), "signature.ses"),
    };
    let file = format!("document/{}", if file.is_empty() { default } else { &file });
    files.insert(file.clone(), doc.bytes);
    let data = match doc.data {
        Some((name, bytes)) => {
            let mut path = format!("document/{}", safe_name(&name, "data.bin"));
            if path == file {
                path.push_str(".data");
            }
            files.insert(path.clone(), bytes);
            Some(path)
        }
        None => None,
    };
    let document = DocumentRef {
        kind: doc.kind,
        file,
        data,
    };
    add_evidence(&mut files, 1, evidence)?;
    seal_generation(&mut files, 1, &document, stamp)?;
    Ok(write_zip(&files)?)
}

/// The generations of a package: how many timestamps it has (1..=n, contiguous), and the
/// document its first manifest names.
fn generations(files: &BTreeMap<String, Vec<u8>>) -> Result<(u32, DocumentRef), Bad> {
    let mut n = 0;
    while n < MAX_GENERATIONS && files.contains_key(&token_path(n + 1)) {
        n += 1;
    }
    if n == 0 {
        return Err(bad(
            "归档包没有时间戳（META-INF/timestamp-0001.tst）",
            "the package has no timestamp (META-INF/timestamp-0001.tst)",
        ));
    }
    let first: Manifest = files
        .get(&manifest_path(1))
        .and_then(|b| serde_json::from_slice(b).ok())
        .ok_or_else(|| {
            bad(
                "META-INF/manifest-0001.json 缺失或格式不对",
                "META-INF/manifest-0001.json is missing or not in the documented form",
            )
        })?;
    Ok((n, first.document))
}

/// Adds a generation to a package: `evidence` (the validation material current now, for the
/// last timestamp's certificate among others) and a new timestamp over all of it.
pub fn renew(archive: &[u8], evidence: Evidence, stamp: Stamp<'_>) -> Result<Vec<u8>, ApiError> {
    let mut files = read_zip(archive)?;
    let (n, document) = generations(&files)?;
    if n >= MAX_GENERATIONS {
        return Err(ApiError::unprocessable(
            "forbidden",
            format!("the package already has {MAX_GENERATIONS} generations"),
        ));
    }
    add_evidence(&mut files, n + 1, evidence)?;
    seal_generation(&mut files, n + 1, &document, stamp)?;
    Ok(write_zip(&files)?)
}

// ---------------------------------------------------------------------------------------
// Verification.

/// One check of an archive verification.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ArchiveCheck {
    /// `container`, `manifest`, `timestamp`, `timestamp_chain`, `signature`, `seal_status`,
    /// `transparency`, `trust`.
    pub id: String,
    /// The generation it concerns (timestamps, manifests), when one.
    pub generation: Option<u32>,
    /// The outcome.
    pub outcome: Outcome,
    /// What was found (English).
    pub detail: String,
    /// What was found (中文).
    pub detail_zh: String,
}

/// The result of verifying a package.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ArchiveReport {
    /// PASSED, FAILED or INDETERMINATE.
    pub indication: Indication,
    /// The time the first timestamp proves (the document existed then, with its evidence).
    pub original_time: Option<String>,
    /// How many timestamps the package has.
    pub generations: u32,
    /// The verification's own time.
    pub verified_at: String,
    /// The checks in order.
    pub checks: Vec<ArchiveCheck>,
}

impl ArchiveReport {
    fn push(
        &mut self,
        id: &str,
        generation: Option<u32>,
        outcome: Outcome,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) {
        self.checks.push(ArchiveCheck {
            id: id.into(),
            generation,
            outcome,
            detail: en.into(),
            detail_zh: zh.into(),
        });
    }

    fn finish(mut self) -> Self {
        // No check at all decides nothing.
        self.indication = if self.checks.is_empty() {
            Indication::Indeterminate
        } else {
            Indication::of(self.checks.iter().map(|c| c.outcome))
        };
        self
    }
}

/// What a verification trusts.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Trust anchors (and any CRLs) the verifier brings (`--trust DIR`).
    pub trust: TrustStore,
    /// Root certificates carried in the package that the verifier accepts by SM3 fingerprint
    /// (`--root-sm3`), e.g. the agency's published root fingerprint.
    pub root_sm3: Vec<String>,
    /// The seal log's key, obtained out of band; without it the package's copy is used and
    /// named.
    pub log_key: Option<eseal_gm::Sm2PublicKey>,
    /// The verification's time.
    pub now: OffsetDateTime,
}

fn rfc(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

fn chain_words(report: &eseal_pki::chain::ChainReport) -> (String, String) {
    let path = report.path.join(" -> ");
    let first = report
        .first(ChainOutcome::Failed)
        .or_else(|| report.first(ChainOutcome::Indeterminate));
    match first {
        Some(c) => {
            let (lz, le) = c.check.label();
            (
                format!("{}：{lz}：{}（证书路径 {path}）", c.subject, c.detail_zh),
                format!("{}: {le}: {} (path {path})", c.subject, c.detail),
            )
        }
        None => (format!("证书链有效 {path}"), format!("valid chain {path}")),
    }
}

fn outcome_of(status: ChainStatus) -> Outcome {
    match status {
        ChainStatus::Valid => Outcome::Passed,
        ChainStatus::Invalid => Outcome::Failed,
        ChainStatus::Indeterminate => Outcome::Indeterminate,
    }
}

/// Verifies a package offline: its container and manifests byte for byte, each timestamp over
/// its manifest, each timestamp's TSA certificate at the time the next timestamp proves (the
/// last one's at `now`), and the document's signatures as of the original time with the
/// package's certificates and CRLs; then the seals' status answers and transparency proofs.
pub fn verify(archive: &[u8], opts: &VerifyOptions) -> ArchiveReport {
    let mut r = ArchiveReport {
        indication: Indication::Indeterminate,
        original_time: None,
        generations: 0,
        verified_at: rfc(opts.now),
        checks: Vec::new(),
    };
    let files = match read_zip(archive) {
        Ok(f) => f,
        Err(b) => {
            r.push("container", None, Outcome::Failed, b.zh, b.en);
            return r.finish();
        }
    };
    r.push(
        "container",
        None,
        Outcome::Passed,
        format!(
            "归档包结构符合规定（{} 个文件，{} 字节）",
            files.len(),
            archive.len()
        ),
        format!(
            "the container follows the package format ({} files, {} bytes)",
            files.len(),
            archive.len()
        ),
    );
    let (n, document) = match generations(&files) {
        Ok(g) => g,
        Err(b) => {
            r.push("manifest", None, Outcome::Failed, b.zh, b.en);
            return r.finish();
        }
    };
    r.generations = n;
    // Every file has its place and some manifest covers it.
    for path in files.keys() {
        if generation(path).is_none_or(|g| g > n) {
            r.push(
                "manifest",
                None,
                Outcome::Failed,
                format!("{path} 不受任何清单保护（多出的文件）"),
                format!("{path} is covered by no manifest (a file added afterwards)"),
            );
        }
    }
    // Manifests and timestamps (each file hashed once, however many manifests list it).
    let digests: BTreeMap<&str, String> = files
        .iter()
        .map(|(p, b)| (p.as_str(), Sm3Digest::of(b).to_hex()))
        .collect();
    let mut times: Vec<OffsetDateTime> = Vec::new();
    let mut tsa_certs: Vec<Option<Certificate>> = Vec::new();
    let mut token_certs: Vec<Certificate> = Vec::new();
    for k in 1..=n {
        let Some(bytes) = files.get(&manifest_path(k)) else {
            r.push(
                "manifest",
                Some(k),
                Outcome::Failed,
                format!("缺少 {}", manifest_path(k)),
                format!("{} is missing", manifest_path(k)),
            );
            return r.finish();
        };
        match check_manifest(&files, &digests, k, bytes, &document) {
            Ok(count) => r.push(
                "manifest",
                Some(k),
                Outcome::Passed,
                format!("第 {k} 代清单覆盖 {count} 个文件，SM3 全部一致"),
                format!("generation {k}'s manifest covers {count} files, every SM3 matches"),
            ),
            Err(b) => {
                r.push("manifest", Some(k), Outcome::Failed, b.zh, b.en);
            }
        }
        let token = files
            .get(&token_path(k))
            .map(Vec::as_slice)
            .unwrap_or_default();
        match eseal_ses::timestamp::TimeStampToken::decode(token) {
            Err(e) => {
                r.push(
                    "timestamp",
                    Some(k),
                    Outcome::Failed,
                    format!("第 {k} 个时间戳无法解析：{}", e.zh()),
                    format!("timestamp {k} cannot be read: {e}"),
                );
                tsa_certs.push(None);
                times.push(times.last().copied().unwrap_or(opts.now));
            }
            Ok(t) => {
                let certs: Vec<Certificate> = t
                    .certificates
                    .iter()
                    .filter_map(|c| Certificate::from_der(c).ok())
                    .collect();
                match t.verify(bytes, &SoftwareVerifier) {
                    Ok(subject) => {
                        let ordered = times.last().is_none_or(|p| t.gen_time >= *p);
                        r.push(
                            "timestamp",
                            Some(k),
                            if ordered {
                                Outcome::Passed
                            } else {
                                Outcome::Failed
                            },
                            format!(
                                "第 {k} 个时间戳：{} 由 {subject} 签发，覆盖第 {k} 代清单{}",
                                rfc(t.gen_time),
                                if ordered {
                                    ""
                                } else {
                                    "；但早于前一个时间戳"
                                }
                            ),
                            format!(
                                "timestamp {k}: {} by {subject}, over generation {k}'s manifest{}",
                                rfc(t.gen_time),
                                if ordered {
                                    ""
                                } else {
                                    "; but earlier than the one before"
                                }
                            ),
                        );
                        let tsa = certs
                            .iter()
                            .find(|c| {
                                c.subject() == subject
                                    && c.extended_key_usage().is_some_and(|e| {
                                        e.contains(&eseal_ses::timestamp::KP_TIME_STAMPING)
                                    })
                            })
                            .cloned();
                        tsa_certs.push(tsa);
                    }
                    Err(why) => {
                        r.push(
                            "timestamp",
                            Some(k),
                            Outcome::Failed,
                            format!("第 {k} 个时间戳不成立：{}", why.zh),
                            format!("timestamp {k} does not hold: {}", why.en),
                        );
                        tsa_certs.push(None);
                    }
                }
                token_certs.extend(certs);
                times.push(t.gen_time);
            }
        }
    }
    let original = times.first().copied().unwrap_or(opts.now);
    r.original_time = Some(rfc(original));
    if let Some(last) = times.last()
        && *last > opts.now + time::Duration::minutes(5)
    {
        r.push(
            "timestamp",
            Some(n),
            Outcome::Failed,
            format!(
                "最后一个时间戳 {} 晚于核验时间 {}",
                rfc(*last),
                rfc(opts.now)
            ),
            format!(
                "the last timestamp {} is later than the verification time {}",
                rfc(*last),
                rfc(opts.now)
            ),
        );
    }

    // What the chains may use: the verifier's anchors, package roots accepted by fingerprint,
    // and every certificate and CRL in the package.
    let mut store = opts.trust.clone();
    let mut roots = Vec::new();
    let mut seen = BTreeSet::new();
    for (path, bytes) in &files {
        if path.starts_with("evidence/") && path.contains("/certs/") {
            for c in Certificate::parse_all(bytes).unwrap_or_default() {
                add_cert(&mut store, &mut roots, &mut seen, c, &opts.root_sm3);
            }
        } else if path.starts_with("evidence/") && path.contains("/crls/") {
            for c in Crl::parse_all(bytes).unwrap_or_default() {
                store.add_crl(c);
            }
        }
    }
    for c in token_certs {
        add_cert(&mut store, &mut roots, &mut seen, c, &opts.root_sm3);
    }
    if store.anchors().is_empty() {
        let list = roots.join(", ");
        r.push(
            "trust",
            None,
            Outcome::Indeterminate,
            format!("未给出信任锚：包内根证书 SM3 为 {list}；与发布机构公布的指纹核对后用 --root-sm3 指定，或用 --trust 目录"),
            format!("no trust anchor given: the package's root certificates have SM3 {list}; compare with the fingerprint the agency publishes and give --root-sm3, or a --trust directory"),
        );
    }

    // Each timestamp's TSA at the time the next one proves (the last one's: now).
    for (i, tsa) in tsa_certs.iter().enumerate() {
        let k = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let Some(tsa) = tsa else {
            continue;
        };
        let (at, when_zh, when_en) = match times.get(i + 1) {
            Some(next) => (
                *next,
                format!("按第 {} 个时间戳证明的时间 {}", k + 1, rfc(*next)),
                format!("at {}, the time timestamp {} proves", rfc(*next), k + 1),
            ),
            None => (
                opts.now,
                format!("按核验时间 {}", rfc(opts.now)),
                format!("at the verification time {}", rfc(opts.now)),
            ),
        };
        let report = validate(tsa, &[], &store, &[], at, Purpose::TimeStamping);
        let (zh, en) = chain_words(&report);
        let expired_hint = if report.status() != ChainStatus::Valid && times.get(i + 1).is_none() {
            (
                "；时间戳证书过期前应续期（eseal archive renew）",
                "; renew the package before its timestamp certificate expires (eseal archive renew)",
            )
        } else {
            ("", "")
        };
        r.push(
            "timestamp_chain",
            Some(k),
            outcome_of(report.status()),
            format!("第 {k} 个时间戳的证书（{when_zh}）：{zh}{}", expired_hint.0),
            format!(
                "timestamp {k}'s certificate {when_en}: {en}{}",
                expired_hint.1
            ),
        );
    }

    // The document as of the original time.
    let policy = eseal_ses::VerifyPolicy {
        chain_validator: Some(std::sync::Arc::new(eseal_doc::PkiValidator {
            store: store.clone(),
        })),
        now: Some(original),
        ..Default::default()
    };
    let seals = verify_document(&files, &document, &policy, &mut r);

    // Status answers and transparency proofs.
    verify_statuses(&files, &mut r);
    verify_transparency(&files, &seals, opts, &mut r);
    r.finish()
}

fn add_cert(
    store: &mut TrustStore,
    roots: &mut Vec<String>,
    seen: &mut BTreeSet<Vec<u8>>,
    c: Certificate,
    root_sm3: &[String],
) {
    if !seen.insert(c.der().to_vec()) {
        return;
    }
    if c.is_self_issued() {
        let sm3 = Sm3Digest::of(c.der()).to_hex();
        if root_sm3.iter().any(|r| r.eq_ignore_ascii_case(&sm3)) {
            store.add_anchor(c);
        }
        roots.push(sm3);
    } else {
        store.add_intermediate(c);
    }
}

fn check_manifest(
    files: &BTreeMap<String, Vec<u8>>,
    digests: &BTreeMap<&str, String>,
    k: u32,
    bytes: &[u8],
    document: &DocumentRef,
) -> Result<usize, Bad> {
    let path = manifest_path(k);
    let m: Manifest = serde_json::from_slice(bytes).map_err(|e| {
        let (zh, en) = json_error(&e);
        bad(
            format!("{path} 不是规定格式的清单：{zh}"),
            format!("{path} is not a manifest in the documented form: {en}"),
        )
    })?;
    if m.format != FORMAT || m.sequence != k || &m.document != document {
        return Err(bad(
            format!("{path}：格式、序号或文档与第一代清单不一致"),
            format!("{path}: its format, sequence or document differs from the first manifest's"),
        ));
    }
    let listed: BTreeMap<&str, &FileRef> = m.files.iter().map(|f| (f.path.as_str(), f)).collect();
    if listed.len() != m.files.len() {
        return Err(bad(
            format!("{path}：同一文件列了两次"),
            format!("{path}: a file is listed twice"),
        ));
    }
    for (p, b) in files.iter().filter(|(p, _)| covered_by(k, p)) {
        let Some(f) = listed.get(p.as_str()) else {
            return Err(bad(
                format!("{path} 未列出 {p}"),
                format!("{path} does not list {p}"),
            ));
        };
        let sm3 = digests
            .get(p.as_str())
            .map(String::as_str)
            .unwrap_or_default();
        if f.size != b.len() as u64 || !f.sm3.eq_ignore_ascii_case(sm3) {
            return Err(bad(
                format!("{p} 已被改动：与 {path} 记录的 SM3 不符"),
                format!("{p} was changed: its SM3 differs from the one {path} records"),
            ));
        }
    }
    let expected = files.keys().filter(|p| covered_by(k, p)).count();
    if expected != m.files.len() {
        return Err(bad(
            format!("{path} 列出了包中没有的文件"),
            format!("{path} lists files the package does not hold"),
        ));
    }
    Ok(expected)
}

/// Verifies the document's signatures; the SM3 of every seal (for the transparency proofs).
fn verify_document(
    files: &BTreeMap<String, Vec<u8>>,
    document: &DocumentRef,
    policy: &eseal_ses::VerifyPolicy,
    r: &mut ArchiveReport,
) -> Vec<String> {
    let Some(main) = files.get(&document.file) else {
        r.push(
            "signature",
            None,
            Outcome::Failed,
            format!("包中没有文档 {}", document.file),
            format!("the package lacks the document {}", document.file),
        );
        return Vec::new();
    };
    let mut results: Vec<(eseal_ses::Report, Vec<u8>)> = Vec::new();
    match document.kind {
        DocumentKind::Ofd => {
            let verified =
                eseal_doc::Package::open(std::io::Cursor::new(main.clone())).and_then(|mut pkg| {
                    pkg.set_budget(eseal_doc::Budget {
                        max_bytes: Some(crate::verifying::MAX_BYTES_READ),
                        cancel: None,
                    });
                    eseal_doc::verify_ofd(&mut pkg, policy, &SoftwareVerifier)
                });
            match verified {
                Ok(rep) => {
                    for s in rep.signatures {
                        results.push((s.report, s.signed_value));
                    }
                }
                Err(e) => {
                    r.push(
                        "signature",
                        None,
                        Outcome::Failed,
                        format!("{} 不是可验证的 OFD：{}", document.file, e.zh()),
                        format!("{} is not an OFD that can be verified: {e}", document.file),
                    );
                    return Vec::new();
                }
            }
        }
        DocumentKind::Detached => {
            let data = document.data.as_ref().and_then(|d| files.get(d));
            let decoded = eseal_ses::AnySignature::decode(main);
            match (decoded, data) {
                (Ok((sig, _)), Some(data)) => {
                    let report = eseal_ses::verify_signature(
                        &sig,
                        eseal_ses::SignedData::Digest(Sm3Digest::of(data)),
                        policy,
                        &SoftwareVerifier,
                    );
                    results.push((report, main.clone()));
                }
                (Err(e), _) => {
                    r.push(
                        "signature",
                        None,
                        Outcome::Failed,
                        format!("{} 不是电子签章数据：{}", document.file, e.zh()),
                        format!("{} is not an SES_Signature: {e}", document.file),
                    );
                    return Vec::new();
                }
                (_, None) => {
                    r.push(
                        "signature",
                        None,
                        Outcome::Failed,
                        "包中没有分离签名所签的原文",
                        "the package lacks the data the detached signature signs",
                    );
                    return Vec::new();
                }
            }
        }
    }
    if results.is_empty() {
        r.push(
            "signature",
            None,
            Outcome::Failed,
            format!("{} 中没有签章", document.file),
            format!("{} holds no signature", document.file),
        );
    }
    let mut seals = Vec::new();
    for (i, (report, value)) in results.iter().enumerate() {
        let ind = report.indication();
        let outcome = match ind {
            Indication::Passed => Outcome::Passed,
            Indication::Failed => Outcome::Failed,
            Indication::Indeterminate => Outcome::Indeterminate,
        };
        let decisive = report
            .checks
            .iter()
            .find(|c| c.outcome == Outcome::Failed)
            .or_else(|| {
                report
                    .checks
                    .iter()
                    .find(|c| c.outcome == Outcome::Indeterminate)
            });
        let (why_zh, why_en) = decisive
            .map(|c| (format!("：{}", c.detail_zh), format!(": {}", c.detail)))
            .unwrap_or_default();
        let (word_zh, word_en) = match ind {
            Indication::Passed => ("有效", "PASSED"),
            Indication::Failed => ("无效", "FAILED"),
            Indication::Indeterminate => ("无法确定", "INDETERMINATE"),
        };
        r.push(
            "signature",
            None,
            outcome,
            format!("签章 {}：{word_zh}（按原始时间，用包内证书与撤销列表）{why_zh}", i + 1),
            format!("signature {}: {word_en} (as of the original time, with the package's certificates and CRLs){why_en}", i + 1),
        );
        if let Ok((sig, _)) = eseal_ses::AnySignature::decode(value) {
            seals.push(Sm3Digest::of(sig.seal().raw()).to_hex());
        }
    }
    seals
}

/// `evidence/NNNN/status/<esID>.json`: what the registry (or the national platform) said
/// about the seal at the signing time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusAnswer {
    /// The esID.
    pub id: String,
    /// The time asked about (RFC 3339).
    pub at: String,
    /// Who answered (`registry`, or the national platform's URL).
    pub source: String,
    /// `valid`, `not_yet_valid`, `expired`, `revoked`, or `unknown`.
    pub status: String,
    /// The answer as given.
    pub answer: serde_json::Value,
}

fn verify_statuses(files: &BTreeMap<String, Vec<u8>>, r: &mut ArchiveReport) {
    for (path, bytes) in files
        .iter()
        .filter(|(p, _)| p.starts_with("evidence/") && p.contains("/status/"))
    {
        match serde_json::from_slice::<StatusAnswer>(bytes) {
            Ok(s) if s.status == "valid" => r.push(
                "seal_status",
                None,
                Outcome::Passed,
                format!(
                    "印章 {} 在 {} 有效（{} 的答复，受时间戳保护）",
                    s.id, s.at, s.source
                ),
                format!(
                    "seal {} was valid at {} (answer of {}, under the timestamp)",
                    s.id, s.at, s.source
                ),
            ),
            Ok(s) => r.push(
                "seal_status",
                None,
                Outcome::Failed,
                format!(
                    "印章 {} 在 {} 的状态为 {}（{} 的答复）",
                    s.id, s.at, s.status, s.source
                ),
                format!(
                    "seal {} was {} at {} (answer of {})",
                    s.id, s.status, s.at, s.source
                ),
            ),
            Err(e) => {
                let (zh, en) = json_error(&e);
                r.push(
                    "seal_status",
                    None,
                    Outcome::Failed,
                    format!("{path} 不是规定格式的状态答复：{zh}"),
                    format!("{path} is not a status answer in the documented form: {en}"),
                )
            }
        }
    }
}

fn verify_transparency(
    files: &BTreeMap<String, Vec<u8>>,
    seals: &[String],
    opts: &VerifyOptions,
    r: &mut ArchiveReport,
) {
    let proofs: Vec<_> = files
        .iter()
        .filter(|(p, _)| p.starts_with("evidence/") && p.contains("/transparency/"))
        .collect();
    if proofs.is_empty() {
        return;
    }
    let packaged = files
        .iter()
        .find(|(p, _)| p.starts_with("evidence/") && p.ends_with("/transparency-key.pem"))
        .and_then(|(_, b)| std::str::from_utf8(b).ok())
        .and_then(|pem| eseal_gm::Sm2PublicKey::from_spki_pem(pem).ok());
    let key = match (&opts.log_key, packaged) {
        (Some(given), Some(p)) if given != &p => {
            r.push(
                "transparency",
                None,
                Outcome::Failed,
                "包内的透明日志公钥与给出的公钥不同",
                "the seal log key in the package differs from the one given",
            );
            return;
        }
        (Some(given), _) => (given.clone(), "given"),
        (None, Some(p)) => (p, "package"),
        (None, None) => {
            r.push(
                "transparency",
                None,
                Outcome::Indeterminate,
                "没有透明日志公钥，无法核对证明",
                "no seal log key: the proofs cannot be checked",
            );
            return;
        }
    };
    for (path, bytes) in proofs {
        let proof: Result<eseal_tlog::seals::SealProof, _> = serde_json::from_slice(bytes);
        let checked = proof
            .map_err(|e| json_error(&e))
            .and_then(|p| p.verify(&key.0).map_err(|e| (e.zh(), e.to_string())));
        match checked {
            Ok((cp, entries)) if entries.iter().any(|e| seals.contains(&e.seal_sm3)) => {
                let e = entries.iter().rev().find(|e| seals.contains(&e.seal_sm3));
                let id = e.map(|e| e.seal_id.clone()).unwrap_or_default();
                let (kz, ke) = if key.1 == "given" {
                    ("给出的日志公钥", "the given log key")
                } else {
                    (
                        "包内的日志公钥（未与外部核对）",
                        "the package's log key (not checked against an outside copy)",
                    )
                };
                r.push(
                    "transparency",
                    None,
                    Outcome::Passed,
                    format!("印章 {id} 在透明日志中（检查点大小 {}，{kz}）", cp.size),
                    format!(
                        "seal {id} is in the seal log (checkpoint size {}, {ke})",
                        cp.size
                    ),
                );
            }
            Ok(_) => r.push(
                "transparency",
                None,
                Outcome::Failed,
                format!("{path}：证明中没有文档所用印章"),
                format!("{path}: the proof names none of the document's seals"),
            ),
            Err((zh, en)) => r.push(
                "transparency",
                None,
                Outcome::Failed,
                format!("{path}：透明日志证明不成立：{zh}"),
                format!("{path}: the seal log proof does not hold: {en}"),
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The service's side: what it knows goes in, its TSA stamps.

/// The platform's certificates and current CRLs, and the trust list's active anchors (with
/// the CRLs of those that name an address, as the online verification fetched them).
async fn platform_evidence(s: &AppState) -> Result<Evidence, ApiError> {
    let now = s.now();
    let trust = s.pki().trust(now)?;
    let mut ev = Evidence::default();
    ev.certificates.extend(trust.anchors().iter().cloned());
    ev.certificates
        .extend(trust.intermediates().iter().cloned());
    ev.crls.extend(trust.crls().iter().cloned());
    if let Some(pem) = s.pki().published_file("tsa.pem", now)? {
        ev.certificates
            .extend(Certificate::parse_all(pem.as_bytes()).unwrap_or_default());
    }
    let listed = crate::trustlist::active(s.store(), now).await?;
    ev.certificates
        .extend(listed.trust.anchors().iter().cloned());
    if let Some(online) = s.online_revocation() {
        for (ca, url) in &listed.crl_urls {
            if let Ok(crl) = online.fetch_crl(url, ca, now) {
                ev.crls.push(crl);
            }
        }
    }
    Ok(ev)
}

fn stamper(s: &AppState) -> impl Fn(&[u8]) -> Result<Vec<u8>, ApiError> + '_ {
    move |manifest: &[u8]| s.pki().timestamp(manifest, s.now(), s.random())
}

/// `POST /api/v1/archives`: verifies the document online (it must be PASSED) and packages it
/// with the report, the platform's certificates and CRLs, each seal's status answer and seal
/// log proof, under the platform TSA's timestamp.
pub async fn create_for(s: &AppState, doc: Document) -> Result<Vec<u8>, ApiError> {
    let cancel = crate::verifying::CancelOnDrop::default();
    let verified = match doc.kind {
        DocumentKind::Ofd => crate::verifying::ofd(s, doc.bytes.clone(), cancel.flag()).await?,
        DocumentKind::Detached => {
            let data = doc.data.as_ref().map(|d| d.1.as_slice()).ok_or_else(|| {
                ApiError::invalid("data", "a detached signature is archived with its data")
            })?;
            crate::verifying::detached(s, &doc.bytes, Sm3Digest::of(data)).await?
        }
    };
    if verified.is_empty() {
        return Err(ApiError::unprocessable(
            "not_verified",
            "the document holds no signature: there is nothing to preserve",
        ));
    }
    if let Some(v) = verified.iter().find(|v| v.indication != Indication::Passed) {
        return Err(ApiError::unprocessable(
            "not_verified",
            format!(
                "signature {} is {:?}, not PASSED: only a document that verifies is archived (see POST /api/v1/verify for the report)",
                v.id, v.indication
            ),
        ));
    }
    let mut ev = platform_evidence(s).await?;
    let report =
        serde_json::to_vec_pretty(&verified).map_err(|e| ApiError::internal(e.to_string()))?;
    ev.files.push(("report.json".into(), report));
    let mut logged = false;
    for v in &verified {
        let Some(f) = &v.registry else { continue };
        let at = f.signing_time.unwrap_or_else(|| s.now());
        let answer = if f.made_here {
            let st = crate::registry::status(s.store(), &f.seal_id, at)
                .await
                .map_err(ApiError::from)?;
            let value = serde_json::to_value(&st).map_err(|e| ApiError::internal(e.to_string()))?;
            Some(StatusAnswer {
                id: f.seal_id.clone(),
                at: rfc(at),
                source: "registry".into(),
                status: value["status"].as_str().unwrap_or("unknown").to_owned(),
                answer: value,
            })
        } else {
            f.national
                .as_ref()
                .and_then(|n| n.answer.as_ref())
                .map(|a| {
                    let value = serde_json::to_value(a).unwrap_or_default();
                    StatusAnswer {
                        id: f.seal_id.clone(),
                        at: rfc(at),
                        source: f
                            .national
                            .as_ref()
                            .map(|n| n.source.clone())
                            .unwrap_or_default(),
                        status: value["status"].as_str().unwrap_or("unknown").to_owned(),
                        answer: value,
                    }
                })
        };
        if let Some(a) = answer {
            let name = format!("status/{}.json", safe_name(&f.seal_id, "seal"));
            let bytes =
                serde_json::to_vec_pretty(&a).map_err(|e| ApiError::internal(e.to_string()))?;
            ev.files.push((name, bytes));
        }
        if f.made_here
            && let Ok(p) = crate::transparency::proof_of(s, &f.seal_id).await
        {
            let bytes = serde_json::to_vec_pretty(&p.proof)
                .map_err(|e| ApiError::internal(e.to_string()))?;
            ev.files.push((
                format!("transparency/{}.json", safe_name(&f.seal_id, "seal")),
                bytes,
            ));
            logged = true;
        }
    }
    if logged {
        let key = eseal_gm::provider::Sm2Signer::public_key(&s.pki().audit_signer());
        let pem = key
            .to_spki_pem()
            .map_err(|e| ApiError::internal(e.to_string()))?;
        ev.files
            .push(("transparency-key.pem".into(), pem.into_bytes()));
    }
    // Two signatures by one seal: one answer file (the later signing time's) is enough.
    let mut names = BTreeSet::new();
    ev.files.retain(|(n, _)| names.insert(n.clone()));
    let stamp = stamper(s);
    create(doc, ev, &stamp)
}

/// `POST /api/v1/archives/renew`: checks the package as of now with what this platform trusts
/// (no check may fail: a package whose last timestamp's certificate has expired can no longer
/// be renewed), then adds the platform's current certificates and CRLs and a new timestamp.
pub async fn renew_for(s: &AppState, archive: &[u8]) -> Result<Vec<u8>, ApiError> {
    // Not a package at all: the input is wrong (400), not the package's evidence.
    read_zip(archive)?;
    let now = s.now();
    let mut trust = s.pki().trust(now)?;
    trust.merge(&crate::trustlist::active(s.store(), now).await?.trust);
    let opts = VerifyOptions {
        trust,
        root_sm3: Vec::new(),
        log_key: None,
        now,
    };
    let bytes = archive.to_vec();
    let report = tokio::task::spawn_blocking(move || verify(&bytes, &opts))
        .await
        .map_err(|e| ApiError::internal(format!("verification stopped: {e}")))?;
    if let Some(c) = report.checks.iter().find(|c| c.outcome == Outcome::Failed) {
        return Err(ApiError::unprocessable(
            "not_verified",
            format!(
                "the package does not verify, so it is not renewed: {}",
                c.detail
            ),
        ));
    }
    let ev = platform_evidence(s).await?;
    let stamp = stamper(s);
    renew(archive, ev, &stamp)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn sample() -> BTreeMap<String, Vec<u8>> {
        let mut f = BTreeMap::new();
        f.insert("mimetype".to_owned(), MEDIA_TYPE.as_bytes().to_vec());
        f.insert("document/合同.ofd".to_owned(), b"PK fake".to_vec());
        f.insert("evidence/0001/report.json".to_owned(), b"{}".to_vec());
        f
    }

    #[test]
    fn the_zip_subset_reads_back_and_refuses_every_changed_header_byte() {
        let files = sample();
        let zip = write_zip(&files).unwrap();
        assert_eq!(read_zip(&zip).unwrap(), files);
        // Standard tools read it.
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip.clone())).unwrap();
        assert_eq!(z.len(), 3);
        assert_eq!(z.by_index(0).unwrap().name().unwrap(), "mimetype");
        for i in 0..zip.len() {
            let mut changed = zip.clone();
            changed[i] ^= 0x01;
            let back = read_zip(&changed);
            assert!(
                back.as_ref().ok() != Some(&files),
                "byte {i} changed and the same files came out"
            );
        }
    }

    #[test]
    fn names_that_escape_or_collide_are_refused() {
        for name in ["../x", "/abs", "a//b", "a\\b", "evidence/./x", "a\u{7}"] {
            let mut f = sample();
            f.insert(name.to_owned(), vec![1]);
            assert!(write_zip(&f).is_err(), "{name}");
        }
        let mut f = sample();
        f.insert("document/A.ofd".into(), vec![]);
        f.insert("document/a.ofd".into(), vec![]);
        let zip = write_zip(&f).unwrap();
        assert!(read_zip(&zip).unwrap_err().en.contains("letter case"));
    }

    #[test]
    fn generations_come_from_names() {
        assert_eq!(generation("document/x.ofd"), Some(1));
        assert_eq!(generation("evidence/0003/certs/a.der"), Some(3));
        assert_eq!(generation("META-INF/manifest-0002.json"), Some(2));
        assert_eq!(generation("META-INF/timestamp-0010.tst"), Some(10));
        assert_eq!(generation("evidence/0000/x"), None);
        assert_eq!(generation("evidence/12/x"), None);
        assert_eq!(generation("other.txt"), None);
        assert!(covered_by(2, "META-INF/timestamp-0001.tst"));
        assert!(!covered_by(2, "META-INF/manifest-0002.json"));
        assert!(covered_by(2, "evidence/0002/crls/x.crl"));
        assert!(!covered_by(1, "evidence/0002/crls/x.crl"));
    }
}
