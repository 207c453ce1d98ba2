//! Internal consistency of the specialised arithmetic; the differential tests against
//! RustCrypto `sm2` and OpenSSL are in `tests/`.

use super::*;
use field::Fe;

fn scalar_bytes(seed: u64) -> [u8; 32] {
    // A simple deterministic spread of values (splitmix64).
    let mut x = seed;
    let mut out = [0u8; 32];
    for chunk in out.chunks_exact_mut(8) {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_be_bytes());
    }
    out
}

fn same(a: &Affine, b: &Affine) -> bool {
    a.x.0 == b.x.0 && a.y.0 == b.y.0
}

fn edge_scalars() -> Vec<arith::Limbs> {
    let n = N.m;
    let mut v = vec![
        [1, 0, 0, 0],
        [2, 0, 0, 0],
        [31, 0, 0, 0],
        [32, 0, 0, 0],
        [33, 0, 0, 0],
        [63, 0, 0, 0],
        [64, 0, 0, 0],
        [0, 0, 0, 1 << 63],
        [u64::MAX, u64::MAX, u64::MAX, 0x0FFF_FFFF_FFFF_FFFF],
        arith::sub_raw(&n, &[1, 0, 0, 0]).0,
        arith::sub_raw(&n, &[2, 0, 0, 0]).0,
        arith::sub_raw(&n, &[32, 0, 0, 0]).0,
    ];
    for i in 0..40 {
        v.push(arith::reduce_once(
            &arith::limbs_from_be(&scalar_bytes(i)),
            0,
            &n,
        ));
    }
    v
}

#[test]
fn constant_time_and_variable_time_multiples_agree() {
    let g = Affine::G;
    for k in edge_scalars() {
        let ct = mul_g(&Sc::from_canonical(k)).to_affine();
        let vt_table = mul_g_vartime(&k).to_affine_vartime().unwrap();
        let vt_wnaf = mul_vartime(&g, &k).to_affine_vartime().unwrap();
        assert!(same(&ct, &vt_table), "{k:x?}");
        assert!(same(&ct, &vt_wnaf), "{k:x?}");
        assert!(ct.is_on_curve_vartime());
    }
    // n·G is the identity; (n − 1)·G = −G.
    assert!(mul_g_vartime(&N.m).is_identity_vartime());
    assert!(mul_vartime(&g, &N.m).is_identity_vartime());
    let m1 = arith::sub_raw(&N.m, &[1, 0, 0, 0]).0;
    assert!(same(&mul_g(&Sc::from_canonical(m1)).to_affine(), &g.neg()));
}

#[test]
fn a_key_table_gives_the_double_and_add_multiples() {
    let points = [
        Affine::G,
        SecretScalar::new(&scalar_bytes(70)).unwrap().public(),
        SecretScalar::new(&scalar_bytes(71)).unwrap().public().neg(),
    ];
    for q in &points {
        let table = KeyTable::new(q);
        for k in edge_scalars() {
            let walked = add_multiple_vartime(Jacobian::IDENTITY, table.rows(), &k);
            let expected = mul_vartime(q, &k).to_affine_vartime().unwrap();
            assert!(
                same(&walked.to_affine_vartime().unwrap(), &expected),
                "{k:x?}"
            );
            // After s·G, as verification adds it (the sum passes through doublings and
            // inverses when s = ±k and Q = G).
            let from = mul_g_vartime(&k);
            let both = add_multiple_vartime(from, table.rows(), &k);
            let expected = mul_g_vartime(&k).add_vartime(&mul_vartime(q, &k));
            match (both.to_affine_vartime(), expected.to_affine_vartime()) {
                (Some(a), Some(b)) => assert!(same(&a, &b), "{k:x?}"),
                (a, b) => assert_eq!(a.is_none(), b.is_none(), "{k:x?}"),
            }
        }
        assert!(add_multiple_vartime(Jacobian::IDENTITY, table.rows(), &N.m).is_identity_vartime());
    }
    // s·G + t·G with s + t = n is the identity: verification refuses it either way.
    let s = scalar_bytes(72);
    let s_l = arith::reduce_once(&arith::limbs_from_be(&s), 0, &N.m);
    let t_l = arith::sub_raw(&N.m, &s_l).0;
    let g_table = KeyTable::new(&Affine::G);
    assert!(add_multiple_vartime(mul_g_vartime(&s_l), g_table.rows(), &t_l).is_identity_vartime());
}

#[test]
fn verification_with_and_without_the_key_table_agree() {
    let d = SecretScalar::new(&scalar_bytes(9)).unwrap();
    let q = d.public();
    let table = KeyTable::new(&q);
    let g_table = KeyTable::new(&Affine::G);
    for i in 0..64 {
        let e = scalar_bytes(100 + i);
        let (r, s) = d.sign_prehash(&e, b"").unwrap();
        assert!(verify_prehash_with(&q, Some(&table), &e, &r, &s));
        assert!(verify_prehash(&q, &e, &r, &s));
        let mut e2 = e;
        e2[i as usize % 32] ^= 1;
        assert!(!verify_prehash_with(&q, Some(&table), &e2, &r, &s));
        // Another key's table: refused, as with the other key itself.
        assert!(!verify_prehash_with(&Affine::G, Some(&g_table), &e, &r, &s));
    }
}

#[test]
fn complete_addition_handles_doubling_and_inverse() {
    let g = Affine::G;
    let p = Projective::IDENTITY.add_mixed(&g);
    assert!(same(&p.to_affine(), &g));
    let two = p.add_mixed(&g).to_affine();
    let two_j = Jacobian::from_affine(&g)
        .double_vartime()
        .to_affine_vartime()
        .unwrap();
    assert!(same(&two, &two_j));
    let zero = p.add_mixed(&g.neg());
    assert!(bool::from(zero.z.is_zero()));
}

#[test]
fn wnaf_reconstructs_the_scalar() {
    for k in edge_scalars() {
        let digits = wnaf5(&k);
        // Horner in the field of n: Σ dᵢ·2^i.
        let mut acc = Sc::ZERO;
        let two = Sc::from_canonical([2, 0, 0, 0]);
        for &d in digits.iter().rev() {
            acc = acc.mul(&two);
            let m = Sc::from_canonical([u64::from(d.unsigned_abs()), 0, 0, 0]);
            acc = if d < 0 { acc.sub(&m) } else { acc.add(&m) };
            assert!(d == 0 || d % 2 != 0);
        }
        assert_eq!(acc.to_canonical(), Sc::from_canonical(k).to_canonical());
    }
}

#[test]
fn secret_scalar_range() {
    let n = arith::limbs_to_be(&N.m);
    assert!(SecretScalar::new(&[0; 32]).is_none());
    assert!(SecretScalar::new(&n).is_none());
    let n1 = arith::limbs_to_be(&arith::sub_raw(&N.m, &[1, 0, 0, 0]).0);
    assert!(
        SecretScalar::new(&n1).is_none(),
        "d = n − 1 has no (1 + d)⁻¹"
    );
    let n2 = arith::limbs_to_be(&arith::sub_raw(&N.m, &[2, 0, 0, 0]).0);
    assert!(SecretScalar::new(&n2).is_some());
}

#[test]
fn verification_refuses_out_of_range_values() {
    let d = SecretScalar::new(&scalar_bytes(7)).unwrap();
    let q = d.public();
    let e = scalar_bytes(8);
    let (r, s) = d.sign_prehash(&e, b"").unwrap();
    assert!(verify_prehash(&q, &e, &r, &s));
    let n = arith::limbs_to_be(&N.m);
    let zero = [0u8; 32];
    assert!(!verify_prehash(&q, &e, &zero, &s));
    assert!(!verify_prehash(&q, &e, &r, &zero));
    assert!(!verify_prehash(&q, &e, &n, &s));
    assert!(!verify_prehash(&q, &e, &r, &n));
    // r + n (if it fits in 256 bits it is ≥ n: refused, not reduced).
    let (r_plus_n, carry) = arith::add_raw(&arith::limbs_from_be(&r), &N.m);
    if carry == 0 {
        assert!(!verify_prehash(&q, &e, &arith::limbs_to_be(&r_plus_n), &s));
    }
    // s such that r + s = n: t = 0.
    let s_bad = arith::limbs_to_be(&arith::sub_raw(&N.m, &arith::limbs_from_be(&r)).0);
    assert!(!verify_prehash(&q, &e, &r, &s_bad));
    // Another key, another digest.
    assert!(!verify_prehash(&Affine::G, &e, &r, &s));
    let mut e2 = e;
    e2[31] ^= 1;
    assert!(!verify_prehash(&q, &e2, &r, &s));
    // Off-curve points are refused at parsing.
    let (x, mut y) = affine_to_be(&q);
    y[31] ^= 1;
    assert!(Affine::from_be_xy(&x, &y).is_none());
    let p = arith::limbs_to_be(&field::P.m);
    assert!(Affine::from_be_xy(&p, &y).is_none());
    let _ = Fe::ZERO;
}

/// GB/T 32918.5-2017 / GM/T 0003.5-2012 appendix A example on the recommended curve
/// (testdata/gm/NOTES.md): d, k and the expected (r, s) over M = "message digest" with
/// ID_A = 1234567812345678.
#[test]
fn standard_example_with_its_nonce() {
    let text = include_str!("../../../../testdata/gm/gbt32918-example.txt");
    let field = |name: &str| -> [u8; 32] {
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} = ")))
            .unwrap();
        let bytes: Vec<u8> = (0..64)
            .step_by(2)
            .map(|i| u8::from_str_radix(&line[i..i + 2], 16).unwrap())
            .collect();
        bytes.try_into().unwrap()
    };
    let d = SecretScalar::new(&field("d")).unwrap();
    let (x, y) = affine_to_be(&d.public());
    assert_eq!(x, field("xA"));
    assert_eq!(y, field("yA"));
    let e = Sc::from_be_bytes_reduced(&field("e"));
    let k = Sc::from_be_bytes(&field("k")).unwrap();
    let (r, s) = d.sign_with_nonce(&e, &k).unwrap();
    assert_eq!(r, field("r"));
    assert_eq!(s, field("s"));
    assert!(verify_prehash(&d.public(), &field("e"), &r, &s));
}
