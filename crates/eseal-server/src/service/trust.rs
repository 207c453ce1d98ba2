//! The trust list service (R-X-2 mutual recognition): anchors of other CAs whose documents
//! online verification accepts, added and removed by the security administrator with a
//! reason. The operator's CLI on the server (`eseal trust`) writes through
//! [`crate::trustlist`] directly, as the machine's owner.

use super::roles::*;
use crate::access::require;
use crate::auth::Caller;
use crate::failure::Result;
use crate::state::AppState;
use crate::trustlist::{self, AddAnchor, Listed};

/// The trust list service. Made by [`AppState::trust_list`].
#[derive(Clone, Copy)]
pub struct TrustList<'a> {
    s: &'a AppState,
}

impl std::fmt::Debug for TrustList<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TrustList")
    }
}

impl AppState {
    /// The trust list service acting on this state.
    pub fn trust_list(&self) -> TrustList<'_> {
        TrustList { s: self }
    }
}

impl TrustList<'_> {
    /// Every entry with its state now (public).
    pub async fn list(&self) -> Result<Vec<Listed>> {
        let now = self.s.now();
        Ok(trustlist::list(self.s.store())
            .await?
            .into_iter()
            .map(|a| Listed::at(a, now))
            .collect())
    }

    /// Adds a CA certificate.
    pub async fn add(&self, actor: &Caller, anchor: AddAnchor) -> Result<Listed> {
        require(actor, MANAGE_TRUST)?;
        let now = self.s.now();
        let added = trustlist::add(self.s.store(), &actor.actor(), anchor, now).await?;
        Ok(Listed::at(added, now))
    }

    /// Removes an entry (by its SM3 or its first 16 hex digits) with a reason.
    pub async fn remove(&self, actor: &Caller, id: &str, reason: &str) -> Result<Listed> {
        require(actor, MANAGE_TRUST)?;
        let now = self.s.now();
        let removed = trustlist::remove(self.s.store(), &actor.actor(), id, reason, now).await?;
        Ok(Listed::at(removed, now))
    }
}
