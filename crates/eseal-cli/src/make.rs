//! `eseal seal make`: a seal made offline from a maker key and certificate, a picture and the
//! signer certificates, checked before it is written.

use super::*;
use crate::said::said;

/// The seal kinds of R-KIND and the `type` value eseal writes for each.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum SealKind {
    /// 电子公章, type 1.
    Official,
    /// 电子私章, type 2.
    Personal,
    /// 电子职务章, type 3.
    Position,
}

impl SealKind {
    pub(crate) fn seal_type(self) -> i64 {
        match self {
            SealKind::Official => 1,
            SealKind::Personal => 2,
            SealKind::Position => 3,
        }
    }
}

#[derive(Args, Debug)]
pub(crate) struct MakeArgs {
    #[arg(long, value_enum, default_value = "v4")]
    format: FormatArg,
    /// Validate the maker's and signers' certificates now against this trust store (chain,
    /// validity, key usage, revocation) and refuse to make the seal unless they are valid.
    #[arg(long)]
    trust: Option<PathBuf>,
    /// Make the seal even if its name matches no signer certificate's subject (the name on a
    /// seal must be its certificate's; this bypass is for test material only).
    #[arg(long)]
    danger_allow_name_mismatch: bool,
    #[arg(long = "type", value_enum)]
    kind: SealKind,
    #[arg(long)]
    name: String,
    #[arg(long)]
    maker_cert: PathBuf,
    #[arg(long)]
    maker_key: PathBuf,
    /// Signer certificate(s) listed in the seal (repeat for several).
    #[arg(long = "signer-cert", required = true)]
    signer_certs: Vec<PathBuf>,
    /// List SM3 digests of the signer certificates instead of the certificates (v4/v5).
    #[arg(long)]
    cert_digests: bool,
    /// The impression picture (PNG, JPG, GIF, BMP, SVG or OFD).
    #[arg(long)]
    image: PathBuf,
    #[arg(long)]
    width_mm: i64,
    #[arg(long)]
    height_mm: i64,
    #[arg(long)]
    valid_from: Option<String>,
    #[arg(long)]
    valid_to: Option<String>,
    /// Vendor id (Vid).
    #[arg(long, default_value = "eseal")]
    vid: String,
    /// Seal code (esID); default: derived from the maker key, the name and the time.
    #[arg(long)]
    es_id: Option<String>,
    #[arg(long)]
    out: PathBuf,
}

pub(crate) fn make(args: MakeArgs, clock: &dyn Clock, lang: Lang) -> Result<()> {
    let maker_cert = files::read_certificate(&args.maker_cert)?;
    let maker_key = files::read_private_key(&args.maker_key)?;
    let signer_certs = args
        .signer_certs
        .iter()
        .map(|p| files::read_certificate(p))
        .collect::<Result<Vec<_>>>()?;
    let picture = files::read(&args.image)?;
    let picture_type = files::picture_type(&args.image, &picture)?;
    let now = clock.now();
    check_certificates_for_making(&args, &maker_cert, &signer_certs, now)?;
    let (valid_start, valid_end) = seal_validity(&args, &signer_certs)?;
    let es_id = match args.es_id {
        Some(id) => id,
        None => {
            let mut h = eseal_gm::Sm3Hasher::new();
            h.update(args.name.as_bytes());
            h.update(&maker_cert);
            h.update(&now.unix_timestamp_nanos().to_be_bytes());
            h.finalize()
                .to_hex()
                .get(..32)
                .unwrap_or_default()
                .to_owned()
        }
    };
    let request = SealRequest {
        version: args.format.into(),
        vid: args.vid,
        es_id,
        seal_type: args.kind.seal_type(),
        name: args.name,
        signer_certs,
        list_digests: args.cert_digests,
        picture_type,
        picture,
        width_mm: args.width_mm,
        height_mm: args.height_mm,
        create_date: now,
        valid_start,
        valid_end,
        ext_datas: None,
    };
    let seal = eseal_ses::make_seal(&request, &maker_cert, &SoftwareSigner::new(maker_key))?;
    files::write_new(&args.out, seal.raw())?;
    outln!(
        "{} {} ({} {}, {} {} .. {}) → {}",
        lang.t("已制作印章", "made the seal"),
        eseal_core::text::printable(&request.name),
        lang.t("印章编码", "esID"),
        request.es_id,
        lang.t("有效期", "valid"),
        show(request.valid_start),
        show(request.valid_end),
        args.out.display()
    );
    Ok(())
}

/// R-MAKE-1 and R-MAKE-4 at making time: the certificates are valid now (when a trust store
/// is given) and the seal name matches a signer certificate's subject.
fn check_certificates_for_making(
    args: &MakeArgs,
    maker_cert: &[u8],
    signer_certs: &[Vec<u8>],
    now: OffsetDateTime,
) -> Result<()> {
    let parsed = signer_certs
        .iter()
        .map(|c| eseal_pki::Certificate::from_der(c))
        .collect::<Result<Vec<_>, _>>()?;
    let matches: Vec<_> = parsed
        .iter()
        .map(|c| eseal_pki::name::seal_name_matches(&args.name, c.subject_name()))
        .collect();
    if !matches
        .iter()
        .any(|m| !matches!(m, eseal_pki::name::NameMatch::Mismatch { .. }))
    {
        if args.danger_allow_name_mismatch {
            errln!(
                "warning: --danger-allow-name-mismatch: the seal name {:?} matches no signer certificate subject",
                args.name
            );
        } else {
            let subjects = parsed
                .iter()
                .map(|c| c.subject())
                .collect::<Vec<_>>()
                .join("; ");
            return Err(said(
                format!(
                    "印章名称 {:?} 与签章人证书的主体都不相符（{subjects}）：印章上的名称必须是其证书所签发给的名称",
                    args.name
                ),
                format!(
                    "the seal name {:?} matches no signer certificate subject ({subjects}): the name on a seal must be the one its certificate is made out to",
                    args.name
                ),
            ));
        }
    }
    if let Some(dir) = &args.trust {
        let (store, _) = pki::load_trust_store(dir)?;
        let maker = eseal_pki::Certificate::from_der(maker_cert)?;
        for cert in std::iter::once(&maker).chain(parsed.iter()) {
            let r = eseal_pki::validate(cert, &[], &store, &[], now, eseal_pki::Purpose::Signing);
            if r.status() != eseal_pki::ChainStatus::Valid {
                let first = r
                    .first(eseal_pki::chain::ChainOutcome::Failed)
                    .or_else(|| r.first(eseal_pki::chain::ChainOutcome::Indeterminate));
                let why = |zh: bool| {
                    first
                        .map(|c| match zh {
                            true => format!("{}：{}", c.check.label().0, c.detail_zh),
                            false => format!("{}: {}", c.check.label().1, c.detail),
                        })
                        .unwrap_or_default()
                };
                return Err(said(
                    format!(
                        "证书 {} 现在无效（{}）：{}",
                        cert.subject(),
                        r.status().label().0,
                        why(true)
                    ),
                    format!(
                        "certificate {} is not valid now ({}): {}",
                        cert.subject(),
                        r.status().label().1,
                        why(false)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// R-VALID-1: a seal's validity equals its certificate's. Without --valid-from/--valid-to the
/// signer certificate's validity is used; a window given explicitly must lie inside every
/// signer certificate's validity.
fn seal_validity(
    args: &MakeArgs,
    signer_certs: &[Vec<u8>],
) -> Result<(OffsetDateTime, OffsetDateTime)> {
    let certs = signer_certs
        .iter()
        .map(|c| eseal_pki::Certificate::from_der(c))
        .collect::<Result<Vec<_>, _>>()?;
    let first = certs
        .first()
        .ok_or_else(|| said("没有签章人证书", "no signer certificate"))?;
    let start = match &args.valid_from {
        Some(s) => parse_time(s, "--valid-from")?,
        None => first.not_before(),
    };
    let end = match &args.valid_to {
        Some(s) => parse_time(s, "--valid-to")?,
        None => first.not_after(),
    };
    for c in &certs {
        if start < c.not_before() || end > c.not_after() {
            let (seal, subject) = (format!("{} .. {}", show(start), show(end)), c.subject());
            let cert = format!("{} .. {}", show(c.not_before()), show(c.not_after()));
            return Err(said(
                format!(
                    "印章有效期 {seal} 超出了签章人证书 {subject} 的有效期（{cert}）：印章的有效期与其证书相同"
                ),
                format!(
                    "the seal's validity {seal} goes beyond the signer certificate {subject} ({cert}): a seal is valid exactly as long as its certificate"
                ),
            ));
        }
    }
    Ok((start, end))
}
