//! Issue 8, checkpoints: a signed note opens with the log's key and name only; any change of
//! the body or the signature is refused; witness lines are ignored; malformed bodies are
//! named.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use eseal_gm::Sm2PrivateKey;
use eseal_gm::provider::{SeededRandom, Sm2Signer, SoftwareSigner};
use eseal_tlog::{Checkpoint, CheckpointError, Tree};

fn signer(seed: &[u8]) -> SoftwareSigner {
    SoftwareSigner::new(Sm2PrivateKey::generate(&SeededRandom::new(seed)).unwrap())
}

fn checkpoint() -> Checkpoint {
    let mut t = Tree::new();
    for i in 0..7 {
        t.push(format!("seal {i}").as_bytes());
    }
    Checkpoint {
        origin: "eseal.example.gov.cn/seals".into(),
        size: t.size(),
        root: t.root(),
        extensions: vec!["eseal-audit v1".into()],
    }
}

const NAME: &str = "eseal.example.gov.cn/seals";

#[test]
fn signed_checkpoints_open_only_as_signed() {
    let key = signer(b"log key");
    let cp = checkpoint();
    let note = cp.sign(NAME, &key).unwrap();
    let body = cp.body();
    assert!(note.starts_with(&body), "{note}");
    assert!(
        body.starts_with("eseal.example.gov.cn/seals\n7\n"),
        "{body}"
    );
    assert!(note[body.len()..].starts_with("\n\u{2014} eseal.example.gov.cn/seals "));
    assert_eq!(
        Checkpoint::open(&note, NAME, &key.public_key()).unwrap(),
        cp
    );

    // Another key, another name: not signed by them.
    let other = signer(b"other key");
    assert_eq!(
        Checkpoint::open(&note, NAME, &other.public_key()),
        Err(CheckpointError::NotSigned(NAME.into()))
    );
    assert!(matches!(
        Checkpoint::open(&note, "someone", &key.public_key()),
        Err(CheckpointError::NotSigned(_))
    ));

    // A witness's line before ours is skipped.
    let witnessed = {
        let w = cp.sign("witness.example", &other).unwrap();
        let line = &w[body.len() + 1..];
        format!("{body}\n{line}{}", &note[body.len() + 1..])
    };
    assert_eq!(
        Checkpoint::open(&witnessed, NAME, &key.public_key()).unwrap(),
        cp
    );

    // Every single-byte change of the note is refused (or the note stops parsing).
    let bytes = note.as_bytes();
    let mut refused = 0;
    for i in 0..bytes.len() {
        let mut b = bytes.to_vec();
        b[i] ^= 0x01;
        let Ok(text) = String::from_utf8(b) else {
            refused += 1;
            continue;
        };
        assert!(
            Checkpoint::open(&text, NAME, &key.public_key()).is_err(),
            "byte {i} changed and still accepted"
        );
        refused += 1;
    }
    assert_eq!(refused, bytes.len());
}

#[test]
fn malformed_bodies_are_named() {
    for (body, why) in [
        ("origin\n7\n", "no root line"),
        ("origin\n07\nAAAA\n", "decimal"),
        ("origin\n-1\nAAAA\n", "decimal"),
        ("origin\n7\nAAAA\n", "32 bytes"),
        ("\n7\nAAAA\n", "origin"),
        ("origin\n7", "newline"),
    ] {
        let e = Checkpoint::parse_body(body).unwrap_err();
        assert!(e.to_string().contains(why), "{body:?}: {e}");
    }
    let key = signer(b"log key");
    assert!(matches!(
        checkpoint().sign("two words", &key),
        Err(CheckpointError::Signing(_))
    ));
    assert!(matches!(
        Checkpoint::open("no blank line", NAME, &key.public_key()),
        Err(CheckpointError::Malformed(_))
    ));
}
