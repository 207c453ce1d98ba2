//! Signing sessions held in memory (the PIN opens a seal key once for a bounded time and
//! number of signatures). A leaf: the state holds them, signing opens and uses them.

use crate::failure::{Failure, Kind};
use eseal_core::Text;
use eseal_gm::Sm2PrivateKey;
use time::OffsetDateTime;

/// One open session.
pub(crate) struct OpenSession {
    pub(crate) seal_id: String,
    pub(crate) user: String,
    pub(crate) key: Sm2PrivateKey,
    pub(crate) expires: OffsetDateTime,
    pub(crate) remaining: u32,
}

/// Signing sessions (USB-key style): the PIN opens the seal key once, and the key stays in
/// this process's memory for a bounded time and number of signatures, bound to the seal and
/// the user. Never written anywhere; dropped (zeroized) on expiry, exhaustion, or restart.
#[derive(Default)]
pub struct Sessions {
    open: std::sync::Mutex<std::collections::HashMap<String, OpenSession>>,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions").finish_non_exhaustive()
    }
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, OpenSession>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The key of a live session for this seal and user, counting `signatures`.
    pub fn take(
        &self,
        token: &str,
        seal_id: &str,
        user: &str,
        now: OffsetDateTime,
        signatures: u32,
    ) -> Result<Sm2PrivateKey, Failure> {
        let id = eseal_gm::Sm3Digest::of(token.as_bytes()).to_hex();
        let mut open = self.lock();
        open.retain(|_, s| s.expires > now && s.remaining > 0);
        let ended = |zh: String, en: String| {
            Failure::new(
                Kind::Unauthenticated,
                "signing_session_ended",
                Text::new(zh, en),
            )
            .at("session")
        };
        let gone = || {
            ended(
                "签章会话不存在、已过期或已用完，请用 PIN 重新解锁".into(),
                "the signing session is unknown, expired or used up; unlock again with the PIN"
                    .into(),
            )
        };
        let session = open.get_mut(&id).ok_or_else(gone)?;
        if session.seal_id != seal_id || session.user != user {
            return Err(gone());
        }
        if session.remaining < signatures {
            return Err(ended(
                format!(
                    "签章会话只剩 {} 次，少于所需的 {signatures} 次，请用 PIN 重新解锁",
                    session.remaining
                ),
                format!(
                    "the signing session has {} signatures left, fewer than the {signatures} asked; unlock again with the PIN",
                    session.remaining
                ),
            ));
        }
        session.remaining -= signatures;
        Ok(session.key.clone())
    }

    /// Closes every session of a seal (its key was replaced).
    pub fn close_seal(&self, seal_id: &str) {
        self.lock().retain(|_, s| s.seal_id != seal_id);
    }

    pub(crate) fn insert(&self, token_id: String, session: OpenSession) {
        self.lock().insert(token_id, session);
    }
}
