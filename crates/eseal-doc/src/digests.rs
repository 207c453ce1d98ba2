//! Each referenced file's digest, computed once per verification and method (and Z for
//! SM3 with Z): the cache [`Digests`] and the OFD CheckMethod names it understands.

use crate::error::{DocError, Text};
use crate::package::Package;
use base64ct::{Base64, Encoding};
use eseal_gm::{Sm3Digest, Sm3Hasher};
use std::io::{Read, Seek};

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Method {
    Sm3,
    Sm3WithZ,
    Sha1,
    Md5,
}

/// Each file is hashed once per method (and Z) however often it is referenced: a signature
/// listing one large entry thousands of times costs one pass over it. Looked up by the
/// file's name without a copy of it (a document with a hundred signatures has ≈ 15,000
/// references, most of them to files already hashed).
#[derive(Default)]
pub(crate) struct Digests(std::collections::HashMap<(Method, Option<[u8; 32]>), FileDigests>);

/// What is known of each file by its resolved name.
type FileDigests = std::collections::HashMap<String, Known>;

/// A file's digest, or why the file cannot be read to its end (a wrong CRC, a false size):
/// such a file fails the same way each time, so its failure is remembered like a digest and
/// a signature listing it a thousand times does not have it inflated a thousand times.
pub(crate) type Known = Result<FileDigest, Text>;

/// A digest, raw and as a CheckValue writes it.
pub(crate) struct FileDigest {
    raw: Vec<u8>,
    base64: String,
}

impl FileDigest {
    fn new(raw: &[u8]) -> Self {
        Self {
            raw: raw.to_vec(),
            base64: Base64::encode_string(raw),
        }
    }

    /// Whether a CheckValue (base64) names this digest: compared as written first (what
    /// every encoder writes), decoded only when the text differs.
    pub(crate) fn matches(&self, check_value: &str) -> bool {
        if check_value == self.base64 {
            return true;
        }
        let mut buf = [0u8; 64];
        Base64::decode(check_value, &mut buf).is_ok_and(|d| d == self.raw.as_slice())
    }
}

impl Digests {
    /// Records `file`'s SM3 when it is not known yet (a Signature.xml hashed for its own
    /// signature check).
    pub(crate) fn know_sm3(&mut self, file: &str, sm3: &Sm3Digest) {
        let files = self.0.entry((Method::Sm3, None)).or_default();
        if !files.contains_key(file) {
            files.insert(file.to_owned(), Ok(FileDigest::new(sm3.as_bytes())));
        }
    }
}

pub(crate) fn method(name: Option<&str>) -> Result<Method, Text> {
    match name.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        Some("sm3") | Some("1.2.156.10197.1.401") | Some("1.2.156.10197.1.401.1") => {
            Ok(Method::Sm3)
        }
        Some("1.2.156.10197.1.401.2") => Ok(Method::Sm3WithZ),
        Some("sha1") | Some("sha-1") | Some("1.3.14.3.2.26") => Ok(Method::Sha1),
        None | Some("md5") | Some("1.2.840.113549.2.5") => Ok(Method::Md5),
        Some(other) => Err(Text::new(
            format!("未知的摘要方法（CheckMethod）{other:?}"),
            format!("unknown CheckMethod {other:?}"),
        )),
    }
}

/// The digest of the file at a path already resolved ([`Package::resolve`]), computed once
/// per verification (and method, and Z). `Err` only when the work stopped
/// ([`DocError::stops_work`]); a file that cannot be read is `Ok(Err(why))`.
pub(crate) fn digest<'c, R: Read + Seek>(
    pkg: &mut Package<R>,
    cache: &'c mut Digests,
    resolved: &str,
    m: &Method,
    z: Option<&Sm3Digest>,
) -> Result<&'c Known, DocError> {
    let z = z.filter(|_| *m == Method::Sm3WithZ);
    let files = cache.0.entry((*m, z.map(|z| *z.as_bytes()))).or_default();
    if !files.contains_key(resolved) {
        let known = match compute_digest(pkg, resolved, m, z) {
            Ok(d) => Ok(FileDigest::new(&d)),
            Err(e) if e.stops_work() => return Err(e),
            Err(e) => Err(Text::new(e.zh(), e.to_string())),
        };
        files.insert(resolved.to_owned(), known);
    }
    files.get(resolved).ok_or_else(|| {
        DocError::Io(format!(
            "{resolved}: the digest just computed is not in the cache"
        ))
    })
}

fn compute_digest<R: Read + Seek>(
    pkg: &mut Package<R>,
    file: &str,
    m: &Method,
    z: Option<&Sm3Digest>,
) -> Result<Vec<u8>, DocError> {
    use sha1::Digest as _;
    match m {
        Method::Sm3 | Method::Sm3WithZ => {
            let mut h = Sm3Hasher::new();
            if let (Method::Sm3WithZ, Some(z)) = (m, z) {
                h.update(z.as_bytes());
            }
            pkg.stream(file, |b| h.update(b))?;
            Ok(h.finalize().as_bytes().to_vec())
        }
        Method::Sha1 => {
            let mut h = sha1::Sha1::new();
            pkg.stream(file, |b| h.update(b))?;
            Ok(h.finalize().to_vec())
        }
        Method::Md5 => {
            let mut h = md5::Md5::new();
            pkg.stream(file, |b| h.update(b))?;
            Ok(h.finalize().to_vec())
        }
    }
}
