//! `eseal ca …`, `eseal cert verify`, `eseal csr`, `eseal p12 import`: the development CA and
//! certificate tools. Files are read and written here; the logic is in `eseal-pki`.

use crate::files;
use crate::i18n::Lang;
use anyhow::{Context, Result};
use eseal_gm::Sm2PrivateKey;
use eseal_gm::provider::{Clock, OsRandom, SoftwareSigner};
use eseal_pki::ca::{CaSignatureId, CaState, DevCa};
use eseal_pki::chain::{ChainOutcome, ChainStatus, Purpose, TrustStore, validate};
use eseal_pki::crl::{Crl, RevocationReason};
use eseal_pki::name::name_from_slashes;
use eseal_pki::{Certificate, pem};
use std::path::{Path, PathBuf};

fn state_path(dir: &Path) -> PathBuf {
    dir.join("ca.json")
}

/// `eseal ca init`.
pub fn ca_init(
    dir: &Path,
    name: &str,
    crl_url: Option<String>,
    ocsp_url: Option<String>,
    standard_ids: bool,
    clock: &dyn Clock,
) -> Result<()> {
    if state_path(dir).exists() {
        return Err(crate::said::said(
            format!("{} 中已有一个 CA（ca.json 已存在）", dir.display()),
            format!("{} already holds a CA (ca.json exists)", dir.display()),
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| crate::said::io(("创建", "create"), dir, &e))?;
    let id = if standard_ids {
        CaSignatureId::Standard
    } else {
        CaSignatureId::Empty
    };
    let mut ca = eseal_pki::ca::init(&OsRandom, clock.now(), name, crl_url, id)?;
    ca.state.ocsp_url = ocsp_url;
    files::write_new(&dir.join("root.pem"), ca.root.to_pem().as_bytes())?;
    files::write_secret(
        &dir.join("root.key"),
        ca.root_key.to_pkcs8_pem()?.as_bytes(),
    )?;
    files::write_new(&dir.join("issuing.pem"), ca.issuing.to_pem().as_bytes())?;
    files::write_secret(
        &dir.join("issuing.key"),
        ca.issuing_key.to_pkcs8_pem()?.as_bytes(),
    )?;
    let arl = eseal_pki::ca::root_crl(&ca.root, ca.root_key.clone(), id, 1, clock.now())?;
    files::write_new(&dir.join("root-crl.pem"), arl.to_pem().as_bytes())?;
    let mut opened = DevCa::open(ca.issuing, ca.issuing_key, ca.state)?;
    let crl = opened.crl(clock.now())?;
    files::write_new(&dir.join("crl.pem"), crl.to_pem().as_bytes())?;
    files::write_new(
        &state_path(dir),
        serde_json::to_string_pretty(&opened.state)?.as_bytes(),
    )?;
    Ok(())
}

fn open_ca(dir: &Path) -> Result<DevCa> {
    let state: CaState = serde_json::from_slice(&files::read(&state_path(dir))?).map_err(|_| {
        crate::said::said(
            format!("{} 不是 CA 状态文件", state_path(dir).display()),
            format!("{} is not a CA state file", state_path(dir).display()),
        )
    })?;
    let issuing = Certificate::from_der(&files::read_certificate(&dir.join("issuing.pem"))?)?;
    let key = files::read_private_key(&dir.join("issuing.key"))?;
    Ok(DevCa::open(issuing, key, state)?)
}

/// `eseal ca serve`: the CA's CRL and OCSP responder over HTTP, the state re-read every 5 s.
pub fn ca_serve(dir: &Path, listen: &str) -> Result<()> {
    let ca = std::sync::Arc::new(std::sync::Mutex::new(open_ca(dir)?));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
            crate::said::said(
                format!("无法在 {listen} 上监听：{}", crate::said::io_zh(&e)),
                format!("cannot listen on {listen}: {e}"),
            )
        })?;
        let addr = listener.local_addr()?;
        outln!("CRL:  http://{addr}/crl");
        outln!("OCSP: http://{addr}/ocsp");
        let (reload, dir) = (ca.clone(), dir.to_path_buf());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                match files::read(&state_path(&dir))
                    .ok()
                    .and_then(|b| serde_json::from_slice::<CaState>(&b).ok())
                {
                    Some(state) => {
                        if let Ok(mut c) = reload.lock() {
                            c.state = state;
                        }
                    }
                    None => errln!(
                        "{}: cannot be read; serving the last state",
                        state_path(&dir).display()
                    ),
                }
            }
        });
        eseal_server::revocation::serve_ca(listener, ca)
            .await
            .context("the server stopped")
    })
}

fn save(dir: &Path, ca: &DevCa) -> Result<()> {
    files::write_replace(
        &state_path(dir),
        serde_json::to_string_pretty(&ca.state)?.as_bytes(),
    )
}

/// `eseal ca issue`.
#[allow(clippy::too_many_arguments)]
pub fn ca_issue(
    dir: &Path,
    kind: &str,
    subject: Option<&str>,
    out: &Path,
    days: i64,
    csr: Option<&Path>,
    clock: &dyn Clock,
) -> Result<()> {
    let mut ca = open_ca(dir)?;
    let prefix = out.to_string_lossy().into_owned();
    let cert_path = PathBuf::from(format!("{prefix}.pem"));
    let key_path = PathBuf::from(format!("{prefix}.key"));
    let (subject, public, key) = match csr {
        Some(path) => {
            let (csr_subject, public) = eseal_pki::csr::read_csr(&files::read(path)?)
                .with_context(|| format!("{}", path.display()))?;
            let subject = match subject {
                Some(s) => name_from_slashes(s)?,
                None => csr_subject,
            };
            (subject, public, None)
        }
        None => {
            let subject = subject.ok_or_else(|| {
                crate::said::said(
                    "需要 --subject（或 --csr）",
                    "--subject is required (or --csr)",
                )
            })?;
            let key = Sm2PrivateKey::generate(&OsRandom)?;
            (name_from_slashes(subject)?, key.public_key(), Some(key))
        }
    };
    if cert_path.exists() || (key.is_some() && key_path.exists()) {
        return Err(crate::said::said(
            format!(
                "{} 或 {} 已存在；不会覆盖",
                cert_path.display(),
                key_path.display()
            ),
            format!(
                "{} or {} exists; refusing to overwrite",
                cert_path.display(),
                key_path.display()
            ),
        ));
    }
    let cert = ca.issue(&OsRandom, clock.now(), kind, subject, &public, days)?;
    if let Some(key) = key {
        files::write_secret(&key_path, key.to_pkcs8_pem()?.as_bytes())?;
    }
    files::write_new(&cert_path, cert.to_pem().as_bytes())?;
    save(dir, &ca)?;
    outln!(
        "{} {} serial {}",
        cert_path.display(),
        cert.subject(),
        cert.serial_hex()
    );
    Ok(())
}

/// `eseal ca revoke`: record, then publish a new CRL.
pub fn ca_revoke(
    dir: &Path,
    serial: Option<&str>,
    cert: Option<&Path>,
    reason: RevocationReason,
    clock: &dyn Clock,
) -> Result<()> {
    let serial = match (serial, cert) {
        (Some(s), None) => s.to_owned(),
        (None, Some(p)) => Certificate::from_der(&files::read_certificate(p)?)?.serial_hex(),
        _ => {
            return Err(crate::said::said(
                "--serial 与 --cert 必须给出且只给出其中一个",
                "give exactly one of --serial or --cert",
            ));
        }
    };
    let mut ca = open_ca(dir)?;
    ca.revoke(&serial, reason, clock.now())?;
    let crl = ca.crl(clock.now())?;
    files::write_replace(&dir.join("crl.pem"), crl.to_pem().as_bytes())?;
    save(dir, &ca)?;
    outln!(
        "revoked {serial}; {} updated",
        dir.join("crl.pem").display()
    );
    Ok(())
}

/// `eseal ca crl`: a new issuing-CA CRL (and a new root CRL when the root key is in DIR).
pub fn ca_crl(dir: &Path, out: Option<&Path>, clock: &dyn Clock) -> Result<()> {
    let mut ca = open_ca(dir)?;
    let crl = ca.crl(clock.now())?;
    if dir.join("root.key").exists() {
        let root = Certificate::from_der(&files::read_certificate(&dir.join("root.pem"))?)?;
        let key = files::read_private_key(&dir.join("root.key"))?;
        let arl = eseal_pki::ca::root_crl(
            &root,
            key,
            ca.state.signature_id,
            ca.state.crl_number,
            clock.now(),
        )?;
        files::write_replace(&dir.join("root-crl.pem"), arl.to_pem().as_bytes())?;
    }
    let path = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dir.join("crl.pem"));
    files::write_replace(&path, crl.to_pem().as_bytes())?;
    save(dir, &ca)?;
    outln!(
        "{} (CRL number {}, {} revoked)",
        path.display(),
        ca.state.crl_number,
        crl.len()
    );
    Ok(())
}

/// Load a trust-store directory (certificates and CRLs; key files are ignored).
pub fn load_trust_store(dir: &Path) -> Result<(TrustStore, Vec<eseal_core::Text>)> {
    // The directory's own trouble (missing, not a directory, no permission) in words first.
    std::fs::read_dir(dir)
        .map_err(|e| crate::said::io(("读取信任目录", "read trust store"), dir, &e))?;
    eseal_server::files::trust_dir(dir).map_err(|e| {
        crate::said::said(
            format!("信任目录 {} 中有无法使用的文件（{}）", dir.display(), e.zh),
            format!(
                "the trust store {} holds a file that cannot be used: {}",
                dir.display(),
                e.en
            ),
        )
    })
}

/// `eseal cert verify`: exit 0 valid, 1 invalid, 2 indeterminate.
#[allow(clippy::too_many_arguments)]
pub fn cert_verify(
    cert: &Path,
    trust: &Path,
    untrusted: &[PathBuf],
    crls: &[PathBuf],
    at: time::OffsetDateTime,
    purpose: Purpose,
    json: bool,
    lang: Lang,
) -> Result<u8> {
    let leaf = Certificate::parse_all(&files::read(cert)?)?
        .into_iter()
        .next()
        .ok_or_else(|| {
            crate::said::said(format!("{} 中没有证书", cert.display()), "no certificate")
        })?;
    let (store, notes) = load_trust_store(trust)?;
    let mut extra = Vec::new();
    for p in untrusted {
        extra.extend(Certificate::parse_all(&files::read(p)?)?);
    }
    let mut extra_crls = Vec::new();
    for p in crls {
        extra_crls.extend(Crl::parse_all(&files::read(p)?)?);
    }
    let report = validate(&leaf, &extra, &store, &extra_crls, at, purpose);
    if json {
        let v = serde_json::json!({ "certificate": cert.display().to_string(), "status": report.status(), "path": report.path, "checks": report.checks, "notes": notes.iter().map(|n| lang.t(&n.zh, &n.en)).collect::<Vec<_>>() });
        outln!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        for n in &notes {
            errln!("{}", lang.t(&n.zh, &n.en));
        }
        outln!(
            "{}: {}",
            lang.t("证书路径", "path"),
            report.path.join(" -> ")
        );
        for c in &report.checks {
            let o = match c.outcome {
                ChainOutcome::Passed => lang.t("通过", "PASSED"),
                ChainOutcome::Failed => lang.t("失败", "FAILED"),
                ChainOutcome::Indeterminate => lang.t("不确定", "INDETERMINATE"),
                ChainOutcome::Warning => lang.t("警告", "WARNING"),
            };
            let (label, detail) = match lang {
                Lang::Zh => (c.check.label().0, &c.detail_zh),
                Lang::En => (c.check.label().1, &c.detail),
            };
            outln!(
                "  [{}] {:<10} {label}: {}",
                c.depth,
                o,
                eseal_core::text::printable(detail)
            );
        }
        let s = match report.status() {
            ChainStatus::Valid => lang.t("有效 (VALID)", "VALID"),
            ChainStatus::Invalid => lang.t("无效 (INVALID)", "INVALID"),
            ChainStatus::Indeterminate => lang.t("不确定 (INDETERMINATE)", "INDETERMINATE"),
        };
        outln!("{}: {s}", lang.t("结论", "result"));
    }
    Ok(match report.status() {
        ChainStatus::Valid => 0,
        ChainStatus::Invalid => 1,
        ChainStatus::Indeterminate => 2,
    })
}

/// `eseal csr`.
pub fn csr(key: &Path, subject: &str, out: &Path) -> Result<()> {
    let key = files::read_private_key(key)?;
    let der = eseal_pki::csr::build_csr(name_from_slashes(subject)?, &SoftwareSigner::new(key))?;
    files::write_new(out, pem::encode("CERTIFICATE REQUEST", &der).as_bytes())
}

/// `eseal p12 import`: PREFIX.key (PKCS#8) and PREFIX.pem (the key's certificate first).
pub fn p12_import(file: &Path, password: &str, out: &Path) -> Result<()> {
    let contents = eseal_pki::p12::read_pkcs12(&files::read(file)?, password)
        .with_context(|| format!("{}", file.display()))?;
    let prefix = out.to_string_lossy().into_owned();
    let key = contents.key.as_ref().ok_or_else(|| {
        crate::said::said(
            format!("{} 中没有私钥", file.display()),
            "the file holds no private key",
        )
    })?;
    let mut pems = String::new();
    if let Some(c) = contents.key_certificate() {
        pems.push_str(&c.to_pem());
    }
    for c in &contents.certificates {
        if Some(c) != contents.key_certificate() {
            pems.push_str(&c.to_pem());
        }
    }
    files::write_secret(
        Path::new(&format!("{prefix}.key")),
        key.to_pkcs8_pem()?.as_bytes(),
    )?;
    files::write_new(Path::new(&format!("{prefix}.pem")), pems.as_bytes())?;
    outln!(
        "{prefix}.key, {prefix}.pem ({} certificate(s))",
        contents.certificates.len()
    );
    Ok(())
}
