//! Arithmetic modulo a 256-bit odd modulus m with 2^255 < m < 2^256, in Montgomery form
//! (R = 2^256), four little-endian 64-bit limbs, carries through `u128`.
//!
//! Every function here runs the same instructions whatever the values: no branch and no
//! memory index depends on an operand (the final subtractions select with masks). The
//! modulus is a public constant. `u128` products compile to one `mul` on x86-64 and
//! aarch64; `core::arch` carry intrinsics (mulx/adcx/adox) would need `unsafe`, which the
//! workspace forbids.

/// Four little-endian 64-bit limbs.
pub(crate) type Limbs = [u64; 4];

/// acc + a·b + carry, as (low, high). Never overflows: (2^64−1)² + 2(2^64−1) < 2^128.
#[inline(always)]
pub(crate) const fn mac(acc: u64, a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = (acc as u128) + (a as u128) * (b as u128) + (carry as u128);
    (t as u64, (t >> 64) as u64)
}

/// a + b + carry (carry 0 or 1), as (sum, carry out).
#[inline(always)]
pub(crate) const fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = (a as u128) + (b as u128) + (carry as u128);
    (t as u64, (t >> 64) as u64)
}

/// a − b − borrow (borrow 0 or 1), as (difference, borrow out 0 or 1).
#[inline(always)]
pub(crate) const fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let t = (a as u128).wrapping_sub((b as u128) + (borrow as u128));
    (t as u64, (t >> 127) as u64)
}

/// A modulus with its Montgomery constants, all derived at compile time from m.
#[derive(Debug)]
pub(crate) struct Modulus {
    /// m itself.
    pub m: Limbs,
    /// −m⁻¹ mod 2^64.
    pub n0: u64,
    /// R mod m: one in Montgomery form.
    pub one: Limbs,
    /// R² mod m: multiplying by it enters Montgomery form.
    pub r2: Limbs,
    /// m − 2: the exponent of Fermat inversion.
    pub m_minus_2: Limbs,
}

impl Modulus {
    /// Derives the constants. Requires m odd and m > 2^255.
    pub(crate) const fn new(m: Limbs) -> Self {
        // Newton's iteration for m⁻¹ mod 2^64: each step doubles the correct low bits.
        let mut inv: u64 = 1;
        let mut i = 0;
        while i < 7 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(m[0].wrapping_mul(inv)));
            i += 1;
        }
        // R mod m = 2^256 − m (as m > 2^255).
        let one = sub_raw(&[0, 0, 0, 0], &m).0;
        // R² mod m: double R mod m 256 times.
        let mut r2 = one;
        let mut j = 0;
        while j < 256 {
            r2 = add_mod(&r2, &r2, &m);
            j += 1;
        }
        let m_minus_2 = sub_raw(&m, &[2, 0, 0, 0]).0;
        Self {
            m,
            n0: inv.wrapping_neg(),
            one,
            r2,
            m_minus_2,
        }
    }
}

/// a − b over 256 bits, with the borrow out.
#[inline(always)]
pub(crate) const fn sub_raw(a: &Limbs, b: &Limbs) -> (Limbs, u64) {
    let (d0, c) = sbb(a[0], b[0], 0);
    let (d1, c) = sbb(a[1], b[1], c);
    let (d2, c) = sbb(a[2], b[2], c);
    let (d3, c) = sbb(a[3], b[3], c);
    ([d0, d1, d2, d3], c)
}

/// a + b over 256 bits, with the carry out.
#[inline(always)]
pub(crate) const fn add_raw(a: &Limbs, b: &Limbs) -> (Limbs, u64) {
    let (s0, c) = adc(a[0], b[0], 0);
    let (s1, c) = adc(a[1], b[1], c);
    let (s2, c) = adc(a[2], b[2], c);
    let (s3, c) = adc(a[3], b[3], c);
    ([s0, s1, s2, s3], c)
}

/// (hi·2^256 + t) reduced once: t − m when that is non-negative, else t. Requires
/// hi·2^256 + t < 2m.
#[inline(always)]
pub(crate) const fn reduce_once(t: &Limbs, hi: u64, m: &Limbs) -> Limbs {
    let (d, borrow) = sub_raw(t, m);
    let (_, borrow) = sbb(hi, 0, borrow);
    // borrow = 1: t < m, keep t.
    let keep = borrow.wrapping_neg();
    [
        (t[0] & keep) | (d[0] & !keep),
        (t[1] & keep) | (d[1] & !keep),
        (t[2] & keep) | (d[2] & !keep),
        (t[3] & keep) | (d[3] & !keep),
    ]
}

/// (a + b) mod m for a, b < m.
#[inline(always)]
pub(crate) const fn add_mod(a: &Limbs, b: &Limbs, m: &Limbs) -> Limbs {
    let (s, carry) = add_raw(a, b);
    reduce_once(&s, carry, m)
}

/// (a − b) mod m for a, b < m.
#[inline(always)]
pub(crate) const fn sub_mod(a: &Limbs, b: &Limbs, m: &Limbs) -> Limbs {
    let (d, borrow) = sub_raw(a, b);
    let mask = borrow.wrapping_neg();
    let (r0, c) = adc(d[0], m[0] & mask, 0);
    let (r1, c) = adc(d[1], m[1] & mask, c);
    let (r2, c) = adc(d[2], m[2] & mask, c);
    let (r3, _) = adc(d[3], m[3] & mask, c);
    [r0, r1, r2, r3]
}

/// Montgomery product a·b·R⁻¹ mod m (CIOS: one reduction step per limb of b).
#[inline(always)]
pub(crate) const fn mont_mul(a: &Limbs, b: &Limbs, md: &Modulus) -> Limbs {
    let m = &md.m;
    let mut t = [0u64; 6];
    let mut i = 0;
    while i < 4 {
        let (t0, c) = mac(t[0], a[0], b[i], 0);
        let (t1, c) = mac(t[1], a[1], b[i], c);
        let (t2, c) = mac(t[2], a[2], b[i], c);
        let (t3, c) = mac(t[3], a[3], b[i], c);
        let (t4, t5) = adc(t[4], c, 0);
        let mu = t0.wrapping_mul(md.n0);
        let (_, c) = mac(t0, mu, m[0], 0);
        let (u0, c) = mac(t1, mu, m[1], c);
        let (u1, c) = mac(t2, mu, m[2], c);
        let (u2, c) = mac(t3, mu, m[3], c);
        let (u3, c) = adc(t4, c, 0);
        t = [u0, u1, u2, u3, t5 + c, 0];
        i += 1;
    }
    reduce_once(&[t[0], t[1], t[2], t[3]], t[4], m)
}

/// a²·R⁻¹ mod m: the 512-bit square, then the Montgomery reduction.
#[inline(always)]
pub(crate) const fn mont_sqr(a: &Limbs, md: &Modulus) -> Limbs {
    mont_reduce(&sqr_wide(a), md)
}

/// The 512-bit square with 10 word products (each cross product once, doubled).
#[inline(always)]
pub(crate) const fn sqr_wide(a: &Limbs) -> [u64; 8] {
    // Cross products a_i·a_j, i < j.
    let (t1, c) = mac(0, a[0], a[1], 0);
    let (t2, c) = mac(0, a[0], a[2], c);
    let (t3, t4) = mac(0, a[0], a[3], c);
    let (t3, c) = mac(t3, a[1], a[2], 0);
    let (t4, t5) = mac(t4, a[1], a[3], c);
    let (t5, t6) = mac(t5, a[2], a[3], 0);
    // Doubled.
    let t7 = t6 >> 63;
    let t6 = (t6 << 1) | (t5 >> 63);
    let t5 = (t5 << 1) | (t4 >> 63);
    let t4 = (t4 << 1) | (t3 >> 63);
    let t3 = (t3 << 1) | (t2 >> 63);
    let t2 = (t2 << 1) | (t1 >> 63);
    let t1 = t1 << 1;
    // Plus the squares a_i².
    let (t0, c) = mac(0, a[0], a[0], 0);
    let (t1, c) = adc(t1, c, 0);
    let (t2, c) = mac(t2, a[1], a[1], c);
    let (t3, c) = adc(t3, c, 0);
    let (t4, c) = mac(t4, a[2], a[2], c);
    let (t5, c) = adc(t5, c, 0);
    let (t6, c) = mac(t6, a[3], a[3], c);
    let (t7, _) = adc(t7, c, 0);
    [t0, t1, t2, t3, t4, t5, t6, t7]
}

/// The 512-bit product, schoolbook (16 word products).
#[inline(always)]
pub(crate) const fn mul_wide(a: &Limbs, b: &Limbs) -> [u64; 8] {
    let mut t = [0u64; 8];
    let mut i = 0;
    while i < 4 {
        let (x, c) = mac(t[i], a[0], b[i], 0);
        t[i] = x;
        let (x, c) = mac(t[i + 1], a[1], b[i], c);
        t[i + 1] = x;
        let (x, c) = mac(t[i + 2], a[2], b[i], c);
        t[i + 2] = x;
        let (x, c) = mac(t[i + 3], a[3], b[i], c);
        t[i + 3] = x;
        t[i + 4] = c;
        i += 1;
    }
    t
}

/// t·R⁻¹ mod p for SM2's p = 2^256 − 2^224 − 2^96 + 2^64 − 1, t < p·2^256, using its form:
/// −p⁻¹ ≡ 1 (mod 2^64), so each step's multiplier is the limb itself, μ = tᵢ, and
/// tᵢ + μ·p = 2^64·μ·(2^32 − 1)·(2^160 − 1): with q = μ·(2^32 − 1) (96 bits), the step adds
/// q·2^160 − q to the next four limbs — shifts and one subtraction instead of four word
/// products. Straight-line like the generic reduction.
#[inline(always)]
pub(crate) const fn mont_reduce_p(t: &[u64; 8], m: &Limbs) -> Limbs {
    let mut t = *t;
    let mut carry_hi = 0;
    let mut i = 0;
    while i < 4 {
        let mu = t[i];
        let q = ((mu as u128) << 32) - (mu as u128);
        let (q_lo, q_hi) = (q as u64, (q >> 64) as u64);
        // V = q·2^160 − q, four limbs, never negative.
        let (v, _) = sub_raw(
            &[0, 0, q_lo << 32, (q_lo >> 32) | (q_hi << 32)],
            &[q_lo, q_hi, 0, 0],
        );
        let (x, c) = adc(t[i + 1], v[0], 0);
        t[i + 1] = x;
        let (x, c) = adc(t[i + 2], v[1], c);
        t[i + 2] = x;
        let (x, c) = adc(t[i + 3], v[2], c);
        t[i + 3] = x;
        // The previous step's carry belongs to this limb too (as in `mont_reduce`).
        let (x, c) = adc(t[i + 4], v[3], c + carry_hi);
        t[i + 4] = x;
        carry_hi = c;
        i += 1;
    }
    reduce_once(&[t[4], t[5], t[6], t[7]], carry_hi, m)
}

/// t·R⁻¹ mod m for t < m·2^256 (a product of two reduced values).
#[inline(always)]
const fn mont_reduce(t: &[u64; 8], md: &Modulus) -> Limbs {
    let m = &md.m;
    let mut t = *t;
    let mut carry_hi = 0;
    let mut i = 0;
    while i < 4 {
        let mu = t[i].wrapping_mul(md.n0);
        let (_, c) = mac(t[i], mu, m[0], 0);
        let (x, c) = mac(t[i + 1], mu, m[1], c);
        t[i + 1] = x;
        let (x, c) = mac(t[i + 2], mu, m[2], c);
        t[i + 2] = x;
        let (x, c) = mac(t[i + 3], mu, m[3], c);
        t[i + 3] = x;
        let (x, c) = adc(t[i + 4], c, carry_hi);
        t[i + 4] = x;
        carry_hi = c;
        i += 1;
    }
    reduce_once(&[t[4], t[5], t[6], t[7]], carry_hi, m)
}

/// a^e (Montgomery in, Montgomery out) for a public exponent e, with the field's product
/// and square: a fixed 4-bit window, so the sequence of operations depends on e only.
pub(crate) fn pow_public_exp(
    a: &Limbs,
    e: &Limbs,
    one: &Limbs,
    mul: impl Fn(&Limbs, &Limbs) -> Limbs,
    sqr: impl Fn(&Limbs) -> Limbs,
) -> Limbs {
    let mut table = [*one; 16];
    for k in 1..16 {
        table[k] = mul(&table[k - 1], a);
    }
    let mut acc = *one;
    for limb in e.iter().rev() {
        for nibble in (0..16).rev() {
            for _ in 0..4 {
                acc = sqr(&acc);
            }
            let digit = ((limb >> (4 * nibble)) & 0xF) as usize;
            // The digit is a bit of the public exponent, never of a.
            acc = mul(&acc, &table[digit]);
        }
    }
    acc
}

/// Big-endian bytes to limbs (no reduction).
pub(crate) fn limbs_from_be(bytes: &[u8; 32]) -> Limbs {
    let mut out = [0u64; 4];
    for (i, chunk) in bytes.chunks_exact(8).enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        out[3 - i] = u64::from_be_bytes(word);
    }
    out
}

/// Limbs to big-endian bytes.
pub(crate) fn limbs_to_be(l: &Limbs) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, chunk) in out.chunks_exact_mut(8).enumerate() {
        chunk.copy_from_slice(&l[3 - i].to_be_bytes());
    }
    out
}

/// a < b, in constant time: 1 or 0.
#[inline(always)]
pub(crate) const fn lt(a: &Limbs, b: &Limbs) -> u64 {
    sub_raw(a, b).1
}

/// 1 when every limb is zero, else 0, in constant time.
#[inline(always)]
pub(crate) const fn is_zero(a: &Limbs) -> u64 {
    let x = a[0] | a[1] | a[2] | a[3];
    // x | −x has its top bit set iff x ≠ 0.
    ((x | x.wrapping_neg()) >> 63) ^ 1
}
