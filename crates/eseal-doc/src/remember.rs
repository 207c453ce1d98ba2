//! A verifier that remembers, for one document, the SM2 verifications that succeeded: the
//! seal inside every signature a holder made is the same, so its maker's signature is checked
//! once per document, not once per signature (issue 22). A verification is a pure function of
//! (public key, signer ID, message, signature); a repeat is answered only when all four are
//! equal, and failures are never remembered (each is checked again and reported).

use eseal_gm::provider::Sm2Verifier;
use eseal_gm::{Error, SignerId, Sm2PublicKey, Sm2Signature};
use std::collections::HashMap;
use std::sync::Mutex;

/// Most verifications remembered (one per signature and seal of a document), and most bytes
/// of messages kept for them: a hostile package cannot make this grow with its size.
const MAX: usize = 4096;
const MAX_BYTES: usize = 16 << 20;

/// (public key, signer ID, r‖s).
type Key = (Vec<u8>, String, [u8; 64]);

/// See the module documentation. The checks that succeed first go to `inner`.
pub(crate) struct Remembered<'a> {
    inner: &'a dyn Sm2Verifier,
    /// (key, ID, r‖s) → the message verified.
    ok: Mutex<(HashMap<Key, Vec<u8>>, usize)>,
}

impl<'a> Remembered<'a> {
    pub(crate) fn new(inner: &'a dyn Sm2Verifier) -> Self {
        Self {
            inner,
            ok: Mutex::new((HashMap::new(), 0)),
        }
    }
}

impl std::fmt::Debug for Remembered<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remembered")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl Sm2Verifier for Remembered<'_> {
    fn verify(
        &self,
        public_key: &Sm2PublicKey,
        id: &SignerId,
        message: &[u8],
        signature: &Sm2Signature,
    ) -> Result<(), Error> {
        let key = (
            public_key.to_sec1_uncompressed(),
            id.as_str().to_owned(),
            signature.to_raw(),
        );
        if let Ok(ok) = self.ok.lock()
            && ok.0.get(&key).is_some_and(|m| m.as_slice() == message)
        {
            return Ok(());
        }
        self.inner.verify(public_key, id, message, signature)?;
        if let Ok(mut ok) = self.ok.lock() {
            let (map, bytes) = &mut *ok;
            if map.len() < MAX && *bytes + message.len() <= MAX_BYTES {
                *bytes += message.len();
                map.insert(key, message.to_vec());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts the verifications that reach it.
    #[derive(Debug, Default)]
    struct Counting(AtomicUsize);

    impl Sm2Verifier for Counting {
        fn verify(
            &self,
            public_key: &Sm2PublicKey,
            id: &SignerId,
            message: &[u8],
            signature: &Sm2Signature,
        ) -> Result<(), Error> {
            self.0.fetch_add(1, Ordering::Relaxed);
            public_key.verify(id, message, signature)
        }
    }

    #[test]
    fn a_repeat_is_answered_and_anything_else_checked() {
        let random = eseal_gm::provider::OsRandom;
        let key = eseal_gm::Sm2PrivateKey::generate(&random).unwrap();
        let other = eseal_gm::Sm2PrivateKey::generate(&random).unwrap();
        let id = SignerId::default();
        let sig = key.sign(&id, b"seal info").unwrap();
        let counting = Counting::default();
        let memo = Remembered::new(&counting);
        let public = key.public_key();
        for _ in 0..5 {
            memo.verify(&public, &id, b"seal info", &sig).unwrap();
        }
        assert_eq!(counting.0.load(Ordering::Relaxed), 1);
        // Another message, key or ID with the same r‖s: checked, and refused.
        assert!(memo.verify(&public, &id, b"seal inf0", &sig).is_err());
        assert!(
            memo.verify(&other.public_key(), &id, b"seal info", &sig)
                .is_err()
        );
        let id2 = SignerId::new("another id").unwrap();
        assert!(memo.verify(&public, &id2, b"seal info", &sig).is_err());
        assert_eq!(counting.0.load(Ordering::Relaxed), 4);
        // A failure is not remembered: checked each time.
        assert!(memo.verify(&public, &id, b"seal inf0", &sig).is_err());
        assert_eq!(counting.0.load(Ordering::Relaxed), 5);
    }

    #[test]
    fn messages_past_the_byte_bound_are_not_kept() {
        let random = eseal_gm::provider::OsRandom;
        let key = eseal_gm::Sm2PrivateKey::generate(&random).unwrap();
        let id = SignerId::default();
        let big = vec![7u8; MAX_BYTES + 1];
        let sig = key.sign(&id, &big).unwrap();
        let counting = Counting::default();
        let memo = Remembered::new(&counting);
        for _ in 0..2 {
            memo.verify(&key.public_key(), &id, &big, &sig).unwrap();
        }
        assert_eq!(counting.0.load(Ordering::Relaxed), 2);
        assert_eq!(memo.ok.lock().unwrap().1, 0);
    }
}
