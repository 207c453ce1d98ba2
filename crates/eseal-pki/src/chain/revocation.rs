//! Revocation of each certificate of a path: OCSP answers first, then CRLs (fresh, signed by the
//! issuer, covering the certificate), at the validation time.

use super::*;

pub(super) fn check_ocsp(
    report: &mut ChainReport,
    depth: usize,
    cert: &Certificate,
    answer: &OcspAnswer,
    source: &str,
    at: OffsetDateTime,
) {
    let from = (
        format!(
            "（来源：OCSP {source}，应答者 {}，{}）",
            answer.responder,
            fmt(answer.produced_at)
        ),
        format!(
            " (source: OCSP {source}, responder {}, produced {})",
            answer.responder,
            fmt(answer.produced_at)
        ),
    );
    let (outcome, zh, en) = match answer.status {
        OcspStatus::Good => (
            ChainOutcome::Passed,
            "未撤销".to_owned(),
            "not revoked".to_owned(),
        ),
        OcspStatus::Revoked(when, reason) if when <= at => (
            ChainOutcome::Failed,
            format!("已于 {} 撤销（{}），早于 {}", fmt(when), reason.label().0, fmt(at)),
            format!("revoked at {} ({}), before {}", fmt(when), reason.label().1, fmt(at)),
        ),
        OcspStatus::Revoked(when, reason) => (
            ChainOutcome::Passed,
            format!("之后于 {} 撤销（{}）；在 {} 时有效", fmt(when), reason.label().0, fmt(at)),
            format!("revoked later, at {} ({}); valid at {}", fmt(when), reason.label().1, fmt(at)),
        ),
        OcspStatus::Unknown => (
            ChainOutcome::Indeterminate,
            "撤销状态未知：OCSP 应答者不认识这张证书（unknown）".to_owned(),
            "revocation status unknown: the OCSP responder does not know this certificate (unknown)"
                .to_owned(),
        ),
    };
    report.push(
        depth,
        cert,
        ChainCheck::Revocation,
        outcome,
        (format!("{zh}{}", from.0), format!("{en}{}", from.1)),
    );
}

pub(super) fn check_revocation(
    report: &mut ChainReport,
    depth: usize,
    cert: &Certificate,
    issuer: Option<&Certificate>,
    crls: &[&Crl],
    sources: &[(Vec<u8>, String)],
    at: OffsetDateTime,
) {
    let Some(issuer) = issuer else {
        report.push(
            depth,
            cert,
            ChainCheck::Revocation,
            ChainOutcome::Indeterminate,
            (
                "没有签发者，无法检查证书撤销列表",
                "no issuer, so no CRL can be checked",
            ),
        );
        return;
    };
    let key = issuer.sm2_public_key();
    let usable: Vec<&&Crl> = crls
        .iter()
        .filter(|c| c.issuer_der() == issuer.subject_der())
        .filter(|c| match key.as_ref() {
            Some(k) => c.verify_signed_by(k).is_some(),
            None => c.verify_signed_by_international(issuer),
        })
        .collect();
    // The newest CRL that verifies.
    let Some(crl) = usable.iter().max_by_key(|c| c.this_update()) else {
        let unverified = crls.iter().any(|c| c.issuer_der() == issuer.subject_der());
        let (why_zh, why) = if unverified {
            (
                "该签发者的证书撤销列表用其公钥验证不通过",
                "the CRLs from this issuer do not verify with its key",
            )
        } else {
            (
                "没有该签发者的证书撤销列表（CRL）",
                "no CRL from this issuer is available",
            )
        };
        report.push(
            depth,
            cert,
            ChainCheck::Revocation,
            ChainOutcome::Indeterminate,
            (
                format!("撤销状态未知：{why_zh}（{}）", issuer.subject()),
                format!("revocation status unknown: {why} ({})", issuer.subject()),
            ),
        );
        return;
    };
    let before = report.checks.len();
    check_against_crl(report, depth, cert, crl, at);
    let source = sources
        .iter()
        .find(|(der, _)| der.as_slice() == crl.der())
        .map(|(_, s)| s.clone());
    for c in report.checks.iter_mut().skip(before) {
        match &source {
            Some(s) => {
                c.detail = format!("{} (source: CRL {s})", c.detail);
                c.detail_zh = format!("{}（来源：CRL {s}）", c.detail_zh);
            }
            None => {
                c.detail = format!("{} (source: CRL from the trust store)", c.detail);
                c.detail_zh = format!("{}（来源：信任库中的 CRL）", c.detail_zh);
            }
        }
    }
}

pub(super) fn check_against_crl(
    report: &mut ChainReport,
    depth: usize,
    cert: &Certificate,
    crl: &Crl,
    at: OffsetDateTime,
) {
    match crl.lookup(cert.serial_bytes()) {
        Some((when, reason)) if when <= at => report.push(
            depth,
            cert,
            ChainCheck::Revocation,
            ChainOutcome::Failed,
            (
                format!(
                    "已于 {} 撤销（{}），早于 {}",
                    fmt(when),
                    reason.label().0,
                    fmt(at)
                ),
                format!(
                    "revoked at {} ({}), before {}",
                    fmt(when),
                    reason.label().1,
                    fmt(at)
                ),
            ),
        ),
        Some((when, reason)) => report.push(
            depth,
            cert,
            ChainCheck::Revocation,
            ChainOutcome::Passed,
            (
                format!(
                    "之后于 {} 撤销（{}）；在 {} 时有效",
                    fmt(when),
                    reason.label().0,
                    fmt(at)
                ),
                format!(
                    "revoked later, at {} ({}); valid at {}",
                    fmt(when),
                    reason.label().1,
                    fmt(at)
                ),
            ),
        ),
        None => {
            let stale = crl.next_update().is_some_and(|n| n < at);
            let outcome = if stale {
                ChainOutcome::Warning
            } else {
                ChainOutcome::Passed
            };
            report.push(
                depth,
                cert,
                ChainCheck::Revocation,
                outcome,
                (
                    format!(
                        "不在 {} 的证书撤销列表中（发布于 {}{}）",
                        crl.issuer(),
                        fmt(crl.this_update()),
                        if stale {
                            "；已过下次更新时间，列表已陈旧"
                        } else {
                            ""
                        }
                    ),
                    format!(
                        "not listed in the CRL of {} (thisUpdate {}{})",
                        crl.issuer(),
                        fmt(crl.this_update()),
                        if stale {
                            ", nextUpdate passed: stale"
                        } else {
                            ""
                        }
                    ),
                ),
            );
        }
    }
}
