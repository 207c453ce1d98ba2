//! Issue 17 item 3: what a relying party or an outside auditor runs offline — the check of an
//! exported audit log and of a seal's inclusion proof — builds and runs from this crate, which
//! has no store, no async runtime and no HTTP client in its dependency tree. Every failure is a
//! typed error that says what is wrong in Chinese as well as English.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use eseal_gm::Sm2PrivateKey;
use eseal_gm::provider::{SeededRandom, Sm2Signer, SoftwareSigner};
use eseal_tlog::audit::{AUDIT_ORIGIN, AuditRecord, ExportError, verify_export};
use eseal_tlog::seals::{ProvenEntry, SEALS_ORIGIN, SealEntry, SealProof, SealProofError};
use eseal_tlog::{Checkpoint, Tree};

fn signer() -> SoftwareSigner {
    SoftwareSigner::new(Sm2PrivateKey::generate(&SeededRandom::new(b"offline log key")).unwrap())
}

fn lines(n: i64) -> Vec<String> {
    (0..n)
        .map(|seq| {
            AuditRecord {
                seq,
                at: 1_767_225_600 + seq,
                actor: if seq % 3 == 0 { "审核员" } else { "system" }.into(),
                event: "seals.update".into(),
                object: format!("seals/ES{seq:04}@v1"),
                outcome: "ok".into(),
            }
            .leaf()
        })
        .collect()
}

fn note(lines: &[String], origin: &str, key: &SoftwareSigner) -> String {
    let mut t = Tree::new();
    for l in lines {
        t.push(l.as_bytes());
    }
    Checkpoint {
        origin: origin.into(),
        size: t.size(),
        root: t.root(),
        extensions: vec![],
    }
    .sign(origin, key)
    .unwrap()
}

fn joined(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Chinese text with no English sentence in it.
fn chinese(zh: &str) {
    assert_eq!(eseal_testkit::english_prose(zh), None, "{zh}");
    assert!(
        zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{zh}"
    );
}

#[test]
fn an_exported_audit_log_is_checked_offline_with_typed_errors() {
    let key = signer();
    let public = key.public_key();
    let log = lines(20);
    let signed = note(&log, AUDIT_ORIGIN, &key);
    let earlier = note(&log[..12], AUDIT_ORIGIN, &key);
    assert_eq!(
        verify_export(
            &joined(&log),
            &signed,
            &public,
            AUDIT_ORIGIN,
            Some(&earlier)
        ),
        Ok(20)
    );

    let mut changed = log.clone();
    changed[7] = changed[7].replace("ES0007", "ES9999");
    let mut renumbered = log.clone();
    renumbered.remove(4);
    let mut spaced = log.clone();
    spaced[3] = spaced[3].replace(":", ": ");
    let cases: Vec<(String, String, Option<String>, ExportError)> = vec![
        (
            joined(&changed),
            signed.clone(),
            None,
            ExportError::Mismatch {
                entries: 20,
                signed: 20,
            },
        ),
        (
            joined(&renumbered),
            signed.clone(),
            None,
            ExportError::Sequence { index: 4, found: 5 },
        ),
        (
            joined(&spaced),
            signed.clone(),
            None,
            ExportError::NotCanonical { index: 3 },
        ),
        (
            joined(&log).trim_end().to_owned(),
            signed.clone(),
            None,
            ExportError::NoFinalNewline,
        ),
        (
            joined(&log[..10]),
            note(&log[..10], AUDIT_ORIGIN, &key),
            Some(earlier.clone()),
            ExportError::Truncated {
                entries: 10,
                earlier: 12,
            },
        ),
        (
            joined(&changed),
            note(&changed, AUDIT_ORIGIN, &key),
            Some(earlier.clone()),
            ExportError::Rewritten { earlier: 12 },
        ),
    ];
    for (text, note, earlier, want) in cases {
        let got =
            verify_export(&text, &note, &public, AUDIT_ORIGIN, earlier.as_deref()).unwrap_err();
        assert_eq!(got, want);
        chinese(&got.zh());
        assert_ne!(got.to_string(), got.zh());
    }
    // Someone else's key, and a checkpoint of the other log.
    let other = SoftwareSigner::new(Sm2PrivateKey::generate(&SeededRandom::new(b"other")).unwrap());
    let forged = note(&log, AUDIT_ORIGIN, &other);
    let e = verify_export(&joined(&log), &forged, &public, AUDIT_ORIGIN, None).unwrap_err();
    assert!(matches!(e, ExportError::Checkpoint { .. }), "{e}");
    chinese(&e.zh());
    let wrong_log = note(&log, SEALS_ORIGIN, &key);
    let e = verify_export(&joined(&log), &wrong_log, &public, AUDIT_ORIGIN, None).unwrap_err();
    chinese(&e.zh());
}

fn entry(seq: i64, seal: &str, state: &str) -> SealEntry {
    SealEntry {
        seq,
        at: 1_767_225_600 + seq,
        event: if seq == 0 { "made" } else { "updated" }.into(),
        seal_id: seal.into(),
        version: seq + 1,
        kind: "official".into(),
        state: state.into(),
        seal_sm3: format!("{seq:064x}"),
        certificate_serial: "0A".into(),
        valid_from: 1_767_225_600,
        valid_to: 1_893_456_000,
    }
}

#[test]
fn a_seal_proof_is_checked_offline_with_typed_errors() {
    let key = signer();
    let public = key.public_key();
    let leaves: Vec<String> = (0..9)
        .map(|i| entry(i, if i % 2 == 0 { "ES-A" } else { "ES-B" }, "active").leaf())
        .collect();
    let mut tree = Tree::new();
    for l in &leaves {
        tree.push(l.as_bytes());
    }
    let note = note(&leaves, SEALS_ORIGIN, &key);
    let proven = |i: u64| ProvenEntry {
        index: i,
        leaf: leaves[i as usize].clone(),
        proof: tree
            .inclusion_proof(i, tree.size())
            .unwrap()
            .iter()
            .map(hex::encode)
            .collect(),
    };
    let proof = SealProof {
        checkpoint: note.clone(),
        entries: vec![proven(0), proven(4), proven(8)],
    };
    let (cp, entries) = proof.verify(&public).unwrap();
    assert_eq!((cp.size, entries.len()), (9, 3));

    let mut other_seal = proof.clone();
    other_seal.entries[1] = proven(3);
    let mut reordered = proof.clone();
    reordered.entries.swap(0, 1);
    let mut bad_path = proof.clone();
    bad_path.entries[2].proof[0] = "00".repeat(32);
    let mut short_hash = proof.clone();
    short_hash.entries[0].proof[1] = "abcd".into();
    let empty = SealProof {
        checkpoint: note.clone(),
        entries: vec![],
    };
    for (p, check) in [
        (
            other_seal,
            (|e: &SealProofError| matches!(e, SealProofError::OtherSeal { entry: 1, .. }))
                as fn(&SealProofError) -> bool,
        ),
        (reordered, |e| {
            matches!(e, SealProofError::Order { entry: 1 })
        }),
        (bad_path, |e| {
            matches!(e, SealProofError::Inclusion { entry: 2, .. })
        }),
        (short_hash, |e| {
            matches!(e, SealProofError::Hash { entry: 0, hash: 1 })
        }),
        (empty, |e| matches!(e, SealProofError::Empty)),
    ] {
        let e = p.verify(&public).unwrap_err();
        assert!(check(&e), "{e:?}");
        chinese(&e.zh());
    }
}
