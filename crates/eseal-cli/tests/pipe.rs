#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Standard output that cannot be written: `eseal … | head` (the reader gone) ends the
//! command quietly with status 141, a full disk with status 3 and a message — never a Rust
//! panic (before: status 101, "thread 'main' panicked … failed printing to stdout: Broken
//! pipe" and a backtrace).

use std::process::{Command, Output, Stdio};

fn eseal(args: &[&str], stdout: Stdio) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eseal"))
        .args(args)
        .env("ESEAL_LANG", "en")
        .env("RUST_BACKTRACE", "1")
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

/// Standard output a pipe whose reader is already closed: every write fails with EPIPE.
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer.into()
}

#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let o = eseal(&["demo", "--dir", d], closed_pipe());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(141), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    // What the command had to do was done before it printed.
    assert!(dir.path().join("seal.esl").is_file());
    // A verification report, likewise (and in Chinese).
    let seal = format!("{d}/seal.esl");
    let o = eseal(
        &["--lang", "zh", "seal", "verify", &seal, "--trust", d],
        closed_pipe(),
    );
    assert_eq!(
        o.status.code(),
        Some(141),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.stderr.is_empty());
}

#[test]
fn a_full_disk_is_an_io_error_with_its_reason() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // not Linux
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let o = eseal(&["demo", "--dir", d], full.into());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("error: cannot write to standard output"),
        "{stderr}"
    );
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let o = eseal(&["--lang", "zh", "demo", "--dir", d], full_again());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{stderr}");
    assert_eq!(stderr.trim(), "错误：无法写入标准输出：磁盘空间不足");
}

fn full_again() -> Stdio {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap()
        .into()
}
