//! A verifier that remembers, for one document, the SM2 verifications that succeeded: the
//! seal inside every signature a holder made is the same, so its maker's signature is checked
//! once per document, not once per signature (issue 22). A verification is a pure function of
//! (public key, signer ID, message, signature); a repeat is answered only when all four are
//! equal, and failures are never remembered (each is checked again and reported). Chain
//! validations likewise ([`RememberedChains`]).

use eseal_gm::provider::Sm2Verifier;
use eseal_gm::{Error, SignerId, Sm2PublicKey, Sm2Signature};
use eseal_ses::{CertificateRole, CertificateValidator, ChainVerdict, VerifyPolicy};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Most verifications remembered (one per signature and seal of a document), and most bytes
/// of messages kept for them: a hostile package cannot make this grow with its size.
const MAX: usize = 4096;
const MAX_BYTES: usize = 16 << 20;

/// Keeps `value()` under `key` in a memo holding (entries, bytes kept), unless it has
/// [`MAX`] entries or `len` more bytes would pass [`MAX_BYTES`].
fn keep<K: Eq + std::hash::Hash, V>(
    memo: &Mutex<(HashMap<K, V>, usize)>,
    key: K,
    len: usize,
    value: impl FnOnce() -> V,
) {
    if let Ok(mut memo) = memo.lock() {
        let (map, bytes) = &mut *memo;
        if map.len() < MAX && *bytes + len <= MAX_BYTES {
            *bytes += len;
            map.insert(key, value());
        }
    }
}

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
        keep(&self.ok, key, message.len(), || message.to_vec());
        Ok(())
    }
}

/// (certificate, time, role) → the verdict.
type ChainKey = (Vec<u8>, time::OffsetDateTime, CertificateRole);

/// A chain validator that remembers its answers for one document. The seal inside every
/// signature a holder made is the same, so its maker's certificate is validated at the same
/// createDate once per document instead of once per signature (issue 22: a document of a
/// hundred signatures spent a sixth of its verification in chain validation). A validation
/// is a function of (certificate, time, role) against the trust store, which does not
/// change during one verification; only exact repeats are answered, at most [`MAX`] of
/// them and [`MAX_BYTES`] of certificates.
pub(crate) struct RememberedChains {
    inner: Arc<dyn CertificateValidator>,
    seen: Mutex<(HashMap<ChainKey, ChainVerdict>, usize)>,
}

impl RememberedChains {
    /// `policy` with its chain validator (if any) remembering for one document.
    pub(crate) fn around(policy: &VerifyPolicy) -> VerifyPolicy {
        let mut policy = policy.clone();
        policy.chain_validator = policy.chain_validator.take().map(|inner| {
            Arc::new(Self {
                inner,
                seen: Mutex::new((HashMap::new(), 0)),
            }) as Arc<dyn CertificateValidator>
        });
        policy
    }
}

impl CertificateValidator for RememberedChains {
    fn validate(
        &self,
        cert: &[u8],
        at: time::OffsetDateTime,
        role: CertificateRole,
    ) -> ChainVerdict {
        let key = (cert.to_vec(), at, role);
        if let Ok(seen) = self.seen.lock()
            && let Some(v) = seen.0.get(&key)
        {
            return v.clone();
        }
        let verdict = self.inner.validate(cert, at, role);
        keep(&self.seen, key, cert.len(), || verdict.clone());
        verdict
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

    /// Counts the validations that reach it; its verdict names the time it was asked for.
    #[derive(Debug, Default)]
    struct CountingChains(AtomicUsize);

    impl CertificateValidator for CountingChains {
        fn validate(
            &self,
            cert: &[u8],
            at: time::OffsetDateTime,
            role: CertificateRole,
        ) -> ChainVerdict {
            self.0.fetch_add(1, Ordering::Relaxed);
            ChainVerdict {
                outcome: eseal_ses::Outcome::Passed,
                sub_indication: None,
                detail: eseal_ses::Text::new(
                    format!("{cert:?} {at} {role:?}"),
                    format!("{cert:?} {at} {role:?}"),
                ),
            }
        }
    }

    #[test]
    fn a_chain_is_validated_once_per_certificate_time_and_role() {
        let counting = Arc::new(CountingChains::default());
        let policy = VerifyPolicy {
            chain_validator: Some(counting.clone()),
            ..Default::default()
        };
        let memo = RememberedChains::around(&policy);
        let v = memo.chain_validator.as_ref().unwrap();
        let t = time::macros::datetime!(2026-06-01 08:00 UTC);
        let first = v.validate(b"maker", t, CertificateRole::Maker);
        for _ in 0..5 {
            assert_eq!(v.validate(b"maker", t, CertificateRole::Maker), first);
        }
        assert_eq!(counting.0.load(Ordering::Relaxed), 1);
        // Another time, role or certificate: asked again, and answered for what was asked.
        let later = v.validate(b"maker", t + time::Duration::SECOND, CertificateRole::Maker);
        assert_ne!(later, first);
        v.validate(b"maker", t, CertificateRole::Signer);
        v.validate(b"maker2", t, CertificateRole::Maker);
        assert_eq!(counting.0.load(Ordering::Relaxed), 4);
        // The policy outside is untouched.
        assert!(Arc::ptr_eq(
            policy.chain_validator.as_ref().unwrap(),
            &(counting.clone() as Arc<dyn CertificateValidator>)
        ));
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
