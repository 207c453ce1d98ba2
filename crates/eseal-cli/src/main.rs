//! `eseal`: the command-line face of the platform. Offline seal making, signing and
//! verification need neither a server nor a database (ARCHITECTURE.md invariant 7).
//!
//! Exit codes: `seal verify` 0 valid / 1 invalid; `verify data` 0 valid / 1 invalid /
//! 2 indeterminate; every command 3 on usage or I/O errors (message on stderr).

#[macro_use]
mod stdout;
mod archive;
mod audit;
mod backup;
mod batch;
mod bench;
mod demo;
mod doc;
mod files;
mod help_zh;
mod help_zh_ops;
mod html;
mod http;
mod i18n;
mod impression;
mod make;
mod output;
mod pdf;
mod pki;
mod render;
mod said;
mod service;
mod transparency;
mod trust;
mod trustlist;
mod user;

use anyhow::{Result, bail};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use eseal_gm::provider::{Clock, SoftwareSigner, SoftwareVerifier, SystemClock};
use eseal_ses::{AnySeal, AnySignature, SealRequest, SignRequest, Version};
use i18n::Lang;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Exit code for usage and I/O errors, for every command.
const EXIT_USAGE: u8 = 3;

#[derive(Parser, Debug)]
#[command(
    name = "eseal",
    version,
    about = "eseal 电子印章平台 / electronic seal platform"
)]
struct Cli {
    /// Output language / 输出语言 (default: $ESEAL_LANG, else zh).
    #[arg(long, global = true, value_enum)]
    lang: Option<Lang>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Make a demo seal, sign a file with it and verify it (keys, certificates and files in DIR).
    Demo {
        /// Where to write the demo material (default: a new folder under the system temp dir).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Seals (电子印章).
    #[command(subcommand)]
    Seal(SealCommand),
    /// Sign (电子签章).
    #[command(subcommand)]
    Sign(SignCommand),
    /// Verify (验证): `eseal verify FILE` (an OFD, or a detached signature with --data), or
    /// `eseal verify data --sig … --in …`. Exit 0 all PASSED, 1 any FAILED, 2 INDETERMINATE.
    Verify(VerifyArgs),
    /// Keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// The development CA (开发测试用 CA): SM2 root + issuing CA.
    #[command(subcommand)]
    Ca(CaCommand),
    /// Certificates.
    #[command(subcommand)]
    Cert(CertCommand),
    /// Make a PKCS#10 request for an SM2 key, for an outside CA.
    Csr {
        #[arg(long)]
        key: PathBuf,
        /// e.g. /C=CN/O=威海市某某有限公司/CN=威海市某某有限公司
        #[arg(long)]
        subject: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// PKCS#12 files.
    #[command(subcommand)]
    P12(P12Command),
    /// Seal impressions (印模): render the standard styles, compare two impressions.
    #[command(subcommand)]
    Impression(impression::ImpressionCommand),
    /// Draw the pages of an OFD with their seals as PNG or SVG (a rendering, not the signed
    /// file).
    Render(render::RenderArgs),
    /// Run the seal registry service (HTTP API, filing worker); `--demo` for the demo data.
    Serve(Box<service::ServeArgs>),
    /// Run a connector simulator (police seal system, national platform).
    #[command(subcommand)]
    Sim(service::SimCommand),
    /// The audit log: export with a signed checkpoint, verify offline.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Backups: make a key, back up while running, verify offline, restore into an empty target.
    #[command(subcommand)]
    Backup(backup::BackupCommand),
    /// Archive packages for long-term validation: create, renew, verify offline.
    #[command(subcommand)]
    Archive(archive::ArchiveCommand),
    /// Trust directories for offline verification: fetch a registry's certificates and CRLs.
    #[command(subcommand)]
    Trust(trust::TrustCommand),
    /// The trust list of online verification: other CAs whose documents the service accepts.
    #[command(subcommand, name = "trust-list")]
    TrustList(trustlist::TrustListCommand),
    /// Accounts: what an operator on the server does when no administrator can log in.
    #[command(subcommand)]
    User(user::UserCommand),
    /// The public seal transparency log: monitor a registry's log.
    #[command(subcommand)]
    Transparency(transparency::TransparencyCommand),
    /// The HSM (PKCS#11) that holds the platform's key-encryption key.
    #[command(subcommand)]
    Hsm(service::HsmCommand),
    /// Print the current TOTP code for a base32 secret (demo logins).
    Totp {
        /// The base32 secret printed at enrolment.
        secret: String,
    },
    /// Measure SM2 sign/verify and SM3 throughput (used by scripts/bench-crypto.sh).
    Bench {
        /// Seconds per measurement.
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
    },
}

#[derive(Subcommand, Debug)]
enum SealCommand {
    /// Show what a seal or signature file contains.
    Inspect {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Check a seal: exit 0 if well-formed and the maker's signature verifies, 1 if not.
    Verify {
        file: PathBuf,
        /// The time for the validity check (RFC 3339; default now).
        #[arg(long)]
        at: Option<String>,
        /// Trust store: a directory of CA certificates and CRLs.
        #[arg(long)]
        trust: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Make a seal signed by the maker.
    Make(Box<make::MakeArgs>),
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum FormatArg {
    V1,
    V4,
    V5,
}

impl From<FormatArg> for Version {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::V1 => Version::V1,
            FormatArg::V4 => Version::V4,
            FormatArg::V5 => Version::V5,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum OfdKindArg {
    Seal,
    Sign,
}

#[derive(Subcommand, Debug)]
enum SignCommand {
    /// Sign an OFD: Type=Seal (an SES_Signature and a visible stamp; the default) or Type=Sign
    /// (a GB/T 35275 SignedData, no seal).
    Ofd {
        /// The seal (required for --type seal).
        #[arg(long, required_if_eq("kind", "seal"))]
        seal: Option<PathBuf>,
        #[arg(long = "type", value_enum, default_value = "seal")]
        kind: OfdKindArg,
        #[arg(long)]
        cert: PathBuf,
        #[arg(long)]
        key: PathBuf,
        /// The OFD to sign; or a directory, whose OFD files are all signed into --out (a new
        /// directory), with the same placement.
        #[arg(long = "in")]
        input: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Page (1-based) for the stamp.
        #[arg(long, default_value_t = 1)]
        page: usize,
        /// Stamp position: mm from the page's left edge.
        #[arg(long, default_value_t = 10.0)]
        x: f32,
        /// Stamp position: mm from the page's top edge (also the riding seal's height).
        #[arg(long, default_value_t = 10.0)]
        y: f32,
        /// Centre the stamp on the first occurrence of this text in the pages.
        #[arg(long, conflicts_with_all = ["page", "x", "riding"])]
        keyword: Option<String>,
        /// A riding seal (骑缝章) across the right edges of all pages.
        #[arg(long, conflicts_with_all = ["page", "x"])]
        riding: bool,
    },
    /// Sign a PDF by incremental update: an SES_Signature (or, with --form cms, a CMS
    /// SignedData) in the signature field's /Contents, the seal's picture as a visible stamp
    /// at its true size (at a position, a keyword or as a riding seal, or --invisible).
    Pdf(pdf::SignPdf),
    /// Play the holder's device for the external signer: sign the `to_be_signed` bytes the
    /// platform prepared (base64, from POST /api/v1/seals/{id}/sign/prepare) with the key
    /// file, and print the SM2 signature (base64 DER) for POST /api/v1/usages/{id}/finish.
    External {
        /// The device's private key (PKCS#8 PEM).
        #[arg(long)]
        key: PathBuf,
        /// The to_be_signed value, base64.
        #[arg(long)]
        tbs: String,
    },
    /// Sign a file: write the DER SES_Signature over its SM3 digest.
    Data {
        #[arg(long)]
        seal: PathBuf,
        #[arg(long)]
        cert: PathBuf,
        #[arg(long)]
        key: PathBuf,
        #[arg(long = "in")]
        input: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Must match the seal's version (the signature embeds the seal).
        #[arg(long, value_enum)]
        format: Option<FormatArg>,
        /// propertyInfo (default: the input file name).
        #[arg(long)]
        property_info: Option<String>,
    },
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
struct VerifyArgs {
    #[command(subcommand)]
    command: Option<VerifyCommand>,
    /// The signed file: an OFD package, or a detached SES_Signature (with --data). Several
    /// files, or a directory (its OFD files), are verified one after another with a summary
    /// table (or one JSON line each with --json).
    files: Vec<PathBuf>,
    /// The signed data, for a detached signature.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Trust store: a directory of CA certificates and CRLs.
    #[arg(long)]
    trust: Option<PathBuf>,
    /// Verify as of this time (RFC 3339; default now): for the checks that have no signing
    /// time to go by.
    #[arg(long)]
    at: Option<String>,
    #[arg(long)]
    json: bool,
    /// Also write a self-contained HTML report here.
    #[arg(long)]
    html: Option<PathBuf>,
    /// A seal transparency proof kept with the document (the answer of
    /// GET /api/v1/transparency/seals/{id}): each signature's seal must be proven in the log.
    #[arg(long, requires = "log_key")]
    transparency: Option<PathBuf>,
    /// The transparency log's public key (SPKI PEM, GET /api/v1/transparency/key).
    #[arg(long, requires = "transparency")]
    log_key: Option<PathBuf>,
    /// Also require the proof's checkpoint to be cosigned by this witness: NAME=KEY.pem
    /// (repeatable).
    #[arg(long = "witness", requires = "transparency")]
    witnesses: Vec<String>,
    /// Ask revocation of the network: the OCSP responders (authorityInfoAccess) and CRL
    /// distribution points of certificates that chain to the --trust anchors (5 s timeout,
    /// size limits, answers cached until their nextUpdate); each result names its source.
    #[arg(long, conflicts_with = "offline", requires = "trust")]
    online: bool,
    /// Never use the network (the default): revocation only from the --trust directory.
    #[arg(long)]
    offline: bool,
}

#[derive(Subcommand, Debug)]
enum VerifyCommand {
    /// Verify a detached signature over a file: exit 0 valid, 1 invalid, 2 indeterminate.
    Data {
        #[arg(long)]
        sig: PathBuf,
        #[arg(long = "in")]
        input: PathBuf,
        /// Trust store: a directory of CA certificates and CRLs. Without one the certificate
        /// chains are INDETERMINATE.
        #[arg(long)]
        trust: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
enum CaCommand {
    /// Make DIR/root.pem, root.key, issuing.pem, issuing.key, crl.pem and ca.json.
    Init {
        #[arg(long)]
        dir: PathBuf,
        /// Organisation name in the CA certificates.
        #[arg(long, default_value = "eseal Development CA")]
        name: String,
        /// CRL distribution point written into issued certificates.
        #[arg(long)]
        crl_url: Option<String>,
        /// OCSP responder URL written into issued certificates (authorityInfoAccess), e.g.
        /// the `eseal ca serve` address + /ocsp.
        #[arg(long)]
        ocsp_url: Option<String>,
        /// Sign certificates and CRLs with the GB/T 35276 SM2 ID 1234567812345678, as national
        /// CAs do, instead of the empty ID that OpenSSL 3 uses (stock `openssl verify` cannot
        /// check a chain of such certificates; eseal accepts both).
        #[arg(long)]
        standard_ids: bool,
    },
    /// Serve the CA's revocation status over HTTP: GET /crl (DER) and POST /ocsp (RFC 6960,
    /// SM2/SM3), for `--crl-url`/`--ocsp-url`. Revocations made with `eseal ca revoke` are
    /// picked up within 5 seconds.
    Serve {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: String,
    },
    /// Issue PREFIX.pem (and PREFIX.key, unless --csr gives the key).
    Issue {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, value_parser = ["org", "person", "maker", "tsa"])]
        kind: String,
        /// /C=CN/O=…/CN=… (default with --csr: the request's subject)
        #[arg(long)]
        subject: Option<String>,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 730)]
        days: i64,
        /// Certify the key of this PKCS#10 request instead of generating one.
        #[arg(long)]
        csr: Option<PathBuf>,
    },
    /// Revoke a certificate and publish a new DIR/crl.pem.
    Revoke {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        serial: Option<String>,
        #[arg(long)]
        cert: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "unspecified")]
        reason: ReasonArg,
    },
    /// Publish a new CRL (default DIR/crl.pem).
    Crl {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ReasonArg {
    Unspecified,
    KeyCompromise,
    CaCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    CertificateHold,
}

impl From<ReasonArg> for eseal_pki::crl::RevocationReason {
    fn from(r: ReasonArg) -> Self {
        use eseal_pki::crl::RevocationReason as R;
        match r {
            ReasonArg::Unspecified => R::Unspecified,
            ReasonArg::KeyCompromise => R::KeyCompromise,
            ReasonArg::CaCompromise => R::CaCompromise,
            ReasonArg::AffiliationChanged => R::AffiliationChanged,
            ReasonArg::Superseded => R::Superseded,
            ReasonArg::CessationOfOperation => R::CessationOfOperation,
            ReasonArg::CertificateHold => R::CertificateHold,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PurposeArg {
    Signing,
    Tsa,
    Ca,
}

#[derive(Subcommand, Debug)]
enum CertCommand {
    /// Validate a certificate's chain against a trust store: exit 0 valid, 1 invalid, 2 indeterminate.
    Verify {
        cert: PathBuf,
        /// Directory of trust anchors (self-signed), intermediates and CRLs.
        #[arg(long)]
        trust: PathBuf,
        /// Extra intermediate certificates (not trusted by themselves).
        #[arg(long)]
        untrusted: Vec<PathBuf>,
        /// Extra CRLs.
        #[arg(long)]
        crl: Vec<PathBuf>,
        /// Validation time (RFC 3339; default now).
        #[arg(long)]
        at: Option<String>,
        #[arg(long, value_enum, default_value = "signing")]
        purpose: PurposeArg,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
enum P12Command {
    /// Write PREFIX.key and PREFIX.pem from a PKCS#12 file.
    Import {
        file: PathBuf,
        #[arg(long)]
        password: String,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum KeyCommand {
    /// Generate an SM2 key (PKCS#8 PEM, as `openssl genpkey -algorithm SM2` writes).
    Generate {
        #[arg(long)]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // The language is needed before parsing, for --help and for parse errors.
    let lang = stdout::set_lang(Lang::resolve(i18n::lang_in_args(&args)));
    // Help translated (≈ 2 ms) only for help, version or a usage error: it changes texts only.
    let parsed = match lang {
        Lang::En => Cli::try_parse_from(&args),
        Lang::Zh => Cli::try_parse_from(&args).or_else(|_| {
            help_zh::chinese(Cli::command())
                .try_get_matches_from(&args)
                .and_then(|m| Cli::from_arg_matches(&m))
        }),
    };
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            match (lang, e.kind()) {
                (
                    _,
                    clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion,
                ) => {
                    let _ = e.print();
                    return ExitCode::SUCCESS;
                }
                // A command given without its subcommand: its (translated) help.
                (_, clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand) => {
                    let _ = e.print();
                }
                (Lang::Zh, _) => errout!("{}", help_zh::error(&e)),
                (Lang::En, _) => {
                    let _ = e.print();
                }
            }
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let lang = Lang::resolve(cli.lang);
    match run(cli.command, lang) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            errln!("{}{}", lang.t("错误：", "error: "), said::render(&e, lang));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn parse_time(s: &str, what: &str) -> Result<OffsetDateTime> {
    // The parser's reason once (its error repeats itself as its own source).
    OffsetDateTime::parse(s, &Rfc3339).map_err(|e| {
        said::said(
            format!("{what}：{s:?} 不是 RFC 3339 时间（例如 2026-01-01T00:00:00+08:00）"),
            format!("{what}: {s:?} is not an RFC 3339 time (e.g. 2026-01-01T00:00:00+08:00): {e}"),
        )
    })
}

/// A time as people read it: RFC 3339 (`2026-12-02T00:00:00+08:00`).
fn show(t: OffsetDateTime) -> String {
    eseal_core::text::beijing(t)
}

fn run(command: Command, lang: Lang) -> Result<u8> {
    let clock = SystemClock;
    match command {
        Command::Serve(args) => service::serve(*args, lang),
        Command::Sim(cmd) => service::sim(cmd, lang),
        Command::Totp { secret } => service::totp(&secret),
        Command::Hsm(cmd) => service::hsm(cmd, lang),
        Command::Audit(cmd) => audit::run(cmd, lang),
        Command::Backup(cmd) => backup::run(cmd, lang),
        Command::User(cmd) => user::run(cmd, lang),
        Command::Trust(cmd) => trust::run(cmd, lang),
        Command::TrustList(cmd) => trustlist::run(cmd, lang),
        Command::Archive(cmd) => archive::run(cmd, lang),
        Command::Transparency(cmd) => transparency::run(cmd, lang),
        Command::Demo { dir } => {
            let dir = dir.unwrap_or_else(|| {
                let stamp = clock.now().unix_timestamp();
                std::env::temp_dir().join(format!("eseal-demo-{stamp}-{}", std::process::id()))
            });
            demo::run(&dir, lang)
        }
        Command::Seal(SealCommand::Inspect { file, json }) => {
            let bytes = files::read(&file)?;
            seal_file_guard(&file, &bytes, lang)?;
            output::inspect(&bytes, json, lang)?;
            Ok(0)
        }
        Command::Seal(SealCommand::Verify {
            file,
            at,
            trust,
            json,
        }) => {
            let bytes = files::read(&file)?;
            seal_file_guard(&file, &bytes, lang)?;
            let at = match at {
                Some(s) => parse_time(&s, "--at")?,
                None => clock.now(),
            };
            let seal = match decode_seal_or_embedded(&bytes) {
                Ok(s) => s,
                Err(e) => {
                    output::print_decode_failure(&file, &e, json, lang)?;
                    return Ok(1);
                }
            };
            let policy = trust::policy(trust.as_deref())?;
            let report = eseal_ses::verify_seal(&seal, at, &policy, &SoftwareVerifier);
            output::print_report(&file, seal.version(), &report, json, lang)?;
            // Like `eseal verify`: 0 PASSED, 1 FAILED, 2 INDETERMINATE (3: usage or I/O).
            Ok(output::indication_code(report.indication()))
        }
        Command::Seal(SealCommand::Make(args)) => {
            make::make(*args, &clock, lang)?;
            Ok(0)
        }
        Command::Sign(SignCommand::Pdf(args)) => pdf::sign(args, &clock, lang).map(|()| 0),
        Command::Sign(SignCommand::Ofd {
            seal,
            kind,
            cert,
            key,
            input,
            out,
            page,
            x,
            y,
            keyword,
            riding,
        }) => {
            let placement = match (keyword, riding) {
                (Some(k), _) => eseal_doc::Placement::Keyword(k),
                (None, true) => eseal_doc::Placement::Riding { y },
                (None, false) => eseal_doc::Placement::Page { page, x, y },
            };
            if input.is_dir() {
                return batch::sign_many(
                    seal.as_deref(),
                    kind == OfdKindArg::Sign,
                    &cert,
                    &key,
                    &input,
                    &out,
                    placement,
                    &clock,
                    lang,
                );
            }
            doc::sign_ofd_file(
                seal.as_deref(),
                kind == OfdKindArg::Sign,
                &cert,
                &key,
                &input,
                &out,
                placement,
                &clock,
            )?;
            errln!(
                "{} {}",
                lang.t("已写出签章文档", "wrote the signed document"),
                out.display()
            );
            Ok(0)
        }
        Command::Sign(SignCommand::External { key, tbs }) => {
            let key = files::read_private_key(&key)?;
            let bytes =
                <base64ct::Base64 as base64ct::Encoding>::decode_vec(tbs.trim()).map_err(|e| {
                    said::said(
                        "--tbs 不是 Base64 编码",
                        format!("--tbs is not base64: {e}"),
                    )
                })?;
            let sig = key.sign(&eseal_gm::SignerId::default(), &bytes)?;
            outln!(
                "{}",
                <base64ct::Base64 as base64ct::Encoding>::encode_string(&sig.to_der())
            );
            Ok(0)
        }
        Command::Sign(SignCommand::Data {
            seal,
            cert,
            key,
            input,
            out,
            format,
            property_info,
        }) => {
            let seal_bytes = files::read(&seal)?;
            let seal =
                decode_seal_or_embedded(&seal_bytes).map_err(|e| said::about(&seal, e.zh(), &e))?;
            if let Some(f) = format
                && Version::from(f) != seal.version()
            {
                return Err(said::said(
                    format!(
                        "--format {} 与印章不符：印章是 {}（签章内嵌其印章，二者版本相同）",
                        Version::from(f).name(),
                        seal.version().name()
                    ),
                    format!(
                        "--format {} does not match the seal, which is {} (a signature embeds its seal, so their versions are the same)",
                        Version::from(f).name(),
                        seal.version().name()
                    ),
                ));
            }
            let cert = files::read_certificate(&cert)?;
            let key = files::read_private_key(&key)?;
            let digest = files::sm3_file(&input)?;
            // propertyInfo is an IA5String: a file name such as 合同.pdf is percent-encoded.
            let property_info = output::percent_encode(&property_info.unwrap_or_else(|| {
                input
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            }));
            let request = SignRequest {
                data_hash: digest,
                signing_time: clock.now(),
                property_info,
            };
            let prepared = eseal_ses::prepare_signature(&seal, &cert, &request)?;
            let signature = prepared.sign(&SoftwareSigner::new(key))?;
            files::write_new(&out, signature.raw())?;
            errln!(
                "{} {}",
                lang.t("已写出签章数据", "wrote the signature"),
                out.display()
            );
            Ok(0)
        }
        Command::Verify(VerifyArgs {
            command: None,
            files,
            data,
            trust,
            at,
            json,
            html: html_out,
            transparency: proof,
            log_key,
            witnesses,
            online,
            offline: _,
        }) => {
            trust::set_online(online);
            let at = at.map(|t| parse_time(&t, "--at")).transpose()?;
            let file = match files.as_slice() {
                [] => {
                    return Err(said::said(
                        "请给出要验证的文件（或用 `eseal verify data …`）",
                        "give the file to verify (or `eseal verify data …`)",
                    ));
                }
                [one] if !one.is_dir() => one.clone(),
                many => {
                    if data.is_some() || html_out.is_some() || proof.is_some() {
                        return Err(said::said(
                            "--data、--html 和 --transparency 只用于一个文件：请给出一个文件，或验证多个文件时不用它们",
                            "--data, --html and --transparency take one file; give one file, or leave them out for several",
                        ));
                    }
                    let all = batch::expand(many)?;
                    return batch::verify_many(&all, trust.as_deref(), at, json, lang);
                }
            };
            // Outputs first: an existing report file is refused before any verification.
            files::ensure_new(html_out.as_deref())?;
            let code = match &data {
                Some(data) => {
                    let kind = doc::kind_of(&file, lang)?;
                    let signature = [eseal_doc::FileKind::Signature, eseal_doc::FileKind::Unknown];
                    if let Some(why) = doc::wrong_kind(&file, kind, &signature, lang) {
                        bail!("{why}");
                    }
                    verify_detached(
                        &file,
                        data,
                        trust.as_deref(),
                        at,
                        json,
                        html_out.as_deref(),
                        lang,
                    )?
                }
                None => {
                    use eseal_doc::FileKind as K;
                    let kind = doc::kind_of(&file, lang)?;
                    if kind == K::Pdf {
                        return pdf::verify(
                            &file,
                            trust.as_deref(),
                            at,
                            json,
                            html_out.as_deref(),
                            lang,
                        );
                    }
                    // A truncated package may not show OFD.xml in what is left: a ZIP is read
                    // as a package, whose reader then names what is wrong.
                    if let Some(why) = doc::wrong_kind(&file, kind, &[K::Ofd, K::Zip], lang) {
                        bail!("{why}");
                    }
                    doc::verify_ofd_file(
                        &file,
                        trust.as_deref(),
                        at,
                        json,
                        html_out.as_deref(),
                        lang,
                    )?
                }
            };
            match (proof, log_key) {
                (Some(proof), Some(key)) => {
                    let logged = transparency::check(
                        &file,
                        data.is_some(),
                        &proof,
                        &key,
                        &witnesses,
                        json,
                        lang,
                    )?;
                    // FAILED (1) outranks INDETERMINATE (2) outranks PASSED (0).
                    Ok(if code == 1 || logged == 1 { 1 } else { code })
                }
                _ => Ok(code),
            }
        }
        Command::Verify(VerifyArgs {
            command:
                Some(VerifyCommand::Data {
                    sig,
                    input,
                    trust,
                    json,
                }),
            ..
        }) => verify_detached(&sig, &input, trust.as_deref(), None, json, None, lang),
        Command::Ca(CaCommand::Serve { dir, listen }) => {
            pki::ca_serve(&dir, &listen)?;
            Ok(0)
        }
        Command::Ca(CaCommand::Init {
            dir,
            name,
            crl_url,
            ocsp_url,
            standard_ids,
        }) => {
            pki::ca_init(&dir, &name, crl_url, ocsp_url, standard_ids, &clock)?;
            outln!(
                "{} {}",
                lang.t("已创建开发测试 CA：", "development CA created in"),
                dir.display()
            );
            Ok(0)
        }
        Command::Ca(CaCommand::Issue {
            dir,
            kind,
            subject,
            out,
            days,
            csr,
        }) => {
            pki::ca_issue(
                &dir,
                &kind,
                subject.as_deref(),
                &out,
                days,
                csr.as_deref(),
                &clock,
            )?;
            Ok(0)
        }
        Command::Ca(CaCommand::Revoke {
            dir,
            serial,
            cert,
            reason,
        }) => {
            pki::ca_revoke(
                &dir,
                serial.as_deref(),
                cert.as_deref(),
                reason.into(),
                &clock,
            )?;
            Ok(0)
        }
        Command::Ca(CaCommand::Crl { dir, out }) => {
            pki::ca_crl(&dir, out.as_deref(), &clock)?;
            Ok(0)
        }
        Command::Cert(CertCommand::Verify {
            cert,
            trust,
            untrusted,
            crl,
            at,
            purpose,
            json,
        }) => {
            let at = match at {
                Some(s) => parse_time(&s, "--at")?,
                None => clock.now(),
            };
            let purpose = match purpose {
                PurposeArg::Signing => eseal_pki::Purpose::Signing,
                PurposeArg::Tsa => eseal_pki::Purpose::TimeStamping,
                PurposeArg::Ca => eseal_pki::Purpose::CertificateSigning,
            };
            pki::cert_verify(&cert, &trust, &untrusted, &crl, at, purpose, json, lang)
        }
        Command::Csr { key, subject, out } => {
            pki::csr(&key, &subject, &out)?;
            Ok(0)
        }
        Command::P12(P12Command::Import {
            file,
            password,
            out,
        }) => {
            pki::p12_import(&file, &password, &out)?;
            Ok(0)
        }
        Command::Impression(cmd) => impression::run(cmd, lang),
        Command::Render(args) => render::run(args, lang),
        Command::Bench { seconds } => {
            bench::run(seconds)?;
            Ok(0)
        }
        Command::Key(KeyCommand::Generate { out }) => {
            let key = eseal_gm::Sm2PrivateKey::generate(&eseal_gm::provider::OsRandom)?;
            files::write_secret(&out, key.to_pkcs8_pem()?.as_bytes())?;
            Ok(0)
        }
    }
}

/// A seal file, or a signature file (its embedded seal).
/// Refuses a file that is recognisably not seal data (nor a signature carrying one), saying
/// what it is and what to do; anything else goes to the decoder, which names its faults.
fn seal_file_guard(file: &std::path::Path, bytes: &[u8], lang: Lang) -> Result<()> {
    use eseal_doc::FileKind as K;
    let kind = eseal_doc::FileKind::sniff(bytes);
    match doc::wrong_kind(file, kind, &[K::Seal, K::Signature, K::Unknown], lang) {
        Some(why) => bail!("{why}"),
        None => Ok(()),
    }
}

fn decode_seal_or_embedded(bytes: &[u8]) -> Result<AnySeal, eseal_ses::SesError> {
    match eseal_ses::detect(bytes)? {
        eseal_ses::StructureKind::Seal => AnySeal::decode(bytes).map(|(s, _)| s),
        eseal_ses::StructureKind::Signature => AnySignature::decode(bytes).map(|(s, _)| s.seal()),
    }
}

/// A detached SES_Signature over a file: exit 0 valid, 1 invalid, 2 indeterminate.
fn verify_detached(
    sig: &Path,
    input: &Path,
    trust: Option<&Path>,
    at: Option<OffsetDateTime>,
    json: bool,
    html_out: Option<&Path>,
    lang: Lang,
) -> Result<u8> {
    let bytes = files::read(sig)?;
    let digest = files::sm3_file(input)?;
    let signature = match AnySignature::decode(&bytes) {
        Ok((s, _)) => s,
        Err(e) => {
            output::print_decode_failure(sig, &e, json, lang)?;
            return Ok(1);
        }
    };
    let report = eseal_ses::verify_signature(
        &signature,
        eseal_ses::SignedData::Digest(digest),
        &{
            let policy = trust::policy(trust)?;
            eseal_ses::VerifyPolicy {
                now: at.or(policy.now),
                ..policy
            }
        },
        &SoftwareVerifier,
    );
    output::print_report(sig, signature.version(), &report, json, lang)?;
    if let Some(out) = html_out {
        let seal = signature.seal();
        let view = seal.view().ok();
        let picture = view.as_ref().and_then(|v| {
            eseal_doc::ofd::picture_mime(v.picture).map(|m| (m, v.picture.data.as_slice()))
        });
        let section = html::Section {
            title: view.map(|v| v.name.text()).unwrap_or_default(),
            indication: report.indication(),
            checks: &report.checks,
            picture,
            advice: report.advice(),
        };
        files::write_new(
            out,
            html::page(
                &sig.display().to_string(),
                report.indication(),
                &[section],
                &html::Pages::None,
                lang,
            )
            .as_bytes(),
        )?;
    }
    Ok(output::indication_code(report.indication()))
}
