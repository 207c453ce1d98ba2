//! The built-in development PKI of `eseal serve`: a root and issuing CA (the layout of
//! `eseal ca init`, so `eseal ca issue --dir DATA/pki` works on it too), the agency's maker
//! certificate, and certificates for keys generated in the platform. Production deployments
//! point the service at the agency's CA instead (see ARCHITECTURE.md).

use crate::failure::Failure;
use crate::making::{CertificateIssuer, Maker};
use crate::ports::Pki;
use eseal_core::{Application, SealKind};
use eseal_gm::Sm2PrivateKey;
use eseal_gm::provider::{SecureRandom, SoftwareSigner};
use eseal_pki::ca::{CaSignatureId, CaState, DevCa};
use eseal_pki::name::name_from_slashes;
use eseal_pki::{Certificate, TrustStore};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use time::OffsetDateTime;

/// How long certificates for seals last.
pub const SEAL_CERT_DAYS: i64 = 365;

/// The development PKI.
#[derive(Debug)]
pub struct DevPki {
    dir: PathBuf,
    root: Certificate,
    root_key: Sm2PrivateKey,
    ca: Mutex<DevCa>,
    maker_cert: Certificate,
    maker_key: Sm2PrivateKey,
    tsa_cert: Certificate,
    tsa_key: Sm2PrivateKey,
    audit_key: Sm2PrivateKey,
    /// The CRLs last published: made on the first use, on every revocation, and when older
    /// than [`CRL_REFRESH`].
    published: Mutex<Option<Crls>>,
}

/// The CRLs relying parties fetch (and online verification uses).
#[derive(Debug, Clone)]
struct Crls {
    at: OffsetDateTime,
    issuing: eseal_pki::crl::Crl,
    root: eseal_pki::crl::Crl,
}

/// A CRL is published anew at least this often (it is valid for 7 days: relying parties that
/// fetch daily never hold an expired one).
pub const CRL_REFRESH: time::Duration = time::Duration::days(1);

/// What a relying party fetches to verify the platform's documents offline
/// (`GET /api/v1/pki/{file}`, `eseal trust fetch`): certificates and CRLs, never a key.
pub const PUBLISHED: [&str; 5] = [
    "root.pem",
    "issuing.pem",
    "tsa.pem",
    "crl.pem",
    "root-crl.pem",
];

/// The development TSA's policy OID (a development value; a deployment's TSA has its own).
pub const TSA_POLICY: &str = "1.2.156.112562.1.1";

fn io(path: &Path, e: impl std::fmt::Display) -> Failure {
    Failure::internal(format!("{}: {e}", path.display()))
}

fn write_secret(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    crate::files::write_new_private(path, bytes).map_err(|e| io(path, e))
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), Failure> {
    crate::files::write_private(path, bytes.as_ref()).map_err(|e| io(path, e))
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| io(path, e))
}

fn read_cert(path: &Path) -> Result<Certificate, Failure> {
    let bytes = read(path)?;
    let der = eseal_pki::pem::der_or_blocks(&bytes, "CERTIFICATE", "certificate")
        .map_err(|e| io(path, e))?
        .into_iter()
        .next()
        .ok_or_else(|| io(path, "no certificate"))?;
    Certificate::from_der(&der).map_err(|e| io(path, e))
}

fn read_key(path: &Path) -> Result<Sm2PrivateKey, Failure> {
    let text = String::from_utf8(read(path)?).map_err(|e| io(path, e))?;
    Sm2PrivateKey::from_pem(&text).map_err(|e| io(path, e))
}

fn escape(s: &str) -> String {
    s.replace('/', "\\/")
}

/// The files of the PKI directory.
pub const FILES: [&str; 11] = [
    "ca.json",
    "root.pem",
    "root.key",
    "issuing.pem",
    "issuing.key",
    "maker.pem",
    "maker.key",
    "tsa.pem",
    "tsa.key",
    "audit.key",
    "audit-key.pem",
];

impl DevPki {
    /// Opens the PKI in `dir`; with `create` (a new installation), makes what is missing (CA,
    /// maker certificate, TSA, log key). Without it, a missing file is an error naming it:
    /// a new CA or log key beside a registry made with the old ones would silently break
    /// every verification and every checkpoint.
    pub fn open_or_create(
        dir: &Path,
        now: OffsetDateTime,
        random: &dyn SecureRandom,
        create: bool,
    ) -> Result<Self, Failure> {
        if !create && let Some(missing) = FILES.iter().find(|f| !dir.join(f).exists()) {
            return Err(Failure::startup(
                format!(
                    "缺少 {}，但数据库是用这套 PKI 建立的：请从备份恢复目录 {}（新的 CA 或日志密钥与已制作的印章、证书和检查点不匹配）",
                    dir.join(missing).display(),
                    dir.display()
                ),
                format!(
                    "{} is missing, but the database was set up with this PKI: restore the directory {} from the backup (a new CA or log key would not match the seals, certificates and checkpoints already made)",
                    dir.join(missing).display(),
                    dir.display()
                ),
            ));
        }
        crate::files::private_dir(dir).map_err(|e| io(dir, e))?;
        let state_path = dir.join("ca.json");
        if !state_path.exists() {
            let ca = eseal_pki::ca::init(
                random,
                now,
                "eseal Development CA",
                None,
                CaSignatureId::Standard,
            )
            .map_err(|e| Failure::internal(e.to_string()))?;
            let pem = |k: &Sm2PrivateKey| {
                k.to_pkcs8_pem()
                    .map(|p| p.as_bytes().to_vec())
                    .map_err(|e| Failure::internal(e.to_string()))
            };
            write_secret(&dir.join("root.key"), &pem(&ca.root_key)?)?;
            write_secret(&dir.join("issuing.key"), &pem(&ca.issuing_key)?)?;
            write(&dir.join("root.pem"), ca.root.to_pem())?;
            write(&dir.join("issuing.pem"), ca.issuing.to_pem())?;
            let mut opened = DevCa::open(ca.issuing, ca.issuing_key, ca.state)
                .map_err(|e| Failure::internal(e.to_string()))?;
            let maker_key =
                Sm2PrivateKey::generate(random).map_err(|e| Failure::internal(e.to_string()))?;
            let subject = name_from_slashes("/C=CN/O=eseal 印章服务机构/CN=eseal 制章系统")
                .map_err(|e| Failure::internal(e.to_string()))?;
            let maker = opened
                .issue(random, now, "maker", subject, &maker_key.public_key(), 3650)
                .map_err(|e| Failure::internal(e.to_string()))?;
            write_secret(&dir.join("maker.key"), &pem(&maker_key)?)?;
            write(&dir.join("maker.pem"), maker.to_pem())?;
            // ca.json last: its presence means the PKI is complete.
            let json = serde_json::to_vec_pretty(&opened.state)
                .map_err(|e| Failure::internal(e.to_string()))?;
            write(&state_path, json)?;
        }
        let state: CaState =
            serde_json::from_slice(&read(&state_path)?).map_err(|e| io(&state_path, e))?;
        let mut ca = DevCa::open(
            read_cert(&dir.join("issuing.pem"))?,
            read_key(&dir.join("issuing.key"))?,
            state,
        )
        .map_err(|e| Failure::internal(e.to_string()))?;
        // The timestamp authority (added after the first release of this layout: made on the
        // first start that lacks it).
        if !dir.join("tsa.pem").exists() {
            let key =
                Sm2PrivateKey::generate(random).map_err(|e| Failure::internal(e.to_string()))?;
            let subject = name_from_slashes("/C=CN/O=eseal 印章服务机构/CN=eseal 时间戳服务")
                .map_err(|e| Failure::internal(e.to_string()))?;
            let cert = ca
                .issue(random, now, "tsa", subject, &key.public_key(), 3650)
                .map_err(|e| Failure::internal(e.to_string()))?;
            let pem = key
                .to_pkcs8_pem()
                .map_err(|e| Failure::internal(e.to_string()))?;
            let _ = std::fs::remove_file(dir.join("tsa.key"));
            write_secret(&dir.join("tsa.key"), pem.as_bytes())?;
            write(&dir.join("tsa.pem"), cert.to_pem())?;
            let json = serde_json::to_vec_pretty(&ca.state)
                .map_err(|e| Failure::internal(e.to_string()))?;
            write(&state_path, json)?;
        }
        // The audit log's checkpoint key (issue 8): a bare SM2 key; its public half is in
        // audit-key.pem for auditors.
        if !dir.join("audit-key.pem").exists() {
            let key =
                Sm2PrivateKey::generate(random).map_err(|e| Failure::internal(e.to_string()))?;
            let pem = key
                .to_pkcs8_pem()
                .map_err(|e| Failure::internal(e.to_string()))?;
            let _ = std::fs::remove_file(dir.join("audit.key"));
            write_secret(&dir.join("audit.key"), pem.as_bytes())?;
            let public = key
                .public_key()
                .to_spki_pem()
                .map_err(|e| Failure::internal(e.to_string()))?;
            write(&dir.join("audit-key.pem"), public)?;
        }
        Ok(Self {
            audit_key: read_key(&dir.join("audit.key"))?,
            tsa_cert: read_cert(&dir.join("tsa.pem"))?,
            tsa_key: read_key(&dir.join("tsa.key"))?,
            dir: dir.to_owned(),
            root: read_cert(&dir.join("root.pem"))?,
            root_key: read_key(&dir.join("root.key"))?,
            ca: Mutex::new(ca),
            maker_cert: read_cert(&dir.join("maker.pem"))?,
            maker_key: read_key(&dir.join("maker.key"))?,
            published: Mutex::new(None),
        })
    }

    /// The published CRLs at `now`: the cached ones, or new ones when there are none yet,
    /// they are older than [`CRL_REFRESH`], or `now` is before them (a clock set back). New
    /// ones are also written to `crl.pem` and `root-crl.pem` in the PKI directory.
    fn crls(&self, now: OffsetDateTime) -> Result<Crls, Failure> {
        let mut cached = self.published.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = cached.as_ref()
            && now >= c.at
            && now - c.at < CRL_REFRESH
        {
            return Ok(c.clone());
        }
        let mut ca = self.lock();
        let issuing = ca.crl(now).map_err(|e| Failure::internal(e.to_string()))?;
        let root = eseal_pki::ca::root_crl(
            &self.root,
            self.root_key.clone(),
            ca.state.signature_id,
            ca.state.crl_number,
            now,
        )
        .map_err(|e| Failure::internal(e.to_string()))?;
        self.save(&ca)?;
        write(&self.dir.join("crl.pem"), issuing.to_pem())?;
        write(&self.dir.join("root-crl.pem"), root.to_pem())?;
        let fresh = Crls {
            at: now,
            issuing,
            root,
        };
        *cached = Some(fresh.clone());
        Ok(fresh)
    }

    /// Publishes the CRLs anew when they are due (the worker calls it on a schedule).
    pub fn refresh_crls(&self, now: OffsetDateTime) -> Result<(), Failure> {
        self.crls(now).map(|_| ())
    }

    /// A published file (one of [`PUBLISHED`]) as PEM at `now`.
    pub fn published_file(
        &self,
        name: &str,
        now: OffsetDateTime,
    ) -> Result<Option<String>, Failure> {
        Ok(match name {
            "root.pem" => Some(self.root.to_pem()),
            "issuing.pem" => Some(self.lock().issuing.to_pem()),
            "tsa.pem" => Some(self.tsa_cert.to_pem()),
            "crl.pem" => Some(self.crls(now)?.issuing.to_pem()),
            "root-crl.pem" => Some(self.crls(now)?.root.to_pem()),
            _ => None,
        })
    }

    /// What identifies this PKI, as (file, SM3 hex): the root, maker and TSA certificates
    /// and the log key's public half. The database keeps them (see [`crate::install`]).
    pub fn identities(&self) -> Result<Vec<(String, String)>, Failure> {
        let log_key = self
            .audit_key
            .public_key()
            .to_spki_der()
            .map_err(|e| Failure::internal(e.to_string()))?;
        Ok([
            ("pki/root.pem", self.root.der().to_vec()),
            ("pki/maker.pem", self.maker_cert.der().to_vec()),
            ("pki/tsa.pem", self.tsa_cert.der().to_vec()),
            ("pki/audit-key.pem", log_key),
        ]
        .into_iter()
        .map(|(f, der)| (f.to_owned(), eseal_gm::Sm3Digest::of(&der).to_hex()))
        .collect())
    }

    /// The audit log's checkpoint signer.
    pub fn audit_signer(&self) -> SoftwareSigner {
        SoftwareSigner::new(self.audit_key.clone())
    }

    /// The maker identity.
    pub fn maker(&self) -> Maker {
        Maker {
            vid: "eseal".into(),
            cert: self.maker_cert.der().to_vec(),
            key: SoftwareSigner::new(self.maker_key.clone()),
        }
    }

    /// A timestamp token (RFC 3161 with SM2/SM3, GM/T 0033 style) over `imprinted` at `now`,
    /// from the platform's TSA.
    pub fn timestamp(
        &self,
        imprinted: &[u8],
        now: OffsetDateTime,
        random: &dyn SecureRandom,
    ) -> Result<Vec<u8>, Failure> {
        let mut b = [0u8; 8];
        random
            .fill(&mut b)
            .map_err(|e| Failure::internal(e.to_string()))?;
        let serial = u64::from_be_bytes(b) >> 2;
        let policy = x509_cert::der::asn1::ObjectIdentifier::new(TSA_POLICY)
            .map_err(|e| Failure::internal(e.to_string()))?;
        eseal_ses::timestamp::make_token(
            imprinted,
            now,
            serial,
            &policy,
            self.tsa_cert.der(),
            &SoftwareSigner::new(self.tsa_key.clone()),
        )
        .map_err(|e| Failure::internal(format!("timestamp: {e}")))
    }

    /// Revokes a certificate this CA issued (a revoked or replaced seal's), so that offline
    /// verifiers see it on the CRL. `Ok(false)` when this CA did not issue it (a device
    /// certificate from another CA, whose revocation is that CA's business) or it is revoked
    /// already.
    pub fn revoke(
        &self,
        serial_hex: &str,
        reason: eseal_core::RevocationReason,
        at: OffsetDateTime,
    ) -> Result<bool, Failure> {
        use eseal_core::RevocationReason as R;
        use eseal_pki::crl::RevocationReason as X;
        let x509 = match reason {
            R::KeyCompromise | R::StolenOrLost => X::KeyCompromise,
            R::Replaced => X::Superseded,
            R::Dissolution | R::Merger => X::CessationOfOperation,
            R::PhysicalSealOutOfUse | R::NoLongerUsed | R::DeviceDamaged => X::CessationOfOperation,
        };
        let mut ca = self.lock();
        let serial = serial_hex.trim().to_ascii_uppercase();
        if !ca.state.issued.iter().any(|r| r.serial == serial) {
            return Ok(false);
        }
        match ca.revoke(&serial, x509, at) {
            Ok(()) => {
                self.save(&ca)?;
                drop(ca);
                // Published at once: an offline verifier that fetches now sees it.
                *self.published.lock().unwrap_or_else(|p| p.into_inner()) = None;
                self.crls(at)?;
                Ok(true)
            }
            Err(_) => Ok(false),
        }
    }

    /// The root certificate (the trust anchor relying parties install).
    pub fn root(&self) -> &Certificate {
        &self.root
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DevCa> {
        self.ca.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Trust anchors, the issuing CA and the published CRLs at `now`.
    pub fn trust(&self, now: OffsetDateTime) -> Result<TrustStore, Failure> {
        let crls = self.crls(now)?;
        let mut t = TrustStore::new();
        t.add_anchor(self.root.clone());
        t.add_intermediate(self.lock().issuing.clone());
        t.add_crl(crls.issuing);
        t.add_crl(crls.root);
        Ok(t)
    }

    fn save(&self, ca: &DevCa) -> Result<(), Failure> {
        let path = self.dir.join("ca.json");
        let json =
            serde_json::to_vec_pretty(&ca.state).map_err(|e| Failure::internal(e.to_string()))?;
        write(&path, json)
    }
}

/// The organisation's name inside an official seal's name: the name without a business-seal
/// suffix such as 合同专用章 (eseal-pki's list, the one R-MAKE-4 matching accepts).
pub fn organisation_name(seal_name: &str) -> String {
    let name = seal_name.trim();
    eseal_pki::name::SEAL_SUFFIXES
        .iter()
        .filter_map(|s| name.strip_suffix(s))
        .min_by_key(|n| n.len())
        .unwrap_or(name)
        .to_owned()
}

/// The subject a seal's certificate gets: the organisation (O) for official seals, the
/// person (CN) within the organisation for position seals, the person for personal seals.
pub fn subject_for(app: &Application) -> (&'static str, String) {
    // The registered names the application was tied to (issue 14 item 7); applications made
    // before that carry only the seal name.
    let name = escape(app.holder_name.as_deref().unwrap_or(&app.seal_name));
    match &app.kind {
        SealKind::Official(_) => {
            let org = app
                .organisation_name
                .clone()
                .unwrap_or_else(|| organisation_name(&app.seal_name));
            // A department's or branch's seal names it in CN, within its organisation.
            let cn = match &app.kind {
                SealKind::Official(
                    eseal_core::OfficialKind::InternalDepartment | eseal_core::OfficialKind::Branch,
                ) => app.seal_name.clone(),
                _ => org.clone(),
            };
            (
                "org",
                format!(
                    "/C=CN/O={}/CN={}/serialNumber={}",
                    escape(&org),
                    escape(&cn),
                    app.organisation_code.as_deref().unwrap_or("")
                ),
            )
        }
        SealKind::Position(_) => ("person", format!("/C=CN/CN={name}")),
        SealKind::Personal => ("person", format!("/C=CN/CN={name}")),
    }
}

/// Certifies platform keys through the [`Pki`] port, with the given randomness.
#[derive(Debug)]
pub struct Issuer<'a> {
    /// The PKI.
    pub pki: &'a dyn Pki,
    /// Randomness for serials.
    pub random: &'a dyn SecureRandom,
}

impl CertificateIssuer for Issuer<'_> {
    fn subject(&self, app: &Application) -> Result<x509_cert::name::Name, Failure> {
        let (_, subject) = subject_for(app);
        name_from_slashes(&subject).map_err(|e| {
            Failure::invalid(
                "seal_name",
                format!("印章名称不能用作证书主题名：{e}"),
                e.to_string(),
            )
        })
    }

    fn issue(
        &self,
        kind: &SealKind,
        csr: &[u8],
        now: OffsetDateTime,
    ) -> Result<Certificate, Failure> {
        self.pki.certify(kind, csr, now, self.random)
    }
}

impl Pki for DevPki {
    fn trust(&self, now: OffsetDateTime) -> Result<TrustStore, Failure> {
        DevPki::trust(self, now)
    }

    /// Reads the request (its signature proves possession of the key) and certifies it.
    fn certify(
        &self,
        kind: &SealKind,
        csr: &[u8],
        now: OffsetDateTime,
        random: &dyn SecureRandom,
    ) -> Result<Certificate, Failure> {
        let (subject, key) = eseal_pki::csr::read_csr(csr).map_err(|e| {
            Failure::invalid(
                "csr",
                format!("证书请求无法读取：{}", e.zh()),
                e.to_string(),
            )
        })?;
        let profile = match kind {
            SealKind::Official(_) => "org",
            SealKind::Position(_) | SealKind::Personal => "person",
        };
        let mut ca = self.lock();
        let cert = ca
            .issue(random, now, profile, subject, &key, SEAL_CERT_DAYS)
            .map_err(|e| Failure::internal(e.to_string()))?;
        self.save(&ca)?;
        Ok(cert)
    }

    fn revoke(
        &self,
        serial_hex: &str,
        reason: eseal_core::RevocationReason,
        at: OffsetDateTime,
    ) -> Result<bool, Failure> {
        DevPki::revoke(self, serial_hex, reason, at)
    }

    fn refresh_crls(&self, now: OffsetDateTime) -> Result<(), Failure> {
        DevPki::refresh_crls(self, now)
    }

    fn published_file(&self, name: &str, now: OffsetDateTime) -> Result<Option<String>, Failure> {
        DevPki::published_file(self, name, now)
    }

    fn identities(&self) -> Result<Vec<(String, String)>, Failure> {
        DevPki::identities(self)
    }

    fn maker(&self) -> Maker {
        DevPki::maker(self)
    }

    fn audit_signer(&self) -> SoftwareSigner {
        DevPki::audit_signer(self)
    }

    fn root(&self) -> &Certificate {
        DevPki::root(self)
    }

    fn timestamp(
        &self,
        imprinted: &[u8],
        now: OffsetDateTime,
        random: &dyn SecureRandom,
    ) -> Result<Vec<u8>, Failure> {
        DevPki::timestamp(self, imprinted, now, random)
    }
}
