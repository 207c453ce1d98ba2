//! SM2 arithmetic written for SM2 (GB/T 32918): the field of
//! p = 2^256 − 2^224 − 2^96 + 2^64 − 1, scalars modulo the group order n, and the two
//! operations signing and verification need — k·G for a secret k, and s·G + t·P for
//! public s, t, P.
//!
//! # Why not the generic curve crates
//! RustCrypto's `sm2` (still used for key encodings, and as the reference in the
//! differential tests) runs generic fiat-crypto field code under generic curve traits, and
//! recomputes (1 + d)⁻¹ on every signature. Here every piece is specialised: Montgomery
//! arithmetic with constants derived at compile time (for p, −p⁻¹ mod 2^64 = 1, so the
//! reduction needs no extra multiplication), a 43 × 32 table of multiples of G shared by
//! signing and verification, (1 + d)⁻¹ computed once per key, and verification that
//! checks r without an inversion.
//!
//! # Constant-time argument (secrets: d, k, (1 + d)⁻¹)
//! * Field and scalar operations ([`arith`]) are straight-line code over `u64`/`u128`: the
//!   final conditional subtraction selects with a mask computed from the borrow; no branch
//!   or index depends on an operand. `u128` multiplication is a single `mul` instruction,
//!   whose timing does not depend on its operands on x86-64 and aarch64 cores.
//! * Inversion of secrets (the Z coordinate of k·G, 1 + d) is Fermat's a^(m−2): the
//!   sequence of squarings and multiplications depends on the public exponent only.
//! * k·G ([`mul_g`]) recodes k into 43 signed 6-bit digits with mask arithmetic (no
//!   branch), reads each table row by scanning all 32 entries and keeping the wanted one
//!   with `subtle`'s masked select, negates y by a masked select, and adds with the complete
//!   formulas of Renes–Costello–Batina (no exceptional case to branch on); a zero digit
//!   computes the addition anyway and discards it by a masked select. The loop runs 43
//!   times, always.
//! * The nonce is derived per RFC 6979 (HMAC-SM3 DRBG over d and e) with 32 bytes from the
//!   operating system added (hedged): a broken random source still gives distinct nonces
//!   for distinct messages, and a fault cannot force nonce reuse for the same message.
//!   The nonce and its bytes are zeroized after use; the secret key's scalars on drop.
//! * What may branch: r = 0, r + k = n, s = 0 (each of probability ≈ 2^−256; a retry
//!   reveals only that it happened), and everything in verification (all inputs public).
//!
//! `timing_tests.rs` checks this statistically (dudect-style: k·G and signing with one
//! fixed secret against random secrets, Welch's t below dudect's threshold of 10, with a
//! control showing the test flags the variable-time multiplication).

mod arith;
mod field;
mod point;
mod table;

use field::{N, Sc};
pub(crate) use point::Affine;
use point::{Jacobian, Projective};
use subtle::{ConditionallySelectable, ConstantTimeEq};
pub(crate) use table::KeyTable;
use zeroize::{Zeroize, Zeroizing};

/// Number of 6-bit signed digits covering a scalar below 2^256 (with the recoding carry).
const WINDOWS: usize = 43;

/// The signed digit of window `i`: (magnitude in 0..=32, negative as 0/1), and the carry
/// into the next window. `bits` is the scalar's window value, `carry` the previous carry.
/// Straight-line: the window's position is public, its value is not.
#[inline(always)]
fn booth_digit(bits: u64, carry: u64) -> (u64, u64) {
    let v = bits + carry; // 0..=64
    let negative = (32u64.wrapping_sub(v) >> 63) & 1; // v > 32
    let mask = negative.wrapping_neg();
    let magnitude = (v & !mask) | (64u64.wrapping_sub(v) & mask);
    (magnitude, negative)
}

/// The 6 bits of `l` at bit position 6·i (public position).
#[inline(always)]
fn window(l: &arith::Limbs, i: usize) -> u64 {
    let pos = 6 * i;
    let (idx, shift) = (pos / 64, pos % 64);
    let lo = l.get(idx).copied().unwrap_or(0) >> shift;
    let hi = if shift > 58 {
        l.get(idx + 1).copied().unwrap_or(0) << (64 - shift)
    } else {
        0
    };
    (lo | hi) & 63
}

/// k·G in constant time (see the module documentation).
fn mul_g(k: &Sc) -> Projective {
    let rows = table::g_table();
    let mut limbs = k.to_canonical();
    let mut acc = Projective::IDENTITY;
    let mut carry = 0;
    for (i, row) in rows.iter().enumerate() {
        let (magnitude, negative) = booth_digit(window(&limbs, i), carry);
        carry = negative;
        let mut p = Affine::default();
        for (j, entry) in row.iter().enumerate() {
            p.conditional_assign(entry, magnitude.ct_eq(&(j as u64 + 1)));
        }
        let negated = p.y.neg();
        p.y.conditional_assign(&negated, (negative as u8).into());
        let sum = acc.add_mixed(&p);
        acc.conditional_assign(&sum, !magnitude.ct_eq(&0));
    }
    limbs.zeroize();
    acc
}

/// s·G for a public s, with the same table, skipping zero digits (variable time).
fn mul_g_vartime(s: &arith::Limbs) -> Jacobian {
    add_multiple_vartime(Jacobian::IDENTITY, table::g_table(), s)
}

/// acc + s·P for a public s, where `rows` is P's table (variable time).
fn add_multiple_vartime(mut acc: Jacobian, rows: &table::Table, s: &arith::Limbs) -> Jacobian {
    let mut carry = 0;
    for (i, row) in rows.iter().enumerate() {
        let (magnitude, negative) = booth_digit(window(s, i), carry);
        carry = negative;
        let Some(entry) = (magnitude as usize).checked_sub(1).and_then(|j| row.get(j)) else {
            continue;
        };
        acc = if negative == 1 {
            acc.add_affine_vartime(&entry.neg())
        } else {
            acc.add_affine_vartime(entry)
        };
    }
    acc
}

/// Width-5 NAF of a public 256-bit value: digits odd in −15..=15 or zero, least
/// significant first.
fn wnaf5(t: &arith::Limbs) -> [i8; 258] {
    let mut out = [0i8; 258];
    let mut k = [t[0], t[1], t[2], t[3], 0u64];
    let mut i = 0;
    while k != [0; 5] && i < out.len() {
        if k[0] & 1 == 1 {
            let mut d = (k[0] & 31) as i64;
            if d > 16 {
                d -= 32;
            }
            // k −= d
            if d > 0 {
                let mut borrow = d as u64;
                for limb in k.iter_mut() {
                    let (v, b) = limb.overflowing_sub(borrow);
                    *limb = v;
                    borrow = u64::from(b);
                }
            } else {
                let mut carry = (-d) as u64;
                for limb in k.iter_mut() {
                    let (v, c) = limb.overflowing_add(carry);
                    *limb = v;
                    carry = u64::from(c);
                }
            }
            if let Some(slot) = out.get_mut(i) {
                *slot = d as i8;
            }
        }
        // k >>= 1
        for j in 0..4 {
            k[j] = (k[j] >> 1) | (k[j + 1] << 63);
        }
        k[4] >>= 1;
        i += 1;
    }
    out
}

/// t·P for public t and P (variable time, width-5 NAF).
fn mul_vartime(p: &Affine, t: &arith::Limbs) -> Jacobian {
    // P, 3P, 5P, …, 15P.
    let p1 = Jacobian::from_affine(p);
    let p2 = p1.double_vartime();
    let mut odd = [p1; 8];
    for i in 1..8 {
        odd[i] = odd[i - 1].add_vartime(&p2);
    }
    let digits = wnaf5(t);
    let mut acc = Jacobian::IDENTITY;
    for &d in digits.iter().rev() {
        acc = acc.double_vartime();
        if d > 0 {
            acc = acc.add_vartime(&odd[(d as usize) / 2]);
        } else if d < 0 {
            acc = acc.add_vartime(&odd[(d.unsigned_abs() as usize) / 2].neg());
        }
    }
    acc
}

/// A private key's scalars: d and (1 + d)⁻¹ mod n. Zeroized on drop.
#[derive(Clone)]
pub(crate) struct SecretScalar {
    d: Sc,
    d1_inv: Sc,
    d_bytes: [u8; 32],
}

impl Drop for SecretScalar {
    fn drop(&mut self) {
        self.d.zeroize();
        self.d1_inv.zeroize();
        self.d_bytes.zeroize();
    }
}

impl SecretScalar {
    /// From a big-endian d; `None` unless 1 ≤ d ≤ n − 2 (GB/T 32918.2 §6.1: with
    /// d = n − 1, 1 + d has no inverse and no signature exists).
    pub(crate) fn new(bytes: &[u8; 32]) -> Option<Self> {
        let d = Sc::from_be_bytes(bytes)?;
        let d1 = d.add(&Sc::ONE);
        if bool::from(d.is_zero() | d1.is_zero()) {
            return None;
        }
        Some(Self {
            d,
            d1_inv: d1.invert(),
            d_bytes: *bytes,
        })
    }

    /// The public key d·G (constant time).
    pub(crate) fn public(&self) -> Affine {
        mul_g(&self.d).to_affine()
    }

    /// An SM2 signature (r, s) over the digest e = SM3(Z ‖ M). `extra` is fresh
    /// randomness hedging the RFC 6979 nonce (may be empty: then deterministic).
    pub(crate) fn sign_prehash(&self, e: &[u8; 32], extra: &[u8]) -> Option<([u8; 32], [u8; 32])> {
        let e = Sc::from_be_bytes_reduced(e);
        let order = rfc6979::bigint::U256::from_be_slice(&arith::limbs_to_be(&N.m));
        let mut kgen =
            rfc6979::KGenerator::<sm3::Sm3, _>::new(&self.d_bytes, &e.to_be_bytes(), extra, &order);
        // Each retry has probability ≈ 2^−255; a few attempts bound the loop.
        for _ in 0..8 {
            let mut k_bytes = Zeroizing::new([0u8; 32]);
            kgen.fill_next_k(k_bytes.as_mut());
            // The generator returns k in [1, n − 1].
            let Some(k) = Sc::from_be_bytes(&k_bytes).map(Zeroizing::new) else {
                continue;
            };
            if let Some(sig) = self.sign_with_nonce(&e, &k) {
                return Some(sig);
            }
        }
        None
    }
}

impl SecretScalar {
    /// Steps A4–A6 of GB/T 32918.2 §6.1 for the nonce k; `None` when r = 0, r + k = n or
    /// s = 0 (the caller draws another k).
    fn sign_with_nonce(&self, e: &Sc, k: &Sc) -> Option<([u8; 32], [u8; 32])> {
        let point = mul_g(k).to_affine();
        let x1 = Sc::from_be_bytes_reduced(&point.x.to_be_bytes());
        let r = e.add(&x1);
        if bool::from(r.is_zero() | r.add(k).is_zero()) {
            return None;
        }
        // s = (1 + d)⁻¹ · (k − r·d) = (1 + d)⁻¹ · (k + r) − r
        let s = self.d1_inv.mul(&k.add(&r)).sub(&r);
        if bool::from(s.is_zero()) {
            return None;
        }
        Some((r.to_be_bytes(), s.to_be_bytes()))
    }
}

/// Verify (r, s) over e for the public key q (all public, variable time).
/// GB/T 32918.2 §7.1: r, s ∈ [1, n − 1]; t = r + s mod n ≠ 0; (x1, y1) = s·G + t·Q;
/// R = (e + x1) mod n equals r.
#[cfg(test)]
pub(crate) fn verify_prehash(q: &Affine, e: &[u8; 32], r: &[u8; 32], s: &[u8; 32]) -> bool {
    verify_prehash_with(q, None, e, r, s)
}

/// [`verify_prehash`], with t·Q from Q's table when there is one (two table walks: about
/// a third of the work of the double-and-add).
pub(crate) fn verify_prehash_with(
    q: &Affine,
    q_table: Option<&KeyTable>,
    e: &[u8; 32],
    r: &[u8; 32],
    s: &[u8; 32],
) -> bool {
    let r_l = arith::limbs_from_be(r);
    let s_l = arith::limbs_from_be(s);
    if !Sc::limbs_below_n(&r_l) || !Sc::limbs_below_n(&s_l) || r_l == [0; 4] || s_l == [0; 4] {
        return false;
    }
    let r_sc = Sc::from_canonical(r_l);
    let t = r_sc.add(&Sc::from_canonical(s_l));
    if t.is_zero_vartime() {
        return false;
    }
    let sum = match q_table {
        Some(table) => add_multiple_vartime(mul_g_vartime(&s_l), table.rows(), &t.to_canonical()),
        None => mul_g_vartime(&s_l).add_vartime(&mul_vartime(q, &t.to_canonical())),
    };
    if sum.is_identity_vartime() {
        return false;
    }
    // x1 ≡ r − e (mod n) with x1 < p: x1 is v or v + n. Compare X with x1·Z² instead of
    // computing X/Z² (no inversion).
    let v = r_sc.sub(&Sc::from_be_bytes_reduced(e)).to_canonical();
    let z2 = sum.z.square();
    let matches = |x1: &arith::Limbs| field::Fe::from_canonical(*x1).mul(&z2).0 == sum.x.0;
    if matches(&v) {
        return true;
    }
    let (w, carry) = arith::add_raw(&v, &N.m);
    carry == 0 && arith::lt(&w, &field::P.m) == 1 && matches(&w)
}

/// The affine coordinates as big-endian bytes.
pub(crate) fn affine_to_be(p: &Affine) -> ([u8; 32], [u8; 32]) {
    (p.x.to_be_bytes(), p.y.to_be_bytes())
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod timing_tests;
