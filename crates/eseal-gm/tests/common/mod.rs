//! What the SM2 differential tests share: how many cases, and the random messages.

use eseal_gm::provider::{SecureRandom, SeededRandom};

/// Cases per test: `ESEAL_SM2_DIFF_N`, default 100,000 (a long run sets more).
pub fn count() -> usize {
    std::env::var("ESEAL_SM2_DIFF_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// A random message of 0–299 bytes.
pub fn message(random: &SeededRandom) -> Vec<u8> {
    let mut len = [0u8; 2];
    random.fill(&mut len).unwrap();
    let mut m = vec![0u8; usize::from(u16::from_be_bytes(len) % 300)];
    random.fill(&mut m).unwrap();
    m
}
