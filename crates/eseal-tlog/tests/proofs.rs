//! Issue 8, proofs: every inclusion and consistency proof for all sizes up to 64 verifies;
//! sampled pairs up to 10^6 leaves verify; every corruption of a valid proof is refused; the
//! golden file (an independent Python implementation over OpenSSL's SM3,
//! testdata/tlog/make_golden.py) pins leaf encoding, roots and proofs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use eseal_tlog::{Hash, Tree, empty_root, leaf_hash, verify_consistency, verify_inclusion};

fn tree(n: u64) -> Tree {
    let mut t = Tree::new();
    for i in 0..n {
        t.push(format!("leaf {i}").as_bytes());
    }
    t
}

fn flip(proof: &[Hash], at: usize) -> Vec<Hash> {
    let mut p = proof.to_vec();
    p[at][at % 32] ^= 0x01;
    p
}

#[test]
fn every_proof_up_to_64_leaves_verifies_and_every_corruption_is_refused() {
    let t = tree(64);
    let mut checked = (0, 0, 0);
    for n in 1..=64u64 {
        let root = t.root_at(n).unwrap();
        for i in 0..n {
            let leaf = t.leaf(i).unwrap();
            let proof = t.inclusion_proof(i, n).unwrap();
            verify_inclusion(&leaf, i, n, &proof, &root).unwrap();
            checked.0 += 1;
            // index ± 1, size halved or doubled, each hash flipped, truncated, extended.
            let mut bad: Vec<(u64, u64, Vec<Hash>)> = vec![(i + 1, n, proof.clone())];
            if i > 0 {
                bad.push((i - 1, n, proof.clone()));
            }
            if n > 1 {
                bad.push((i, n / 2, proof.clone()));
            }
            bad.push((i, n * 2, proof.clone()));
            for at in 0..proof.len() {
                bad.push((i, n, flip(&proof, at)));
            }
            if !proof.is_empty() {
                bad.push((i, n, proof[..proof.len() - 1].to_vec()));
            }
            let mut longer = proof.clone();
            longer.push(root);
            bad.push((i, n, longer));
            for (bi, bn, bp) in bad {
                assert!(
                    verify_inclusion(&leaf, bi, bn, &bp, &root).is_err(),
                    "inclusion of {i} in {n} accepted as {bi} in {bn} with {} hashes",
                    bp.len()
                );
                checked.2 += 1;
            }
        }
        for m in 1..=n {
            let old = t.root_at(m).unwrap();
            let proof = t.consistency_proof(m, n).unwrap();
            verify_consistency(m, n, &proof, &old, &root).unwrap();
            checked.1 += 1;
            let mut bad: Vec<(u64, u64, Vec<Hash>)> = Vec::new();
            if m < n {
                bad.push((m + 1, n, proof.clone()));
            }
            if m > 1 {
                bad.push((m - 1, n, proof.clone()));
            }
            if n / 2 >= m && n > 1 {
                bad.push((m, n / 2, proof.clone()));
            }
            bad.push((m, n * 2, proof.clone()));
            for at in 0..proof.len() {
                bad.push((m, n, flip(&proof, at)));
            }
            if !proof.is_empty() {
                bad.push((m, n, proof[..proof.len() - 1].to_vec()));
            }
            let mut longer = proof.clone();
            longer.push(root);
            bad.push((m, n, longer));
            for (bm, bn, bp) in bad {
                assert!(
                    verify_consistency(bm, bn, &bp, &old, &root).is_err(),
                    "consistency {m}→{n} accepted as {bm}→{bn} with {} hashes",
                    bp.len()
                );
                checked.2 += 1;
            }
            // The wrong old or new root.
            let other = t.root_at(m.max(2) - 1).unwrap();
            if other != old {
                assert!(verify_consistency(m, n, &proof, &other, &root).is_err());
            }
            assert!(verify_consistency(m, n, &proof, &old, &empty_root()).is_err());
        }
    }
    assert_eq!(checked.0, 64 * 65 / 2);
    assert_eq!(checked.1, 64 * 65 / 2);
    eprintln!(
        "{} inclusion and {} consistency proofs verified, {} corruptions refused",
        checked.0, checked.1, checked.2
    );
    // Out of range.
    assert!(t.inclusion_proof(64, 64).is_err());
    assert!(t.inclusion_proof(0, 65).is_err());
    assert!(t.consistency_proof(0, 8).is_err());
    assert!(t.consistency_proof(9, 8).is_err());
    assert!(t.root_at(65).is_err());
    assert!(verify_inclusion(&t.leaf(0).unwrap(), 0, 0, &[], &empty_root()).is_err());
    assert!(verify_consistency(0, 4, &[], &empty_root(), &t.root_at(4).unwrap()).is_err());
}

#[test]
fn sampled_pairs_up_to_a_million_leaves() {
    const N: u64 = 1_000_000;
    let t = tree(N);
    assert_eq!(t.size(), N);
    let root = t.root();
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut next = |bound: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % bound
    };
    let mut longest = 0;
    for _ in 0..200 {
        let n = 1 + next(N);
        let i = next(n);
        let root_n = t.root_at(n).unwrap();
        let proof = t.inclusion_proof(i, n).unwrap();
        longest = longest.max(proof.len());
        verify_inclusion(&t.leaf(i).unwrap(), i, n, &proof, &root_n).unwrap();
        let m = 1 + next(n);
        let proof = t.consistency_proof(m, n).unwrap();
        verify_consistency(m, n, &proof, &t.root_at(m).unwrap(), &root_n).unwrap();
        let proof = t.consistency_proof(n, N).unwrap();
        verify_consistency(n, N, &proof, &root_n, &root).unwrap();
    }
    assert!(
        longest <= 20,
        "audit paths of a 10^6 tree have ≤ 20 hashes: {longest}"
    );
}

fn hex(h: &Hash) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn golden_file_pins_encoding_roots_and_proofs() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/tlog/golden.txt"
    ))
    .unwrap();
    let t = tree(1000);
    let mut lines = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split(' ').collect();
        let num = |i: usize| f[i].parse::<u64>().unwrap();
        match f[0] {
            "empty" => assert_eq!(hex(&empty_root()), f[1]),
            "leaf" => {
                let i = num(1);
                assert_eq!(hex(&leaf_hash(format!("leaf {i}").as_bytes())), f[2]);
                assert_eq!(hex(&t.leaf(i).unwrap()), f[2]);
            }
            "root" => assert_eq!(hex(&t.root_at(num(1)).unwrap()), f[2], "{line}"),
            "inclusion" => {
                let got: Vec<String> = t
                    .inclusion_proof(num(1), num(2))
                    .unwrap()
                    .iter()
                    .map(hex)
                    .collect();
                let want: Vec<&str> = f[3..].iter().copied().filter(|s| !s.is_empty()).collect();
                assert_eq!(got, want, "{line}");
            }
            "consistency" => {
                let got: Vec<String> = t
                    .consistency_proof(num(1), num(2))
                    .unwrap()
                    .iter()
                    .map(hex)
                    .collect();
                let want: Vec<&str> = f[3..].iter().copied().filter(|s| !s.is_empty()).collect();
                assert_eq!(got, want, "{line}");
            }
            other => panic!("unknown golden line {other}"),
        }
        lines += 1;
    }
    assert_eq!(lines, 35);
}
