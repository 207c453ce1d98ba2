//! Each referenced file's digest, computed once per verification and method (and Z for
//! SM3 with Z): the cache [`Digests`] and the OFD CheckMethod names it understands.

use crate::error::{DocError, Text};
use crate::package::{Package, Resolved};
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
pub(crate) struct Digests(std::collections::HashMap<(Method, Option<[u8; 32]>), Table>);

/// What is known of each file for one method (and Z), by the file's index in the package
/// ([`Resolved::index`]: no name hashed again).
pub(crate) type Table = std::collections::HashMap<usize, Known>;

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

    /// Whether this is the digest `raw`.
    pub(crate) fn is(&self, raw: &[u8]) -> bool {
        self.raw == raw
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
    pub(crate) fn know_sm3(&mut self, file: Resolved<'_>, sm3: &Sm3Digest) {
        self.table(Method::Sm3, None)
            .entry(file.index)
            .or_insert_with(|| Ok(FileDigest::new(sm3.as_bytes())));
    }

    /// What is known for method `m` (and Z, for SM3 with Z).
    pub(crate) fn table(&mut self, m: Method, z: Option<&Sm3Digest>) -> &mut Table {
        let z = z.filter(|_| m == Method::Sm3WithZ);
        self.0.entry((m, z.map(|z| *z.as_bytes()))).or_default()
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

/// The digest of a file for the method (and Z) of `table` ([`Digests::table`]), computed
/// once per verification. `Err` only when the work stopped
/// ([`DocError::stops_work`]); a file that cannot be read is `Ok(Err(why))`.
pub(crate) fn digest<'c, R: Read + Seek>(
    pkg: &mut Package<R>,
    table: &'c mut Table,
    file: Resolved<'_>,
    m: &Method,
    z: Option<&Sm3Digest>,
) -> Result<&'c Known, DocError> {
    use std::collections::hash_map::Entry;
    Ok(match table.entry(file.index) {
        Entry::Occupied(known) => known.into_mut(),
        Entry::Vacant(slot) => {
            let z = z.filter(|_| *m == Method::Sm3WithZ);
            slot.insert(match compute_digest(pkg, file.name, m, z) {
                Ok(d) => Ok(FileDigest::new(&d)),
                Err(e) if e.stops_work() => return Err(e),
                Err(e) => Err(Text::new(e.zh(), e.to_string())),
            })
        }
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
