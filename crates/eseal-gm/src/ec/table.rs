//! The table of multiples of G: row i holds j·2^(6i)·G for j = 1..=32, affine, for the 43
//! windows of a 256-bit scalar in signed 6-bit digits (88 KiB). Built once per process
//! from G alone (public data, variable time), with one field inversion for all 1,376
//! points (Montgomery's simultaneous inversion).

use super::WINDOWS;
use super::field::Fe;
use super::point::{Affine, Jacobian};
use std::sync::OnceLock;

/// Entries per row: digit magnitudes 1..=32.
pub(crate) const ROW: usize = 32;

type Table = [[Affine; ROW]; WINDOWS];

pub(crate) fn g_table() -> &'static Table {
    static TABLE: OnceLock<Box<Table>> = OnceLock::new();
    TABLE.get_or_init(build)
}

fn build() -> Box<Table> {
    let mut jac = Vec::with_capacity(WINDOWS * ROW);
    let mut base = Jacobian::from_affine(&Affine::G);
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
    // Simultaneous inversion of every Z (none is zero: j·2^(6i) < n for all entries).
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
