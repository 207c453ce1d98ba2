//! SM3 (GB/T 32905): one-shot and streaming.

use sm3::{Digest, Sm3};
use std::fmt;

/// A 32-byte SM3 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sm3Digest(pub [u8; 32]);

impl Sm3Digest {
    /// SM3 of `data` in one call.
    pub fn of(data: &[u8]) -> Self {
        let mut h = Sm3Hasher::new();
        h.update(data);
        h.finalize()
    }

    /// The digest bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lower-case hexadecimal.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// From exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(bytes).ok().map(Self)
    }
}

impl fmt::Debug for Sm3Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sm3Digest({})", self.to_hex())
    }
}

impl fmt::Display for Sm3Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// Streaming SM3: feed data in pieces of any size (files are hashed as streams).
#[derive(Clone, Default)]
pub struct Sm3Hasher(Sm3);

impl fmt::Debug for Sm3Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sm3Hasher")
    }
}

impl Sm3Hasher {
    /// A fresh hasher.
    pub fn new() -> Self {
        Self(Sm3::new())
    }

    /// Absorb more input.
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// Finish and return the digest.
    pub fn finalize(self) -> Sm3Digest {
        Sm3Digest(self.0.finalize().into())
    }
}

impl std::io::Write for Sm3Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm3_abc_vector() {
        // GB/T 32905 appendix A, example 1.
        assert_eq!(
            Sm3Digest::of(b"abc").to_hex(),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn sm3_streaming_equals_one_shot() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let mut h = Sm3Hasher::new();
        for chunk in data.chunks(37) {
            h.update(chunk);
        }
        assert_eq!(h.finalize(), Sm3Digest::of(&data));
    }

    #[test]
    fn sm3_64_byte_vector() {
        // GB/T 32905 appendix A, example 2: "abcd" repeated 16 times.
        let m = b"abcd".repeat(16);
        assert_eq!(
            Sm3Digest::of(&m).to_hex(),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
        );
    }
}
