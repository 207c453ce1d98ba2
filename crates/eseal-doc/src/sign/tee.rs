//! Copying the package's entries byte for byte while hashing their content on the way (one
//! pass over the input).

use crate::error::{DocError, Text};
use base64ct::{Base64, Encoding};
use eseal_gm::Sm3Hasher;
use std::cell::RefCell;
use std::io::{Read, Seek, Write};
use std::rc::Rc;

/// What an entry's content gives while it is copied: its SM3, length and CRC-32, so that an
/// entry whose headers lie about it is refused rather than signed into a package that can
/// never verify.
pub(super) struct Content {
    sm3: Sm3Hasher,
    crc: flate2::Crc,
    len: u64,
}

impl Content {
    pub(super) fn new() -> Self {
        Self {
            sm3: Sm3Hasher::new(),
            crc: flate2::Crc::new(),
            len: 0,
        }
    }
}

impl Write for Content {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.sm3.update(b);
        self.crc.update(b);
        self.len += b.len() as u64;
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Where the bytes the ZIP reader reads go while an entry is copied.
pub(super) enum Sink {
    Stored(Content),
    Deflated(flate2::write::DeflateDecoder<Content>),
}

impl Sink {
    /// The content's SM3 (base64), once its length and CRC-32 are what the headers declare.
    pub(super) fn finish(self, name: &str, size: u64, crc32: u32) -> Result<String, DocError> {
        let c = match self {
            Sink::Stored(c) => c,
            Sink::Deflated(d) => d.finish().map_err(|e| {
                DocError::Package(Text::new(
                    format!("{name}：deflate 压缩数据损坏"),
                    format!("{name}: bad deflate data: {e}"),
                ))
            })?,
        };
        if c.len != size {
            return Err(DocError::Package(Text::new(
                format!(
                    "{name} 实有 {} 字节，却声明为 {size} 字节：不对一个永远无法验证通过的文件包签章",
                    c.len
                ),
                format!(
                    "{name} holds {} bytes but declares {size}: a package that could never verify is not signed",
                    c.len
                ),
            )));
        }
        if c.crc.sum() != crc32 {
            return Err(DocError::Package(Text::new(
                format!("{name}：CRC-32 与文件头声明的不一致（条目已损坏）"),
                format!(
                    "{name}: its CRC-32 is not the one its headers declare (the entry is damaged)"
                ),
            )));
        }
        Ok(Base64::encode_string(c.sm3.finalize().as_bytes()))
    }
}

/// A reader that also feeds what it reads to the armed [`Sink`].
pub(super) struct Tee<R> {
    pub(super) inner: R,
    pub(super) sink: Rc<RefCell<Option<Sink>>>,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(sink) = self.sink.borrow_mut().as_mut() {
            let data = buf.get(..n).unwrap_or_default();
            match sink {
                Sink::Stored(c) => c.write_all(data)?,
                Sink::Deflated(d) => d.write_all(data)?,
            }
        }
        Ok(n)
    }
}

impl<R: Seek> Seek for Tee<R> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}
