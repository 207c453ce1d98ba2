//! Issue 8, tampering, 100 %: a 1,000-entry audit log written by the store (several actors,
//! one of them with a Chinese name, over many commits) is exported with a signed checkpoint.
//! Every single-byte change of every stored leaf and of the checkpoint is detected by
//! [`verify_export`] (each byte is changed to a neighbour of its own class — a digit to
//! another digit, a letter to another letter — so most changes still parse and only the
//! Merkle root can catch them); so is every deleted entry, every swap of two adjacent entries
//! and sampled distant swaps, an entry inserted (with the rest renumbered) at sampled places,
//! and every truncation of the tail against an earlier exported checkpoint, even when the
//! operator re-signs the shortened or rewritten log.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use eseal_gm::Sm2PrivateKey;
use eseal_gm::provider::{SeededRandom, Sm2Signer, SoftwareSigner};
use eseal_store::audit::{ACTOR, AuditRecord, ExportError, ExportVerifier, verify_export};
use eseal_store::{Batch, Store};
use eseal_tlog::{Checkpoint, Tree};
use time::macros::datetime;

const ORIGIN: &str = "eseal/audit";
const N: usize = 1000;

/// A byte of the same class: digits and letters stay digits and letters.
fn neighbour(b: u8) -> u8 {
    match b {
        b'0'..=b'8' | b'a'..=b'y' | b'A'..=b'Y' => b + 1,
        b'9' => b'0',
        b'z' => b'a',
        b'Z' => b'A',
        _ => b ^ 0x01,
    }
}

fn sign(lines: &[String], signer: &SoftwareSigner) -> String {
    let mut t = Tree::new();
    for l in lines {
        t.push(l.as_bytes());
    }
    Checkpoint {
        origin: ORIGIN.into(),
        size: t.size(),
        root: t.root(),
        extensions: Vec::new(),
    }
    .sign(ORIGIN, signer)
    .unwrap()
}

fn text(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Whether verification refuses `bytes` as the log (text that is not UTF-8 cannot even be
/// read, which is a refusal too).
fn refused(bytes: &[u8], note: &str, key: &eseal_gm::Sm2PublicKey, earlier: Option<&str>) -> bool {
    match std::str::from_utf8(bytes) {
        Err(_) => true,
        Ok(log) => verify_export(log, note, key, ORIGIN, earlier).is_err(),
    }
}

async fn log_of_1000() -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(dir.path()).await.unwrap();
    let actors = ["admin", "reviewer1", "审计员王五", "system"];
    let mut k = 0;
    while k < N {
        let mut b = Batch::new();
        for _ in 0..10.min(N - k) {
            b.blob(
                if k % 3 == 0 {
                    "image/png"
                } else {
                    "application/ofd"
                },
                format!("artefact {k}").as_bytes(),
            );
            k += 1;
        }
        let at = datetime!(2026-11-25 08:00 UTC) + time::Duration::seconds(k as i64);
        ACTOR
            .scope(actors[k % 4].to_owned(), store.commit(&b, at))
            .await
            .unwrap();
    }
    let log = store.audit_log(0, 10_000).await.unwrap();
    store.close().await;
    log.iter().map(AuditRecord::leaf).collect()
}

#[tokio::test]
async fn every_tampering_of_a_1000_entry_log_is_detected() {
    let lines = log_of_1000().await;
    assert_eq!(lines.len(), N);
    assert!(lines.iter().any(|l| l.contains("审计员王五")));
    let signer =
        SoftwareSigner::new(Sm2PrivateKey::generate(&SeededRandom::new(b"audit")).unwrap());
    let key = signer.public_key();
    let note = sign(&lines, &signer);
    let log = text(&lines);
    assert_eq!(verify_export(&log, &note, &key, ORIGIN, None), Ok(N as u64));
    assert_eq!(
        verify_export(&log, &note, &key, ORIGIN, Some(&note)),
        Ok(N as u64)
    );

    // Every single-byte change of every stored leaf and of the newline after it. Each changed
    // log is checked exactly as `verify_export` checks it (ExportVerifier, line by line, then
    // the checkpoint), resuming from the verifier's state after the unchanged lines before the
    // change instead of re-checking them: the same code on the same bytes, so the same answer.
    let started = std::time::Instant::now();
    let mut prefixes = Vec::with_capacity(N);
    let mut v = ExportVerifier::new();
    for l in &lines {
        prefixes.push(v.clone());
        v.push(l).unwrap();
    }
    let detected = |i: usize, changed: &[u8], joined: bool| -> bool {
        let Ok(changed) = std::str::from_utf8(changed) else {
            return true; // not text: cannot even be read
        };
        let mut v = prefixes[i].clone();
        if v.push(changed).is_err() {
            return true;
        }
        let rest = if joined { i + 2 } else { i + 1 };
        for l in &lines[rest.min(N)..] {
            if v.push(l).is_err() {
                return true;
            }
        }
        v.finish(&note, &key, ORIGIN, None).is_err()
    };
    let mut changes = 0usize;
    let missed: Vec<(usize, usize)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|w| {
                let (lines, detected) = (&lines, &detected);
                s.spawn(move || {
                    let mut missed = Vec::new();
                    let mut n = 0usize;
                    for i in (w..N).step_by(2) {
                        let mut line = lines[i].as_bytes().to_vec();
                        for p in 0..line.len() {
                            let b = line[p];
                            line[p] = neighbour(b);
                            if !detected(i, &line, false) {
                                missed.push((i, p));
                            }
                            line[p] = b;
                            n += 1;
                        }
                        // The newline after the line: it and the next line become one.
                        if i + 1 < N {
                            let mut joined = line.clone();
                            joined.push(neighbour(b'\n'));
                            joined.extend_from_slice(lines[i + 1].as_bytes());
                            if !detected(i, &joined, true) {
                                missed.push((i, line.len()));
                            }
                            n += 1;
                        }
                    }
                    (missed, n)
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                let (m, n) = w.join().unwrap();
                changes += n;
                m
            })
            .collect()
    });
    // The last newline changed: the log is cut short.
    let mut last = log.clone().into_bytes();
    *last.last_mut().unwrap() = neighbour(b'\n');
    assert!(refused(&last, &note, &key, None));
    changes += 1;
    assert_eq!(changes, log.len(), "every byte of the log was changed once");
    assert!(
        missed.is_empty(),
        "undetected byte changes (line, byte): {missed:?}"
    );
    eprintln!(
        "{changes} single-byte changes of the log checked in {:?}",
        started.elapsed()
    );

    // Every single-byte change of the checkpoint.
    let mut cp = note.as_bytes().to_vec();
    for p in 0..cp.len() {
        let b = cp[p];
        cp[p] = neighbour(b);
        let changed = String::from_utf8(cp.clone());
        assert!(
            changed.is_err_and(|_| true)
                || verify_export(
                    &log,
                    &String::from_utf8(cp.clone()).unwrap(),
                    &key,
                    ORIGIN,
                    None
                )
                .is_err(),
            "checkpoint byte {p} changed undetected"
        );
        cp[p] = b;
    }

    // Every deleted entry.
    for k in 0..N {
        let mut l = lines.clone();
        l.remove(k);
        assert!(
            verify_export(&text(&l), &note, &key, ORIGIN, None).is_err(),
            "deleted {k}"
        );
    }
    // Every adjacent swap, and distant ones.
    for k in 0..N - 1 {
        let mut l = lines.clone();
        l.swap(k, k + 1);
        assert!(
            verify_export(&text(&l), &note, &key, ORIGIN, None).is_err(),
            "swapped {k}"
        );
    }
    for k in (0..N / 2).step_by(37) {
        let mut l = lines.clone();
        l.swap(k, N - 1 - k);
        assert!(
            verify_export(&text(&l), &note, &key, ORIGIN, None).is_err(),
            "swapped {k}"
        );
    }
    // An entry inserted, the rest renumbered to keep the sequence gapless.
    for k in (0..=N).step_by(50) {
        let mut records: Vec<AuditRecord> = lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let mut forged = records[k.min(N - 1)].clone();
        forged.actor = "mallory".into();
        records.insert(k, forged);
        for (i, r) in records.iter_mut().enumerate() {
            r.seq = i as i64;
        }
        let l: Vec<String> = records.iter().map(AuditRecord::leaf).collect();
        assert!(
            verify_export(&text(&l), &note, &key, ORIGIN, None).is_err(),
            "inserted {k}"
        );
    }
    // Truncation of the tail, even re-signed by the operator, against the exported earlier
    // checkpoint; and a rewritten entry re-signed likewise.
    for keep in 0..N {
        let l = &lines[..keep];
        let resigned = sign(l, &signer);
        assert!(
            verify_export(&text(l), &note, &key, ORIGIN, None).is_err(),
            "cut to {keep}"
        );
        let err = verify_export(&text(l), &resigned, &key, ORIGIN, Some(&note)).unwrap_err();
        assert!(
            matches!(err, ExportError::Truncated { .. }),
            "cut to {keep}: {err}"
        );
    }
    for k in (0..N).step_by(41) {
        let mut l = lines.clone();
        l[k] = l[k].replace("\"outcome\":\"", "\"outcome\":\"x");
        let resigned = sign(&l, &signer);
        let err = verify_export(&text(&l), &resigned, &key, ORIGIN, Some(&note)).unwrap_err();
        assert!(
            matches!(err, ExportError::Rewritten { .. }),
            "rewrote {k}: {err}"
        );
    }
}
