//! `eseal user`: what an operator on the server does when nobody can do it through the API
//! (issue 14 item 10): unlock an account — the only administrator's, say, locked by someone
//! else's five wrong passwords. It works on the database directly, like the service, and is
//! audited with the operator as the actor.

use crate::audit::{DbArgs, open_store, runtime};
use anyhow::Result;
use clap::Subcommand;

/// `eseal user`.
#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Unlock an account locked after failed logins (audited as done by the operator).
    Unlock {
        /// The user name.
        username: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// A lost password or authenticator (the administrator's, say): a new one-time password
    /// and TOTP secret, printed once; the user's sessions end. Audited as done by the
    /// operator. Needs the data key: give the data directory (with PostgreSQL also
    /// --database; with an HSM, ESEAL_DATA_KEY cannot be used: run it where the service runs).
    Reset {
        /// The user name.
        username: String,
        /// The service's data directory (its data key, and its SQLite database unless
        /// --database is given).
        #[arg(long)]
        data: std::path::PathBuf,
        /// The PostgreSQL database, when the service uses one.
        #[arg(long, env = "ESEAL_DATABASE")]
        database: Option<String>,
        /// The PostgreSQL schema.
        #[arg(long)]
        database_schema: Option<String>,
    },
}

/// The actor of an operator's command: `operator:<login name>`.
pub(crate) fn operator() -> String {
    let who = std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".into());
    format!("operator:{}", eseal_core::text::printable(&who))
}

/// Runs `eseal user`.
pub fn run(cmd: UserCommand, lang: crate::i18n::Lang) -> Result<u8> {
    match cmd {
        UserCommand::Unlock { username, db } => {
            let rt = runtime()?;
            rt.block_on(async {
                let store = open_store(db).await?;
                let done = eseal_server::store::audit::ACTOR
                    .scope(
                        operator(),
                        eseal_server::auth::unlock(
                            &store,
                            &username,
                            time::OffsetDateTime::now_utc(),
                        ),
                    )
                    .await;
                store.close().await;
                done.map_err(|e| crate::said::text(&e.detail))
            })?;
            outln!("{username}{}", lang.t("：已解锁", ": unlocked"));
            Ok(0)
        }
        UserCommand::Reset {
            username,
            data,
            database,
            database_schema,
        } => {
            let random = eseal_gm::provider::OsRandom;
            let key = eseal_server::app::load_data_key(&data, &random, false)
                .map_err(|e| crate::said::text(&e.detail))?;
            let rt = runtime()?;
            let (password, enrolment) = rt.block_on(async {
                let store = match (&database, &database_schema) {
                    (Some(url), Some(schema)) => {
                        eseal_server::store::Store::open_postgres_in_schema(url, schema).await?
                    }
                    (Some(url), None) => eseal_server::store::Store::open_url(url).await?,
                    (None, _) => eseal_server::store::Store::open_sqlite(&data).await?,
                };
                let done = eseal_server::store::audit::ACTOR
                    .scope(
                        operator(),
                        eseal_server::auth::reset_credentials(
                            &store,
                            &key,
                            &username,
                            time::OffsetDateTime::now_utc(),
                            &random,
                        ),
                    )
                    .await;
                store.close().await;
                done.map_err(|e| crate::said::text(&e.detail))
            })?;
            outln!(
                "{username}{}",
                lang.t(
                    "：新的登录凭据（只显示这一次）",
                    ": new credentials (shown once)"
                )
            );
            outln!("  {}{password}", lang.t("口令：", "password: "));
            outln!(
                "  {}{}",
                lang.t("TOTP 密钥：", "TOTP secret: "),
                enrolment.totp_secret
            );
            outln!("  {}", enrolment.otpauth_uri);
            outln!(
                "  {}",
                match lang {
                    crate::i18n::Lang::Zh =>
                        format!("{username} 下次登录时必须设置新口令并绑定新的身份验证器"),
                    crate::i18n::Lang::En => format!(
                        "at the next login {username} must choose a new password and bind a new authenticator"
                    ),
                }
            );
            Ok(0)
        }
    }
}
