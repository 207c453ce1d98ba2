//! Verification of a package, offline, at its original time.

use super::*;
use eseal_ses::verify::fmt_time;

/// One check of an archive verification.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ArchiveCheck {
    /// `container`, `manifest`, `timestamp`, `timestamp_chain`, `signature`, `seal_status`,
    /// `transparency`, `trust`.
    pub id: String,
    /// The generation it concerns (timestamps, manifests), when one.
    pub generation: Option<u32>,
    /// The outcome.
    pub outcome: Outcome,
    /// What was found (English).
    pub detail: String,
    /// What was found (中文).
    pub detail_zh: String,
}

/// The result of verifying a package.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ArchiveReport {
    /// PASSED, FAILED or INDETERMINATE.
    pub indication: Indication,
    /// The time the first timestamp proves (the document existed then, with its evidence).
    pub original_time: Option<String>,
    /// How many timestamps the package has.
    pub generations: u32,
    /// The verification's own time.
    pub verified_at: String,
    /// The checks in order.
    pub checks: Vec<ArchiveCheck>,
}

impl ArchiveReport {
    fn push(
        &mut self,
        id: &str,
        generation: Option<u32>,
        outcome: Outcome,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) {
        self.checks.push(ArchiveCheck {
            id: id.into(),
            generation,
            outcome,
            detail: en.into(),
            detail_zh: zh.into(),
        });
    }

    fn finish(mut self) -> Self {
        // No check at all decides nothing.
        self.indication = if self.checks.is_empty() {
            Indication::Indeterminate
        } else {
            Indication::of(self.checks.iter().map(|c| c.outcome))
        };
        self
    }
}

/// What a verification trusts.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Trust anchors (and any CRLs) the verifier brings (`--trust DIR`).
    pub trust: TrustStore,
    /// Root certificates carried in the package that the verifier accepts by SM3 fingerprint
    /// (`--root-sm3`), e.g. the agency's published root fingerprint.
    pub root_sm3: Vec<String>,
    /// The seal log's key, obtained out of band; without it the package's copy is used and
    /// named.
    pub log_key: Option<eseal_gm::Sm2PublicKey>,
    /// The verification's time.
    pub now: OffsetDateTime,
}

pub(super) fn rfc(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

pub(super) fn chain_words(report: &eseal_pki::chain::ChainReport) -> (String, String) {
    let path = report.path.join(" -> ");
    let first = report
        .first(ChainOutcome::Failed)
        .or_else(|| report.first(ChainOutcome::Indeterminate));
    match first {
        Some(c) => {
            let (lz, le) = c.check.label();
            (
                format!("{}：{lz}：{}（证书路径 {path}）", c.subject, c.detail_zh),
                format!("{}: {le}: {} (path {path})", c.subject, c.detail),
            )
        }
        None => (format!("证书链有效 {path}"), format!("valid chain {path}")),
    }
}

pub(super) fn outcome_of(status: ChainStatus) -> Outcome {
    match status {
        ChainStatus::Valid => Outcome::Passed,
        ChainStatus::Invalid => Outcome::Failed,
        ChainStatus::Indeterminate => Outcome::Indeterminate,
    }
}

/// Verifies a package offline: its container and manifests byte for byte, each timestamp over
/// its manifest, each timestamp's TSA certificate at the time the next timestamp proves (the
/// last one's at `now`), and the document's signatures as of the original time with the
/// package's certificates and CRLs; then the seals' status answers and transparency proofs.
pub fn verify(archive: &[u8], opts: &VerifyOptions) -> ArchiveReport {
    let mut r = ArchiveReport {
        indication: Indication::Indeterminate,
        original_time: None,
        generations: 0,
        verified_at: rfc(opts.now),
        checks: Vec::new(),
    };
    let files = match read_zip(archive) {
        Ok(f) => f,
        Err(b) => {
            r.push("container", None, Outcome::Failed, b.zh, b.en);
            return r.finish();
        }
    };
    r.push(
        "container",
        None,
        Outcome::Passed,
        format!(
            "归档包结构符合规定（{} 个文件，{} 字节）",
            files.len(),
            archive.len()
        ),
        format!(
            "the container follows the package format ({} files, {} bytes)",
            files.len(),
            archive.len()
        ),
    );
    let (n, document) = match generations(&files) {
        Ok(g) => g,
        Err(b) => {
            r.push("manifest", None, Outcome::Failed, b.zh, b.en);
            return r.finish();
        }
    };
    r.generations = n;
    // Every file has its place and some manifest covers it.
    for path in files.keys() {
        if generation(path).is_none_or(|g| g > n) {
            r.push(
                "manifest",
                None,
                Outcome::Failed,
                format!("{path} 不受任何清单保护（多出的文件）"),
                format!("{path} is covered by no manifest (a file added afterwards)"),
            );
        }
    }
    // Manifests and timestamps (each file hashed once, however many manifests list it).
    let digests: BTreeMap<&str, String> = files
        .iter()
        .map(|(p, b)| (p.as_str(), Sm3Digest::of(b).to_hex()))
        .collect();
    let mut times: Vec<OffsetDateTime> = Vec::new();
    let mut tsa_certs: Vec<Option<Certificate>> = Vec::new();
    let mut token_certs: Vec<Certificate> = Vec::new();
    for k in 1..=n {
        let Some(bytes) = files.get(&manifest_path(k)) else {
            r.push(
                "manifest",
                Some(k),
                Outcome::Failed,
                format!("缺少 {}", manifest_path(k)),
                format!("{} is missing", manifest_path(k)),
            );
            return r.finish();
        };
        match check_manifest(&files, &digests, k, bytes, &document) {
            Ok(count) => r.push(
                "manifest",
                Some(k),
                Outcome::Passed,
                format!("第 {k} 代清单覆盖 {count} 个文件，SM3 全部一致"),
                format!("generation {k}'s manifest covers {count} files, every SM3 matches"),
            ),
            Err(b) => {
                r.push("manifest", Some(k), Outcome::Failed, b.zh, b.en);
            }
        }
        let token = files
            .get(&token_path(k))
            .map(Vec::as_slice)
            .unwrap_or_default();
        match eseal_ses::timestamp::TimeStampToken::decode(token) {
            Err(e) => {
                r.push(
                    "timestamp",
                    Some(k),
                    Outcome::Failed,
                    format!("第 {k} 个时间戳无法解析：{}", e.zh()),
                    format!("timestamp {k} cannot be read: {e}"),
                );
                tsa_certs.push(None);
                times.push(times.last().copied().unwrap_or(opts.now));
            }
            Ok(t) => {
                let certs: Vec<Certificate> = t
                    .certificates
                    .iter()
                    .filter_map(|c| Certificate::from_der(c).ok())
                    .collect();
                match t.verify(bytes, &SoftwareVerifier) {
                    Ok(subject) => {
                        let ordered = times.last().is_none_or(|p| t.gen_time >= *p);
                        r.push(
                            "timestamp",
                            Some(k),
                            if ordered {
                                Outcome::Passed
                            } else {
                                Outcome::Failed
                            },
                            format!(
                                "第 {k} 个时间戳：{} 由 {subject} 签发，覆盖第 {k} 代清单{}",
                                fmt_time(t.gen_time),
                                if ordered {
                                    ""
                                } else {
                                    "；但早于前一个时间戳"
                                }
                            ),
                            format!(
                                "timestamp {k}: {} by {subject}, over generation {k}'s manifest{}",
                                fmt_time(t.gen_time),
                                if ordered {
                                    ""
                                } else {
                                    "; but earlier than the one before"
                                }
                            ),
                        );
                        let tsa = certs
                            .iter()
                            .find(|c| {
                                c.subject() == subject
                                    && c.extended_key_usage().is_some_and(|e| {
                                        e.contains(&eseal_ses::timestamp::KP_TIME_STAMPING)
                                    })
                            })
                            .cloned();
                        tsa_certs.push(tsa);
                    }
                    Err(why) => {
                        r.push(
                            "timestamp",
                            Some(k),
                            Outcome::Failed,
                            format!("第 {k} 个时间戳不成立：{}", why.zh),
                            format!("timestamp {k} does not hold: {}", why.en),
                        );
                        tsa_certs.push(None);
                    }
                }
                token_certs.extend(certs);
                times.push(t.gen_time);
            }
        }
    }
    let original = times.first().copied().unwrap_or(opts.now);
    r.original_time = Some(rfc(original));
    if let Some(last) = times.last()
        && *last > opts.now + time::Duration::minutes(5)
    {
        r.push(
            "timestamp",
            Some(n),
            Outcome::Failed,
            format!(
                "最后一个时间戳 {} 晚于核验时间 {}",
                fmt_time(*last),
                fmt_time(opts.now)
            ),
            format!(
                "the last timestamp {} is later than the verification time {}",
                fmt_time(*last),
                fmt_time(opts.now)
            ),
        );
    }

    // What the chains may use: the verifier's anchors, package roots accepted by fingerprint,
    // and every certificate and CRL in the package.
    let mut store = opts.trust.clone();
    let mut roots = Vec::new();
    let mut seen = BTreeSet::new();
    for (path, bytes) in &files {
        if path.starts_with("evidence/") && path.contains("/certs/") {
            for c in Certificate::parse_all(bytes).unwrap_or_default() {
                add_cert(&mut store, &mut roots, &mut seen, c, &opts.root_sm3);
            }
        } else if path.starts_with("evidence/") && path.contains("/crls/") {
            for c in Crl::parse_all(bytes).unwrap_or_default() {
                store.add_crl(c);
            }
        }
    }
    for c in token_certs {
        add_cert(&mut store, &mut roots, &mut seen, c, &opts.root_sm3);
    }
    if store.anchors().is_empty() {
        let list = roots.join(", ");
        r.push(
            "trust",
            None,
            Outcome::Indeterminate,
            format!("未给出信任锚：包内根证书 SM3 为 {list}；与发布机构公布的指纹核对后用 --root-sm3 指定，或用 --trust 目录"),
            format!("no trust anchor given: the package's root certificates have SM3 {list}; compare with the fingerprint the agency publishes and give --root-sm3, or a --trust directory"),
        );
    }

    // Each timestamp's TSA at the time the next one proves (the last one's: now).
    for (i, tsa) in tsa_certs.iter().enumerate() {
        let k = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let Some(tsa) = tsa else {
            continue;
        };
        let (at, when_zh, when_en) = match times.get(i + 1) {
            Some(next) => (
                *next,
                format!("按第 {} 个时间戳证明的时间 {}", k + 1, fmt_time(*next)),
                format!(
                    "at {}, the time timestamp {} proves",
                    fmt_time(*next),
                    k + 1
                ),
            ),
            None => (
                opts.now,
                format!("按核验时间 {}", fmt_time(opts.now)),
                format!("at the verification time {}", fmt_time(opts.now)),
            ),
        };
        let report = validate(tsa, &[], &store, &[], at, Purpose::TimeStamping);
        let (zh, en) = chain_words(&report);
        let expired_hint = if report.status() != ChainStatus::Valid && times.get(i + 1).is_none() {
            (
                "；时间戳证书过期前应续期（eseal archive renew）",
                "; renew the package before its timestamp certificate expires (eseal archive renew)",
            )
        } else {
            ("", "")
        };
        r.push(
            "timestamp_chain",
            Some(k),
            outcome_of(report.status()),
            format!("第 {k} 个时间戳的证书（{when_zh}）：{zh}{}", expired_hint.0),
            format!(
                "timestamp {k}'s certificate {when_en}: {en}{}",
                expired_hint.1
            ),
        );
    }

    // The document as of the original time.
    let policy = eseal_ses::VerifyPolicy {
        chain_validator: Some(std::sync::Arc::new(eseal_doc::PkiValidator {
            store: store.clone(),
        })),
        now: Some(original),
        ..Default::default()
    };
    let seals = verify_document(&files, &document, &policy, &mut r);

    // Status answers and transparency proofs.
    verify_statuses(&files, &mut r);
    verify_transparency(&files, &seals, opts, &mut r);
    r.finish()
}

pub(super) fn add_cert(
    store: &mut TrustStore,
    roots: &mut Vec<String>,
    seen: &mut BTreeSet<Vec<u8>>,
    c: Certificate,
    root_sm3: &[String],
) {
    if !seen.insert(c.der().to_vec()) {
        return;
    }
    if c.is_self_issued() {
        let sm3 = Sm3Digest::of(c.der()).to_hex();
        if root_sm3.iter().any(|r| r.eq_ignore_ascii_case(&sm3)) {
            store.add_anchor(c);
        }
        roots.push(sm3);
    } else {
        store.add_intermediate(c);
    }
}

pub(super) fn check_manifest(
    files: &BTreeMap<String, Vec<u8>>,
    digests: &BTreeMap<&str, String>,
    k: u32,
    bytes: &[u8],
    document: &DocumentRef,
) -> Result<usize, Bad> {
    let path = manifest_path(k);
    let m: Manifest = serde_json::from_slice(bytes).map_err(|e| {
        let (zh, en) = json_error(&e);
        bad(
            format!("{path} 不是规定格式的清单：{zh}"),
            format!("{path} is not a manifest in the documented form: {en}"),
        )
    })?;
    if m.format != FORMAT || m.sequence != k || &m.document != document {
        return Err(bad(
            format!("{path}：格式、序号或文档与第一代清单不一致"),
            format!("{path}: its format, sequence or document differs from the first manifest's"),
        ));
    }
    let listed: BTreeMap<&str, &FileRef> = m.files.iter().map(|f| (f.path.as_str(), f)).collect();
    if listed.len() != m.files.len() {
        return Err(bad(
            format!("{path}：同一文件列了两次"),
            format!("{path}: a file is listed twice"),
        ));
    }
    for (p, b) in files.iter().filter(|(p, _)| covered_by(k, p)) {
        let Some(f) = listed.get(p.as_str()) else {
            return Err(bad(
                format!("{path} 未列出 {p}"),
                format!("{path} does not list {p}"),
            ));
        };
        let sm3 = digests
            .get(p.as_str())
            .map(String::as_str)
            .unwrap_or_default();
        if f.size != b.len() as u64 || !f.sm3.eq_ignore_ascii_case(sm3) {
            return Err(bad(
                format!("{p} 已被改动：与 {path} 记录的 SM3 不符"),
                format!("{p} was changed: its SM3 differs from the one {path} records"),
            ));
        }
    }
    let expected = files.keys().filter(|p| covered_by(k, p)).count();
    if expected != m.files.len() {
        return Err(bad(
            format!("{path} 列出了包中没有的文件"),
            format!("{path} lists files the package does not hold"),
        ));
    }
    Ok(expected)
}

/// Verifies the document's signatures; the SM3 of every seal (for the transparency proofs).
pub(super) fn verify_document(
    files: &BTreeMap<String, Vec<u8>>,
    document: &DocumentRef,
    policy: &eseal_ses::VerifyPolicy,
    r: &mut ArchiveReport,
) -> Vec<String> {
    let Some(main) = files.get(&document.file) else {
        r.push(
            "signature",
            None,
            Outcome::Failed,
            format!("包中没有文档 {}", document.file),
            format!("the package lacks the document {}", document.file),
        );
        return Vec::new();
    };
    let mut results: Vec<(eseal_ses::Report, Vec<u8>)> = Vec::new();
    match document.kind {
        DocumentKind::Ofd => {
            let verified =
                eseal_doc::Package::open(std::io::Cursor::new(main.clone())).and_then(|mut pkg| {
                    pkg.set_budget(eseal_doc::Budget {
                        max_bytes: Some(MAX_DOCUMENT_READ),
                        cancel: None,
                    });
                    eseal_doc::verify_ofd(&mut pkg, policy, &SoftwareVerifier)
                });
            match verified {
                Ok(rep) => {
                    for s in rep.signatures {
                        results.push((s.report, s.signed_value));
                    }
                }
                Err(e) => {
                    r.push(
                        "signature",
                        None,
                        Outcome::Failed,
                        format!("{} 不是可验证的 OFD：{}", document.file, e.zh()),
                        format!("{} is not an OFD that can be verified: {e}", document.file),
                    );
                    return Vec::new();
                }
            }
        }
        DocumentKind::Detached => {
            let data = document.data.as_ref().and_then(|d| files.get(d));
            let decoded = eseal_ses::AnySignature::decode(main);
            match (decoded, data) {
                (Ok((sig, _)), Some(data)) => {
                    let report = eseal_ses::verify_signature(
                        &sig,
                        eseal_ses::SignedData::Digest(Sm3Digest::of(data)),
                        policy,
                        &SoftwareVerifier,
                    );
                    results.push((report, main.clone()));
                }
                (Err(e), _) => {
                    r.push(
                        "signature",
                        None,
                        Outcome::Failed,
                        format!("{} 不是电子签章数据：{}", document.file, e.zh()),
                        format!("{} is not an SES_Signature: {e}", document.file),
                    );
                    return Vec::new();
                }
                (_, None) => {
                    r.push(
                        "signature",
                        None,
                        Outcome::Failed,
                        "包中没有分离签名所签的原文",
                        "the package lacks the data the detached signature signs",
                    );
                    return Vec::new();
                }
            }
        }
    }
    if results.is_empty() {
        r.push(
            "signature",
            None,
            Outcome::Failed,
            format!("{} 中没有签章", document.file),
            format!("{} holds no signature", document.file),
        );
    }
    let mut seals = Vec::new();
    for (i, (report, value)) in results.iter().enumerate() {
        let ind = report.indication();
        let outcome = match ind {
            Indication::Passed => Outcome::Passed,
            Indication::Failed => Outcome::Failed,
            Indication::Indeterminate => Outcome::Indeterminate,
        };
        let decisive = report
            .checks
            .iter()
            .find(|c| c.outcome == Outcome::Failed)
            .or_else(|| {
                report
                    .checks
                    .iter()
                    .find(|c| c.outcome == Outcome::Indeterminate)
            });
        let (why_zh, why_en) = decisive
            .map(|c| (format!("：{}", c.detail_zh), format!(": {}", c.detail)))
            .unwrap_or_default();
        let (word_zh, word_en) = match ind {
            Indication::Passed => ("有效", "PASSED"),
            Indication::Failed => ("无效", "FAILED"),
            Indication::Indeterminate => ("无法确定", "INDETERMINATE"),
        };
        r.push(
            "signature",
            None,
            outcome,
            format!("签章 {}：{word_zh}（按原始时间，用包内证书与撤销列表）{why_zh}", i + 1),
            format!("signature {}: {word_en} (as of the original time, with the package's certificates and CRLs){why_en}", i + 1),
        );
        if let Ok((sig, _)) = eseal_ses::AnySignature::decode(value) {
            seals.push(Sm3Digest::of(sig.seal().raw()).to_hex());
        }
    }
    seals
}

/// `evidence/NNNN/status/<esID>.json`: what the registry (or the national platform) said
/// about the seal at the signing time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusAnswer {
    /// The esID.
    pub id: String,
    /// The time asked about (RFC 3339).
    pub at: String,
    /// Who answered (`registry`, or the national platform's URL).
    pub source: String,
    /// `valid`, `not_yet_valid`, `expired`, `revoked`, or `unknown`.
    pub status: String,
    /// The answer as given.
    pub answer: serde_json::Value,
}

pub(super) fn verify_statuses(files: &BTreeMap<String, Vec<u8>>, r: &mut ArchiveReport) {
    for (path, bytes) in files
        .iter()
        .filter(|(p, _)| p.starts_with("evidence/") && p.contains("/status/"))
    {
        match serde_json::from_slice::<StatusAnswer>(bytes) {
            Ok(s) if s.status == "valid" => r.push(
                "seal_status",
                None,
                Outcome::Passed,
                format!(
                    "印章 {} 在 {} 有效（{} 的答复，受时间戳保护）",
                    s.id, s.at, s.source
                ),
                format!(
                    "seal {} was valid at {} (answer of {}, under the timestamp)",
                    s.id, s.at, s.source
                ),
            ),
            Ok(s) => r.push(
                "seal_status",
                None,
                Outcome::Failed,
                format!(
                    "印章 {} 在 {} 的状态为 {}（{} 的答复）",
                    s.id, s.at, s.status, s.source
                ),
                format!(
                    "seal {} was {} at {} (answer of {})",
                    s.id, s.status, s.at, s.source
                ),
            ),
            Err(e) => {
                let (zh, en) = json_error(&e);
                r.push(
                    "seal_status",
                    None,
                    Outcome::Failed,
                    format!("{path} 不是规定格式的状态答复：{zh}"),
                    format!("{path} is not a status answer in the documented form: {en}"),
                )
            }
        }
    }
}

pub(super) fn verify_transparency(
    files: &BTreeMap<String, Vec<u8>>,
    seals: &[String],
    opts: &VerifyOptions,
    r: &mut ArchiveReport,
) {
    let proofs: Vec<_> = files
        .iter()
        .filter(|(p, _)| p.starts_with("evidence/") && p.contains("/transparency/"))
        .collect();
    if proofs.is_empty() {
        return;
    }
    let packaged = files
        .iter()
        .find(|(p, _)| p.starts_with("evidence/") && p.ends_with("/transparency-key.pem"))
        .and_then(|(_, b)| std::str::from_utf8(b).ok())
        .and_then(|pem| eseal_gm::Sm2PublicKey::from_spki_pem(pem).ok());
    let key = match (&opts.log_key, packaged) {
        (Some(given), Some(p)) if given != &p => {
            r.push(
                "transparency",
                None,
                Outcome::Failed,
                "包内的透明日志公钥与给出的公钥不同",
                "the seal log key in the package differs from the one given",
            );
            return;
        }
        (Some(given), _) => (given.clone(), "given"),
        (None, Some(p)) => (p, "package"),
        (None, None) => {
            r.push(
                "transparency",
                None,
                Outcome::Indeterminate,
                "没有透明日志公钥，无法核对证明",
                "no seal log key: the proofs cannot be checked",
            );
            return;
        }
    };
    for (path, bytes) in proofs {
        let proof: Result<eseal_tlog::seals::SealProof, _> = serde_json::from_slice(bytes);
        let checked = proof
            .map_err(|e| json_error(&e))
            .and_then(|p| p.verify(&key.0).map_err(|e| (e.zh(), e.to_string())));
        match checked {
            Ok((cp, entries)) if entries.iter().any(|e| seals.contains(&e.seal_sm3)) => {
                let e = entries.iter().rev().find(|e| seals.contains(&e.seal_sm3));
                let id = e.map(|e| e.seal_id.clone()).unwrap_or_default();
                let (kz, ke) = if key.1 == "given" {
                    ("给出的日志公钥", "the given log key")
                } else {
                    (
                        "包内的日志公钥（未与外部核对）",
                        "the package's log key (not checked against an outside copy)",
                    )
                };
                r.push(
                    "transparency",
                    None,
                    Outcome::Passed,
                    format!("印章 {id} 在透明日志中（检查点大小 {}，{kz}）", cp.size),
                    format!(
                        "seal {id} is in the seal log (checkpoint size {}, {ke})",
                        cp.size
                    ),
                );
            }
            Ok(_) => r.push(
                "transparency",
                None,
                Outcome::Failed,
                format!("{path}：证明中没有文档所用印章"),
                format!("{path}: the proof names none of the document's seals"),
            ),
            Err((zh, en)) => r.push(
                "transparency",
                None,
                Outcome::Failed,
                format!("{path}：透明日志证明不成立：{zh}"),
                format!("{path}: the seal log proof does not hold: {en}"),
            ),
        }
    }
}
