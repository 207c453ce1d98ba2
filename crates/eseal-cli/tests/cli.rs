#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The `eseal` command end to end, and cross-checks with the OpenSSL 3 CLI
//! (testdata/ses/NOTES.md records the commands).

use eseal_gm::provider::{SeededRandom, SoftwareSigner};
use eseal_gm::{Sm2PrivateKey, Sm2Signature, Sm3Digest};
use eseal_pki::{CertificateKind, IssueRequest, Issuer, issue_certificate};
use eseal_ses::{AnySeal, AnySignature, SignRequest, prepare_signature};
use eseal_testkit::openssl_available;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use time::OffsetDateTime;
use time::macros::datetime;

fn eseal(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eseal"))
        .args(args)
        .env("ESEAL_LANG", "en")
        .output()
        .unwrap()
}

/// A run in the default language (Chinese: no ESEAL_LANG).
fn eseal_zh(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eseal"))
        .args(args)
        .env_remove("ESEAL_LANG")
        .output()
        .unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn openssl(dir: &Path, args: &[&str]) -> Output {
    let o = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "openssl {args:?}: {}", text(&o));
    o
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64ct::{Base64, Encoding};
    let b64 = Base64::encode_string(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn p(&self, name: &str) -> String {
        self.path(name).to_string_lossy().into_owned()
    }
}

/// Keys and certificates issued by eseal-pki: maker, signer, and a signer whose certificate
/// ended in the past (`old-signer`).
fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let random = SeededRandom::new(b"eseal cli tests");
    let root_key = Sm2PrivateKey::generate(&random).unwrap();
    let root = SoftwareSigner::new(root_key.clone());
    let root_cert = issue_certificate(
        &IssueRequest {
            subject: "CN=CLI Test Root,C=CN".parse().unwrap(),
            crl_distribution_point: None,
            ocsp_url: None,
            public_key: root_key.public_key(),
            kind: CertificateKind::Root,
            not_before: datetime!(2020-01-01 00:00 UTC),
            not_after: datetime!(2040-01-01 00:00 UTC),
            serial: vec![1],
        },
        Issuer {
            certificate: None,
            signer: &root,
        },
    )
    .unwrap();
    std::fs::write(dir.path().join("root.pem"), pem("CERTIFICATE", &root_cert)).unwrap();
    // A trust store: the root and its (empty) CRL.
    std::fs::create_dir(dir.path().join("trust")).unwrap();
    std::fs::write(
        dir.path().join("trust/root.pem"),
        pem("CERTIFICATE", &root_cert),
    )
    .unwrap();
    let root_parsed = eseal_pki::Certificate::from_der(&root_cert).unwrap();
    let crl = eseal_pki::crl::build_crl(
        &root_parsed,
        &root,
        1,
        OffsetDateTime::now_utc() - time::Duration::hours(1),
        OffsetDateTime::now_utc() + time::Duration::days(1),
        &[],
    )
    .unwrap();
    std::fs::write(dir.path().join("trust/root-crl.pem"), crl.to_pem()).unwrap();
    for (i, (name, kind, from, to)) in [
        (
            "maker",
            CertificateKind::Maker,
            datetime!(2020-01-01 00:00 UTC),
            datetime!(2040-01-01 00:00 UTC),
        ),
        (
            "signer",
            CertificateKind::Organisation,
            datetime!(2020-01-01 00:00 UTC),
            datetime!(2040-01-01 00:00 UTC),
        ),
        (
            "old-signer",
            CertificateKind::Organisation,
            datetime!(2020-01-01 00:00 UTC),
            datetime!(2021-01-01 00:00 UTC),
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let key = Sm2PrivateKey::generate(&random).unwrap();
        let cert = issue_certificate(
            &IssueRequest {
                subject: if name == "maker" {
                    "CN=maker,O=eseal test,C=CN".parse().unwrap()
                } else {
                    // Signers carry the organisation name the seals use (R-MAKE-4).
                    format!("CN=威海市测试有限公司,OU={name},O=威海市测试有限公司,C=CN")
                        .parse()
                        .unwrap()
                },
                crl_distribution_point: None,
                ocsp_url: None,
                public_key: key.public_key(),
                kind,
                not_before: from,
                not_after: to,
                serial: vec![u8::try_from(i).unwrap() + 2],
            },
            Issuer {
                certificate: Some(&root_cert),
                signer: &root,
            },
        )
        .unwrap();
        std::fs::write(
            dir.path().join(format!("{name}.pem")),
            pem("CERTIFICATE", &cert),
        )
        .unwrap();
        std::fs::write(
            dir.path().join(format!("{name}.key")),
            key.to_pkcs8_pem().unwrap().as_bytes(),
        )
        .unwrap();
    }
    std::fs::write(
        dir.path().join("stamp.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><circle r=\"10\"/></svg>",
    )
    .unwrap();
    std::fs::write(dir.path().join("doc.txt"), "a document to sign\n").unwrap();
    Setup { dir }
}

fn make_seal(s: &Setup, format: &str, signer: &str, out: &str) -> Output {
    eseal(&[
        "seal",
        "make",
        "--format",
        format,
        "--type",
        "official",
        "--name",
        "威海市测试有限公司",
        "--maker-cert",
        &s.p("maker.pem"),
        "--maker-key",
        &s.p("maker.key"),
        "--signer-cert",
        &s.p(&format!("{signer}.pem")),
        "--image",
        &s.p("stamp.svg"),
        "--width-mm",
        "42",
        "--height-mm",
        "42",
        "--out",
        &s.p(out),
    ])
}

#[test]
fn make_sign_verify_through_the_cli_in_every_format() {
    let s = setup();
    for format in ["v1", "v4", "v5"] {
        let seal = format!("seal-{format}.esl");
        let sig = format!("doc-{format}.sig");
        let o = make_seal(&s, format, "signer", &seal);
        assert_eq!(code(&o), 0, "{}", text(&o));
        // Without trust anchors the maker's chain cannot be decided: INDETERMINATE, exit 2,
        // and the report says what to do.
        let o = eseal(&["seal", "verify", &s.p(&seal)]);
        assert_eq!(code(&o), 2, "{}", text(&o));
        assert!(text(&o).contains("What this means:") && text(&o).contains("--trust"));
        let o = eseal(&["seal", "inspect", &s.p(&seal), "--json"]);
        assert_eq!(code(&o), 0);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["name"], "威海市测试有限公司");
        assert_eq!(v["version"], format);
        assert_eq!(v["picture_type"], "SVG");
        // The text form names every field in words, in the reader's language: no JSON key
        // (create_date, ber_lengths) and no true/false/null in the Chinese.
        let zh = text(&eseal_zh(&["seal", "inspect", &s.p(&seal)]));
        assert!(
            zh.contains("制章日期：")
                && zh.contains("BER 长度编码：否")
                && zh.contains("图片格式：SVG"),
            "{zh}"
        );
        for line in zh.lines() {
            let label = line.split('：').next().unwrap_or_default().trim();
            assert!(!label.contains('_'), "{format}: {line}");
            assert!(
                !label.is_ascii() || label.starts_with('['),
                "{format}: {line}"
            );
            assert_eq!(eseal_testkit::english_prose(line), None, "{format}: {line}");
            let value = line.split('：').nth(1).unwrap_or_default();
            assert!(
                !["true", "false", "null"].contains(&value),
                "{format}: {line}"
            );
        }
        let en = text(&eseal(&["seal", "inspect", &s.p(&seal)]));
        assert!(
            en.contains("created: ") && en.contains("BER lengths: no"),
            "{en}"
        );
        assert!(!en.contains("create_date"), "{en}");
        let o = eseal(&[
            "sign",
            "data",
            "--seal",
            &s.p(&seal),
            "--cert",
            &s.p("signer.pem"),
            "--key",
            &s.p("signer.key"),
            "--in",
            &s.p("doc.txt"),
            "--out",
            &s.p(&sig),
            "--format",
            format,
        ]);
        assert_eq!(code(&o), 0, "{}", text(&o));
        let o = eseal(&[
            "verify",
            "data",
            "--sig",
            &s.p(&sig),
            "--in",
            &s.p("doc.txt"),
            "--trust",
            &s.p("trust"),
            "--json",
        ]);
        assert_eq!(code(&o), 0, "{}", text(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["indication"], "PASSED");
        // Without a trust store nothing says the certificates are trusted: INDETERMINATE.
        let o = eseal(&[
            "verify",
            "data",
            "--sig",
            &s.p(&sig),
            "--in",
            &s.p("doc.txt"),
            "--json",
        ]);
        assert_eq!(code(&o), 2, "{}", text(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["sub_indication"], "NO_CERTIFICATE_CHAIN_FOUND");
    }
}

#[test]
fn verify_data_exit_codes_say_valid_invalid_indeterminate() {
    let s = setup();
    assert_eq!(code(&make_seal(&s, "v4", "signer", "seal.esl")), 0);
    let o = eseal(&[
        "sign",
        "data",
        "--seal",
        &s.p("seal.esl"),
        "--cert",
        &s.p("signer.pem"),
        "--key",
        &s.p("signer.key"),
        "--in",
        &s.p("doc.txt"),
        "--out",
        &s.p("doc.sig"),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    // Tampered data: 1, with the data hash named.
    std::fs::write(s.path("changed.txt"), "a document to sigN\n").unwrap();
    let o = eseal(&[
        "verify",
        "data",
        "--sig",
        &s.p("doc.sig"),
        "--in",
        &s.p("changed.txt"),
        "--json",
    ]);
    assert_eq!(code(&o), 1);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["sub_indication"], "HASH_FAILURE");
    // Indeterminate: signed (by a producer that did not check) after the signer certificate ended.
    assert_eq!(code(&make_seal(&s, "v4", "old-signer", "old-seal.esl")), 0);
    let old_seal = std::fs::read(s.path("old-seal.esl")).unwrap();
    let (AnySeal::V4(seal), _) = AnySeal::decode(&old_seal).unwrap() else {
        panic!()
    };
    let cert = std::fs::read_to_string(s.path("old-signer.pem")).unwrap();
    let cert_der = pem_decode(&cert);
    let key = Sm2PrivateKey::from_pem(&std::fs::read_to_string(s.path("old-signer.key")).unwrap())
        .unwrap();
    let tbs = eseal_ses::v4::TbsSign::new(
        4,
        seal,
        eseal_ses::asn1_time::SesTime::generalized(datetime!(2022-06-01 00:00 UTC)).unwrap(),
        Sm3Digest::of(b"a document to sign\n").as_bytes().to_vec(),
        eseal_ses::common::SesString::ia5("doc.txt").unwrap(),
        None,
    )
    .unwrap();
    let value = key.sign(&eseal_gm::SignerId::default(), tbs.raw()).unwrap();
    let sig = eseal_ses::v4::SesSignature::new(
        tbs,
        cert_der,
        eseal_gm::oid::SM2_WITH_SM3,
        value.to_der(),
        None,
    )
    .unwrap();
    std::fs::write(s.path("late.sig"), sig.raw()).unwrap();
    let o = eseal(&[
        "verify",
        "data",
        "--sig",
        &s.p("late.sig"),
        "--in",
        &s.p("doc.txt"),
        "--json",
    ]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["sub_indication"], "OUT_OF_BOUNDS_NO_POE");
    // Not a signature at all: 1 (format failure); a missing file: 3.
    let o = eseal(&[
        "verify",
        "data",
        "--sig",
        &s.p("doc.txt"),
        "--in",
        &s.p("doc.txt"),
    ]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("FORMAT_FAILURE"));
    let o = eseal(&[
        "verify",
        "data",
        "--sig",
        &s.p("nope.sig"),
        "--in",
        &s.p("doc.txt"),
    ]);
    assert_eq!(code(&o), 3);
    assert!(text(&o).contains("nope.sig"));
}

fn pem_decode(text: &str) -> Vec<u8> {
    use base64ct::{Base64, Encoding};
    let b64: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    Base64::decode_vec(&b64).unwrap()
}

#[test]
fn seal_verify_exit_codes() {
    let s = setup();
    assert_eq!(code(&make_seal(&s, "v4", "signer", "seal.esl")), 0);
    let mut bytes = std::fs::read(s.path("seal.esl")).unwrap();
    let at = bytes.windows(6).position(|w| w == b"circle").unwrap();
    bytes[at] = b'C';
    std::fs::write(s.path("tampered.esl"), &bytes).unwrap();
    let o = eseal(&["seal", "verify", &s.p("tampered.esl"), "--json"]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("SIG_CRYPTO_FAILURE"));
    std::fs::write(s.path("garbage.esl"), b"\x30\x05\x02").unwrap();
    let o = eseal(&["seal", "verify", &s.p("garbage.esl")]);
    assert_eq!(code(&o), 1);
    let o = eseal(&["seal", "verify", &s.p("missing.esl")]);
    assert!(code(&o) >= 2);
    // A usage error.
    let o = eseal(&["seal", "verify"]);
    assert_eq!(code(&o), 3);
    // Outputs are never overwritten.
    let o = make_seal(&s, "v4", "signer", "seal.esl");
    assert_eq!(code(&o), 3);
    assert!(text(&o).contains("refusing to overwrite"));
    // A maker key that does not match the maker certificate is refused.
    let o = eseal(&[
        "seal",
        "make",
        "--type",
        "official",
        "--name",
        "威海市测试有限公司",
        "--maker-cert",
        &s.p("maker.pem"),
        "--maker-key",
        &s.p("signer.key"),
        "--signer-cert",
        &s.p("signer.pem"),
        "--image",
        &s.p("stamp.svg"),
        "--width-mm",
        "42",
        "--height-mm",
        "42",
        "--valid-from",
        "2020-01-01T00:00:00Z",
        "--valid-to",
        "2030-01-01T00:00:00Z",
        "--out",
        &s.p("bad.esl"),
    ]);
    assert_eq!(code(&o), 3);
    assert!(
        text(&o).contains("maker key does not belong"),
        "{}",
        text(&o)
    );
    assert!(!s.path("bad.esl").exists());
}

#[test]
fn chinese_is_the_default_language() {
    let s = setup();
    assert_eq!(code(&make_seal(&s, "v4", "signer", "seal.esl")), 0);
    let o = eseal_zh(&["seal", "verify", &s.p("seal.esl")]);
    assert!(text(&o).contains("制章者签名"), "{}", text(&o));
    assert!(text(&o).contains("结论"));
}

/// Errors follow the language too, the system's reasons included: a missing file, a file
/// that is not what it should be, a library's error under the command's own words.
#[test]
fn errors_are_in_the_command_language() {
    let s = setup();
    let zh = |args: &[&str]| {
        let o = eseal_zh(args);
        assert_eq!(code(&o), 3, "{}", text(&o));
        String::from_utf8(o.stderr).unwrap()
    };
    let missing = s.p("missing.ofd");
    assert_eq!(
        zh(&["verify", &missing]).trim(),
        format!("错误：无法打开 {missing}：文件或目录不存在")
    );
    let seal = s.p("missing.esl");
    assert_eq!(
        zh(&["seal", "inspect", &seal]).trim(),
        format!("错误：无法读取 {seal}：文件或目录不存在")
    );
    // A certificate given as the key; a file given as the seal that is not seal data.
    std::fs::write(s.p("not-a-seal.esl"), b"\x30\x03\x02\x01\x01").unwrap();
    let e = zh(&[
        "sign",
        "ofd",
        "--seal",
        &s.p("not-a-seal.esl"),
        "--cert",
        &s.p("signer.pem"),
        "--key",
        &s.p("signer.pem"),
        "--in",
        &missing,
        "--out",
        &s.p("out.ofd"),
    ]);
    assert!(e.starts_with("错误："), "{e}");
    assert!(
        !e.is_ascii() && !e.contains("cannot") && !e.contains("error:"),
        "{e}"
    );
    let e = zh(&["verify", "--at", "yesterday", &missing]);
    assert!(e.contains("不是 RFC 3339 时间"), "{e}");
    // English when asked.
    let o = eseal(&["verify", &missing]);
    assert!(text(&o).contains("cannot open"), "{}", text(&o));
    // A report on a file that is not seal data names the fault in Chinese too.
    let o = eseal_zh(&["seal", "verify", &s.p("not-a-seal.esl")]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    let report = String::from_utf8(o.stdout).unwrap();
    assert!(report.contains("失败 数据结构: "), "{report}");
    assert!(!report.contains("not the tag"), "{report}");
    assert!(report.contains("此处的标签不符合标准"), "{report}");
}

/// `--help` and parse errors follow the language: Chinese by default, English with
/// `--lang en` (anywhere on the line) or `ESEAL_LANG=en`.
#[test]
fn help_and_usage_errors_follow_the_language() {
    let run = |args: &[&str], env_lang: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_eseal"));
        c.args(args).env_remove("ESEAL_LANG");
        if let Some(l) = env_lang {
            c.env("ESEAL_LANG", l);
        }
        c.output().unwrap()
    };
    let o = run(&["--help"], None);
    assert_eq!(code(&o), 0);
    let zh = text(&o);
    assert!(zh.contains("用法：eseal") && zh.contains("命令:"), "{zh}");
    assert!(zh.contains("制作") || zh.contains("电子印章"), "{zh}");
    assert!(!zh.contains("Usage:") && !zh.contains("Print help"), "{zh}");

    let o = run(&["sign", "ofd", "--help"], None);
    let zh = text(&o);
    assert!(zh.contains("骑缝章") && zh.contains("[默认：1]"), "{zh}");
    assert!(!zh.contains("[default:"), "{zh}");

    for o in [
        run(&["--lang", "en", "sign", "ofd", "--help"], None),
        run(&["sign", "ofd", "--help", "--lang=en"], None),
        run(&["sign", "ofd", "--help"], Some("en")),
    ] {
        assert_eq!(code(&o), 0);
        let en = text(&o);
        assert!(en.contains("Usage: eseal sign ofd"), "{en}");
        assert!(en.contains("A riding seal"), "{en}");
    }

    let o = run(&["seal", "verify", "--bogus", "x"], None);
    assert_eq!(code(&o), 3);
    let zh = text(&o);
    assert!(
        zh.contains("错误：不认识的参数 '--bogus'") && zh.contains("用法："),
        "{zh}"
    );
    let o = run(&["--lang", "en", "seal", "verify", "--bogus", "x"], None);
    assert_eq!(code(&o), 3);
    assert!(
        text(&o).contains("unexpected argument '--bogus'"),
        "{}",
        text(&o)
    );
}

/// eseal signs; OpenSSL verifies the raw SM2 signatures over the seal information and over
/// TBS_Sign with the default signer ID.
#[test]
#[cfg_attr(
    eseal_skip_openssl,
    ignore = "needs the openssl CLI (apt-get install openssl)"
)]
fn openssl_verifies_what_eseal_signs() {
    if !openssl_available() {
        return;
    }
    let s = setup();
    assert_eq!(code(&make_seal(&s, "v4", "signer", "seal.esl")), 0);
    let o = eseal(&[
        "sign",
        "data",
        "--seal",
        &s.p("seal.esl"),
        "--cert",
        &s.p("signer.pem"),
        "--key",
        &s.p("signer.key"),
        "--in",
        &s.p("doc.txt"),
        "--out",
        &s.p("doc.sig"),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let (AnySignature::V4(sig), _) =
        AnySignature::decode(&std::fs::read(s.path("doc.sig")).unwrap()).unwrap()
    else {
        panic!()
    };
    std::fs::write(s.path("tbs.der"), sig.to_sign.raw()).unwrap();
    std::fs::write(s.path("tbs.sig"), &sig.signature).unwrap();
    std::fs::write(s.path("sealinfo.der"), sig.to_sign.eseal.e_seal_info.raw()).unwrap();
    std::fs::write(s.path("sealinfo.sig"), &sig.to_sign.eseal.signed_value).unwrap();
    openssl(
        s.dir.path(),
        &[
            "x509",
            "-in",
            "signer.pem",
            "-pubkey",
            "-noout",
            "-out",
            "signer.pub",
        ],
    );
    openssl(
        s.dir.path(),
        &[
            "x509",
            "-in",
            "maker.pem",
            "-pubkey",
            "-noout",
            "-out",
            "maker.pub",
        ],
    );
    for (key, data, sig) in [
        ("signer.pub", "tbs.der", "tbs.sig"),
        ("maker.pub", "sealinfo.der", "sealinfo.sig"),
    ] {
        let o = openssl(
            s.dir.path(),
            &[
                "pkeyutl",
                "-verify",
                "-pubin",
                "-inkey",
                key,
                "-rawin",
                "-digest",
                "sm3",
                "-pkeyopt",
                "distid:1234567812345678",
                "-in",
                data,
                "-sigfile",
                sig,
            ],
        );
        assert!(
            text(&o).contains("Signature Verified Successfully"),
            "{}",
            text(&o)
        );
        // Without the ID, OpenSSL 3 uses an empty one and must fail: proof the ID is applied.
        let o = Command::new("openssl")
            .current_dir(s.dir.path())
            .args([
                "pkeyutl", "-verify", "-pubin", "-inkey", key, "-rawin", "-digest", "sm3", "-in",
                data, "-sigfile", sig,
            ])
            .output()
            .unwrap();
        assert!(!o.status.success());
    }
    // The certificates eseal-pki issues verify in OpenSSL (with the SM2 ID for X.509).
    let o = openssl(
        s.dir.path(),
        &[
            "verify",
            "-vfyopt",
            "distid:1234567812345678",
            "-CAfile",
            "root.pem",
            "signer.pem",
            "maker.pem",
        ],
    );
    assert!(text(&o).contains("signer.pem: OK"), "{}", text(&o));
}

/// OpenSSL makes the keys and certificates and signs TBS_Sign (as an external device would);
/// eseal makes the seal with them and verifies the result.
#[test]
#[cfg_attr(
    eseal_skip_openssl,
    ignore = "needs the openssl CLI (apt-get install openssl)"
)]
fn eseal_verifies_what_openssl_signs() {
    if !openssl_available() {
        return;
    }
    let s = setup();
    let d = s.dir.path();
    for name in ["omaker", "osigner"] {
        openssl(
            d,
            &[
                "genpkey",
                "-algorithm",
                "SM2",
                "-out",
                &format!("{name}.key"),
            ],
        );
        openssl(
            d,
            &[
                "req",
                "-new",
                "-x509",
                "-key",
                &format!("{name}.key"),
                "-sm3",
                "-sigopt",
                "distid:1234567812345678",
                "-subj",
                &format!("/C=CN/O=eseal test/CN={name}"),
                "-days",
                "3650",
                "-out",
                &format!("{name}.pem"),
            ],
        );
    }
    let o = eseal(&[
        "seal",
        "make",
        "--type",
        "official",
        "--name",
        "osigner",
        "--maker-cert",
        &s.p("omaker.pem"),
        "--maker-key",
        &s.p("omaker.key"),
        "--signer-cert",
        &s.p("osigner.pem"),
        "--image",
        &s.p("stamp.svg"),
        "--width-mm",
        "40",
        "--height-mm",
        "40",
        "--out",
        &s.p("oseal.esl"),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let (seal, _) = AnySeal::decode(&std::fs::read(s.path("oseal.esl")).unwrap()).unwrap();
    let cert = pem_decode(&std::fs::read_to_string(s.path("osigner.pem")).unwrap());
    let prepared = prepare_signature(
        &seal,
        &cert,
        &SignRequest {
            data_hash: Sm3Digest::of(b"a document to sign\n"),
            signing_time: OffsetDateTime::now_utc(),
            property_info: "doc.txt".into(),
        },
    )
    .unwrap();
    std::fs::write(s.path("to-sign.der"), prepared.to_be_signed()).unwrap();
    openssl(
        d,
        &[
            "pkeyutl",
            "-sign",
            "-inkey",
            "osigner.key",
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            "distid:1234567812345678",
            "-in",
            "to-sign.der",
            "-out",
            "openssl.sig",
        ],
    );
    let value = Sm2Signature::from_der(&std::fs::read(s.path("openssl.sig")).unwrap()).unwrap();
    let sig = prepared.finish(value).unwrap();
    std::fs::write(s.path("openssl-signed.sig"), sig.raw()).unwrap();
    // The OpenSSL certificates are self-signed: each is its own trust anchor.
    std::fs::create_dir(s.path("otrust")).unwrap();
    for name in ["omaker", "osigner"] {
        std::fs::copy(
            s.path(&format!("{name}.pem")),
            s.path(&format!("otrust/{name}.pem")),
        )
        .unwrap();
    }
    let o = eseal(&[
        "verify",
        "data",
        "--sig",
        &s.p("openssl-signed.sig"),
        "--in",
        &s.p("doc.txt"),
        "--trust",
        &s.p("otrust"),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
}

#[test]
fn demo_runs_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let o = eseal(&["demo", "--dir", &out.to_string_lossy()]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("result: PASSED"));
    for f in [
        "seal.esl",
        "document.txt.sig",
        "maker.key",
        "signer.pem",
        "root.pem",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    let o = eseal(&[
        "seal",
        "verify",
        &out.join("seal.esl").to_string_lossy(),
        "--trust",
        &out.to_string_lossy(),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    // Files of the trust folder that hold no certificate are skipped, and the note says so
    // in the command's language.
    std::fs::write(out.join("readme.pem"), "not a certificate\n").unwrap();
    std::fs::write(out.join("broken.crt"), [0x30, 0x82, 0x01]).unwrap();
    let trust = out.to_string_lossy();
    let seal = out.join("seal.esl");
    let seal = seal.to_string_lossy();
    let o = eseal(&["--lang", "zh", "seal", "verify", &seal, "--trust", &trust]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("readme.pem：已跳过（既不是证书也不是 CRL）"),
        "{err}"
    );
    assert!(err.contains("broken.crt：已跳过（证书无法解码"), "{err}");
    assert!(!err.contains("skipped"), "{err}");
    let o = eseal(&["seal", "verify", &seal, "--trust", &trust]);
    assert!(
        text(&o).contains("readme.pem: skipped (no certificate or CRL)"),
        "{}",
        text(&o)
    );
    // A second run into the same, now non-empty, folder is refused, not overwritten.
    let o = eseal(&["demo", "--dir", &out.to_string_lossy()]);
    assert_eq!(code(&o), 3);
}

#[test]
fn making_checks_the_name_and_with_a_trust_store_the_certificates() {
    let s = setup();
    let base = |name: &str, signer: &str, out: &str, extra: &[&str]| {
        let mut args = vec![
            "seal".to_owned(),
            "make".into(),
            "--type".into(),
            "official".into(),
            "--name".into(),
            name.into(),
            "--maker-cert".into(),
            s.p("maker.pem"),
            "--maker-key".into(),
            s.p("maker.key"),
            "--signer-cert".into(),
            s.p(&format!("{signer}.pem")),
            "--image".into(),
            s.p("stamp.svg"),
            "--width-mm".into(),
            "42".into(),
            "--height-mm".into(),
            "42".into(),
            "--valid-from".into(),
            "2020-01-01T00:00:00Z".into(),
            "--valid-to".into(),
            "2030-01-01T00:00:00Z".into(),
            "--out".into(),
            s.p(out),
        ];
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        eseal(&refs)
    };
    // A business seal of the organisation: name + 合同专用章 matches.
    let o = base(
        "威海市测试有限公司合同专用章",
        "signer",
        "contract.esl",
        &[],
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    // Another organisation's name is refused, and nothing is written.
    let o = base("威海市别的公司", "signer", "other.esl", &[]);
    assert_eq!(code(&o), 3);
    assert!(
        text(&o).contains("matches no signer certificate subject"),
        "{}",
        text(&o)
    );
    assert!(!s.path("other.esl").exists());
    let o = base(
        "威海市别的公司",
        "signer",
        "other.esl",
        &["--danger-allow-name-mismatch"],
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    // With a trust store: valid certificates pass, an expired signer certificate is refused.
    let trust = s.p("trust");
    let o = base(
        "威海市测试有限公司",
        "signer",
        "trusted.esl",
        &["--trust", &trust],
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = base(
        "威海市测试有限公司",
        "old-signer",
        "old.esl",
        &["--trust", &trust],
    );
    assert_eq!(code(&o), 3);
    assert!(
        text(&o).contains("not valid now") && text(&o).contains("expired"),
        "{}",
        text(&o)
    );
}

/// `eseal ca` end to end, checked by the stock OpenSSL commands of the issue.
#[test]
#[cfg_attr(
    eseal_skip_openssl,
    ignore = "needs the openssl CLI (apt-get install openssl)"
)]
fn dev_ca_through_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let ca = d.join("ca");
    let p = |n: &str| d.join(n).to_string_lossy().into_owned();
    let cap = ca.to_string_lossy().into_owned();
    let o = eseal(&[
        "ca",
        "init",
        "--dir",
        &cap,
        "--crl-url",
        "http://127.0.0.1:8080/crl/issuing.crl",
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(
        code(&eseal(&["ca", "init", "--dir", &cap])),
        3,
        "a second init is refused"
    );
    let o = eseal(&[
        "ca",
        "issue",
        "--dir",
        &cap,
        "--kind",
        "org",
        "--subject",
        "/C=CN/O=威海市示例科技有限公司/OU=91350100M000100Y43/CN=威海市示例科技有限公司",
        "--out",
        &p("org"),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = eseal(&[
        "ca",
        "issue",
        "--dir",
        &cap,
        "--kind",
        "maker",
        "--subject",
        "/C=CN/O=威海市电子印章服务机构/CN=制章系统",
        "--out",
        &p("maker"),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = eseal(&[
        "ca",
        "issue",
        "--dir",
        &cap,
        "--kind",
        "ceo",
        "--subject",
        "/CN=x",
        "--out",
        &p("bad"),
    ]);
    assert_eq!(code(&o), 3, "unknown kind");
    // A key made in eseal, certified through a CSR.
    assert_eq!(
        code(&eseal(&["key", "generate", "--out", &p("person.key")])),
        0
    );
    let o = eseal(&[
        "csr",
        "--key",
        &p("person.key"),
        "--subject",
        "/C=CN/CN=张三/SERIALNUMBER=11010519491231002X",
        "--out",
        &p("person.csr"),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = eseal(&[
        "ca",
        "issue",
        "--dir",
        &cap,
        "--kind",
        "person",
        "--csr",
        &p("person.csr"),
        "--out",
        &p("person"),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(!d.join("person.key.pem").exists());

    let verify = |cert: &str| {
        let o = eseal(&["cert", "verify", &p(cert), "--trust", &cap, "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
        (
            code(&o),
            v["status"].as_str().unwrap_or_default().to_owned(),
        )
    };
    assert_eq!(verify("org.pem"), (0, "VALID".to_owned()));
    assert_eq!(verify("person.pem"), (0, "VALID".to_owned()));
    let o = eseal(&[
        "ca",
        "revoke",
        "--dir",
        &cap,
        "--cert",
        &p("org.pem"),
        "--reason",
        "key-compromise",
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(verify("org.pem"), (1, "INVALID".to_owned()));
    assert_eq!(verify("maker.pem"), (0, "VALID".to_owned()));
    // Without the CRLs in the store: indeterminate.
    let bare = d.join("bare");
    std::fs::create_dir(&bare).unwrap();
    std::fs::copy(ca.join("root.pem"), bare.join("root.pem")).unwrap();
    std::fs::copy(ca.join("issuing.pem"), bare.join("issuing.pem")).unwrap();
    let o = eseal(&[
        "cert",
        "verify",
        &p("maker.pem"),
        "--trust",
        &bare.to_string_lossy(),
    ]);
    assert_eq!(code(&o), 2, "{}", text(&o));

    if openssl_available() {
        let o = Command::new("openssl")
            .current_dir(&ca)
            .args([
                "verify",
                "-CAfile",
                "root.pem",
                "-untrusted",
                "issuing.pem",
                &p("maker.pem"),
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
        let o = Command::new("openssl")
            .current_dir(&ca)
            .args([
                "crl",
                "-verify",
                "-CAfile",
                "issuing.pem",
                "-in",
                "crl.pem",
                "-noout",
            ])
            .output()
            .unwrap();
        assert!(text(&o).contains("verify OK"), "{}", text(&o));
        let o = Command::new("openssl")
            .args(["x509", "-in", &p("org.pem"), "-noout", "-text"])
            .output()
            .unwrap();
        let t = text(&o);
        assert!(
            t.contains("http://127.0.0.1:8080/crl/issuing.crl")
                && t.contains("Digital Signature")
                && t.contains("Authority Key Identifier"),
            "{t}"
        );
    }
}

/// The sample PKCS#12 files import; the key and certificate work for making a seal.
#[test]
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
fn p12_import_of_the_samples() {
    let Some(dir) = eseal_testkit::samples() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = |n: &str| tmp.path().join(n).to_string_lossy().into_owned();
    let o = eseal(&[
        "p12",
        "import",
        &dir.join("USER.p12").to_string_lossy(),
        "--password",
        "777777",
        "--out",
        &out("user"),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = eseal(&[
        "p12",
        "import",
        &dir.join("SealBuilder.p12").to_string_lossy(),
        "--password",
        "777777",
        "--out",
        &out("maker"),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = eseal(&[
        "p12",
        "import",
        &dir.join("SealBuilder.p12").to_string_lossy(),
        "--password",
        "nope",
        "--out",
        &out("x"),
    ]);
    assert_eq!(code(&o), 3);
    assert!(text(&o).contains("wrong password"), "{}", text(&o));
    std::fs::write(
        tmp.path().join("stamp.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .unwrap();
    let o = eseal(&[
        "seal",
        "make",
        "--type",
        "official",
        "--name",
        "Test Certificate",
        "--maker-cert",
        &out("maker.pem"),
        "--maker-key",
        &out("maker.key"),
        "--signer-cert",
        &out("user.pem"),
        "--image",
        &out("stamp.svg"),
        "--width-mm",
        "40",
        "--height-mm",
        "40",
        "--valid-from",
        "2020-05-01T00:00:00Z",
        "--valid-to",
        "2021-05-01T00:00:00Z",
        "--out",
        &out("seal.esl"),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
}

/// `eseal impression render|compare` (needs the CJK font that .ci/run installs).
#[test]
#[cfg_attr(
    eseal_skip_font,
    ignore = "needs a CJK font (apt-get install fonts-noto-cjk, or ESEAL_FONT)"
)]
fn impression_render_and_compare() {
    let font_present = eseal_image::font::DEFAULT_FONT_PATHS
        .iter()
        .any(|p| Path::new(p).is_file())
        || std::env::var_os("ESEAL_FONT").is_some();
    if !font_present {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install fonts-noto-cjk"
        );
        eprintln!("SKIPPED: no CJK font");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let p = |n: &str| tmp.path().join(n).to_string_lossy().into_owned();
    let render = |text: &str, out: &str, extra: &[&str]| {
        let mut args = vec![
            "impression",
            "render",
            "--style",
            "round",
            "--text",
            text,
            "--center-text",
            "合同专用章",
            "--out",
        ];
        let out = p(out);
        args.push(&out);
        args.extend_from_slice(extra);
        eseal(&args)
    };
    assert_eq!(code(&render("威海市示例科技有限公司", "a.png", &[])), 0);
    assert_eq!(
        code(&render(
            "威海市示例科技有限公司",
            "a-400.png",
            &["--dpi", "400"]
        )),
        0
    );
    assert_eq!(code(&render("威海市示例科技有限公司", "a.svg", &[])), 0);
    assert_eq!(code(&render("威海市示例科技有限公问", "b.png", &[])), 0);
    let svg = std::fs::read_to_string(p("a.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("width=\"42mm\""));
    let o = eseal(&[
        "impression",
        "compare",
        &p("a.png"),
        &p("a-400.png"),
        "--json",
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["matches"], true);
    let o = eseal(&["impression", "compare", &p("a.png"), &p("b.png")]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    // Bad input: empty text, absurd size, a file that is not an image, an unknown extension.
    assert_eq!(code(&render("", "e.png", &[])), 3);
    let o = render("威海", "big.png", &["--size-mm", "900"]);
    assert_eq!(code(&o), 3);
    assert!(text(&o).contains("outside"), "{}", text(&o));
    let o = eseal(&["impression", "compare", &p("a.svg"), &p("a.png")]);
    assert_eq!(code(&o), 3);
    assert!(text(&o).contains("not an image"), "{}", text(&o));
    assert_eq!(code(&render("威海", "x.gif", &[])), 3);
    // A seal made with a rendered impression.
    let o = eseal(&[
        "impression",
        "render",
        "--style",
        "square",
        "--text",
        "张三丰印",
        "--out",
        &p("sq.png"),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
}

/// `eseal sign ofd` then `eseal verify FILE --trust --html`, on the demo's keys.
#[test]
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
fn sign_and_verify_an_ofd_with_an_html_report() {
    let Some(samples) = eseal_testkit::samples() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("demo");
    let ds = d.to_string_lossy().into_owned();
    assert_eq!(code(&eseal(&["demo", "--dir", &ds])), 0);
    let p = |n: &str| d.join(n).to_string_lossy().into_owned();
    let o = eseal(&[
        "sign",
        "ofd",
        "--seal",
        &p("seal.esl"),
        "--cert",
        &p("signer.pem"),
        "--key",
        &p("signer.key"),
        "--in",
        &samples.join("helloworld.ofd").to_string_lossy(),
        "--out",
        &p("signed.ofd"),
        "--page",
        "1",
        "--x",
        "100",
        "--y",
        "150",
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = eseal(&[
        "verify",
        &p("signed.ofd"),
        "--trust",
        &ds,
        "--html",
        &p("report.html"),
        "--json",
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["indication"], "PASSED");
    let html = std::fs::read_to_string(p("report.html")).unwrap();
    assert!(
        html.contains("data:image/svg+xml;base64,") && html.contains("<table>"),
        "{}",
        &html[..300]
    );
    // Without the trust store: INDETERMINATE (2); an unsigned OFD: FAILED (1).
    assert_eq!(code(&eseal(&["verify", &p("signed.ofd")])), 2);
    assert_eq!(
        code(&eseal(&[
            "verify",
            &samples.join("helloworld.ofd").to_string_lossy()
        ])),
        1
    );
    // A detached signature through the same command.
    let o = eseal(&[
        "verify",
        &p("document.txt.sig"),
        "--data",
        &p("document.txt"),
        "--trust",
        &ds,
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
}

/// Issue 20: a PDF signed with the demo seal (a visible stamp), verified PASSED with the
/// trust store (INDETERMINATE without), a second invisible signature over the first, and an
/// unsigned PDF FAILED: the same exit codes as OFD.
#[test]
fn sign_and_verify_a_pdf() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("demo");
    let ds = d.to_string_lossy().into_owned();
    assert_eq!(code(&eseal(&["demo", "--dir", &ds])), 0);
    let p = |n: &str| d.join(n).to_string_lossy().into_owned();
    let input = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/pdf/chromium.pdf"
    );
    let (seal, cert, key) = (p("seal.esl"), p("signer.pem"), p("signer.key"));
    let sign = |input: &str, out: &str, extra: &[&str]| {
        let mut args = vec![
            "sign", "pdf", "--seal", &seal, "--cert", &cert, "--key", &key, "--in", input, "--out",
            out,
        ];
        args.extend_from_slice(extra);
        eseal(&args)
    };
    let signed = p("signed.pdf");
    let o = sign(input, &signed, &["--page", "1", "--x", "120", "--y", "30"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = eseal(&["verify", &signed, "--trust", &ds, "--json"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["indication"], "PASSED");
    assert_eq!(v["revisions"], 2);
    assert_eq!(v["signatures"][0]["form"], "ses");
    assert_eq!(code(&eseal(&["verify", &signed])), 2, "no trust store");
    // The HTML report: the checks and the seal's picture; PDF pages are not drawn.
    let report = p("report.html");
    let o = eseal(&["verify", &signed, "--trust", &ds, "--html", &report]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(
        html.contains("<table>") && html.contains("data:image/svg+xml;base64,"),
        "{}",
        &html[..300.min(html.len())]
    );
    assert_eq!(code(&eseal(&["verify", input])), 1, "no signature");
    // The output is never overwritten.
    assert_ne!(code(&sign(input, &signed, &[])), 0);
    let twice = p("twice.pdf");
    let o = sign(&signed, &twice, &["--invisible", "--field", "second"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = eseal(&["verify", &twice, "--trust", &ds]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let said = text(&o);
    assert!(
        said.contains("second") && said.contains("revision 2 of 3"),
        "{said}"
    );
    // On a keyword of the page text, in the CMS form.
    let on_word = p("keyword.pdf");
    let o = sign(input, &on_word, &["--keyword", "甲方", "--form", "cms"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = eseal(&["verify", &on_word, "--trust", &ds]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = sign(input, &p("nowhere.pdf"), &["--keyword", "乙方"]);
    assert_ne!(code(&o), 0);
    assert!(text(&o).contains("乙方"), "{}", text(&o));
    assert!(
        !Path::new(&p("nowhere.pdf")).exists(),
        "nothing left behind"
    );
    // A riding seal across three pages.
    let three = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/pdf/three.pdf");
    let riding = p("riding.pdf");
    let o = sign(three, &riding, &["--riding", "--y", "100"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = eseal(&["verify", &riding, "--trust", &ds]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = sign(input, &p("one-page-riding.pdf"), &["--riding"]);
    assert!(text(&o).contains("two pages"), "{}", text(&o));
}

/// A file with a Chinese name can be signed: its name goes into propertyInfo percent-encoded.
#[test]
fn signing_a_file_with_a_chinese_name() {
    let s = setup();
    assert_eq!(code(&make_seal(&s, "v4", "signer", "seal.esl")), 0);
    std::fs::write(s.path("合同.txt"), "甲方乙方\n").unwrap();
    let o = eseal(&[
        "sign",
        "data",
        "--seal",
        &s.p("seal.esl"),
        "--cert",
        &s.p("signer.pem"),
        "--key",
        &s.p("signer.key"),
        "--in",
        &s.p("合同.txt"),
        "--out",
        &s.p("合同.sig"),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = eseal(&["seal", "inspect", &s.p("合同.sig"), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["property_info"], "%E5%90%88%E5%90%8C.txt");
    let o = eseal(&[
        "verify",
        "data",
        "--sig",
        &s.p("合同.sig"),
        "--in",
        &s.p("合同.txt"),
        "--trust",
        &s.p("trust"),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
}

/// `eseal sign external` plays the device: its signature over the prepared bytes verifies
/// with the key's public half and the standard signer ID; bad base64 is a usage error.
#[test]
fn sign_external_plays_the_device() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("device.key");
    let o = eseal(&["key", "generate", "--out", key.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let tbs = b"TBS_Sign bytes from the platform";
    let b64 = <base64ct::Base64 as base64ct::Encoding>::encode_string(tbs);
    let o = eseal(&[
        "sign",
        "external",
        "--key",
        key.to_str().unwrap(),
        "--tbs",
        &b64,
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let der = <base64ct::Base64 as base64ct::Encoding>::decode_vec(
        String::from_utf8(o.stdout).unwrap().trim(),
    )
    .unwrap();
    let sig = Sm2Signature::from_der(&der).unwrap();
    let private = Sm2PrivateKey::from_pem(&std::fs::read_to_string(&key).unwrap()).unwrap();
    private
        .public_key()
        .verify(&eseal_gm::SignerId::default(), tbs, &sig)
        .unwrap();
    let o = eseal(&[
        "sign",
        "external",
        "--key",
        key.to_str().unwrap(),
        "--tbs",
        "%%%",
    ]);
    assert_eq!(code(&o), 3, "{}", text(&o));
}

/// Issue 14 item 1: a changed page inserted before the signed one under the same name made
/// `eseal verify` say PASSED (the ZIP library keeps the last entry of a name). Refused now.
#[test]
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
fn verify_refuses_a_package_with_a_duplicate_entry() {
    use eseal_testkit::rawzip;
    let Some(samples) = eseal_testkit::samples() else {
        return;
    };
    let original = std::fs::read(samples.join("allprotected.ofd")).unwrap();
    let page = "Doc_0/Pages/Page_0/Content.xml";
    let mut entries = rawzip::entries(&original);
    let at = entries
        .iter()
        .position(|e| e.name == page.as_bytes())
        .unwrap();
    entries.insert(at, rawzip::Entry::stored(page, b"<ofd:Page/>"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("forged.ofd");
    std::fs::write(&file, rawzip::assemble(&entries, b"", b"")).unwrap();
    let o = eseal(&["verify", file.to_str().unwrap()]);
    assert_ne!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("two entries are named"), "{}", text(&o));
}

/// Issue 15 item 3: the wrong kind of file got `OFD package: not a ZIP … EOCD` and exit 1, as
/// if a signature were broken. Each kind is named, with what to do, and exit 3.
#[test]
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
fn verify_names_the_kind_of_a_wrong_file() {
    let Some(samples) = eseal_testkit::samples() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let s = |n: &str| samples.join(n).display().to_string();
    let pdf = dir.path().join("a.pdf");
    std::fs::write(&pdf, b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n").unwrap();
    let ofd = std::fs::read(samples.join("allprotected.ofd")).unwrap();
    let cut = dir.path().join("cut.ofd");
    std::fs::write(&cut, &ofd[..ofd.len() / 2]).unwrap();
    let folder = dir.path().display().to_string();
    for (args, expected) in [
        (vec!["verify", &s("SignedValueV4.dat")], "--data"),
        (vec!["verify", &s("UserV4.esl")], "eseal seal verify"),
        (vec!["verify", pdf.to_str().unwrap()], "PDF"),
        (vec!["verify", cut.to_str().unwrap()], "incomplete"),
        (vec!["verify", &folder], "directory"),
        (vec!["verify", &s("sign_cert.pem")], "eseal cert verify"),
        (vec!["seal", "inspect", &s("v4signed.ofd")], "eseal verify"),
        (vec!["seal", "verify", &s("v4signed.ofd")], "eseal verify"),
        (
            vec!["verify", &s("v4signed.ofd"), "--data", &s("UserV4.esl")],
            "without --data",
        ),
    ] {
        let o = eseal(&args);
        assert_eq!(code(&o), 3, "{args:?}: {}", text(&o));
        assert!(text(&o).contains(expected), "{args:?}: {}", text(&o));
        assert!(!text(&o).contains("EOCD"), "{args:?}: {}", text(&o));
    }
}

/// Issue 15 item 7, the smaller things a newcomer met in the CLI: `seal make` says what it
/// made; times print as RFC 3339; a time that does not parse says why once; messages say
/// their reason in words, not requirement IDs; an existing `--html` file is refused before
/// any report is printed; a second signature is `signature 2`, whatever its ID.
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
#[test]
fn the_cli_says_things_plainly() {
    let Some(samples) = eseal_testkit::samples() else {
        return;
    };
    let s = setup();
    let o = make_seal(&s, "v4", "signer", "seal.esl");
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("made the seal 威海市测试有限公司"),
        "{}",
        text(&o)
    );
    let with = |extra: &[&str]| {
        let mut args: Vec<String> = [
            "seal",
            "make",
            "--format",
            "v4",
            "--type",
            "official",
            "--name",
            "威海市测试有限公司",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        for (k, v) in [
            ("--maker-cert", "maker.pem"),
            ("--maker-key", "maker.key"),
            ("--signer-cert", "signer.pem"),
            ("--image", "stamp.svg"),
        ] {
            args.push(k.into());
            args.push(s.p(v));
        }
        args.extend(["--width-mm", "42", "--height-mm", "42", "--out"].map(String::from));
        args.push(s.p("other.esl"));
        args.extend(extra.iter().map(|a| a.to_string()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        eseal(&refs)
    };
    let o = with(&["--valid-from", "2026-13-01"]);
    assert_eq!(code(&o), 3);
    assert_eq!(
        text(&o).matches("could not be parsed").count(),
        1,
        "{}",
        text(&o)
    );
    let o = with(&["--valid-from", "2000-12-01T00:00:00+08:00"]);
    assert_eq!(code(&o), 3);
    assert!(
        text(&o).contains("2000-12-01T00:00:00+08:00"),
        "{}",
        text(&o)
    );
    assert!(
        !text(&o).contains("0:00:00.0") && !text(&o).contains("R-VALID"),
        "{}",
        text(&o)
    );
    let o = with(&["--name", "别的公司"]);
    assert!(!text(&o).contains("R-MAKE"), "{}", text(&o));
    // Two signatures on one document: signature 1 and signature 2.
    let sign = |input: &str, out: &str, y: &str| {
        eseal(&[
            "sign",
            "ofd",
            "--seal",
            &s.p("seal.esl"),
            "--cert",
            &s.p("signer.pem"),
            "--key",
            &s.p("signer.key"),
            "--in",
            input,
            "--out",
            out,
            "--page",
            "1",
            "--x",
            "10",
            "--y",
            y,
        ])
    };
    let hello = samples.join("helloworld.ofd").display().to_string();
    assert_eq!(code(&sign(&hello, &s.p("once.ofd"), "10")), 0);
    assert_eq!(code(&sign(&s.p("once.ofd"), &s.p("twice.ofd"), "80")), 0);
    let o = eseal(&["verify", &s.p("twice.ofd")]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("signature 1 (ID") && out.contains("signature 2 (ID"),
        "{out}"
    );
    // An existing report file: refused before anything is verified or printed.
    std::fs::write(s.path("report.html"), "mine").unwrap();
    let o = eseal(&["verify", &s.p("twice.ofd"), "--html", &s.p("report.html")]);
    assert_eq!(code(&o), 3, "{}", text(&o));
    assert!(o.stdout.is_empty(), "{}", text(&o));
    assert_eq!(
        std::fs::read_to_string(s.path("report.html")).unwrap(),
        "mine"
    );
}

/// Issue 15 item 9: a folder of documents signed with one placement, then verified together
/// with a summary table, or one JSON line per file.
#[cfg_attr(
    eseal_skip_samples,
    ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
)]
#[test]
fn folders_are_signed_and_verified_together() {
    let Some(samples) = eseal_testkit::samples() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("demo");
    let ds = d.to_string_lossy().into_owned();
    assert_eq!(code(&eseal(&["demo", "--dir", &ds])), 0);
    let p = |n: &str| tmp.path().join(n).to_string_lossy().into_owned();
    let inbox = tmp.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    for n in ["a.ofd", "b.ofd", "c.ofd"] {
        std::fs::copy(samples.join("helloworld.ofd"), inbox.join(n)).unwrap();
    }
    let demo = |n: &str| d.join(n).to_string_lossy().into_owned();
    let o = eseal(&[
        "sign",
        "ofd",
        "--seal",
        &demo("seal.esl"),
        "--cert",
        &demo("signer.pem"),
        "--key",
        &demo("signer.key"),
        "--in",
        &p("inbox"),
        "--out",
        &p("signed"),
        "--page",
        "1",
        "--x",
        "100",
        "--y",
        "150",
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        text(&o).contains("total: 3 signed, 0 failed"),
        "{}",
        text(&o)
    );
    // All three verify; a fourth that is not an OFD, and a fifth that is unsigned, show too.
    let o = eseal(&["verify", &p("signed"), "--trust", &ds]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        text(&o).contains("total: 3 PASSED, 0 FAILED"),
        "{}",
        text(&o)
    );
    std::fs::write(tmp.path().join("signed/d.ofd"), b"%PDF-1.7\n").unwrap();
    std::fs::copy(
        samples.join("helloworld.ofd"),
        tmp.path().join("signed/e.ofd"),
    )
    .unwrap();
    let o = eseal(&["verify", &p("signed"), "--trust", &ds]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("3 PASSED, 1 FAILED, 0 INDETERMINATE, 1 not verified"),
        "{out}"
    );
    assert!(out.contains("PDF"), "{out}");
    let o = eseal(&["verify", &p("signed"), "--trust", &ds, "--json"]);
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["indication"], "PASSED");
    assert!(lines[3]["indication"].is_null());
    // Several files named one by one work the same; --html takes one file only.
    let o = eseal(&[
        "verify",
        &p("signed/a.ofd"),
        &p("signed/b.ofd"),
        "--trust",
        &ds,
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = eseal(&["verify", &p("signed"), "--html", &p("r.html")]);
    assert_eq!(code(&o), 3, "{}", text(&o));
}

/// The encoder-quirk vectors of testdata/ses/quirks: PASSED (exit 0) with the quirk named, in
/// Chinese by default; the same file with a bit flipped in its signed bytes is FAILED (exit 1).
#[test]
fn encoder_quirks_verify_with_a_named_warning() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/ses/quirks");
    let p = |n: &str| dir.join(n).display().to_string();
    let chinese = eseal_zh;
    let o = chinese(&[
        "verify",
        &p("sig-negative-s.dat"),
        "--data",
        &p("data.txt"),
        "--trust",
        &p("trust"),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("有效 (PASSED)"), "{t}");
    assert!(
        t.contains("警告") && t.contains("编码") && t.contains("按无符号数读取"),
        "{t}"
    );
    let o = chinese(&[
        "seal",
        "verify",
        &p("seal-times.esl"),
        "--trust",
        &p("trust"),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("两位年份"), "{}", text(&o));
    let o = eseal(&[
        "verify",
        &p("sig-datahash-dropped-zero.dat"),
        "--data",
        &p("sig-datahash-dropped-zero.data"),
        "--trust",
        &p("trust"),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        text(&o).contains("dropped the final 1 zero byte"),
        "{}",
        text(&o)
    );
    // One bit flipped in the seal picture (signed by the maker): FAILED.
    let tmp = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(dir.join("seal-negative-r.esl")).unwrap();
    let at = bytes.windows(7).position(|w| w == b"picture").unwrap();
    bytes[at] ^= 1;
    let flipped = tmp.path().join("flipped.esl");
    std::fs::write(&flipped, &bytes).unwrap();
    let o = eseal(&[
        "seal",
        "verify",
        &flipped.display().to_string(),
        "--trust",
        &p("trust"),
    ]);
    assert_eq!(code(&o), 1, "{}", text(&o));
}

fn pixel(png: &[u8], x_mm: f32, y_mm: f32, dpi: f32) -> [u8; 3] {
    let img = eseal_image::decode(png).unwrap();
    let k = dpi / 25.4;
    let (x, y) = ((x_mm * k) as u32, (y_mm * k) as u32);
    let i = ((y * img.width + x) * 4) as usize;
    [img.data[i], img.data[i + 1], img.data[i + 2]]
}

/// `eseal render`: a document eseal signed is drawn with its (SVG) stamp where it was put,
/// framed green once verified with the trust store; SVG output keeps text; several pages go
/// into a directory; nothing is overwritten; `eseal verify --html` shows the stamped page.
#[test]
fn render_a_signed_ofd_with_its_stamp_and_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("demo");
    let ds = d.to_string_lossy().into_owned();
    assert_eq!(code(&eseal(&["demo", "--dir", &ds])), 0);
    let p = |n: &str| d.join(n).to_string_lossy().into_owned();
    std::fs::write(p("doc.ofd"), eseal_testkit::ofd::ofd_of(0)).unwrap();
    let o = eseal(&[
        "sign",
        "ofd",
        "--seal",
        &p("seal.esl"),
        "--cert",
        &p("signer.pem"),
        "--key",
        &p("signer.key"),
        "--in",
        &p("doc.ofd"),
        "--out",
        &p("signed.ofd"),
        "--x",
        "100",
        "--y",
        "150",
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = eseal(&[
        "render",
        &p("signed.ofd"),
        "--verdicts",
        "--trust",
        &ds,
        "--dpi",
        "100",
        "--out",
        &p("page.png"),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        text(&o).contains("rendering of the signed content"),
        "{}",
        text(&o)
    );
    let png = std::fs::read(p("page.png")).unwrap();
    // The demo seal (42 mm, a red ring) at (100, 150): its ring's left side, and the green
    // frame of a PASSED signature on the stamp's edge.
    let ring = pixel(&png, 101.8, 171.0, 100.0);
    assert!(ring[0] > 180 && ring[1] < 100, "ring {ring:?}");
    let frame = pixel(&png, 100.1, 160.0, 100.0);
    assert!(frame[1] > 120 && frame[0] < 90, "green frame {frame:?}");
    assert!(
        pixel(&png, 50.0, 50.0, 100.0).iter().all(|c| *c > 240),
        "white page"
    );
    // Without seals nothing red is there.
    let o = eseal(&[
        "render",
        &p("signed.ofd"),
        "--no-seals",
        "--out",
        &p("bare.png"),
        "--dpi",
        "100",
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let bare = std::fs::read(p("bare.png")).unwrap();
    assert!(pixel(&bare, 101.8, 171.0, 100.0).iter().all(|c| *c > 240));
    // SVG; then --all into a directory; an existing output is refused.
    let o = eseal(&["render", &p("signed.ofd"), "--out", &p("page.svg")]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let svg = std::fs::read_to_string(p("page.svg")).unwrap();
    assert!(
        svg.starts_with("<?xml") && svg.contains("data:image/svg+xml;base64,"),
        "{}",
        &svg[..200]
    );
    let o = eseal(&["render", &p("signed.ofd"), "--all", "--out", &p("pages")]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(d.join("pages/signed-1.png").is_file());
    let o = eseal(&["render", &p("signed.ofd"), "--out", &p("page.png")]);
    assert_eq!(code(&o), 3, "{}", text(&o));
    assert!(text(&o).contains("refusing to overwrite"), "{}", text(&o));
    let o = eseal(&[
        "render",
        &p("signed.ofd"),
        "--page",
        "9",
        "--out",
        &p("nine.png"),
    ]);
    assert_eq!(code(&o), 3, "{}", text(&o));
    assert!(text(&o).contains("page 9 does not exist"), "{}", text(&o));
    // In Chinese by default.
    let o = Command::new(env!("CARGO_BIN_EXE_eseal"))
        .args([
            "render",
            &p("signed.ofd"),
            "--page",
            "9",
            "--out",
            &p("nine.png"),
        ])
        .env_remove("ESEAL_LANG")
        .output()
        .unwrap();
    assert!(text(&o).contains("第 9 页不存在"), "{}", text(&o));
    // The HTML report shows the stamped page and says it is a rendering.
    let o = eseal(&[
        "verify",
        &p("signed.ofd"),
        "--trust",
        &ds,
        "--html",
        &p("report.html"),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let html = std::fs::read_to_string(p("report.html")).unwrap();
    assert!(html.contains("Pages with stamps") && html.contains("data:image/png;base64,"));
    assert!(html.contains("not the signed file itself") && html.contains("Page 1 (rendering)"));
}
