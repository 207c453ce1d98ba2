//! `eseal bench`: the numbers `scripts/bench-crypto.sh` compares with `openssl speed`.
//! Same workloads as OpenSSL's: SM2 sign and verify of a short message including Z and SM3
//! (as `openssl speed sm2`, which uses EVP_DigestSign), SM3 over 16 KiB buffers; and the
//! core's clock, so that SM3's speed reads as cycles per byte.

use anyhow::Result;
use eseal_gm::provider::{OsRandom, Sm2Verifier};
use eseal_gm::{SignerId, Sm2PrivateKey, Sm3Hasher};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn rate(seconds: f64, mut op: impl FnMut() -> Result<()>) -> Result<f64> {
    let budget = Duration::from_secs_f64(seconds);
    // Warm up.
    for _ in 0..16 {
        op()?;
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        for _ in 0..16 {
            op()?;
        }
        n += 16;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// The core's clock in Hz, from a chain of dependent one-cycle instructions (a rotate and
/// an xor per step, ≈ `seconds` long): what turns SM3's MB/s into cycles per byte where
/// the performance counters cannot be read (a virtual machine).
fn clock_hz(seconds: f64) -> f64 {
    const STEPS: u64 = 1 << 24;
    let c = black_box(0x9E37_79B9_u32);
    let budget = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut fastest = f64::MAX;
    while start.elapsed() < budget {
        let mut x = black_box(1_u32);
        let t = Instant::now();
        for _ in 0..STEPS / 8 {
            for _ in 0..8 {
                x = x.rotate_left(7) ^ c;
            }
        }
        let dt = t.elapsed().as_secs_f64();
        black_box(x);
        fastest = fastest.min(dt);
    }
    (2 * STEPS) as f64 / fastest
}

pub fn run(seconds: f64) -> Result<()> {
    let key = Sm2PrivateKey::generate(&OsRandom)?;
    let public = key.public_key();
    let id = SignerId::default();
    let message = [0x5Au8; 32];
    let signature = key.sign(&id, &message)?;
    let sign = rate(seconds, || {
        black_box(key.sign(&id, black_box(&message))?);
        Ok(())
    })?;
    let verify = rate(seconds, || {
        public.verify(&id, black_box(&message), &signature)?;
        Ok(())
    })?;
    // The same under a key the verifier has learnt (its table built during the warm-up):
    // what a document with many signatures, or the service, gets for a repeated key.
    let learning = eseal_gm::keytables::KeyTableVerifier::default();
    let verify_learnt = rate(seconds, || {
        learning.verify(&public, &id, black_box(&message), &signature)?;
        Ok(())
    })?;
    let buffer = vec![0xA5u8; 16 * 1024];
    let blocks = rate(seconds, || {
        let mut h = Sm3Hasher::new();
        h.update(black_box(&buffer));
        black_box(h.finalize());
        Ok(())
    })?;
    let mb = blocks * buffer.len() as f64 / 1e6;
    // Cycles per byte: the fastest of many short SM3 runs against the fastest of many short
    // clock runs, so that time taken by the machine's neighbours (a shared VM) counts in
    // neither.
    let ghz = clock_hz(seconds.min(1.0)) / 1e9;
    let budget = Duration::from_secs_f64(seconds.min(1.0));
    let start = Instant::now();
    let mut fastest = f64::MAX;
    while start.elapsed() < budget {
        let t = Instant::now();
        for _ in 0..16 {
            let mut h = Sm3Hasher::new();
            h.update(black_box(&buffer));
            black_box(h.finalize());
        }
        fastest = fastest.min(t.elapsed().as_secs_f64());
    }
    let cycles_per_byte = ghz * 1e9 * fastest / (16 * buffer.len()) as f64;
    outln!(
        "eseal sm2_sign_per_s={sign:.1} sm2_verify_per_s={verify:.1} \
         sm2_verify_learnt_key_per_s={verify_learnt:.1} sm3_mb_per_s={mb:.1} clock_ghz={ghz:.3} sm3_cycles_per_byte={cycles_per_byte:.2}"
    );
    Ok(())
}
