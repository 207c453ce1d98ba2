//! Statistical timing tests in the manner of dudect (Reparaz, Balasch, Verbauwhede 2017):
//! measure an operation on a fixed secret and on random secrets, interleaved at random,
//! crop the slowest tail (interrupts, migrations), and compare the two distributions with
//! Welch's t. |t| above [`THRESHOLD`] means the timing depends on the secret. A control
//! runs the same test on the variable-time multiplication, which must be flagged, so the
//! test is known to have the power to see a leak.

use super::*;

/// dudect's own threshold for "definitely not constant time".
const THRESHOLD: f64 = 10.0;
const SAMPLES: usize = 20_000;

/// A small xorshift generator: the test's own randomness (class choice, random secrets),
/// deterministic so a failure can be replayed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn bytes(&mut self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for chunk in out.chunks_exact_mut(8) {
            chunk.copy_from_slice(&self.next().to_be_bytes());
        }
        out
    }
}

/// Welch's t between the two classes' times after cropping both at the pooled 90th
/// percentile.
fn welch_t(times: &[(bool, u64)]) -> f64 {
    let mut all: Vec<u64> = times.iter().map(|t| t.1).collect();
    all.sort_unstable();
    let crop = all[all.len() * 9 / 10];
    let stats = |class: bool| {
        let v: Vec<f64> = times
            .iter()
            .filter(|t| t.0 == class && t.1 <= crop)
            .map(|t| t.1 as f64)
            .collect();
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, var, n)
    };
    let (ma, va, na) = stats(true);
    let (mb, vb, nb) = stats(false);
    (ma - mb) / (va / na + vb / nb).sqrt()
}

/// Times `op(fixed)` against `op(random)`, classes interleaved at random; inputs are
/// prepared before the clock starts.
fn measure<T>(seed: u64, fixed: &T, random: impl Fn(&mut XorShift) -> T, op: impl Fn(&T)) -> f64 {
    let mut rng = XorShift(seed);
    let mut times = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let class = rng.next() & 1 == 1;
        let input = random(&mut rng);
        let x = if class { fixed } else { &input };
        let start = std::time::Instant::now();
        op(std::hint::black_box(x));
        let elapsed = start.elapsed().as_nanos() as u64;
        times.push((class, elapsed));
    }
    welch_t(&times)
}

/// Runs the measurement up to three times: a loaded CI machine can produce one bad run; a
/// real leak fails all three.
fn t_of(seed: u64, run: impl Fn(u64) -> f64) -> f64 {
    let mut worst = 0.0f64;
    for attempt in 0..3 {
        let t = run(seed + attempt);
        if t.abs() < THRESHOLD {
            return t;
        }
        worst = t;
    }
    worst
}

fn random_scalar(rng: &mut XorShift) -> Sc {
    Sc::from_be_bytes_reduced(&rng.bytes())
}

#[test]
fn k_times_g_does_not_depend_on_k() {
    // k = 1: 42 of 43 digits zero, the case a variable-time method would skip.
    let one = Sc::ONE;
    let t = t_of(1, |seed| {
        measure(seed, &one, random_scalar, |k| {
            std::hint::black_box(mul_g(k));
        })
    });
    eprintln!("k·G fixed vs random k: Welch t = {t:.2}");
    assert!(t.abs() < THRESHOLD, "k·G timing depends on k: t = {t:.1}");
}

#[test]
fn the_test_sees_a_variable_time_multiplication() {
    let one = [1u64, 0, 0, 0];
    let t = measure(
        7,
        &one,
        |rng| random_scalar(rng).to_canonical(),
        |k| {
            std::hint::black_box(mul_g_vartime(k));
        },
    );
    eprintln!("control (variable-time k·G): Welch t = {t:.2}");
    assert!(t.abs() > THRESHOLD, "control not flagged: t = {t:.1}");
}

#[test]
fn signing_does_not_depend_on_the_key_or_nonce() {
    // Fixed: key d = 1 and a fixed digest (so a fixed nonce); random: keys and digests.
    let mut one = [0u8; 32];
    one[31] = 1;
    let fixed = (SecretScalar::new(&one).unwrap(), [0x5Au8; 32]);
    let t = t_of(11, |seed| {
        measure(
            seed,
            &fixed,
            |rng| loop {
                if let Some(key) = SecretScalar::new(&rng.bytes()) {
                    break (key, rng.bytes());
                }
            },
            |(key, e)| {
                std::hint::black_box(key.sign_prehash(e, &[]));
            },
        )
    });
    eprintln!("signing fixed vs random key: Welch t = {t:.2}");
    assert!(
        t.abs() < THRESHOLD,
        "signing time depends on the key: t = {t:.1}"
    );
}
