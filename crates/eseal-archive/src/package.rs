//! Manifests and generations: what a package holds and how it is made and renewed.

use super::*;

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

pub(super) fn manifest_path(k: u32) -> String {
    format!("META-INF/manifest-{k:04}.json")
}

pub(super) fn token_path(k: u32) -> String {
    format!("META-INF/timestamp-{k:04}.tst")
}

pub(super) fn evidence_dir(k: u32) -> String {
    format!("evidence/{k:04}/")
}

/// The generation a file belongs to, from its name (`None`: no place in a package).
pub(super) fn generation(path: &str) -> Option<u32> {
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
pub(super) fn covered_by(k: u32, path: &str) -> bool {
    match generation(path) {
        Some(g) if g < k => true,
        Some(g) if g == k => path != manifest_path(k) && path != token_path(k),
        _ => false,
    }
}

/// Adds generation `k`'s manifest and its timestamp (from `stamp`, over the manifest's bytes).
pub(super) fn seal_generation(
    files: &mut BTreeMap<String, Vec<u8>>,
    k: u32,
    document: &DocumentRef,
    stamp: Stamp<'_>,
) -> Result<(), ArchiveError> {
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
    let bytes = serde_json::to_vec_pretty(&manifest).map_err(|e| {
        ArchiveError::Invalid(bad(
            format!("清单无法写出：{e}"),
            format!("the manifest cannot be written: {e}"),
        ))
    })?;
    let token = stamp(&bytes).map_err(ArchiveError::Timestamp)?;
    files.insert(manifest_path(k), bytes);
    files.insert(token_path(k), token);
    Ok(())
}

/// A timestamp authority: a token over the manifest's bytes, or why it gave none.
pub type Stamp<'a> = &'a dyn Fn(&[u8]) -> Result<Vec<u8>, Bad>;

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

pub(super) fn add_evidence(
    files: &mut BTreeMap<String, Vec<u8>>,
    k: u32,
    ev: Evidence,
) -> Result<(), Bad> {
    let dir = evidence_dir(k);
    let held: BTreeSet<String> = files.values().map(|b| Sm3Digest::of(b).to_hex()).collect();
    let mut put = |name: String, bytes: Vec<u8>, dedupe: bool| -> Result<(), Bad> {
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
pub fn safe_name(name: &str, fallback: &str) -> String {
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
pub fn create(
    doc: Document,
    evidence: Evidence,
    stamp: Stamp<'_>,
) -> Result<Vec<u8>, ArchiveError> {
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
pub(super) fn generations(files: &BTreeMap<String, Vec<u8>>) -> Result<(u32, DocumentRef), Bad> {
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
pub fn renew(
    archive: &[u8],
    evidence: Evidence,
    stamp: Stamp<'_>,
) -> Result<Vec<u8>, ArchiveError> {
    let mut files = read_zip(archive)?;
    let (n, document) = generations(&files)?;
    if n >= MAX_GENERATIONS {
        return Err(ArchiveError::Full);
    }
    add_evidence(&mut files, n + 1, evidence)?;
    seal_generation(&mut files, n + 1, &document, stamp)?;
    Ok(write_zip(&files)?)
}
