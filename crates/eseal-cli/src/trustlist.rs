//! `eseal trust-list`: the managed trust list of online verification (the anchors of other
//! CAs, issue 16 item 5) from the server, for an operator — the same rules as the API's
//! `/api/v1/trust-list` (they live in `eseal_server::trustlist`), audited with the operator
//! as the actor.

use crate::audit::{DbArgs, open_store, runtime};
use crate::i18n::Lang;
use anyhow::Result;
use clap::Subcommand;
use std::path::PathBuf;
use time::OffsetDateTime;

/// `eseal trust-list`.
#[derive(Subcommand, Debug)]
pub enum TrustListCommand {
    /// Every entry with its state now (active, removed, not yet or no longer trusted).
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Add a CA certificate (PEM or DER file) to the trust list (audited as done by the
    /// operator).
    Add {
        /// The CA certificate file.
        certificate: PathBuf,
        /// What it is (e.g. 国家政务服务平台 CA).
        #[arg(long)]
        label: String,
        /// Why it is trusted.
        #[arg(long)]
        reason: String,
        /// Trusted from (RFC 3339; default: the certificate's notBefore).
        #[arg(long)]
        from: Option<String>,
        /// Trusted until (RFC 3339; default: the certificate's notAfter).
        #[arg(long)]
        until: Option<String>,
        /// Where the CA publishes its CRL, when its certificates name no distribution point.
        #[arg(long)]
        crl_url: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Remove an entry (its SM3 or first 16 hex digits) with a reason; it stays listed as
    /// removed (audited as done by the operator).
    Remove {
        /// The entry's id.
        id: String,
        /// Why it is no longer trusted.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

fn day(t: i64) -> String {
    OffsetDateTime::from_unix_timestamp(t)
        .map(crate::show)
        .unwrap_or_else(|_| t.to_string())
}

fn state(lang: Lang, s: &str) -> &'static str {
    match s {
        "active" => lang.t("生效", "active"),
        "removed" => lang.t("已移除", "removed"),
        "not_yet" => lang.t("尚未生效", "not yet trusted"),
        _ => lang.t("已过期", "expired"),
    }
}

fn print(lang: Lang, a: &eseal_server::trustlist::TrustAnchor, now: OffsetDateTime) {
    outln!(
        "{}  {}  {}",
        a.id.get(..16).unwrap_or(&a.id),
        state(lang, a.state_at(now)),
        a.label
    );
    outln!("    {}{}", lang.t("主体：", "subject: "), a.subject);
    outln!(
        "    {}{} .. {}",
        lang.t("信任期：", "trusted: "),
        day(a.trusted_from),
        day(a.trusted_until)
    );
    let sep = lang.t("，", ", ");
    outln!(
        "    {}{}{sep}{}{sep}{}",
        lang.t("添加：", "added: "),
        a.added_by,
        day(a.added_at),
        a.reason
    );
    if let Some(url) = &a.crl_url {
        outln!("    CRL: {url}");
    }
    if let Some(r) = &a.removed {
        outln!(
            "    {}{}{sep}{}{sep}{}",
            lang.t("移除：", "removed: "),
            r.by,
            day(r.at),
            r.reason
        );
    }
}

/// Runs `eseal trust-list`.
pub fn run(cmd: TrustListCommand, lang: Lang) -> Result<u8> {
    let now = OffsetDateTime::now_utc();
    let rt = runtime()?;
    rt.block_on(async {
        match cmd {
            TrustListCommand::List { db } => {
                let store = open_store(db).await?;
                let all = eseal_server::trustlist::list(&store).await;
                store.close().await;
                let all = all.map_err(|e| crate::said::text(&e.detail))?;
                if all.is_empty() {
                    outln!("{}", lang.t("信任列表为空", "the trust list is empty"));
                }
                for a in &all {
                    print(lang, a, now);
                }
            }
            TrustListCommand::Add {
                certificate,
                label,
                reason,
                from,
                until,
                crl_url,
                db,
            } => {
                let bytes = std::fs::read(&certificate)
                    .map_err(|e| crate::said::io(crate::files::READ, &certificate, &e))?;
                let trusted_from = from.map(|t| crate::parse_time(&t, "--from")).transpose()?;
                let trusted_until = until
                    .map(|t| crate::parse_time(&t, "--until"))
                    .transpose()?;
                let store = open_store(db).await?;
                let done = eseal_server::store::audit::ACTOR
                    .scope(
                        crate::user::operator(),
                        eseal_server::trustlist::add(
                            &store,
                            &crate::user::operator(),
                            eseal_server::trustlist::AddAnchor {
                                certificate: bytes,
                                label,
                                trusted_from,
                                trusted_until,
                                reason,
                                crl_url,
                            },
                            now,
                        ),
                    )
                    .await;
                store.close().await;
                let added = done.map_err(|e| crate::said::text(&e.detail))?;
                outln!("{}", lang.t("已加入信任列表：", "added to the trust list:"));
                print(lang, &added, now);
            }
            TrustListCommand::Remove { id, reason, db } => {
                let store = open_store(db).await?;
                let done = eseal_server::store::audit::ACTOR
                    .scope(
                        crate::user::operator(),
                        eseal_server::trustlist::remove(
                            &store,
                            &crate::user::operator(),
                            &id,
                            &reason,
                            now,
                        ),
                    )
                    .await;
                store.close().await;
                let removed = done.map_err(|e| crate::said::text(&e.detail))?;
                outln!(
                    "{}",
                    lang.t("已从信任列表移除：", "removed from the trust list:")
                );
                print(lang, &removed, now);
            }
        }
        Ok(0)
    })
}
