//! `eseal user`: what an operator on the server does when nobody can do it through the API
//! (issue 14 item 10): unlock an account — the only administrator's, say, locked by someone
//! else's five wrong passwords. It works on the database directly, like the service, and is
//! audited with the operator as the actor.

use crate::audit::{DbArgs, open_store, runtime};
use anyhow::{Result, anyhow};
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
}

/// The actor of an operator's command: `operator:<login name>`.
fn operator() -> String {
    let who = std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".into());
    format!("operator:{}", eseal_core::text::printable(&who))
}

/// Runs `eseal user`.
pub fn run(cmd: UserCommand) -> Result<u8> {
    match cmd {
        UserCommand::Unlock { username, db } => {
            let rt = runtime()?;
            rt.block_on(async {
                let store = open_store(db).await?;
                let done = eseal_store::audit::ACTOR
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
                done.map_err(|e| anyhow!("{}", e.detail))
            })?;
            println!("{username}: unlocked");
            Ok(0)
        }
    }
}
