//! The two prime fields of SM2: coordinates modulo p ([`Fe`]) and scalars modulo the group
//! order n ([`Sc`]). Both keep values in Montgomery form; every operation is constant time
//! (see [`super::arith`]) except those named `_vartime`.

use super::arith::{self, Limbs, Modulus};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

/// p = 2^256 − 2^224 − 2^96 + 2^64 − 1 (GB/T 32918.5).
pub(crate) const P: Modulus = Modulus::new([
    0xFFFF_FFFF_FFFF_FFFF,
    0xFFFF_FFFF_0000_0000,
    0xFFFF_FFFF_FFFF_FFFF,
    0xFFFF_FFFE_FFFF_FFFF,
]);

/// n, the order of the base point G.
pub(crate) const N: Modulus = Modulus::new([
    0x53BB_F409_39D5_4123,
    0x7203_DF6B_21C6_052B,
    0xFFFF_FFFF_FFFF_FFFF,
    0xFFFF_FFFE_FFFF_FFFF,
]);

macro_rules! montgomery_element {
    ($name:ident, $modulus:expr, $mul:path, $sqr:path, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone, Copy, Default)]
        pub(crate) struct $name(pub(crate) Limbs);

        // Both fields get the whole set; each uses a different part of it.
        #[allow(dead_code)]
        impl $name {
            pub(crate) const ZERO: Self = Self([0; 4]);
            pub(crate) const ONE: Self = Self($modulus.one);

            /// From a canonical integer (< modulus), entering Montgomery form. Const so
            /// curve constants are computed at compile time.
            pub(crate) const fn from_canonical(l: Limbs) -> Self {
                Self(arith::mont_mul(&l, &$modulus.r2, &$modulus))
            }

            /// From 32 big-endian bytes; `None` unless the value is below the modulus.
            pub(crate) fn from_be_bytes(bytes: &[u8; 32]) -> Option<Self> {
                let l = arith::limbs_from_be(bytes);
                (arith::lt(&l, &$modulus.m) == 1).then(|| Self::from_canonical(l))
            }

            /// From 32 big-endian bytes reduced modulo the modulus (a 256-bit value is below
            /// twice the modulus, so one conditional subtraction does it).
            pub(crate) fn from_be_bytes_reduced(bytes: &[u8; 32]) -> Self {
                let l = arith::limbs_from_be(bytes);
                Self::from_canonical(arith::reduce_once(&l, 0, &$modulus.m))
            }

            /// The canonical integer (< modulus).
            pub(crate) fn to_canonical(self) -> Limbs {
                arith::mont_mul(&self.0, &[1, 0, 0, 0], &$modulus)
            }

            /// 32 big-endian bytes of the canonical integer.
            pub(crate) fn to_be_bytes(self) -> [u8; 32] {
                arith::limbs_to_be(&self.to_canonical())
            }

            #[inline(always)]
            pub(crate) fn add(&self, o: &Self) -> Self {
                Self(arith::add_mod(&self.0, &o.0, &$modulus.m))
            }

            #[inline(always)]
            pub(crate) fn sub(&self, o: &Self) -> Self {
                Self(arith::sub_mod(&self.0, &o.0, &$modulus.m))
            }

            #[inline(always)]
            pub(crate) fn neg(&self) -> Self {
                Self::ZERO.sub(self)
            }

            #[inline(always)]
            pub(crate) fn double(&self) -> Self {
                self.add(self)
            }

            #[inline(always)]
            pub(crate) fn mul(&self, o: &Self) -> Self {
                Self($mul(&self.0, &o.0))
            }

            #[inline(always)]
            pub(crate) fn square(&self) -> Self {
                Self($sqr(&self.0))
            }

            /// self⁻¹ by Fermat (self^(m−2)), constant time; zero maps to zero.
            pub(crate) fn invert(&self) -> Self {
                Self(arith::pow_public_exp(
                    &self.0,
                    &$modulus.m_minus_2,
                    &$modulus.one,
                    $mul,
                    $sqr,
                ))
            }

            /// Constant-time zero test.
            pub(crate) fn is_zero(&self) -> Choice {
                // Montgomery form of zero is zero, and values are kept reduced.
                Choice::from(arith::is_zero(&self.0) as u8)
            }

            /// Variable-time zero test (public values only).
            pub(crate) fn is_zero_vartime(&self) -> bool {
                self.0 == [0; 4]
            }
        }

        impl ConstantTimeEq for $name {
            fn ct_eq(&self, o: &Self) -> Choice {
                self.0.ct_eq(&o.0)
            }
        }

        impl ConditionallySelectable for $name {
            fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
                Self([
                    u64::conditional_select(&a.0[0], &b.0[0], choice),
                    u64::conditional_select(&a.0[1], &b.0[1], choice),
                    u64::conditional_select(&a.0[2], &b.0[2], choice),
                    u64::conditional_select(&a.0[3], &b.0[3], choice),
                ])
            }
        }

        impl Zeroize for $name {
            fn zeroize(&mut self) {
                self.0.zeroize();
            }
        }
    };
}

/// Products modulo p: the 512-bit product, then the reduction for p's special form.
#[inline(always)]
fn p_mul(a: &Limbs, b: &Limbs) -> Limbs {
    arith::mont_reduce_p(&arith::mul_wide(a, b), &P.m)
}

#[inline(always)]
fn p_sqr(a: &Limbs) -> Limbs {
    arith::mont_reduce_p(&arith::sqr_wide(a), &P.m)
}

#[inline(always)]
fn n_mul(a: &Limbs, b: &Limbs) -> Limbs {
    arith::mont_mul(a, b, &N)
}

#[inline(always)]
fn n_sqr(a: &Limbs) -> Limbs {
    arith::mont_sqr(a, &N)
}

montgomery_element!(
    Fe,
    P,
    p_mul,
    p_sqr,
    "An element of GF(p), in Montgomery form."
);
montgomery_element!(
    Sc,
    N,
    n_mul,
    n_sqr,
    "An integer modulo n, in Montgomery form."
);

impl Sc {
    /// The canonical integer's limbs compared with n: below n.
    pub(crate) fn limbs_below_n(l: &Limbs) -> bool {
        arith::lt(l, &N.m) == 1
    }
}

/// The curve coefficient b (a = −3).
pub(crate) const B: Fe = Fe::from_canonical([
    0xDDBC_BD41_4D94_0E93,
    0xF397_89F5_15AB_8F92,
    0x4D5A_9E4B_CF65_09A7,
    0x28E9_FA9E_9D9F_5E34,
]);

/// The base point G.
pub(crate) const GX: Fe = Fe::from_canonical([
    0x715A_4589_334C_74C7,
    0x8FE3_0BBF_F266_0BE1,
    0x5F99_0446_6A39_C994,
    0x32C4_AE2C_1F19_8119,
]);
pub(crate) const GY: Fe = Fe::from_canonical([
    0x02DF_32E5_2139_F0A0,
    0xD0A9_877C_C62A_4740,
    0x59BD_CEE3_6B69_2153,
    0xBC37_36A2_F4F6_779C,
]);

#[cfg(test)]
mod tests {
    use super::*;

    fn fe(v: u64) -> Fe {
        Fe::from_canonical([v, 0, 0, 0])
    }

    #[test]
    fn montgomery_constants() {
        // −m⁻¹ · m ≡ −1 (mod 2^64).
        assert_eq!(P.n0.wrapping_mul(P.m[0]), u64::MAX);
        assert_eq!(N.n0.wrapping_mul(N.m[0]), u64::MAX);
        // p ≡ −1 mod 2^64, so −p⁻¹ = 1.
        assert_eq!(P.n0, 1);
        assert_eq!(Fe::ONE.to_canonical(), [1, 0, 0, 0]);
        assert_eq!(Sc::ONE.to_canonical(), [1, 0, 0, 0]);
    }

    #[test]
    fn field_identities() {
        let a = Fe::from_be_bytes_reduced(&[0xA5; 32]);
        let b = Fe::from_be_bytes_reduced(&[0x3C; 32]);
        assert_eq!(a.mul(&a.invert()).to_canonical(), [1, 0, 0, 0]);
        assert_eq!(a.sub(&a).to_canonical(), [0; 4]);
        assert_eq!(a.add(&a.neg()).to_canonical(), [0; 4]);
        assert_eq!(a.mul(&b).to_be_bytes(), b.mul(&a).to_be_bytes());
        assert_eq!(fe(6).mul(&fe(7)).to_canonical(), [42, 0, 0, 0]);
        assert_eq!(Fe::ZERO.invert().to_canonical(), [0; 4]);
        // p − 1 squared is 1.
        let pm1 = Fe::ZERO.sub(&Fe::ONE);
        assert_eq!(pm1.square().to_canonical(), [1, 0, 0, 0]);
        // Values ≥ p are refused, p − 1 accepted, reduction of p gives 0.
        let p_bytes = arith::limbs_to_be(&P.m);
        assert!(Fe::from_be_bytes(&p_bytes).is_none());
        assert_eq!(Fe::from_be_bytes_reduced(&p_bytes).to_canonical(), [0; 4]);
        assert_eq!(Fe::from_be_bytes_reduced(&[0xFF; 32]).to_canonical(), {
            // 2^256 − 1 − p
            arith::sub_raw(&[u64::MAX; 4], &P.m).0
        });
        let s = Sc::from_be_bytes_reduced(&[0xFF; 32]);
        assert_eq!(s.mul(&s.invert()).to_canonical(), [1, 0, 0, 0]);
    }

    #[test]
    fn squaring_equals_multiplication() {
        let mut a = Fe::from_be_bytes_reduced(&[0xFF; 32]);
        let mut s = Sc::from_be_bytes_reduced(&[0xFF; 32]);
        for i in 0..2000u64 {
            assert_eq!(a.square().0, a.mul(&a).0, "{i}");
            assert_eq!(s.square().0, s.mul(&s).0, "{i}");
            a = a.mul(&a).add(&fe(i));
            s = s.mul(&s).add(&Sc::from_canonical([i, 0, 0, 0]));
        }
        let pm1 = Fe::ZERO.sub(&Fe::ONE);
        assert_eq!(pm1.square().0, pm1.mul(&pm1).0);
    }

    #[test]
    fn reduction_for_p_equals_the_generic_one() {
        let mut a = Fe::from_be_bytes_reduced(&[0xC3; 32]).0;
        let mut b = Fe::from_be_bytes_reduced(&[0xFF; 32]).0;
        let edges = [
            [0u64; 4],
            [1, 0, 0, 0],
            arith::sub_raw(&P.m, &[1, 0, 0, 0]).0,
            P.one,
        ];
        for x in edges {
            for y in edges {
                assert_eq!(p_mul(&x, &y), arith::mont_mul(&x, &y, &P), "{x:x?} {y:x?}");
            }
            assert_eq!(p_sqr(&x), arith::mont_sqr(&x, &P));
        }
        for i in 0..20_000u64 {
            assert_eq!(p_mul(&a, &b), arith::mont_mul(&a, &b, &P), "{i}");
            assert_eq!(p_sqr(&a), arith::mont_sqr(&a, &P), "{i}");
            let next = arith::mont_mul(&a, &b, &P);
            b = arith::add_mod(&a, &[i, i << 7, !i, i.rotate_left(29)], &P.m);
            b = arith::reduce_once(&b, 0, &P.m);
            a = next;
        }
    }

    #[test]
    fn generator_is_on_the_curve() {
        // y² = x³ − 3x + b
        let x3 = GX.square().mul(&GX);
        let rhs = x3.sub(&GX.double().add(&GX)).add(&B);
        assert_eq!(GY.square().to_canonical(), rhs.to_canonical());
    }
}
