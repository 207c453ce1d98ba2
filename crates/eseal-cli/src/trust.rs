//! The verification policy for `--trust DIR`.

use eseal_doc::PkiValidator;

static ONLINE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// `eseal verify --online`: revocation is asked of the OCSP responders and CRL distribution
/// points named in certificates that chain to the `--trust` anchors (set once, at start).
pub fn set_online(online: bool) {
    let _ = ONLINE.set(online);
}

/// The verification policy for `--trust DIR` (or none: chains INDETERMINATE); with
/// `--online`, revocation also from the network (`eseal_server::revocation`).
pub fn policy(trust: Option<&std::path::Path>) -> anyhow::Result<eseal_ses::VerifyPolicy> {
    let online = ONLINE.get().copied().unwrap_or(false);
    if online && trust.is_none() {
        return Err(crate::said::said(
            "--online 需要 --trust 目录：只查询能链接到其信任锚的证书",
            "--online needs --trust DIR: only certificates that chain to its anchors are asked about",
        ));
    }
    // The CLI is the edge that reads the system clock for the libraries.
    let mut policy = eseal_ses::VerifyPolicy {
        now: Some(time::OffsetDateTime::now_utc()),
        ..Default::default()
    };
    if let Some(dir) = trust {
        let (store, notes) = crate::pki::load_trust_store(dir)?;
        for n in &notes {
            errln!("{}", crate::stdout::in_lang(n));
        }
        if store.anchors().is_empty() {
            return Err(crate::said::said(
                format!("{} 中没有信任锚（自签名的 CA 证书）", dir.display()),
                format!(
                    "{} holds no trust anchor (self-signed CA certificate)",
                    dir.display()
                ),
            ));
        }
        policy.chain_validator = Some(if online {
            std::sync::Arc::new(eseal_server::revocation::OnlineValidator {
                store,
                online: std::sync::Arc::new(eseal_server::revocation::OnlineRevocation::new(
                    eseal_server::revocation::Limits::default(),
                )),
                crl_urls: Vec::new(),
                now: time::OffsetDateTime::now_utc(),
            })
        } else {
            std::sync::Arc::new(PkiValidator { store })
        });
    }
    Ok(policy)
}

/// `eseal trust`.
#[derive(clap::Subcommand, Debug)]
pub enum TrustCommand {
    /// Fetch a registry's certificates and CRLs (GET URL/api/v1/pki) into DIR, a ready
    /// `--trust` directory for verifying its documents offline. DIR must not exist; with
    /// --update an existing one gets the current CRLs, after checking that the certificates
    /// are still the ones it holds.
    Fetch {
        /// The registry's base URL, e.g. https://eseal.example.gov.cn
        url: String,
        /// The directory to write.
        dir: std::path::PathBuf,
        /// Refresh the CRLs of an existing directory.
        #[arg(long)]
        update: bool,
    },
}

/// Runs `eseal trust`.
pub fn run(cmd: TrustCommand, lang: crate::i18n::Lang) -> anyhow::Result<u8> {
    use crate::said::said;
    let TrustCommand::Fetch { url, dir, update } = cmd;
    if dir.exists() && !update {
        return Err(crate::said::said(
            format!(
                "{} 已存在：请给出新目录，或用 --update 更新其中的 CRL",
                dir.display()
            ),
            format!(
                "{} exists; give a new directory, or --update to refresh its CRLs",
                dir.display()
            ),
        ));
    }
    let base = url.trim_end_matches('/').to_owned();
    let files: Vec<(String, Vec<u8>)> = crate::audit::runtime()?.block_on(async {
        let http = reqwest::Client::new();
        let get = |path: String| {
            let http = http.clone();
            async move { crate::http::get(&http, &path).await }
        };
        let index: serde_json::Value =
            serde_json::from_slice(&get(format!("{base}/api/v1/pki")).await?)
                .map_err(|_| {
                    said(
                        "登记机构的 /api/v1/pki 不是 JSON",
                        "the registry's /api/v1/pki is not JSON",
                    )
                })?;
        let mut out = Vec::new();
        for f in index["files"].as_array().into_iter().flatten() {
            let name = f["name"].as_str().unwrap_or_default();
            // Only the published names, each a plain file name.
            if !eseal_server::devpki::PUBLISHED.contains(&name) {
                return Err(said(
                    format!("登记机构列出了 {name:?}，但它不是登记机构发布的文件"),
                    format!("the registry lists {name:?}, which is not a file it publishes"),
                ));
            }
            let bytes = get(format!("{base}/api/v1/pki/{name}")).await?;
            if Some(eseal_gm::Sm3Digest::of(&bytes).to_hex().as_str()) != f["sm3"].as_str() {
                return Err(said(
                    format!("{name} 的 SM3 与登记机构索引中给出的不符（传输中被改动？）"),
                    format!(
                        "{name} does not have the SM3 the registry's index gives (changed in transit?)"
                    ),
                ));
            }
            out.push((name.to_owned(), bytes));
        }
        Ok::<_, anyhow::Error>(out)
    })?;
    // A usable trust store: an anchor, each CRL signed by one of its certificates.
    let named: Vec<(String, Vec<u8>)> = files.clone();
    let (store, notes) = eseal_pki::TrustStore::from_files(&named).map_err(|e| {
        said(
            format!("登记机构发布的证书或 CRL 无法使用（{}）", e.zh()),
            e.to_string(),
        )
    })?;
    for n in &notes {
        errln!("{}", lang.t(&n.zh, &n.en));
    }
    let root = store.anchors().first().ok_or_else(|| {
        said(
            "登记机构没有发布根证书",
            "the registry publishes no root certificate",
        )
    })?;
    let certs: Vec<eseal_pki::Certificate> = files
        .iter()
        .filter(|(n, _)| !n.contains("crl"))
        .filter_map(|(_, b)| eseal_pki::Certificate::parse_all(b).ok())
        .flatten()
        .collect();
    for (name, bytes) in files.iter().filter(|(n, _)| n.contains("crl")) {
        for crl in eseal_pki::crl::Crl::parse_all(bytes).map_err(|e| {
            said(
                format!("{name}：不是可读的 CRL（{e}）"),
                format!("{name}: {e}"),
            )
        })? {
            let signed = certs.iter().any(|c| {
                c.sm2_public_key()
                    .is_some_and(|k| crl.verify_signed_by(&k).is_some())
            });
            if !signed {
                return Err(said(
                    format!("{name} 不是由登记机构的任何 CA 证书签发的"),
                    format!("{name} is not signed by any of the registry's CA certificates"),
                ));
            }
        }
    }
    if update {
        for (name, bytes) in files.iter().filter(|(n, _)| !n.contains("crl")) {
            let kept = std::fs::read(dir.join(name)).unwrap_or_default();
            if kept != *bytes {
                return Err(said(
                    format!(
                        "{url} 的 {name} 与 {} 中的不同：登记机构的证书已更换；请核对新根证书的指纹，并获取到新目录",
                        dir.display()
                    ),
                    format!(
                        "{name} of {url} is not the one in {}: the registry's certificates changed; check the new root's fingerprint and fetch into a new directory",
                        dir.display()
                    ),
                ));
            }
        }
        for (name, bytes) in files.iter().filter(|(n, _)| n.contains("crl")) {
            crate::files::write_replace(&dir.join(name), bytes)?;
        }
    } else {
        std::fs::create_dir_all(&dir).map_err(|e| crate::said::io(("创建", "create"), &dir, &e))?;
        for (name, bytes) in &files {
            crate::files::write_new(&dir.join(name), bytes)?;
        }
    }
    outln!(
        "{} {} ({} {})",
        lang.t("已写出信任目录", "wrote the trust directory"),
        dir.display(),
        files.len(),
        lang.t("个文件", "files")
    );
    outln!(
        "{}: {}",
        lang.t(
            "根证书 SM3 指纹（请与服务机构公布的指纹核对）",
            "root certificate SM3 fingerprint (compare it with the one the agency publishes)"
        ),
        eseal_gm::Sm3Digest::of(root.der()).to_hex()
    );
    outln!(
        "{} eseal verify FILE --trust {}",
        lang.t("离线验证：", "verify offline:"),
        dir.display()
    );
    Ok(0)
}
