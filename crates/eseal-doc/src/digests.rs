//! Each referenced file's digest, computed once per verification and method (and Z for
//! SM3 with Z): the cache [`Digests`] and the OFD CheckMethod names it understands.

use crate::error::{DocError, Text};
use crate::package::Package;
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

/// A file's digest by its resolved name.
type FileDigests = std::collections::HashMap<String, Vec<u8>>;

impl Digests {
    /// Records `file`'s SM3 when it is not known yet (a Signature.xml hashed for its own
    /// signature check).
    pub(crate) fn know_sm3(&mut self, file: &str, sm3: &Sm3Digest) {
        let files = self.0.entry((Method::Sm3, None)).or_default();
        if !files.contains_key(file) {
            files.insert(file.to_owned(), sm3.as_bytes().to_vec());
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

pub(crate) fn digest<'c, R: Read + Seek>(
    pkg: &mut Package<R>,
    cache: &'c mut Digests,
    file: &str,
    m: &Method,
    z: Option<&Sm3Digest>,
) -> Result<&'c [u8], DocError> {
    let resolved = pkg.resolve(file)?;
    digest_resolved(pkg, cache, &resolved, m, z)
}

/// [`digest`] of a path already resolved ([`Package::resolve`]).
pub(crate) fn digest_resolved<'c, R: Read + Seek>(
    pkg: &mut Package<R>,
    cache: &'c mut Digests,
    resolved: &str,
    m: &Method,
    z: Option<&Sm3Digest>,
) -> Result<&'c [u8], DocError> {
    let z = z.filter(|_| *m == Method::Sm3WithZ);
    let files = cache.0.entry((*m, z.map(|z| *z.as_bytes()))).or_default();
    if !files.contains_key(resolved) {
        let d = compute_digest(pkg, resolved, m, z)?;
        files.insert(resolved.to_owned(), d);
    }
    Ok(files.get(resolved).map(Vec::as_slice).unwrap_or_default())
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
