//! The traits through which crypto, time and randomness reach the libraries (style rule 3),
//! and their software and test implementations.
//!
//! An HSM or a holder's USB key implements [`Sm2Signer`]; the service picks the provider, the
//! libraries never construct one themselves.

use crate::error::{Error, ErrorKind};
use crate::sm2::{SignerId, Sm2PrivateKey, Sm2PublicKey, Sm2Signature};
use crate::sm3::Sm3Hasher;
use std::fmt;
use std::sync::Mutex;
use time::OffsetDateTime;

/// Something that holds an SM2 private key and signs with it: software key, HSM, USB key.
pub trait Sm2Signer: fmt::Debug + Send + Sync {
    /// The public key matching the private key.
    fn public_key(&self) -> Sm2PublicKey;
    /// The signer ID used for Z.
    fn signer_id(&self) -> &SignerId;
    /// Sign `message` (the whole message: the signer computes Z and e = SM3(Z ‖ message)).
    fn sign(&self, message: &[u8]) -> Result<Sm2Signature, Error>;
    /// Whether callers should verify each signature it returns before using it (the
    /// default: a device, HSM or remote signer is checked; the in-process software signer,
    /// whose key pair is checked when it is made, is not — a verification costs twice a
    /// signature).
    fn check_signatures(&self) -> bool {
        true
    }
}

/// Verifies SM2 signatures. The software implementation is [`SoftwareVerifier`]; an HSM
/// provider may offload verification too.
pub trait Sm2Verifier: fmt::Debug + Send + Sync {
    /// Verify `signature` over `message` with `public_key` and `id`.
    fn verify(
        &self,
        public_key: &Sm2PublicKey,
        id: &SignerId,
        message: &[u8],
        signature: &Sm2Signature,
    ) -> Result<(), Error>;
}

/// The current time.
pub trait Clock: fmt::Debug + Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> OffsetDateTime;
}

/// A source of cryptographically secure random bytes.
pub trait SecureRandom: fmt::Debug + Send + Sync {
    /// Fill `dest` with random bytes.
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error>;
}

/// A software signer over an in-memory private key (zeroized on drop).
#[derive(Debug)]
pub struct SoftwareSigner {
    key: Sm2PrivateKey,
    id: SignerId,
}

impl SoftwareSigner {
    /// A signer with the default signer ID.
    pub fn new(key: Sm2PrivateKey) -> Self {
        Self {
            key,
            id: SignerId::default(),
        }
    }

    /// A signer with a chosen signer ID.
    pub fn with_id(key: Sm2PrivateKey, id: SignerId) -> Self {
        Self { key, id }
    }
}

impl Sm2Signer for SoftwareSigner {
    fn public_key(&self) -> Sm2PublicKey {
        self.key.public_key()
    }

    fn signer_id(&self) -> &SignerId {
        &self.id
    }

    fn sign(&self, message: &[u8]) -> Result<Sm2Signature, Error> {
        self.key.sign(&self.id, message)
    }

    fn check_signatures(&self) -> bool {
        false
    }
}

/// Software SM2 verification, each call on its own. For many signatures under few keys
/// (a document with many signatures, a long-running service) see
/// [`crate::keytables::KeyTableVerifier`].
#[derive(Debug, Default, Clone, Copy)]
pub struct SoftwareVerifier;

impl Sm2Verifier for SoftwareVerifier {
    fn verify(
        &self,
        public_key: &Sm2PublicKey,
        id: &SignerId,
        message: &[u8],
        signature: &Sm2Signature,
    ) -> Result<(), Error> {
        public_key.verify(id, message, signature)
    }
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that always says the same time (tests, and verification "as of" a given time).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

/// The operating system's random source.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl SecureRandom for OsRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        getrandom::fill(dest).map_err(|_| Error::new(ErrorKind::RandomFailure, "OS random"))
    }
}

/// Deterministic bytes for tests: SM3 in counter mode over a seed. Not for production keys:
/// anyone who knows the seed knows every byte.
pub struct SeededRandom {
    seed: Vec<u8>,
    counter: Mutex<u64>,
}

impl fmt::Debug for SeededRandom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SeededRandom")
    }
}

impl SeededRandom {
    /// A generator whose output depends only on `seed`.
    pub fn new(seed: &[u8]) -> Self {
        Self {
            seed: seed.to_vec(),
            counter: Mutex::new(0),
        }
    }
}

impl SecureRandom for SeededRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        let mut counter = self
            .counter
            .lock()
            .map_err(|_| Error::new(ErrorKind::RandomFailure, "seeded random lock"))?;
        for chunk in dest.chunks_mut(32) {
            let mut h = Sm3Hasher::new();
            h.update(&self.seed);
            h.update(&counter.to_be_bytes());
            *counter += 1;
            let block = h.finalize();
            let n = chunk.len();
            chunk.copy_from_slice(block.as_bytes().get(..n).unwrap_or_default());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_random_is_deterministic_and_seed_dependent() {
        let (mut a, mut b, mut c) = ([0u8; 70], [0u8; 70], [0u8; 70]);
        SeededRandom::new(b"one").fill(&mut a).unwrap();
        SeededRandom::new(b"one").fill(&mut b).unwrap();
        SeededRandom::new(b"two").fill(&mut c).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn software_signer_signs_verifiably() {
        let key = Sm2PrivateKey::generate(&SeededRandom::new(b"p")).unwrap();
        let signer = SoftwareSigner::new(key);
        let sig = signer.sign(b"m").unwrap();
        SoftwareVerifier
            .verify(&signer.public_key(), signer.signer_id(), b"m", &sig)
            .unwrap();
    }
}
