//! Points of the SM2 curve y² = x³ − 3x + b over GF(p).
//!
//! Two representations, for two purposes:
//! - [`Projective`] (homogeneous X:Y:Z) with the complete addition formulas of
//!   Renes–Costello–Batina 2015 (a = −3, algorithms 4–5): no exceptional case, hence no
//!   branch, for every pair of inputs including the identity and equal points. Used where
//!   a secret scalar is involved (k·G when signing, d·G when deriving a public key).
//! - [`Jacobian`] (X/Z², Y/Z³) with the cheaper a = −3 doubling and `add-2007-bl` /
//!   `madd-2007-bl` additions, branching on the special cases. Used only on public values
//!   (verification).

use super::field::{B, Fe, GX, GY};
use subtle::{Choice, ConditionallySelectable};

/// An affine point (never the identity), coordinates in Montgomery form.
#[derive(Clone, Copy, Default)]
pub(crate) struct Affine {
    pub x: Fe,
    pub y: Fe,
}

impl Affine {
    pub(crate) const G: Self = Self { x: GX, y: GY };

    /// y² = x³ − 3x + b (variable time: for public points).
    pub(crate) fn is_on_curve_vartime(&self) -> bool {
        let rhs = self
            .x
            .square()
            .mul(&self.x)
            .sub(&self.x.double().add(&self.x))
            .add(&B);
        self.y.square().to_canonical() == rhs.to_canonical()
    }

    /// From big-endian x and y; `None` unless both are below p and the point is on the curve.
    pub(crate) fn from_be_xy(x: &[u8; 32], y: &[u8; 32]) -> Option<Self> {
        let p = Self {
            x: Fe::from_be_bytes(x)?,
            y: Fe::from_be_bytes(y)?,
        };
        p.is_on_curve_vartime().then_some(p)
    }

    pub(crate) fn neg(&self) -> Self {
        Self {
            x: self.x,
            y: self.y.neg(),
        }
    }
}

impl ConditionallySelectable for Affine {
    fn conditional_select(a: &Self, b: &Self, c: Choice) -> Self {
        Self {
            x: Fe::conditional_select(&a.x, &b.x, c),
            y: Fe::conditional_select(&a.y, &b.y, c),
        }
    }
}

/// Homogeneous projective point (x = X/Z, y = Y/Z); the identity is (0 : 1 : 0).
#[derive(Clone, Copy)]
pub(crate) struct Projective {
    pub x: Fe,
    pub y: Fe,
    pub z: Fe,
}

impl ConditionallySelectable for Projective {
    fn conditional_select(a: &Self, b: &Self, c: Choice) -> Self {
        Self {
            x: Fe::conditional_select(&a.x, &b.x, c),
            y: Fe::conditional_select(&a.y, &b.y, c),
            z: Fe::conditional_select(&a.z, &b.z, c),
        }
    }
}

#[inline(always)]
fn triple(a: &Fe) -> Fe {
    a.double().add(a)
}

impl Projective {
    pub(crate) const IDENTITY: Self = Self {
        x: Fe::ZERO,
        y: Fe::ONE,
        z: Fe::ZERO,
    };

    /// self + q for an affine q (not the identity), complete: correct for self = identity,
    /// self = q and self = −q. RCB 2015 algorithm 5 (a = −3); 11 multiplications by
    /// coordinates and 2 by b, no branch.
    pub(crate) fn add_mixed(&self, q: &Affine) -> Self {
        let t0 = self.x.mul(&q.x);
        let t1 = self.y.mul(&q.y);
        // X1·Y2 + X2·Y1
        let t3 = q.x.add(&q.y).mul(&self.x.add(&self.y)).sub(&t0.add(&t1));
        // Y2·Z1 + Y1
        let t4 = q.y.mul(&self.z).add(&self.y);
        // X2·Z1 + X1
        let xz = q.x.mul(&self.z).add(&self.x);
        // 3·(xz − b·Z1)
        let w = triple(&xz.sub(&B.mul(&self.z)));
        let yy_minus = t1.sub(&w);
        let yy_plus = t1.add(&w);
        let z3 = triple(&self.z);
        // 3·(b·xz − 3·Z1 − X1X2)
        let v = triple(&B.mul(&xz).sub(&z3.add(&t0)));
        // 3·X1X2 − 3·Z1
        let u = triple(&t0).sub(&z3);
        Self {
            x: yy_plus.mul(&t3).sub(&t4.mul(&v)),
            y: yy_plus.mul(&yy_minus).add(&u.mul(&v)),
            z: yy_minus.mul(&t4).add(&t3.mul(&u)),
        }
    }

    /// The affine point; the identity maps to (0, 0) (callers of a secret multiple use a
    /// scalar in [1, n−1], whose multiple is never the identity). Constant time.
    pub(crate) fn to_affine(self) -> Affine {
        let zinv = self.z.invert();
        Affine {
            x: self.x.mul(&zinv),
            y: self.y.mul(&zinv),
        }
    }
}

/// Jacobian point (x = X/Z², y = Y/Z³); Z = 0 is the identity. Variable time.
#[derive(Clone, Copy)]
pub(crate) struct Jacobian {
    pub x: Fe,
    pub y: Fe,
    pub z: Fe,
}

impl Jacobian {
    pub(crate) const IDENTITY: Self = Self {
        x: Fe::ONE,
        y: Fe::ONE,
        z: Fe::ZERO,
    };

    pub(crate) fn from_affine(p: &Affine) -> Self {
        Self {
            x: p.x,
            y: p.y,
            z: Fe::ONE,
        }
    }

    pub(crate) fn is_identity_vartime(&self) -> bool {
        self.z.is_zero_vartime()
    }

    /// 2·self, `dbl-2001-b` (a = −3): 3M + 5S.
    pub(crate) fn double_vartime(&self) -> Self {
        if self.is_identity_vartime() {
            return *self;
        }
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x.mul(&gamma);
        let alpha = triple(&self.x.sub(&delta).mul(&self.x.add(&delta)));
        let beta4 = beta.double().double();
        let x3 = alpha.square().sub(&beta4.double());
        let z3 = self.y.add(&self.z).square().sub(&gamma).sub(&delta);
        let gamma2 = gamma.square().double().double().double();
        let y3 = alpha.mul(&beta4.sub(&x3)).sub(&gamma2);
        Self {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// self + q, `add-2007-bl`: 11M + 5S.
    pub(crate) fn add_vartime(&self, q: &Self) -> Self {
        if self.is_identity_vartime() {
            return *q;
        }
        if q.is_identity_vartime() {
            return *self;
        }
        let z1z1 = self.z.square();
        let z2z2 = q.z.square();
        let u1 = self.x.mul(&z2z2);
        let u2 = q.x.mul(&z1z1);
        let s1 = self.y.mul(&q.z).mul(&z2z2);
        let s2 = q.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&u1);
        let r = s2.sub(&s1).double();
        if h.is_zero_vartime() {
            return if r.is_zero_vartime() {
                self.double_vartime()
            } else {
                Self::IDENTITY
            };
        }
        let i = h.double().square();
        let j = h.mul(&i);
        let v = u1.mul(&i);
        let x3 = r.square().sub(&j).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&s1.mul(&j).double());
        let z3 = self.z.add(&q.z).square().sub(&z1z1).sub(&z2z2).mul(&h);
        Self {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// self + q for an affine q, `madd-2007-bl`: 7M + 4S.
    pub(crate) fn add_affine_vartime(&self, q: &Affine) -> Self {
        if self.is_identity_vartime() {
            return Self::from_affine(q);
        }
        let z1z1 = self.z.square();
        let u2 = q.x.mul(&z1z1);
        let s2 = q.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&self.x);
        let r = s2.sub(&self.y).double();
        if h.is_zero_vartime() {
            return if r.is_zero_vartime() {
                self.double_vartime()
            } else {
                Self::IDENTITY
            };
        }
        let hh = h.square();
        let i = hh.double().double();
        let j = h.mul(&i);
        let v = self.x.mul(&i);
        let x3 = r.square().sub(&j).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&self.y.mul(&j).double());
        let z3 = self.z.add(&h).square().sub(&z1z1).sub(&hh);
        Self {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    pub(crate) fn neg(&self) -> Self {
        Self {
            x: self.x,
            y: self.y.neg(),
            z: self.z,
        }
    }

    /// The affine point, `None` for the identity (variable time).
    #[cfg(test)]
    pub(crate) fn to_affine_vartime(self) -> Option<Affine> {
        if self.is_identity_vartime() {
            return None;
        }
        let zinv = self.z.invert();
        let zinv2 = zinv.square();
        Some(Affine {
            x: self.x.mul(&zinv2),
            y: self.y.mul(&zinv2).mul(&zinv),
        })
    }
}
