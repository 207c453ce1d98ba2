//! Issue 7 item 1: the HSM provider through PKCS#11, against SoftHSM2 (Debian's `softhsm2`,
//! installed by `.ci/run`). Real processes, each with its own SoftHSM2 configuration
//! (`SOFTHSM2_CONF`) and a token initialised with `softhsm2-util`:
//! * a service started without an HSM (data key in clear) is restarted with one: the data key
//!   is wrapped by an AES-256 key made in the token, the clear file is removed, and the first
//!   administrator still logs in (their TOTP secret opens with the same data key);
//! * `eseal hsm status` shows the key sensitive and not extractable;
//! * a wrong user PIN, an unknown token and a changed wrapped key each stop the start with a
//!   clear error, and change nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PIN: &str = "123456";

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Hsm {
    module: PathBuf,
    conf: PathBuf,
}

impl Hsm {
    fn eseal(&self, pin: &str) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_eseal"));
        c.env("SOFTHSM2_CONF", &self.conf)
            .env("ESEAL_HSM_PIN", pin)
            .env("ESEAL_LANG", "en")
            .env_remove("ESEAL_DATA_KEY");
        c
    }
}

/// A fresh SoftHSM2 token store with one token labelled `eseal`.
fn token(dir: &Path) -> Option<Hsm> {
    let module = eseal_testkit::softhsm()?;
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    let out = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args(["--init-token", "--free", "--label", "eseal"])
        .args(["--pin", PIN, "--so-pin", "654321"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(Hsm { module, conf })
}

/// Starts `eseal serve`; returns it, its URL and its stdout lines (on a `first` start up to
/// the administrator's block, else the six lines of the banner).
fn serve(
    cmd: &mut Command,
    extra: &[&str],
    data: &Path,
    first: bool,
) -> (Killed, String, Vec<String>) {
    let mut child = Killed(
        cmd.arg("serve")
            .args(extra)
            .args(["--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut out = BufReader::new(child.0.stdout.take().unwrap());
    let mut lines = Vec::new();
    let mut line = String::new();
    while out.read_line(&mut line).unwrap() > 0 {
        lines.push(line.trim_end().to_owned());
        line.clear();
        let done = if first {
            lines.last().is_some_and(|l| l.contains("current code"))
        } else {
            lines.len() >= 6
        };
        if done {
            break;
        }
    }
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let url = lines
        .first()
        .and_then(|l| l.split_whitespace().find(|w| w.starts_with("http://")))
        .unwrap_or_else(|| panic!("no URL in {lines:?}"))
        .to_owned();
    (child, url, lines)
}

/// Runs a start that must fail; returns its stderr.
fn refused(cmd: &mut Command, extra: &[&str], data: &Path) -> String {
    let mut child = cmd
        .arg("serve")
        .args(extra)
        .args(["--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(!status.success(), "the start should have failed");
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            return err;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the start did not fail within 30 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn field(lines: &[String], name: &str) -> String {
    lines
        .iter()
        .find_map(|l| l.trim().strip_prefix(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} in {lines:?}"))
        .to_owned()
}

#[test]
#[cfg_attr(
    eseal_skip_softhsm,
    ignore = "needs SoftHSM2 (apt-get install softhsm2)"
)]
fn the_data_key_is_wrapped_by_the_hsm() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(hsm) = token(tmp.path()) else {
        return;
    };
    let data = tmp.path().join("data");
    let module = hsm.module.display().to_string();
    let with_hsm = |pin: &str| hsm.eseal(pin);
    let hsm_args = ["--hsm-module", module.as_str(), "--hsm-token", "eseal"];

    // 1. Without an HSM: the data key is made in clear, with the first administrator.
    let (server, _, lines) = serve(hsm.eseal(PIN).env_remove("ESEAL_HSM_PIN"), &[], &data, true);
    drop(server);
    let password = field(&lines, "password");
    let secret = field(&lines, "TOTP secret");
    let plain = data.join("keys").join("data.key");
    let wrapped = data.join("keys").join("data.key.hsm");
    assert!(plain.exists() && !wrapped.exists());

    // 2. The status before the key exists, and starts that must fail: nothing changes.
    let out = with_hsm(PIN)
        .args(["hsm", "status"])
        .args(hsm_args)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no key labelled"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = refused(&mut with_hsm("000000"), &hsm_args, &data);
    assert!(err.contains("user PIN"), "{err}");
    let err = refused(
        &mut with_hsm(PIN),
        &["--hsm-module", module.as_str(), "--hsm-token", "nosuch"],
        &data,
    );
    assert!(err.contains("no token labelled \"nosuch\""), "{err}");
    assert!(
        plain.exists() && !wrapped.exists(),
        "a failed start changed the keys"
    );

    // 3. With the HSM: the key is wrapped, the clear copy removed.
    let (server, _, _) = serve(&mut with_hsm(PIN), &hsm_args, &data, false);
    drop(server);
    assert!(!plain.exists(), "the clear data key is still on disk");
    let text = std::fs::read_to_string(&wrapped).unwrap();
    let (id, hex) = text.trim().split_once(':').unwrap();
    assert_eq!(id, "1");
    assert_eq!(
        hex.len(),
        2 * (12 + 16 + 16),
        "IV, wrapped key, tag: {text}"
    );

    // 4. The key in the token cannot leave it.
    let out = with_hsm(PIN)
        .args(["hsm", "status"])
        .args(hsm_args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (
            &status["sensitive"],
            &status["extractable"],
            &status["length"]
        ),
        (&json!(true), &json!(false), &json!(32)),
        "{status}"
    );

    // 5. Restarted through the HSM, the administrator enrolled under the clear key logs in:
    // the TOTP secret opens with the unwrapped data key.
    let (server, url, _) = serve(&mut with_hsm(PIN), &hsm_args, &data, false);
    let bytes = eseal_server::auth::base32_decode(&secret).unwrap();
    let code = eseal_server::auth::totp_code(
        &bytes,
        eseal_server::auth::totp_step(time::OffsetDateTime::now_utc()),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (status, body) = rt.block_on(async {
        let r = reqwest::Client::new()
            .post(format!("{url}/api/v1/login"))
            .json(&json!({"username": "admin", "password": password, "totp": code}))
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    });
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    drop(server);

    // 6. The key-encryption key is rotated (issue 21): the data key wrapped again under a new
    // key in the token; the service starts with the new label (the administrator still logs
    // in: the same data key), no longer with the old one; the ceremony is audited.
    let out = with_hsm(PIN)
        .args(["hsm", "rewrap"])
        .args(hsm_args)
        .args(["--new-key-label", "eseal-kek-2027", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&wrapped).unwrap();
    let new_args = [
        "--hsm-module",
        module.as_str(),
        "--hsm-token",
        "eseal",
        "--hsm-key-label",
        "eseal-kek-2027",
    ];
    let (server, url, _) = serve(&mut with_hsm(PIN), &new_args, &data, false);
    let (status, body) = rt.block_on(async {
        let r = reqwest::Client::new()
            .post(format!("{url}/api/v1/login"))
            .json(&json!({"username": "admin", "password": password, "totp": eseal_server::auth::totp_code(&bytes, eseal_server::auth::totp_step(time::OffsetDateTime::now_utc()) + 1)}))
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    });
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    drop(server);
    let err = refused(&mut with_hsm(PIN), &hsm_args, &data);
    assert!(err.contains("does not open"), "{err}");
    let audit = with_hsm(PIN)
        .args(["audit", "query", "--event", "key.", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&audit.stdout).contains("eseal-kek -> eseal-kek-2027"),
        "{}",
        String::from_utf8_lossy(&audit.stdout)
    );
    let hsm_args = new_args;

    // 7. A changed wrapped key is refused, and left as it is.
    let mut tampered = text.trim().to_owned();
    let last = tampered.pop().unwrap();
    tampered.push(if last == '0' { '1' } else { '0' });
    std::fs::write(&wrapped, format!("{tampered}\n")).unwrap();
    let err = refused(&mut with_hsm(PIN), &hsm_args, &data);
    assert!(err.contains("does not open"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&wrapped).unwrap(),
        format!("{tampered}\n")
    );
}
