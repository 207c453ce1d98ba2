//! Tables of multiples of a point: row i holds j·2^(6i)·P for j = 1..=32, affine, for the
//! 43 windows of a 256-bit scalar in signed 6-bit digits (88 KiB). The table of G is built
//! once per process; a public key's ([`KeyTable`]) when a caller expects to verify many
//! signatures under it. Built from public data in variable time, with one field inversion
//! for all 1,376 points (Montgomery's simultaneous inversion).

use super::WINDOWS;
use super::field::Fe;
use super::point::{Affine, Jacobian};
use std::sync::OnceLock;

/// Entries per row: digit magnitudes 1..=32.
pub(crate) const ROW: usize = 32;

pub(crate) type Table = [[Affine; ROW]; WINDOWS];

pub(crate) fn g_table() -> &'static Table {
    static TABLE: OnceLock<Box<Table>> = OnceLock::new();
    TABLE.get_or_init(|| build(&Affine::G))
}

/// The table of a public key's multiples, for verifying many signatures under that key
/// with two table walks instead of a table walk and a double-and-add (about 3× faster).
/// Building it costs about as much as ten verifications.
pub(crate) struct KeyTable(Box<Table>);

impl KeyTable {
    pub(crate) fn new(q: &Affine) -> Self {
        Self(build(q))
    }

    pub(crate) fn rows(&self) -> &Table {
        &self.0
    }
}

/// The table of `base`, a point of order n (every point of the SM2 curve but the identity:
/// the cofactor is 1). No entry is the identity: n is prime and no j·2^(6i) is a multiple of it.
fn build(base: &Affine) -> Box<Table> {
    let mut jac = Vec::with_capacity(WINDOWS * ROW);
    let mut base = Jacobian::from_affine(base);
    for _ in 0..WINDOWS {
        let mut m = base;
        for _ in 0..ROW {
            jac.push(m);
            m = m.add_vartime(&base);
        }
        for _ in 0..6 {
            base = base.double_vartime();
        }
    }
    // Simultaneous inversion of every Z (none is zero, see above).
    let mut prefix = Vec::with_capacity(jac.len());
    let mut acc = Fe::ONE;
    for p in &jac {
        prefix.push(acc);
        acc = acc.mul(&p.z);
    }
    let mut inv = acc.invert();
    let mut table = Box::new([[Affine::default(); ROW]; WINDOWS]);
    for (idx, p) in jac.iter().enumerate().rev() {
        let zinv = inv.mul(&prefix[idx]);
        inv = inv.mul(&p.z);
        let zinv2 = zinv.square();
        table[idx / ROW][idx % ROW] = Affine {
            x: p.x.mul(&zinv2),
            y: p.y.mul(&zinv2).mul(&zinv),
        };
    }
    table
}
