//! `eseal bench`: the numbers `scripts/bench-crypto.sh` compares with `openssl speed`.
//! Same workloads as OpenSSL's: SM2 sign and verify of a short message including Z and SM3
//! (as `openssl speed sm2`, which uses EVP_DigestSign), SM3 over 16 KiB buffers.

use anyhow::Result;
use eseal_gm::provider::OsRandom;
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
    let buffer = vec![0xA5u8; 16 * 1024];
    let blocks = rate(seconds, || {
        let mut h = Sm3Hasher::new();
        h.update(black_box(&buffer));
        black_box(h.finalize());
        Ok(())
    })?;
    let mb = blocks * buffer.len() as f64 / 1e6;
    println!("eseal sm2_sign_per_s={sign:.1} sm2_verify_per_s={verify:.1} sm3_mb_per_s={mb:.1}");
    Ok(())
}
