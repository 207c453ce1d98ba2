//! The backup archive's container (issue 21): an encrypted, authenticated stream of named
//! parts, written and read in one pass without holding a part whole.
//!
//! ```text
//! "ESEALBK1"                      8 bytes
//! header length                   u32, big-endian (≤ 64 KiB)
//! header                          JSON: format, created, key_id, wrap_nonce, wrapped,
//!                                 nonce, chunk, compression
//! chunk*                          u32 length ‖ SM4-GCM ciphertext ‖ tag
//! ```
//!
//! A fresh content key per archive (SM4, from the OS RNG) is sealed under the backup key
//! (`wrapped`, SM4-GCM, its own nonce). The plaintext — the parts, deflated — is cut into
//! chunks of `chunk` bytes, each sealed under the content key with the nonce `nonce ‖
//! counter` (8 + 4 bytes) and the associated data `SM3(magic ‖ header) ‖ counter (u64) ‖
//! last (1 byte)`: a chunk cannot be changed, moved, dropped, repeated or taken from another
//! archive, the header cannot be changed, and an archive cut short after any chunk is
//! told from a whole one because only the final chunk says `last`.
//!
//! Inside, each part is `u16 name length ‖ name ‖ segments`, a segment `u32 length ‖ bytes`
//! and a zero length ending the part; a zero name length ends the archive.

use eseal_gm::Sm3Digest;
use eseal_gm::provider::SecureRandom;
use eseal_gm::sm4::{Sm4Key, gcm_open, gcm_seal};
use serde::{Deserialize, Serialize};
use std::io::{self, Read, Write};
use zeroize::Zeroizing;

/// The first bytes of every archive.
pub const MAGIC: &[u8; 8] = b"ESEALBK1";
/// The container's version.
pub const FORMAT: u32 = 1;
/// Plaintext bytes per chunk.
pub const CHUNK: usize = 1 << 20;
/// The longest header a reader accepts.
const MAX_HEADER: u32 = 64 * 1024;
/// The longest part name.
const MAX_NAME: usize = 1024;

/// The backup key: an SM4 key kept apart from the service (a file on the backup host, or
/// shares held by custodians), under which each archive's content key is sealed.
pub struct BackupKey {
    key: Sm4Key,
    bytes: Zeroizing<[u8; 16]>,
}

impl std::fmt::Debug for BackupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BackupKey({})", self.id())
    }
}

/// The text form's prefix: `eseal-backup-key:1:<32 hex digits>`.
const KEY_PREFIX: &str = "eseal-backup-key:1:";

impl BackupKey {
    /// A key from its 16 bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self {
            key: Sm4Key::from_bytes(bytes),
            bytes: Zeroizing::new(bytes),
        }
    }

    /// A new random key.
    pub fn generate(random: &dyn SecureRandom) -> io::Result<Self> {
        let mut b = Zeroizing::new([0u8; 16]);
        random
            .fill(b.as_mut())
            .map_err(|e| io::Error::other(e.to_string()))?;
        Ok(Self::from_bytes(*b))
    }

    /// The key's bytes (for splitting into shares).
    pub fn bytes(&self) -> &[u8; 16] {
        &self.bytes
    }

    /// The key as written to its file.
    pub fn to_text(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("{KEY_PREFIX}{}\n", hex::encode(*self.bytes)))
    }

    /// Reads the text form; `None` if it is not one.
    pub fn from_text(text: &str) -> Option<Self> {
        let hex = text.trim().strip_prefix(KEY_PREFIX)?;
        let bytes: [u8; 16] = hex::decode(hex).ok()?.try_into().ok()?;
        Some(Self::from_bytes(bytes))
    }

    /// A public name of the key (16 hex digits of an SM3 over it), written in each archive
    /// so that a wrong key is named as such.
    pub fn id(&self) -> String {
        let mut h = eseal_gm::Sm3Hasher::new();
        h.update(b"eseal backup key id");
        h.update(self.bytes.as_ref());
        hex::encode(&h.finalize().as_bytes()[..8])
    }
}

/// The clear header of an archive (authenticated by every chunk).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    /// [`FORMAT`].
    pub format: u32,
    /// When the archive was made (RFC 3339).
    pub created: String,
    /// The backup key's [`BackupKey::id`].
    pub key_id: String,
    /// The nonce sealing the content key (hex, 12 bytes).
    pub wrap_nonce: String,
    /// The content key sealed under the backup key (hex).
    pub wrapped: String,
    /// The chunks' nonce prefix (hex, 8 bytes).
    pub nonce: String,
    /// Plaintext bytes per chunk.
    pub chunk: u32,
    /// `deflate`.
    pub compression: String,
}

const WRAP_AAD: &[u8] = b"eseal backup content key";

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

fn chunk_aad(header_digest: &[u8; 32], counter: u64, last: bool) -> [u8; 41] {
    let mut aad = [0u8; 41];
    aad[..32].copy_from_slice(header_digest);
    aad[32..40].copy_from_slice(&counter.to_be_bytes());
    aad[40] = u8::from(last);
    aad
}

fn chunk_nonce(prefix: &[u8; 8], counter: u64) -> io::Result<[u8; 12]> {
    let c = u32::try_from(counter).map_err(|_| invalid("archive too large (chunk counter)"))?;
    let mut n = [0u8; 12];
    n[..8].copy_from_slice(prefix);
    n[8..].copy_from_slice(&c.to_be_bytes());
    Ok(n)
}

/// Writes the encrypted chunks (the plaintext comes in through `Write`).
struct Sealer<W: Write> {
    out: W,
    key: Sm4Key,
    prefix: [u8; 8],
    digest: [u8; 32],
    counter: u64,
    buf: Zeroizing<Vec<u8>>,
}

impl<W: Write> Sealer<W> {
    fn seal(&mut self, last: bool) -> io::Result<()> {
        let nonce = chunk_nonce(&self.prefix, self.counter)?;
        let aad = chunk_aad(&self.digest, self.counter, last);
        let sealed = gcm_seal(&self.key, &nonce, &aad, &self.buf)
            .map_err(|e| io::Error::other(e.to_string()))?;
        let len = u32::try_from(sealed.len()).map_err(|_| invalid("chunk too large"))?;
        self.out.write_all(&len.to_be_bytes())?;
        self.out.write_all(&sealed)?;
        self.buf.clear();
        self.counter += 1;
        Ok(())
    }

    fn finish(mut self) -> io::Result<W> {
        self.seal(true)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Write for Sealer<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = CHUNK - self.buf.len();
        let n = room.min(data.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == CHUNK {
            self.seal(false)?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writes an archive: parts one after the other, then [`ArchiveWriter::finish`].
pub struct ArchiveWriter<W: Write> {
    inner: flate2::write::DeflateEncoder<Sealer<W>>,
    part: Option<Sm3Parts>,
    /// (name, size, SM3 hex) of each part written.
    pub parts: Vec<(String, u64, String)>,
}

impl<W: Write> std::fmt::Debug for ArchiveWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ArchiveWriter({} parts)", self.parts.len())
    }
}

struct Sm3Parts {
    name: String,
    size: u64,
    hash: eseal_gm::Sm3Hasher,
}

impl<W: Write> ArchiveWriter<W> {
    /// Starts an archive sealed for `key`, writing its header to `out`.
    pub fn new(
        mut out: W,
        key: &BackupKey,
        random: &dyn SecureRandom,
        created: &str,
    ) -> io::Result<Self> {
        let rnd = |n: usize| -> io::Result<Zeroizing<Vec<u8>>> {
            let mut b = Zeroizing::new(vec![0u8; n]);
            random
                .fill(b.as_mut_slice())
                .map_err(|e| io::Error::other(e.to_string()))?;
            Ok(b)
        };
        let content: [u8; 16] = rnd(16)?
            .as_slice()
            .try_into()
            .map_err(|_| invalid("random"))?;
        let content = Zeroizing::new(content);
        let wrap_nonce: [u8; 12] = rnd(12)?
            .as_slice()
            .try_into()
            .map_err(|_| invalid("random"))?;
        let prefix: [u8; 8] = rnd(8)?
            .as_slice()
            .try_into()
            .map_err(|_| invalid("random"))?;
        let wrapped = gcm_seal(&key.key, &wrap_nonce, WRAP_AAD, content.as_ref())
            .map_err(|e| io::Error::other(e.to_string()))?;
        let header = Header {
            format: FORMAT,
            created: created.to_owned(),
            key_id: key.id(),
            wrap_nonce: hex::encode(wrap_nonce),
            wrapped: hex::encode(wrapped),
            nonce: hex::encode(prefix),
            chunk: CHUNK as u32,
            compression: "deflate".into(),
        };
        let text = serde_json::to_vec(&header).map_err(|e| io::Error::other(e.to_string()))?;
        let len = u32::try_from(text.len()).map_err(|_| invalid("header too large"))?;
        out.write_all(MAGIC)?;
        out.write_all(&len.to_be_bytes())?;
        out.write_all(&text)?;
        let digest = header_digest(&text);
        let sealer = Sealer {
            out,
            key: Sm4Key::from_bytes(*content),
            prefix,
            digest,
            counter: 0,
            buf: Zeroizing::new(Vec::with_capacity(CHUNK)),
        };
        Ok(Self {
            inner: flate2::write::DeflateEncoder::new(sealer, flate2::Compression::fast()),
            part: None,
            parts: Vec::new(),
        })
    }

    /// Starts a part (ending the one before).
    pub fn begin(&mut self, name: &str) -> io::Result<()> {
        self.end()?;
        if name.is_empty() || name.len() > MAX_NAME {
            return Err(invalid(format!("part name {name:?}")));
        }
        let len = u16::try_from(name.len()).map_err(|_| invalid("part name too long"))?;
        self.inner.write_all(&len.to_be_bytes())?;
        self.inner.write_all(name.as_bytes())?;
        self.part = Some(Sm3Parts {
            name: name.to_owned(),
            size: 0,
            hash: eseal_gm::Sm3Hasher::new(),
        });
        Ok(())
    }

    /// Appends bytes to the current part.
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        let Some(p) = &mut self.part else {
            return Err(invalid("bytes outside a part"));
        };
        for piece in data.chunks(CHUNK) {
            let len = u32::try_from(piece.len()).map_err(|_| invalid("segment"))?;
            if len == 0 {
                continue;
            }
            self.inner.write_all(&len.to_be_bytes())?;
            self.inner.write_all(piece)?;
            p.hash.update(piece);
            p.size += u64::from(len);
        }
        Ok(())
    }

    /// A whole part at once.
    pub fn part(&mut self, name: &str, data: &[u8]) -> io::Result<()> {
        self.begin(name)?;
        self.write(data)?;
        self.end()
    }

    /// Ends the current part (if one is open).
    pub fn end(&mut self) -> io::Result<()> {
        if let Some(p) = self.part.take() {
            self.inner.write_all(&0u32.to_be_bytes())?;
            self.parts
                .push((p.name, p.size, p.hash.finalize().to_hex()));
        }
        Ok(())
    }

    /// Ends the last part and the archive; gives back the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.end()?;
        self.inner.write_all(&0u16.to_be_bytes())?;
        let sealer = self.inner.finish()?;
        sealer.finish()
    }
}

fn header_digest(text: &[u8]) -> [u8; 32] {
    let mut h = eseal_gm::Sm3Hasher::new();
    h.update(MAGIC);
    h.update(text);
    *h.finalize().as_bytes()
}

/// Why an archive cannot be opened, for the message.
#[derive(Debug)]
pub enum OpenError {
    /// Not an eseal backup archive, or its header is damaged.
    NotArchive(String),
    /// Made for another backup key.
    WrongKey {
        /// The archive's key id.
        archive: String,
        /// The key given.
        given: String,
    },
    /// The key id matches but the content key does not open (the header was changed).
    Damaged(String),
}

/// Reads the decrypted, checked plaintext chunk by chunk.
struct Opener<R: Read> {
    input: R,
    key: Sm4Key,
    prefix: [u8; 8],
    digest: [u8; 32],
    counter: u64,
    buf: Zeroizing<Vec<u8>>,
    pos: usize,
    last: bool,
    offset: u64,
}

impl<R: Read> Opener<R> {
    fn next_chunk(&mut self) -> io::Result<()> {
        let mut len = [0u8; 4];
        match read_full(&mut self.input, &mut len)? {
            0 => {
                return Err(invalid(format!(
                    "the archive ends after chunk {} at byte {}: it was cut short (truncated)",
                    self.counter, self.offset
                )));
            }
            4 => {}
            _ => {
                return Err(invalid(format!(
                    "the archive ends inside a chunk header at byte {}: it was cut short",
                    self.offset
                )));
            }
        }
        let len = u32::from_be_bytes(len) as usize;
        if !(16..=CHUNK + 16).contains(&len) {
            return Err(invalid(format!(
                "chunk {} at byte {} declares {len} bytes: damaged",
                self.counter, self.offset
            )));
        }
        let mut sealed = vec![0u8; len];
        if read_full(&mut self.input, &mut sealed)? != len {
            return Err(invalid(format!(
                "chunk {} at byte {} is cut short (truncated)",
                self.counter, self.offset
            )));
        }
        let nonce = chunk_nonce(&self.prefix, self.counter)?;
        let (plain, last) = match gcm_open(
            &self.key,
            &nonce,
            &chunk_aad(&self.digest, self.counter, false),
            &sealed,
        ) {
            Ok(p) => (p, false),
            Err(_) => match gcm_open(
                &self.key,
                &nonce,
                &chunk_aad(&self.digest, self.counter, true),
                &sealed,
            ) {
                Ok(p) => (p, true),
                Err(_) => {
                    return Err(invalid(format!(
                        "chunk {} at byte {} does not authenticate: the archive was changed or damaged there",
                        self.counter, self.offset
                    )));
                }
            },
        };
        self.offset += 4 + len as u64;
        self.counter += 1;
        self.buf = Zeroizing::new(plain);
        self.pos = 0;
        self.last = last;
        if last {
            let mut extra = [0u8; 1];
            if read_full(&mut self.input, &mut extra)? != 0 {
                return Err(invalid(format!(
                    "bytes follow the final chunk at byte {}: something was appended",
                    self.offset
                )));
            }
        }
        Ok(())
    }
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

impl<R: Read> Read for Opener<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.buf.len() {
            if self.last {
                return Ok(0);
            }
            self.next_chunk()?;
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Reads an archive's parts in order.
pub struct ArchiveReader<R: Read> {
    inner: flate2::read::DeflateDecoder<Opener<R>>,
    /// The clear header.
    pub header: Header,
    in_part: bool,
    ended: bool,
}

impl<R: Read> std::fmt::Debug for ArchiveReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ArchiveReader({:?})", self.header.created)
    }
}

impl<R: Read> ArchiveReader<R> {
    /// Reads the header and opens the content key with `key`.
    pub fn open(mut input: R, key: &BackupKey) -> Result<Self, OpenError> {
        let (header, text) = read_header(&mut input)?;
        if header.key_id != key.id() {
            return Err(OpenError::WrongKey {
                archive: header.key_id,
                given: key.id(),
            });
        }
        let wrap_nonce: [u8; 12] = hex::decode(&header.wrap_nonce)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| OpenError::NotArchive("wrap_nonce".into()))?;
        let prefix: [u8; 8] = hex::decode(&header.nonce)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| OpenError::NotArchive("nonce".into()))?;
        let wrapped =
            hex::decode(&header.wrapped).map_err(|_| OpenError::NotArchive("wrapped".into()))?;
        let content = gcm_open(&key.key, &wrap_nonce, WRAP_AAD, &wrapped)
            .ok()
            .and_then(|b| <[u8; 16]>::try_from(b.as_slice()).ok())
            .map(Zeroizing::new)
            .ok_or_else(|| {
                OpenError::Damaged("the content key does not open under the backup key".into())
            })?;
        if header.chunk as usize != CHUNK || header.compression != "deflate" {
            return Err(OpenError::NotArchive(format!(
                "chunk {} / compression {:?}",
                header.chunk, header.compression
            )));
        }
        let opener = Opener {
            input,
            key: Sm4Key::from_bytes(*content),
            prefix,
            digest: header_digest(&text),
            counter: 0,
            buf: Zeroizing::new(Vec::new()),
            pos: 0,
            last: false,
            offset: (MAGIC.len() + 4 + text.len()) as u64,
        };
        Ok(Self {
            inner: flate2::read::DeflateDecoder::new(opener),
            header,
            in_part: false,
            ended: false,
        })
    }

    /// The next part's name; `None` at the archive's end.
    pub fn next_part(&mut self) -> io::Result<Option<String>> {
        if self.in_part {
            // Skip what was not read of the part before.
            while self.segment(&mut |_| Ok(()))? {}
        }
        if self.ended {
            return Ok(None);
        }
        let mut len = [0u8; 2];
        self.inner.read_exact(&mut len).map_err(eof)?;
        let len = u16::from_be_bytes(len) as usize;
        if len == 0 {
            self.ended = true;
            let mut extra = [0u8; 1];
            if self.inner.read(&mut extra)? != 0 {
                return Err(invalid("data after the archive's end mark"));
            }
            // Down to the final chunk: an archive whose last chunk was cut off is refused
            // even when the content ended before it.
            if self.inner.get_mut().read(&mut extra)? != 0 {
                return Err(invalid("data after the archive's end mark"));
            }
            return Ok(None);
        }
        if len > MAX_NAME {
            return Err(invalid("a part name longer than allowed"));
        }
        let mut name = vec![0u8; len];
        self.inner.read_exact(&mut name).map_err(eof)?;
        let name = String::from_utf8(name).map_err(|_| invalid("a part name is not UTF-8"))?;
        self.in_part = true;
        Ok(Some(name))
    }

    /// Gives the next segment of the current part to `each`; false at the part's end.
    pub fn segment(&mut self, each: &mut dyn FnMut(&[u8]) -> io::Result<()>) -> io::Result<bool> {
        if !self.in_part {
            return Ok(false);
        }
        let mut len = [0u8; 4];
        self.inner.read_exact(&mut len).map_err(eof)?;
        let len = u32::from_be_bytes(len) as usize;
        if len == 0 {
            self.in_part = false;
            return Ok(false);
        }
        if len > CHUNK {
            return Err(invalid("a segment longer than allowed"));
        }
        let mut buf = Zeroizing::new(vec![0u8; len]);
        self.inner.read_exact(&mut buf).map_err(eof)?;
        each(&buf)?;
        Ok(true)
    }

    /// The rest of the current part, whole (for small parts: ≤ `limit` bytes).
    pub fn read_part(&mut self, limit: usize) -> io::Result<Zeroizing<Vec<u8>>> {
        let mut out = Zeroizing::new(Vec::new());
        while self.segment(&mut |b| {
            if out.len() + b.len() > limit {
                return Err(invalid(format!("a part larger than {limit} bytes")));
            }
            out.extend_from_slice(b);
            Ok(())
        })? {}
        Ok(out)
    }
}

fn eof(e: io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        invalid("the archive's content ends early")
    } else {
        e
    }
}

/// Reads the clear header only (no key needed): for listing an archive.
pub fn read_header(input: &mut impl Read) -> Result<(Header, Vec<u8>), OpenError> {
    let mut magic = [0u8; 8];
    if read_full(input, &mut magic).map_err(|e| OpenError::NotArchive(e.to_string()))? != 8
        || &magic != MAGIC
    {
        return Err(OpenError::NotArchive(
            "it does not start as an eseal backup archive".into(),
        ));
    }
    let mut len = [0u8; 4];
    if read_full(input, &mut len).map_err(|e| OpenError::NotArchive(e.to_string()))? != 4 {
        return Err(OpenError::NotArchive("its header is cut short".into()));
    }
    let len = u32::from_be_bytes(len);
    if len > MAX_HEADER {
        return Err(OpenError::NotArchive(format!(
            "its header declares {len} bytes"
        )));
    }
    let mut text = vec![0u8; len as usize];
    if read_full(input, &mut text).map_err(|e| OpenError::NotArchive(e.to_string()))? != text.len()
    {
        return Err(OpenError::NotArchive("its header is cut short".into()));
    }
    let header: Header = serde_json::from_slice(&text)
        .map_err(|_| OpenError::NotArchive("its header is not readable".into()))?;
    if header.format != FORMAT {
        return Err(OpenError::NotArchive(format!(
            "archive format {} (this eseal reads {FORMAT})",
            header.format
        )));
    }
    Ok((header, text))
}

/// The SM3 of a whole file, for naming an archive.
pub fn file_sm3(path: &std::path::Path) -> io::Result<Sm3Digest> {
    let mut f = std::fs::File::open(path)?;
    let mut h = eseal_gm::Sm3Hasher::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(h.finalize());
        }
        h.update(&buf[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eseal_gm::provider::SeededRandom;

    fn archive(key: &BackupKey, parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let r = SeededRandom::new(b"7");
        let mut w = ArchiveWriter::new(Vec::new(), key, &r, "2026-12-06T00:00:00Z").unwrap();
        for (n, d) in parts {
            w.part(n, d).unwrap();
        }
        w.finish().unwrap()
    }

    fn read_all(bytes: &[u8], key: &BackupKey) -> io::Result<Vec<(String, Vec<u8>)>> {
        let mut r = ArchiveReader::open(bytes, key).map_err(|e| invalid(format!("{e:?}")))?;
        let mut out = Vec::new();
        while let Some(n) = r.next_part()? {
            out.push((n, r.read_part(usize::MAX)?.to_vec()));
        }
        Ok(out)
    }

    #[test]
    fn round_trip_and_every_byte_matters() {
        let key = BackupKey::from_bytes([3; 16]);
        // Three chunks: incompressible bytes over two chunk sizes.
        let r = SeededRandom::new(b"1");
        let mut big = vec![0u8; CHUNK * 2 + 100];
        r.fill(&mut big).unwrap();
        let parts = vec![("a", b"hello".to_vec()), ("db", big), ("z", Vec::new())];
        let bytes = archive(&key, &parts);
        let back = read_all(&bytes, &key).unwrap();
        assert_eq!(back.len(), 3);
        for ((n1, d1), (n2, d2)) in parts.iter().zip(&back) {
            assert_eq!(n1, n2);
            assert_eq!(d1, d2);
        }
        // Any changed byte (sampled), a cut or an appended byte is refused.
        for i in (0..bytes.len()).step_by(bytes.len() / 31) {
            let mut t = bytes.clone();
            t[i] ^= 0x40;
            assert!(read_all(&t, &key).is_err(), "byte {i} changed, still read");
        }
        for cut in [bytes.len() - 1, bytes.len() / 2, 20] {
            assert!(read_all(&bytes[..cut], &key).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(read_all(&longer, &key).is_err());
        // Another key is named as such.
        let other = BackupKey::from_bytes([4; 16]);
        assert!(matches!(
            ArchiveReader::open(bytes.as_slice(), &other),
            Err(OpenError::WrongKey { .. })
        ));
    }

    #[test]
    fn key_text_round_trip() {
        let k = BackupKey::from_bytes([9; 16]);
        let back = BackupKey::from_text(&k.to_text()).unwrap();
        assert_eq!(back.id(), k.id());
        assert!(BackupKey::from_text("eseal-backup-key:1:zz").is_none());
    }
}
