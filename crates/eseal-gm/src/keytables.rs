//! Software SM2 verification that learns the public keys it sees often (issue 22).
//!
//! Verifying (r, s) computes s·G + t·Q. G's multiples are in a table built once per process,
//! so s·G is 43 point additions; t·Q is a double-and-add (256 doublings and ≈ 50 additions),
//! two thirds of the work. Signatures under the same key come in numbers: every signature of
//! one holder carries the same seal, whose maker's signature is checked each time; every time
//! stamp of the platform is under the TSA's key; a document may hold a hundred signatures.
//! For a key this verifier has been asked about [`PREPARE_AFTER`] times, it builds the key's
//! table of multiples (88 KiB, the cost of about ten verifications) and checks later
//! signatures under it with two table walks: about three times faster.
//!
//! Bounds, for a long-lived verifier facing anonymous callers: at most [`MAX_TABLES`]
//! tables (2.75 MiB), the least recently used given up first, and its key's count with it,
//! so a key must be asked about [`PREPARE_AFTER`] times again before its table is rebuilt
//! (a caller cycling through many keys causes at most one build per [`PREPARE_AFTER`]
//! verifications it pays for); at most [`MAX_COUNTED`] keys counted, the counts forgotten
//! when a new key finds the map full. The answer never depends on the table: it only
//! changes how t·Q is computed (`ec::tests` checks both ways agree).

use crate::ec::KeyTable;
use crate::error::Error;
use crate::provider::Sm2Verifier;
use crate::sm2::{SignerId, Sm2PublicKey, Sm2Signature};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

/// Verifications under one key after which its table is built.
pub const PREPARE_AFTER: u32 = 16;
/// Most keys with a table at once.
pub const MAX_TABLES: usize = 32;
/// Most keys counted at once.
pub const MAX_COUNTED: usize = 1024;

enum State {
    /// Verifications so far.
    Counting(u32),
    /// One caller is building the table; the others verify without it meanwhile.
    Building,
    /// The table, and the tick of its last use.
    Ready(Arc<KeyTable>, u64),
}

#[derive(Default)]
struct Keys {
    map: HashMap<[u8; 64], State>,
    tick: u64,
}

impl Keys {
    fn tables(&self) -> usize {
        self.map
            .values()
            .filter(|s| matches!(s, State::Ready(..)))
            .count()
    }

    /// Gives up the least recently used table while there are more than `keep`.
    fn evict_beyond(&mut self, keep: usize) {
        while self.tables() > keep {
            let oldest = self
                .map
                .iter()
                .filter_map(|(k, s)| match s {
                    State::Ready(_, used) => Some((*used, *k)),
                    _ => None,
                })
                .min();
            let Some((_, key)) = oldest else { return };
            self.map.remove(&key);
        }
    }
}

/// See the module documentation. Share one for as long as the keys it learns are useful:
/// one per document verification in a command, one per process in the service.
#[derive(Default)]
pub struct KeyTableVerifier {
    keys: Mutex<Keys>,
}

impl fmt::Debug for KeyTableVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (counted, tables) = self
            .keys
            .lock()
            .map(|k| (k.map.len(), k.tables()))
            .unwrap_or_default();
        f.debug_struct("KeyTableVerifier")
            .field("counted", &counted)
            .field("tables", &tables)
            .finish()
    }
}

impl KeyTableVerifier {
    /// The table to verify under `key` with, building it on the [`PREPARE_AFTER`]th ask.
    fn table_for(&self, key: &Sm2PublicKey) -> Option<Arc<KeyTable>> {
        let xy = key.xy();
        {
            let mut keys = self.keys.lock().ok()?;
            keys.tick += 1;
            let tick = keys.tick;
            if keys.map.len() >= MAX_COUNTED && !keys.map.contains_key(&xy) {
                keys.map.retain(|_, s| !matches!(s, State::Counting(_)));
            }
            let state = keys.map.entry(xy).or_insert(State::Counting(0));
            match state {
                State::Ready(table, used) => {
                    *used = tick;
                    return Some(table.clone());
                }
                State::Building => return None,
                State::Counting(n) => {
                    *n += 1;
                    if *n < PREPARE_AFTER {
                        return None;
                    }
                    *state = State::Building;
                }
            }
        }
        // Built outside the lock: other keys' verifications go on meanwhile.
        let table = Arc::new(key.table());
        if let Ok(mut keys) = self.keys.lock() {
            let tick = keys.tick;
            keys.map.insert(xy, State::Ready(table.clone(), tick));
            keys.evict_beyond(MAX_TABLES);
        }
        Some(table)
    }

    /// How many keys have a table now (for tests and metrics).
    pub fn tables(&self) -> usize {
        self.keys.lock().map(|k| k.tables()).unwrap_or(0)
    }
}

impl Sm2Verifier for KeyTableVerifier {
    fn verify(
        &self,
        public_key: &Sm2PublicKey,
        id: &SignerId,
        message: &[u8],
        signature: &Sm2Signature,
    ) -> Result<(), Error> {
        let table = self.table_for(public_key);
        public_key.verify_with(table.as_deref(), id, message, signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Sm2PrivateKey;
    use crate::provider::SeededRandom;

    #[test]
    fn the_same_answers_before_and_after_the_table() {
        let key = Sm2PrivateKey::generate(&SeededRandom::new(b"tables")).unwrap();
        let public = key.public_key();
        let id = SignerId::default();
        let verifier = KeyTableVerifier::default();
        for i in 0..(2 * PREPARE_AFTER) {
            let message = i.to_be_bytes();
            let sig = key.sign(&id, &message).unwrap();
            verifier.verify(&public, &id, &message, &sig).unwrap();
            // A wrong message, a wrong ID and a changed s are refused both ways.
            assert!(verifier.verify(&public, &id, b"other", &sig).is_err());
            let other_id = SignerId::new("other").unwrap();
            assert!(verifier.verify(&public, &other_id, &message, &sig).is_err());
            let mut s = *sig.s();
            s[31] ^= 1;
            let bent = Sm2Signature::from_scalars(*sig.r(), s).unwrap();
            assert!(verifier.verify(&public, &id, &message, &bent).is_err());
        }
        assert_eq!(verifier.tables(), 1);
    }

    #[test]
    fn tables_are_bounded_and_rebuilt_only_after_more_asks() {
        let id = SignerId::default();
        let verifier = KeyTableVerifier::default();
        let keys: Vec<_> = (0..=MAX_TABLES)
            .map(|i| Sm2PrivateKey::generate(&SeededRandom::new(&i.to_be_bytes())).unwrap())
            .collect();
        for key in &keys {
            let sig = key.sign(&id, b"m").unwrap();
            for _ in 0..PREPARE_AFTER {
                verifier.verify(&key.public_key(), &id, b"m", &sig).unwrap();
            }
        }
        // One table too many: the least recently used (the first key's) was given up,
        // with its count.
        assert_eq!(verifier.tables(), MAX_TABLES);
        let first = keys[0].public_key();
        let sig = keys[0].sign(&id, b"m").unwrap();
        verifier.verify(&first, &id, b"m", &sig).unwrap();
        let state = |k: &Sm2PublicKey| match verifier.keys.lock().unwrap().map.get(&k.xy()) {
            Some(State::Counting(n)) => Some(*n),
            _ => None,
        };
        assert_eq!(state(&first), Some(1));
        assert_eq!(state(&keys[1].public_key()), None, "still has its table");
    }

    #[test]
    fn counts_are_forgotten_when_the_map_is_full() {
        let verifier = KeyTableVerifier::default();
        {
            let mut keys = verifier.keys.lock().unwrap();
            for i in 0..MAX_COUNTED {
                let mut xy = [0u8; 64];
                xy[..8].copy_from_slice(&(i as u64).to_be_bytes());
                keys.map.insert(xy, State::Counting(PREPARE_AFTER - 1));
            }
        }
        let key = Sm2PrivateKey::generate(&SeededRandom::new(b"new")).unwrap();
        let id = SignerId::default();
        let sig = key.sign(&id, b"m").unwrap();
        verifier.verify(&key.public_key(), &id, b"m", &sig).unwrap();
        assert_eq!(verifier.keys.lock().unwrap().map.len(), 1);
    }
}
